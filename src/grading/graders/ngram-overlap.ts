/**
 * Overlap scores with promptfoo's definitions and defaults: bleu (BLEU-4 with a brevity penalty), gleu
 * (Google-BLEU) and meteor (word matches, exact then by stem, with a fragmentation penalty), against one
 * reference or the best of several. All read words as promptfoo does: the lower-cased text split on whitespace.
 */
import { scoredAgainstThreshold, type GraderDefinition } from './grader.js'
import { AssertionCompileError, type Finding } from './types.js'
import { stem } from './porter-stemmer.js'
import { resolveDataValue, textValue, type CompileContext } from './values.js'

/** promptfoo's default threshold for both. */
export const DEFAULT_NGRAM_THRESHOLD = 0.5
const MAX_N = 4
/** What promptfoo's BLEU puts in place of a zero precision, so that one missing order does not zero the score. */
const ZERO_PRECISION = 1e-7

const words = (text: string): string[] => {
  const trimmed = text.toLowerCase().trim()
  return trimmed === '' ? [] : trimmed.split(/\s+/)
}

function ngramCounts(tokens: readonly string[], n: number): Map<string, number> {
  const counts = new Map<string, number>()
  for (let i = 0; i + n <= tokens.length; i++) {
    const gram = tokens.slice(i, i + n).join('\u0000')
    counts.set(gram, (counts.get(gram) ?? 0) + 1)
  }
  return counts
}

/** The n-grams of the candidate also in the reference, each counted up to its count there. */
function clippedMatches(candidate: Map<string, number>, reference: Map<string, number>): number {
  let matches = 0
  for (const [gram, count] of candidate) matches += Math.min(count, reference.get(gram) ?? 0)
  return matches
}

/**
 * BLEU as promptfoo computes it: the geometric mean of the 1- to 4-gram precisions (each the best clipped
 * count over the references, a zero replaced by 1e-7), over the orders the candidate is long enough to have
 * (a three-word answer is scored on 1- to 3-grams, so that an exact match scores 1), times the brevity penalty
 * against the reference whose length is closest to the candidate's, the shorter on a tie (exp(1 - r/c) when
 * the candidate is not longer). 0 for an empty one.
 */
export function bleuScore(candidate: string, references: readonly string[]): number {
  const cand = words(candidate)
  if (cand.length === 0) return 0
  const refs = references.map(words)
  const orders = Math.min(MAX_N, cand.length)
  let logSum = 0
  for (let n = 1; n <= orders; n++) {
    const grams = ngramCounts(cand, n)
    let best = 0
    for (const ref of refs) best = Math.max(best, clippedMatches(grams, ngramCounts(ref, n)))
    const precision = best / (cand.length - n + 1)
    logSum += Math.log(precision === 0 ? ZERO_PRECISION : precision) / orders
  }
  const closest = refs
    .map((ref) => ref.length)
    .reduce((a, b) => {
      const [da, db] = [Math.abs(a - cand.length), Math.abs(b - cand.length)]
      return db < da || (db === da && b < a) ? b : a
    })
  const brevity = cand.length > closest ? 1 : Math.exp(1 - closest / cand.length)
  return brevity * Math.exp(logSum)
}

/**
 * GLEU as promptfoo computes it: over the 1- to 4-grams together, the lesser of precision and recall; the best
 * over the references. Words lose trailing periods; an exact match scores 1 and an empty candidate 0.
 */
export function gleuScore(candidate: string, references: readonly string[]): number {
  const strip = (text: string) => words(text).map((word) => word.replace(/\.+$/, ''))
  const cand = strip(candidate)
  if (cand.length === 0) return 0
  const candGrams = Array.from({ length: MAX_N }, (_, i) => ngramCounts(cand, i + 1))
  const scores = references.map((reference) => {
    const ref = strip(reference)
    if (ref.length === cand.length && ref.every((word, i) => word === cand[i])) return 1
    let matches = 0
    let candTotal = 0
    let refTotal = 0
    for (let n = 1; n <= MAX_N; n++) {
      matches += clippedMatches(candGrams[n - 1], ngramCounts(ref, n))
      candTotal += Math.max(0, cand.length - n + 1)
      refTotal += Math.max(0, ref.length - n + 1)
    }
    if (candTotal === 0 || refTotal === 0) return 0
    return Math.min(matches / candTotal, matches / refTotal)
  })
  return Math.max(...scores)
}

/** METEOR's parameters, promptfoo's defaults: precision's weight in the mean, the penalty's shape and size. */
export interface MeteorParams {
  alpha: number
  beta: number
  gamma: number
}
export const DEFAULT_METEOR: MeteorParams = { alpha: 0.9, beta: 3, gamma: 0.5 }

/**
 * Pairs candidate and reference words that are equal under `key`, each word used once, scanning both from
 * the end as promptfoo does; the unpaired words are left in the lists.
 */
