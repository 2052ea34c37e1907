import { editDistance, rougeN, treebankTokens } from '../../../src/grading/graders/index.js'
import { compileError, grade } from './fixtures.js'

/** The textbook O(n*m) edit distance over code points, to check the banded one against. */
function naive(a: string, b: string): number {
  const s = Array.from(a)
  const t = Array.from(b)
  let row = Array.from({ length: t.length + 1 }, (_, j) => j)
  for (let i = 1; i <= s.length; i++) {
    const next = [i]
    for (let j = 1; j <= t.length; j++) {
      next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (s[i - 1] === t[j - 1] ? 0 : 1))
    }
    row = next
  }
  return row[t.length]
}

describe('editDistance', () => {
  it.each([
    ['kitten', 'sitting', 3],
    ['', 'abc', 3],
    ['abc', '', 3],
    ['same', 'same', 0],
    ['café', 'cafe', 1],
    ['👍 ok', '👎 ok', 1],
  ])('%j -> %j is %d', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d)
  })

  it('is exact up to the limit and above it beyond, on random strings', () => {
    let seed = 7
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
    const word = () =>
      Array.from({ length: Math.floor(random() * 12) }, () => 'abc'[Math.floor(random() * 3)]).join('')
    for (let i = 0; i < 500; i++) {
      const a = word()
      const b = word()
      const limit = Math.floor(random() * 6)
      const exact = naive(a, b)
      expect(editDistance(a, b)).toBe(exact)
      const banded = editDistance(a, b, limit)
      if (exact <= limit) expect(banded).toBe(exact)
      else expect(banded).toBeGreaterThan(limit)
    }
  })
})

describe('levenshtein', () => {
  it('passes within promptfoo’s default of 5 edits', async () => {
    expect(
      await grade({ type: 'levenshtein', value: 'The capital is Paris' }, 'The capital is Paris.'),
    ).toMatchObject({
      pass: true,
      score: 1,
      reason: 'edit distance to "The capital is Paris" is 1 (threshold 5)',
    })
    expect((await grade({ type: 'levenshtein', value: 'abcdefghij' }, 'abcde')).pass).toBe(true)
    expect(await grade({ type: 'levenshtein', value: 'abcdefghij' }, 'abcd')).toMatchObject({
      pass: false,
      score: 0,
      reason: 'expected edit distance to "abcdefghij" of at most 5; it is more than 5',
    })
  })

  it('takes a threshold, including 0 for an exact match', async () => {
    expect((await grade({ type: 'levenshtein', value: 'Paris', threshold: 0 }, 'Paris')).pass).toBe(true)
    expect((await grade({ type: 'levenshtein', value: 'Paris', threshold: 0 }, 'paris')).pass).toBe(false)
    expect((await grade({ type: 'levenshtein', value: 'Paris', threshold: 1 }, 'paris')).pass).toBe(true)
    expect((await grade({ type: 'levenshtein', value: 'Paris', threshold: 10 }, '')).reason).toBe(
      'edit distance to "Paris" is 5 (threshold 10)',
    )
  })

  it('inverts as not-levenshtein', async () => {
    expect((await grade({ type: 'not-levenshtein', value: 'Paris' }, 'Paris!')).pass).toBe(false)
    expect(await grade({ type: 'not-levenshtein', value: 'Paris', threshold: 1 }, 'London')).toMatchObject({
      pass: true,
      score: 1,
      reason: 'edit distance to "Paris" is more than 1, above threshold 1',
    })
  })

  it('takes any threshold of 0 or more, as promptfoo does: 2.5 passes 2 edits, not 3', async () => {
    const grade25 = (output: string) =>
      grade({ type: 'levenshtein', value: 'abcdef', threshold: 2.5 }, output)
    expect(await grade25('abcd')).toMatchObject({
      pass: true,
      reason: 'edit distance to "abcdef" is 2 (threshold 2.5)',
    })
    expect(await grade25('abc')).toMatchObject({
      pass: false,
      reason: 'expected edit distance to "abcdef" of at most 2.5; it is more than 2.5',
    })
    expect(editDistance('abcdef', 'abc', 2.5)).toBeGreaterThan(2.5)
    expect(await compileError({ type: 'levenshtein', value: 'x', threshold: -1 })).toMatchObject({
      key: 'threshold',
      message: "levenshtein has an invalid 'threshold' -1: the most edits that pass (default 5)",
    })
  })
})

