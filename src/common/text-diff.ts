/**
 * A small diff of two texts, by lines or by words: the longest common subsequence of their tokens, after
 * their common head and tail. The table it fills is the product of the two middles' lengths, so each middle
 * is cut to `maxTokens` and the diff says how many tokens of each side it did not compare.
 */

export interface DiffPart {
  /** `same` in both; `removed`: only in the first text (the expected); `added`: only in the second. */
  kind: 'same' | 'removed' | 'added'
  /** Tokens: lines for lineDiff, words and the spaces between them for wordDiff. */
  tokens: string[]
}

export interface TextDiff {
  parts: DiffPart[]
  /** Tokens of each text past the cap, left out of the diff (0 when it is whole). */
  uncompared: { expected: number; actual: number }
}

/** The lines of `expected` and `actual`, `\r\n` read as `\n`. */
export function lineDiff(expected: string, actual: string, maxTokens = 200): TextDiff {
  const lines = (text: string) => text.replace(/\r\n?/g, '\n').split('\n')
  return tokenDiff(lines(expected), lines(actual), maxTokens)
}

/** The words of `expected` and `actual`, each run of white space a token of its own. */
export function wordDiff(expected: string, actual: string, maxTokens = 300): TextDiff {
  const words = (text: string) => text.split(/(\s+)/).filter((token) => token !== '')
  return tokenDiff(words(expected), words(actual), maxTokens)
}

function tokenDiff(a: string[], b: string[], maxTokens: number): TextDiff {
  let head = 0
  while (head < a.length && head < b.length && a[head] === b[head]) head++
  let tail = 0
  while (
    tail < a.length - head &&
    tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  ) {
    tail++
  }
  let middleA = a.slice(head, a.length - tail)
  let middleB = b.slice(head, b.length - tail)
  const uncompared = {
    expected: Math.max(middleA.length - maxTokens, 0),
    actual: Math.max(middleB.length - maxTokens, 0),
  }
  const cut = uncompared.expected > 0 || uncompared.actual > 0
  middleA = middleA.slice(0, maxTokens)
  middleB = middleB.slice(0, maxTokens)
  const parts: DiffPart[] = []
  const push = (kind: DiffPart['kind'], tokens: string[]) => {
    if (tokens.length === 0) return
    const last = parts[parts.length - 1]
    if (last?.kind === kind) last.tokens.push(...tokens)
    else parts.push({ kind, tokens: [...tokens] })
  }
  push('same', a.slice(0, head))
  for (const [kind, token] of lcsScript(middleA, middleB)) push(kind, [token])
  // A cut middle's tail was not compared: the common tail would read as aligned with text it was not.
  if (!cut) push('same', a.slice(a.length - tail))
  return { parts, uncompared }
}

/** The edit script of `a` into `b` by their longest common subsequence, removals before additions. */
function lcsScript(a: string[], b: string[]): [DiffPart['kind'], string][] {
  const n = a.length
  const m = b.length
  // lengths[i * (m + 1) + j]: the LCS of a[i..] and b[j..].
  const lengths = new Uint32Array((n + 1) * (m + 1))
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lengths[i * (m + 1) + j] =
        a[i] === b[j]
          ? lengths[(i + 1) * (m + 1) + j + 1] + 1
          : Math.max(lengths[(i + 1) * (m + 1) + j], lengths[i * (m + 1) + j + 1])
    }
  }
  const script: [DiffPart['kind'], string][] = []
  let i = 0
  let j = 0
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      script.push(['same', a[i]])
      i++
      j++
    } else if (lengths[(i + 1) * (m + 1) + j] >= lengths[i * (m + 1) + j + 1]) {
      script.push(['removed', a[i++]])
    } else {
      script.push(['added', b[j++]])
    }
  }
  while (i < n) script.push(['removed', a[i++]])
  while (j < m) script.push(['added', b[j++]])
  return script
}