function pairUp(candidate: [number, string][], reference: [number, string][], key: (word: string) => string) {
  const pairs: [number, number][] = []
  const refKeys = reference.map(([, word]) => key(word))
  for (let i = candidate.length - 1; i >= 0; i--) {
    const wanted = key(candidate[i][1])
    const j = refKeys.lastIndexOf(wanted)
    if (j === -1) continue
    pairs.push([candidate[i][0], reference[j][0]])
    candidate.splice(i, 1)
    reference.splice(j, 1)
    refKeys.splice(j, 1)
  }
  return pairs
}

/**
 * METEOR as promptfoo computes it, without its WordNet synonyms: words (trailing periods dropped) matched
 * exactly, then by Porter stem; the harmonic mean of precision and recall weighted by alpha, times 1 minus
 * gamma * (chunks / matches)^beta, where chunks are the runs of matches adjacent in both texts. The best over
 * the references; 0 for an empty candidate.
 */
export function meteorScore(
  candidate: string,
  references: readonly string[],
  { alpha, beta, gamma }: MeteorParams = DEFAULT_METEOR,
): number {
  const strip = (text: string) => words(text).map((word) => word.replace(/\.+$/, ''))
  const cand = strip(candidate)
  if (cand.length === 0) return 0
  const scores = references.map((text) => {
    const ref = strip(text)
    const restCand = cand.map((word, i): [number, string] => [i, word])
    const restRef = ref.map((word, i): [number, string] => [i, word])
    const pairs = [...pairUp(restCand, restRef, (word) => word), ...pairUp(restCand, restRef, stem)]
    const matches = pairs.length
    if (matches === 0 || ref.length === 0) return 0
    const precision = matches / cand.length
    const recall = matches / ref.length
    const fmean = (precision * recall) / (alpha * precision + (1 - alpha) * recall)
    pairs.sort((a, b) => a[0] - b[0])
    let chunks = 1
    for (let i = 1; i < matches; i++) {
      if (pairs[i][0] !== pairs[i - 1][0] + 1 || pairs[i][1] !== pairs[i - 1][1] + 1) chunks++
    }
    return (1 - gamma * Math.pow(chunks / matches, beta)) * fmean
  })
  return Math.max(...scores)
}

/** An `alpha`, `beta` or `gamma` the suite wrote: a number within its bounds, else the default. */
function meteorParams(c: CompileContext): MeteorParams {
  const bounds: Record<keyof MeteorParams, [number, number, string]> = {
    alpha: [0, 1, 'between 0 and 1'],
    beta: [0, Infinity, '0 or more'],
    gamma: [0, 1, 'between 0 and 1'],
  }
  const params = { ...DEFAULT_METEOR }
  for (const key of Object.keys(bounds) as (keyof MeteorParams)[]) {
    const value = c.extra[key]
    if (value === undefined) continue
    const [min, max, help] = bounds[key]
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
      throw new AssertionCompileError(`${c.type} needs '${key}' that is a number ${help}`, key)
    }
    params[key] = value
  }
  return params
}

/** The references: one text, or a list of them (never split on commas: a sentence has commas). */
function referencesOf(c: CompileContext): string[] {
  const value = resolveDataValue(c)
  const help = 'the reference text, or a list of references'
  const references = Array.isArray(value)
    ? value.map((item) => textValue(c, item, help))
    : [textValue(c, value, help)]
  if (references.length === 0)
    throw new AssertionCompileError(`${c.type} needs at least one reference`, 'value')
  if (references.some((reference) => words(reference).length === 0)) {
    throw new AssertionCompileError(`${c.type} has a reference with no words; give ${help}`, 'value')
  }
  return references
}

/** Makes, once per assertion, the score of an output against the references. */
type Scorer = (references: readonly string[], c: CompileContext) => (text: string) => number

function overlapGrader(name: string, scorer: Scorer, extraKeys?: readonly string[]) {
  const grader: GraderDefinition = {
    ...(extraKeys && { extraKeys }),
    value: 'required',
    valueHelp: 'the reference text, or a list of references (the best one counts)',
    threshold: {
      kind: 'score',
      help: `the lowest ${name} score that passes, between 0 and 1 (default ${DEFAULT_NGRAM_THRESHOLD})`,
    },
    readsOutput: true,
    compile(c) {
      const { negate } = c
      const references = referencesOf(c)
      const threshold = c.threshold ?? DEFAULT_NGRAM_THRESHOLD
      const score = scorer(references, c)
      return ({ text }): Finding => {
        const value = score(text)
        const { holds, reason } = scoredAgainstThreshold(value, threshold, negate, name, { digits: 4 })
        return { pass: holds, score: value, reason }
      }
    },
  }
  return grader
}

export const NGRAM_OVERLAP_GRADERS: Record<string, GraderDefinition> = {
  bleu: overlapGrader('BLEU', (references) => (text) => bleuScore(text, references)),
  gleu: overlapGrader('GLEU', (references) => (text) => gleuScore(text, references)),
  meteor: overlapGrader(
    'METEOR',
    (references, c) => {
      const params = meteorParams(c)
      return (text) => meteorScore(text, references, params)
    },
    ['alpha', 'beta', 'gamma'],
  ),
}
