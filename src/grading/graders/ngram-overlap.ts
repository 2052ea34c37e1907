/**
 * n-gram overlap scores with promptfoo's definitions and defaults: bleu (BLEU-4 with a brevity penalty) and
 * gleu (Google-BLEU), against one reference or the best of several. Both read words as promptfoo does: the
 * lower-cased text split on whitespace.
 */
import { scoredAgainstThreshold, type GraderDefinition } from './grader.js'
import { AssertionCompileError, type Finding } from './types.js'
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
 * count over the references, a zero replaced by 1e-7), times the brevity penalty against the reference whose
 * length is closest to the candidate's (exp(1 - r/c) when the candidate is not longer). 0 for an empty one.
 */
export function bleuScore(candidate: string, references: readonly string[]): number {
  const cand = words(candidate)
  if (cand.length === 0) return 0
  const refs = references.map(words)
  let logSum = 0
  for (let n = 1; n <= MAX_N; n++) {
    const grams = ngramCounts(cand, n)
    const total = Math.max(0, cand.length - n + 1)
    let best = 0
    for (const ref of refs) best = Math.max(best, clippedMatches(grams, ngramCounts(ref, n)))
    const precision = total > 0 ? best / total : 0
    logSum += Math.log(precision === 0 ? ZERO_PRECISION : precision) / MAX_N
  }
  const closest = refs
    .map((ref) => ref.length)
    .reduce((a, b) => (Math.abs(b - cand.length) < Math.abs(a - cand.length) ? b : a))
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

function overlapGrader(name: string, score: (candidate: string, references: readonly string[]) => number) {
  const grader: GraderDefinition = {
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
      return ({ text }): Finding => {
        const value = score(text, references)
        const { holds, reason } = scoredAgainstThreshold(value, threshold, negate, name, { digits: 4 })
        return { pass: holds, score: value, reason }
      }
    },
  }
  return grader
}

export const NGRAM_OVERLAP_GRADERS: Record<string, GraderDefinition> = {
  bleu: overlapGrader('BLEU', bleuScore),
  gleu: overlapGrader('GLEU', gleuScore),
}
