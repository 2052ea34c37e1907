import { codePointHead, cut } from '../../src/common/cut-text.js'

describe('cutting text by code points', () => {
  it('keeps a text of at most max code points whole, even when it has more UTF-16 units', () => {
    expect(cut('abc', 3)).toBe('abc')
    expect(cut('😀😀', 2)).toBe('😀😀')
    expect(codePointHead('😀😀', 2)).toBe('😀😀')
  })

  it('cuts after max code points, never inside a surrogate pair, and marks the cut', () => {
    expect(cut('abcdef', 3)).toBe('abc…')
    expect(cut('😀😀😀', 1)).toBe('😀…')
    expect(codePointHead('a😀b', 2)).toBe('a😀')
    expect(codePointHead('abc', 0)).toBe('')
  })
})
