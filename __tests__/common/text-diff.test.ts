import { lineDiff, wordDiff } from '../../src/common/text-diff.js'

describe('text diff', () => {
  it('diffs words, keeping the common head and tail', () => {
    expect(wordDiff('the capital is Paris today', 'the capital is Lyon today').parts).toEqual([
      { kind: 'same', tokens: ['the', ' ', 'capital', ' ', 'is', ' '] },
      { kind: 'removed', tokens: ['Paris'] },
      { kind: 'added', tokens: ['Lyon'] },
      { kind: 'same', tokens: [' ', 'today'] },
    ])
  })

  it('diffs lines by their longest common subsequence', () => {
    expect(lineDiff('a\nb\nc\nd', 'a\nc\nx\nd').parts).toEqual([
      { kind: 'same', tokens: ['a'] },
      { kind: 'removed', tokens: ['b'] },
      { kind: 'same', tokens: ['c'] },
      { kind: 'added', tokens: ['x'] },
      { kind: 'same', tokens: ['d'] },
    ])
    expect(lineDiff('same', 'same')).toEqual({
      parts: [{ kind: 'same', tokens: ['same'] }],
      uncompared: { expected: 0, actual: 0 },
    })
  })

  it('compares at most maxTokens of each middle, and says how many it left out', () => {
    const a = Array.from({ length: 50 }, (_, i) => `a${i}`).join('\n')
    const b = Array.from({ length: 30 }, (_, i) => `b${i}`).join('\n')
    const diff = lineDiff(`head\n${a}\ntail`, `head\n${b}\ntail`, 10)
    expect(diff.uncompared).toEqual({ expected: 40, actual: 20 })
    expect(diff.parts.map((part) => [part.kind, part.tokens.length])).toEqual([
      ['same', 1],
      ['removed', 10],
      ['added', 10],
    ])
  })
})
