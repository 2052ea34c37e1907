import { countWords } from '../../../src/grading/graders/counts.js'
import { compileError, grade } from './fixtures.js'

describe('word-count', () => {
  it('counts runs of non-whitespace, as promptfoo does', () => {
    expect(countWords('')).toBe(0)
    expect(countWords('   \n\t ')).toBe(0)
    expect(countWords('one')).toBe(1)
    expect(countWords('  Hello,   world!\nHow are\tyou? ')).toBe(5)
    expect(countWords('state-of-the-art — done')).toBe(3)
  })

  it.each([
    ['word-count', 3, 'one two three', true],
    ['word-count', '3', 'one two three', true],
    ['word-count', 3, 'one two', false],
    ['word-count', 0, '  ', true],
    ['word-count', { min: 2, max: 4 }, 'one two three', true],
    ['word-count', { min: 2, max: 4 }, 'one', false],
    ['word-count', { min: 2, max: 4 }, 'a b c d e', false],
    ['word-count', { min: 2, max: 2 }, 'a b', true],
    ['word-count', { min: 3 }, 'a b c d', true],
    ['word-count', { min: 3 }, 'a b', false],
    ['word-count', { max: 3 }, 'a b c', true],
    ['word-count', { max: 3 }, 'a b c d', false],
    ['not-word-count', 3, 'one two', true],
    ['not-word-count', 3, 'one two three', false],
    ['not-word-count', { min: 2, max: 4 }, 'a b c d e', true],
    ['not-word-count', { max: 3 }, 'a b', false],
  ])('%s %j on %j passes: %s', async (type, value, output, pass) => {
    const result = await grade({ type, value }, output)
    expect(result.pass).toBe(pass)
    expect(result.score).toBe(pass ? 1 : 0)
  })

  it('says what it wanted and what it counted', async () => {
    expect((await grade({ type: 'word-count', value: { min: 2, max: 4 } }, 'one')).reason).toBe(
      'expected between 2 and 4 words; output has 1 word',
    )
    expect((await grade({ type: 'word-count', value: 2 }, 'a b')).reason).toBe(
      'output has 2 words (exactly 2)',
    )
    expect((await grade({ type: 'not-word-count', value: { max: 3 } }, 'a b')).reason).toBe(
      'expected not at most 3 words; output has 2 words',
    )
    expect((await grade({ type: 'word-count', value: { min: 3 } }, 'a b')).reason).toBe(
      'expected at least 3 words; output has 2 words',
    )
  })

  it('counts the transformed output', async () => {
    const result = await grade({ type: 'word-count', value: 1, transform: 'output.split(" ")[0]' }, 'a b c')
    expect(result.pass).toBe(true)
  })

  it.each([
    [{ type: 'word-count' }, "word-count needs a 'value'"],
    [
      { type: 'word-count', value: -1 },
      "word-count needs a 'value' that is a whole number of 0 or more; got -1",
    ],
    [{ type: 'word-count', value: 2.5 }, 'whole number'],
    [{ type: 'word-count', value: 'ten' }, 'got "ten"'],
    [{ type: 'word-count', value: [1, 2] }, 'whole number'],
    [{ type: 'word-count', value: {} }, "needs 'min' and/or 'max'"],
    [{ type: 'word-count', value: { min: 5, max: 2 } }, 'min 5 above max 2; swap them'],
    [{ type: 'word-count', value: { minimum: 5 } }, "takes 'min' and 'max' in its value, not 'minimum'"],
    [{ type: 'word-count', value: { min: 'x' } }, "word-count needs 'min' that is a whole number"],
  ])('refuses %j at compile: %s', async (raw, message) => {
    const error = await compileError(raw)
    expect(error.message).toContain(message)
    expect(error.key).toBe('value')
  })
})
