import { bleuScore, gleuScore } from '../../../src/grading/graders/ngram-overlap.js'
import { compileError, grade } from './fixtures.js'

const CANDIDATE = 'the cat sat on the mat'
const REFERENCE = 'the cat sat on the red mat'

describe('bleuScore', () => {
  it('is 1 for the reference itself, ignoring case', () => {
    expect(bleuScore('The Cat sat on the mat', ['the cat sat on the mat'])).toBe(1)
  })

  it('is the geometric mean of the 1- to 4-gram precisions times the brevity penalty', () => {
    // precisions 6/6, 4/5, 3/4, 2/3; 6 words against 7: exp(1 - 7/6)
    expect(bleuScore(CANDIDATE, [REFERENCE])).toBeCloseTo(
      Math.pow(1 * 0.8 * 0.75 * (2 / 3), 0.25) * Math.exp(-1 / 6),
      12,
    )
  })

  it('takes the brevity penalty from the reference closest in length', () => {
    expect(bleuScore(CANDIDATE, ['a dog', `${CANDIDATE} today`])).toBeCloseTo(Math.exp(1 - 7 / 6), 12)
  })

  it('puts 1e-7 in place of a zero precision, and scores an empty output 0', () => {
    expect(bleuScore('hello world', ['goodbye moon'])).toBeCloseTo(1e-7, 12)
    expect(bleuScore('  ', ['x'])).toBe(0)
  })
})

describe('gleuScore', () => {
  it('is the lesser of precision and recall over the 1- to 4-grams together', () => {
    // matches 6+4+3+2 = 15; candidate n-grams 18, reference 22
    expect(gleuScore(CANDIDATE, [REFERENCE])).toBeCloseTo(15 / 22, 12)
  })

  it('is 1 for the reference (trailing periods and case aside), the best of several, and 0 for nothing', () => {
    expect(gleuScore('The cat sat on the mat.', [CANDIDATE])).toBe(1)
    expect(gleuScore(CANDIDATE, ['dogs bark', REFERENCE])).toBeCloseTo(15 / 22, 12)
    expect(gleuScore('', [REFERENCE])).toBe(0)
    expect(gleuScore('a b', ['c d'])).toBe(0)
  })
})

describe('bleu and gleu assertions', () => {
  it.each([
    ['bleu', REFERENCE, undefined, true],
    ['bleu', REFERENCE, 0.7, false],
    ['bleu', [REFERENCE, CANDIDATE], 0.99, true],
    ['not-bleu', REFERENCE, 0.7, true],
    ['not-bleu', REFERENCE, undefined, false],
    ['gleu', REFERENCE, undefined, true],
    ['gleu', REFERENCE, 0.7, false],
    ['not-gleu', 'something else entirely', undefined, true],
  ])('%s %j (threshold %s) passes: %s', async (type, value, threshold, pass) => {
    const result = await grade({ type, value, ...(threshold !== undefined && { threshold }) }, CANDIDATE)
    expect(result.pass).toBe(pass)
  })

  it('scores the not- form as 1 minus the score, and shows the score against the threshold', async () => {
    const bleu = await grade({ type: 'bleu', value: REFERENCE, threshold: 0.7 }, CANDIDATE)
    expect(bleu.score).toBeCloseTo(0.6732, 4)
    expect(bleu.reason).toBe('expected BLEU to reach threshold; BLEU 0.6732 < threshold 0.7')
    const gleu = await grade({ type: 'not-gleu', value: REFERENCE }, CANDIDATE)
    expect(gleu.score).toBeCloseTo(1 - 15 / 22, 12)
    expect(gleu.reason).toBe('expected GLEU below threshold; GLEU 0.6818 >= threshold 0.5')
  })

  it('refuses a missing or wordless reference, and a threshold outside 0 to 1', async () => {
    expect((await compileError({ type: 'bleu' })).message).toContain("bleu needs a 'value'")
    expect((await compileError({ type: 'gleu', value: ['ok', '  '] })).message).toContain(
      'gleu has a reference with no words',
    )
    expect((await compileError({ type: 'bleu', value: [] })).message).toContain(
      'bleu needs at least one reference',
    )
    expect((await compileError({ type: 'bleu', value: 'x', threshold: 2 })).key).toBe('threshold')
  })
})

describe('meteor', () => {
  it('is refused with what to use instead, in both forms', async () => {
    for (const type of ['meteor', 'not-meteor']) {
      const error = await compileError({ type, value: 'x' })
      expect(error.message).toBe(
        "'meteor' needs a stemmer and WordNet's synonyms, which this action does not ship; score the overlap " +
          'with bleu, gleu or rouge-n instead, or write the check as a javascript assertion',
      )
      expect(error.key).toBe('type')
    }
  })
})