describe('rouge-n', () => {
  it('tokenizes as the Penn Treebank does: marks and clitics split off, numbers with separators kept', () => {
    expect(treebankTokens("Don't pay $12,000 at 12:30, OK?")).toEqual([
      'Do',
      "n't",
      'pay',
      '$',
      '12,000',
      'at',
      '12:30',
      ',',
      'OK',
      '?',
    ])
    expect(treebankTokens('I cannot say "hi" (twice); we\'ll see.')).toEqual([
      'I',
      'can',
      'not',
      'say',
      '``',
      'hi',
      "''",
      '(',
      'twice',
      ')',
      ';',
      'we',
      "'ll",
      'see',
      '.',
    ])
    expect(treebankTokens('Ça coûte 3.5 €')).toEqual(['Ça', 'coûte', '3.5', '€'])
    expect(treebankTokens('  ')).toEqual([])
  })

  it('reads one sentence: only the final period splits off, and only ASCII marks split', () => {
    // promptfoo's ROUGE gives "Dr." and "said." inside a text, "cat—a" and "Smith’s" as single tokens.
    expect(treebankTokens('Dr. Smith’s cat—a tabby—said. Then the U.S.')).toEqual([
      'Dr.',
      'Smith’s',
      'cat—a',
      'tabby—said.',
      'Then',
      'the',
      // An abbreviation's final period stays with it.
      'U.S.',
    ])
    expect(
      rougeN('Dr. Smith’s cat—a 3-year-old tabby—costs $1,200.50!', "dr smith's cat, a 3-year-old tabby"),
    ).toBeCloseTo(
      // candidate: dr. smith’s cat—a 3-year-old tabby—costs $ 1,200.50 ! (8); reference: dr smith 's cat , a
      // 3-year-old tabby (8); shared: 3-year-old. P = R = 1/8
      1 / 8,
      10,
    )
  })

  it('keeps hyphenated words whole, as the Treebank tokenizer does', () => {
    expect(treebankTokens('A state-of-the-art, COVID-19-safe 3-day plan - not')).toEqual([
      'A',
      'state-of-the-art',
      ',',
      'COVID-19-safe',
      '3-day',
      'plan',
      '-',
      'not',
    ])
    expect(rougeN('a state-of-the-art model', 'state-of-the-art')).toBeCloseTo(0.5, 10)
    expect(rougeN('the art of the state', 'state-of-the-art')).toBe(0)
  })

  it('is the ROUGE-1 F1 with clipped counts, as promptfoo computes it', () => {
    expect(rougeN('the cat sat on the mat', 'the cat sat on the mat')).toBe(1)
    // 3 shared of 3 candidate and 6 reference unigrams: P = 1, R = 0.5
    expect(rougeN('the cat sat', 'the cat sat on the mat')).toBeCloseTo(2 / 3, 10)
    // "the" twice in the candidate, once in the reference: counted once
    expect(rougeN('the the cat', 'the cat')).toBeCloseTo(0.8, 10)
    // promptfoo's ROUGE lower-cases both texts
    expect(rougeN('Hello World', 'hello world')).toBe(1)
    expect(rougeN('THE CAT', 'the cat sat on the mat')).toBeCloseTo(0.5, 10)
    expect(rougeN('', 'reference')).toBe(0)
    expect(rougeN('the cat sat', 'the cat sat on the mat', 2)).toBeCloseTo((2 * 1 * 0.4) / 1.4, 10)
  })

  it('passes at promptfoo’s default threshold of 0.75, or the one given', async () => {
    const reference = 'The refund window is thirty days from delivery.'
    expect(
      await grade({ type: 'rouge-n', value: reference }, 'The refund window is thirty days from delivery!'),
    ).toMatchObject({
      pass: true,
      reason: 'ROUGE-N 0.89 >= threshold 0.75',
    })
    // 3 shared of 5 candidate and 3 reference unigrams: F1 0.75, 0.7499999999999999 in floating point.
    expect(
      await grade({ type: 'rouge-n', value: 'thirty days refund' }, 'a thirty days refund window'),
    ).toMatchObject({ pass: true, reason: 'ROUGE-N 0.75 >= threshold 0.75' })
    const partial = await grade({ type: 'rouge-n', value: reference }, 'Refunds: thirty days.')
    expect(partial).toMatchObject({
      pass: false,
      reason: 'expected ROUGE-N to reach threshold; ROUGE-N 0.43 < threshold 0.75',
    })
    expect(partial.score).toBeCloseTo(3 / 7, 10)
    expect(await grade({ type: 'not-rouge-n', value: reference }, 'Refunds: thirty days.')).toMatchObject({
      pass: true,
      reason: 'ROUGE-N 0.43 < threshold 0.75',
    })
    expect(
      await grade(
        { type: 'not-rouge-n', value: reference },
        'The refund window is thirty days from delivery!',
      ),
    ).toMatchObject({
      pass: false,
      reason: 'expected ROUGE-N below threshold; ROUGE-N 0.89 >= threshold 0.75',
    })
    expect(
      (await grade({ type: 'rouge-n', value: reference, threshold: 0.4 }, 'Refunds: thirty days.')).pass,
    ).toBe(true)
    const inverse = await grade({ type: 'not-rouge-n', value: reference }, 'Refunds: thirty days.')
    expect(inverse.pass).toBe(true)
    expect(inverse.score).toBeCloseTo(4 / 7, 10)
    expect(await grade({ type: 'rouge-n', value: reference }, '')).toMatchObject({ pass: false, score: 0 })
  })

  it('needs a reference with words and a threshold between 0 and 1', async () => {
    expect((await compileError({ type: 'rouge-n', value: '   ' })).message).toBe(
      "rouge-n needs a reference 'value' with at least one word",
    )
    expect((await compileError({ type: 'rouge-n', value: 'x', threshold: -0.1 })).key).toBe('threshold')
  })
})
