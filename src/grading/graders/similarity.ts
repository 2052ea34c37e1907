/** Similarity graders with promptfoo's semantics: levenshtein (edit distance) and rouge-n (ROUGE-1 F1). */
import { editDistance } from '../../common/edit-distance.js'
import { scoredAgainstThreshold, type GraderDefinition } from './grader.js'
import { AssertionCompileError, type Finding } from './types.js'
import { treebankTokens } from './treebank.js'
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

function ngramCounts(tokens: string[], n: number): Map<string, number> {
  const counts = new Map<string, number>()
  for (let i = 0; i + n <= tokens.length; i++) {
    const gram = tokens.slice(i, i + n).join('\u0000')
    counts.set(gram, (counts.get(gram) ?? 0) + 1)
  }
  return counts
}

/**
 * ROUGE-N as promptfoo computes it: the F1 of n-gram overlap between candidate and reference, both
 * lower-cased and split by the Penn Treebank tokenizer (treebank.ts), each shared n-gram counted up to the
 * smaller of its two frequencies. 0 when either is empty.
 */
export function rougeN(candidate: string, reference: string, n = 1): number {
  const cand = ngramCounts(treebankTokens(candidate.toLowerCase()), n)
  const ref = ngramCounts(treebankTokens(reference.toLowerCase()), n)
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
    if (treebankTokens(reference).length === 0) {
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
