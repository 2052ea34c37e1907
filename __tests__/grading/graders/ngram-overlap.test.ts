import { bleuScore, gleuScore, meteorScore } from '../../../src/grading/graders/ngram-overlap.js'
import { stem } from '../../../src/grading/graders/porter-stemmer.js'
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

  it('scores an answer shorter than four words on the orders it has, so that an exact match scores 1', () => {
    expect(bleuScore('naïve café résumé', ['naïve café résumé'])).toBe(1)
    // 1-grams 2/2, 2-grams 0/1 (1e-7): the mean of two orders, not four; 2 words against 3: exp(1 - 3/2)
    expect(bleuScore('the cat', ['the cat sat'])).toBeCloseTo(Math.sqrt(1 * 1) * Math.exp(-0.5), 12)
    expect(bleuScore('cat the', ['the cat sat'])).toBeCloseTo(Math.sqrt(1e-7) * Math.exp(-0.5), 12)
  })

  it('takes the shorter of two references equally close in length', () => {
    // 6 words; references of 5 and 7 words: the penalty of 5 (none, the candidate is longer), not of 7
    expect(bleuScore(CANDIDATE, [`${CANDIDATE} today`, 'the cat sat on the'])).toBeCloseTo(
      bleuScore(CANDIDATE, ['the cat sat on the', `${CANDIDATE} today`]),
      12,
    )
    expect(bleuScore(CANDIDATE, [`${CANDIDATE} today`, 'the cat sat on the'])).toBeCloseTo(1, 12)
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

describe('meteorScore', () => {
  it('is near 1 for the reference itself: one chunk of n matches costs gamma / n^3', () => {
    expect(meteorScore(CANDIDATE, [CANDIDATE])).toBeCloseTo(1 - 0.5 / 216, 12)
  })

  it('weights recall over precision and penalizes matches out of order', () => {
    // 6 matches of 6 and 7 words, in 2 chunks ("the cat sat on the" and "mat")
    const fmean = 6 / 7 / (0.9 + 0.1 * (6 / 7))
    expect(meteorScore(CANDIDATE, [REFERENCE])).toBeCloseTo(fmean * (1 - 0.5 * Math.pow(2 / 6, 3)), 12)
    // every word matches, none next to its neighbour: the most penalty, gamma
    expect(meteorScore('mat the on sat cat', ['cat sat on the mat'])).toBeCloseTo(0.5, 12)
  })

  it('matches word forms by their Porter stem after exact matches', () => {
    // the, cats~cat and running match; were and was do not: 3 of 4 each side, in 2 chunks
    expect(meteorScore('the cats were running', ['the cat was running'])).toBeCloseTo(
      0.75 * (1 - 0.5 * Math.pow(2 / 3, 3)),
      12,
    )
  })

  it('takes the best reference, its parameters, and scores an empty output 0', () => {
    expect(meteorScore(CANDIDATE, ['dogs bark', CANDIDATE])).toBeCloseTo(1 - 0.5 / 216, 12)
    expect(meteorScore(CANDIDATE, [CANDIDATE], { alpha: 0.5, beta: 3, gamma: 0 })).toBe(1)
    expect(meteorScore(' ', [CANDIDATE])).toBe(0)
    expect(meteorScore('a b', ['c d'])).toBe(0)
  })
})

describe('stem', () => {
  it.each([
    ['caresses', 'caress'],
    ['ponies', 'poni'],
    ['cats', 'cat'],
    ['feed', 'feed'],
    ['agreed', 'agre'],
    ['hopping', 'hop'],
    ['falling', 'fall'],
    ['filing', 'file'],
    ['happy', 'happi'],
    ['relational', 'relat'],
    ['generalization', 'gener'],
    ['connection', 'connect'],
    ['replacement', 'replac'],
    ['cement', 'cement'],
    ['controlling', 'control'],
    ['is', 'is'],
  ])('stems %s to %s, as Porter does', (word, stemmed) => {
    expect(stem(word)).toBe(stemmed)
  })
})

describe('meteor assertions', () => {
  it.each([
    ['meteor', REFERENCE, undefined, true],
    ['meteor', REFERENCE, 0.9, false],
    ['not-meteor', 'nothing alike here', undefined, true],
    ['not-meteor', REFERENCE, undefined, false],
  ])('%s %j (threshold %s) passes: %s', async (type, value, threshold, pass) => {
    const result = await grade({ type, value, ...(threshold !== undefined && { threshold }) }, CANDIDATE)
    expect(result.pass).toBe(pass)
  })

  it('reads alpha, beta and gamma as promptfoo does, and refuses them out of bounds', async () => {
    const perfect = await grade({ type: 'meteor', value: CANDIDATE, gamma: 0, threshold: 1 }, CANDIDATE)
    expect(perfect.pass).toBe(true)
    expect(perfect.reason).toBe('METEOR 1.0000 >= threshold 1')
    const error = await compileError({ type: 'meteor', value: 'x', alpha: 2 })
    expect(error).toMatchObject({
      key: 'alpha',
      message: "meteor needs 'alpha' that is a number between 0 and 1",
    })
    expect((await compileError({ type: 'meteor', value: 'x', beta: 'big' })).key).toBe('beta')
    expect((await compileError({ type: 'bleu', value: 'x', alpha: 0.5 })).message).toContain("'alpha'")
  })
})
