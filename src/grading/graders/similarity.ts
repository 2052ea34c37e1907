/** Similarity graders with promptfoo's semantics: levenshtein (edit distance) and rouge-n (ROUGE-1 F1). */
import { editDistance } from '../../common/edit-distance.js'
import { scoredAgainstThreshold, type GraderDefinition } from './grader.js'
import { AssertionCompileError, type Finding } from './types.js'
import { resolveDataValue, show, textValue } from './values.js'

/** promptfoo's default: at most 5 edits. */
export const DEFAULT_LEVENSHTEIN_THRESHOLD = 5
/** promptfoo's default for rouge-n. */
export const DEFAULT_ROUGE_THRESHOLD = 0.75

const levenshtein: GraderDefinition = {
  value: 'required',
  valueHelp: 'the expected text',
  threshold: {
    kind: 'distance',
    help: `the most edits that pass (default ${DEFAULT_LEVENSHTEIN_THRESHOLD})`,
  },
  readsOutput: true,
  compile(c) {
    const { negate } = c
    const expected = textValue(c, resolveDataValue(c), 'the expected text', true)
    const threshold = c.threshold ?? DEFAULT_LEVENSHTEIN_THRESHOLD
    const shown = show(expected, 60)
    return ({ text }): Finding => {
      const distance = editDistance(text, expected, threshold)
      const holds = distance <= threshold
      const pass = holds !== negate
      const measured = holds ? `${distance}` : `more than ${threshold}`
      let reason: string
      if (negate) {
        reason = pass
          ? `edit distance to ${shown} is ${measured}, above threshold ${threshold}`
          : `expected edit distance to ${shown} above ${threshold}; it is ${measured}`
      } else {
        reason = pass
          ? `edit distance to ${shown} is ${measured} (threshold ${threshold})`
          : `expected edit distance to ${shown} of at most ${threshold}; it is ${measured}`
      }
      return { pass: holds, score: holds ? 1 : 0, reason }
    }
  },
}

const CLITIC = /^(.+?)(n't|'s|'m|'d|'ll|'re|'ve)$/i

/** A number with its separators (12,000 and 12:30), or a word with its clitics ("don't"). */
const WORD = String.raw`\p{N}+(?:[.,:]\p{N}+)*|[\p{L}\p{M}\p{N}_]+(?:'[\p{L}\p{M}]+)*`
/** Words joined by single hyphens ("state-of-the-art", "COVID-19") are one token; any other mark is one. */
const TOKEN = new RegExp(String.raw`(?:${WORD})(?:-(?:${WORD}))*|[^\s\p{L}\p{M}\p{N}_]`, 'gu')

/**
 * Words and punctuation, close to the Penn Treebank tokenizer that promptfoo's ROUGE uses: punctuation marks
 * are tokens of their own, hyphenated words and numbers with their separators stay whole, and clitics split
 * off ("don't" -> "do", "n't"). Case is kept (rougeN folds it).
 */
export function tokenize(text: string): string[] {
  const raw = text.replace(/’/g, "'").match(TOKEN)
  if (!raw) return []
  return raw.flatMap((token) => {
    const clitic = CLITIC.exec(token)
    return clitic ? [clitic[1], clitic[2]] : [token]
  })
}

function ngramCounts(tokens: string[], n: number): Map<string, number> {
  const counts = new Map<string, number>()
  for (let i = 0; i + n <= tokens.length; i++) {
    const gram = tokens.slice(i, i + n).join('\u0000')
    counts.set(gram, (counts.get(gram) ?? 0) + 1)
  }
  return counts
}

/**
 * ROUGE-N as promptfoo computes it (js-rouge's `n`): the F1 of n-gram overlap between candidate and
 * reference, both lower-cased, each shared n-gram counted up to the smaller of its two frequencies. 0 when
 * either is empty.
 */
export function rougeN(candidate: string, reference: string, n = 1): number {
  const cand = ngramCounts(tokenize(candidate.toLowerCase()), n)
  const ref = ngramCounts(tokenize(reference.toLowerCase()), n)
  let candTotal = 0
  let refTotal = 0
  let overlap = 0
  for (const count of cand.values()) candTotal += count
  for (const [gram, count] of ref) {
    refTotal += count
    overlap += Math.min(count, cand.get(gram) ?? 0)
  }
  if (overlap === 0 || candTotal === 0 || refTotal === 0) return 0
  const precision = overlap / candTotal
  const recall = overlap / refTotal
  return (2 * precision * recall) / (precision + recall)
}

const rouge: GraderDefinition = {
  value: 'required',
  valueHelp: 'the reference text',
  threshold: {
    kind: 'score',
    help: `the lowest ROUGE-1 F1 that passes, between 0 and 1 (default ${DEFAULT_ROUGE_THRESHOLD})`,
  },
  readsOutput: true,
  compile(c) {
    const { negate } = c
    const reference = textValue(c, resolveDataValue(c), 'the reference text')
    if (tokenize(reference).length === 0) {
      throw new AssertionCompileError(`${c.type} needs a reference 'value' with at least one word`, 'value')
    }
    const threshold = c.threshold ?? DEFAULT_ROUGE_THRESHOLD
    return ({ text }): Finding => {
      const score = rougeN(text, reference)
      const { holds, reason } = scoredAgainstThreshold(score, threshold, negate, 'ROUGE-N')
      return { pass: holds, score, reason }
    }
  },
}

export const SIMILARITY_GRADERS: Record<string, GraderDefinition> = {
  levenshtein,
  'rouge-n': rouge,
}
