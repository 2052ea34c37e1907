/**
 * Porter's stemmer (M. F. Porter, "An algorithm for suffix stripping", 1980, with the revisions of his own
 * reference implementation: bli -> ble, logi -> log), which promptfoo's METEOR uses to match word forms.
 * English only; it takes a lower-case word and leaves words of one or two letters alone.
 */

const isConsonant = (word: string, i: number): boolean => {
  const char = word[i]
  if ('aeiou'.includes(char)) return false
  if (char === 'y') return i === 0 || !isConsonant(word, i - 1)
  return true
}

/** m: the number of vowel-consonant sequences in the stem ([C](VC)^m[V]). */
function measure(stem: string): number {
  let m = 0
  let previousVowel = false
  for (let i = 0; i < stem.length; i++) {
    const vowel = !isConsonant(stem, i)
    if (previousVowel && !vowel) m++
    previousVowel = vowel
  }
  return m
}

const hasVowel = (stem: string) => [...stem].some((_, i) => !isConsonant(stem, i))

const endsDoubleConsonant = (stem: string) =>
  stem.length >= 2 && stem.at(-1) === stem.at(-2) && isConsonant(stem, stem.length - 1)

/** *o: the stem ends consonant-vowel-consonant, the last not w, x or y. */
const endsCvc = (stem: string) => {
  const n = stem.length
  return (
    n >= 3 &&
    isConsonant(stem, n - 3) &&
    !isConsonant(stem, n - 2) &&
    isConsonant(stem, n - 1) &&
    !'wxy'.includes(stem[n - 1])
  )
}

/** The word with the longest of the suffixes it ends with replaced, when the stem left meets `condition`. */
function replaceSuffix(
  word: string,
  rules: readonly (readonly [suffix: string, replacement: string])[],
  condition: (stem: string, suffix: string) => boolean,
): string {
  let best: readonly [string, string] | undefined
  for (const rule of rules) {
    if (word.endsWith(rule[0]) && (!best || rule[0].length > best[0].length)) best = rule
  }
  if (!best) return word
  const stem = word.slice(0, word.length - best[0].length)
  return condition(stem, best[0]) ? stem + best[1] : word
}

const STEP2: [string, string][] = [
  ['ational', 'ate'],
  ['tional', 'tion'],
  ['enci', 'ence'],
  ['anci', 'ance'],
  ['izer', 'ize'],
  ['bli', 'ble'],
  ['alli', 'al'],
  ['entli', 'ent'],
  ['eli', 'e'],
  ['ousli', 'ous'],
  ['ization', 'ize'],
  ['ation', 'ate'],
  ['ator', 'ate'],
  ['alism', 'al'],
  ['iveness', 'ive'],
  ['fulness', 'ful'],
  ['ousness', 'ous'],
  ['aliti', 'al'],
  ['iviti', 'ive'],
  ['biliti', 'ble'],
  ['logi', 'log'],
]
const STEP3: [string, string][] = [
  ['icate', 'ic'],
  ['ative', ''],
  ['alize', 'al'],
  ['iciti', 'ic'],
  ['ical', 'ic'],
  ['ful', ''],
  ['ness', ''],
]
const STEP4: [string, string][] = [
  'al ance ence er ic able ible ant ement ment ent ion ou ism ate iti ous ive ize'.split(' '),
].flatMap((suffixes) => suffixes.map((suffix): [string, string] => [suffix, '']))

function step1(word: string): string {
  if (word.endsWith('sses') || word.endsWith('ies')) word = word.slice(0, -2)
  else if (word.endsWith('s') && !word.endsWith('ss')) word = word.slice(0, -1)

  if (word.endsWith('eed')) {
    if (measure(word.slice(0, -3)) > 0) word = word.slice(0, -1)
  } else {
    const suffix = word.endsWith('ed') ? 'ed' : word.endsWith('ing') ? 'ing' : undefined
    const stem = suffix && word.slice(0, -suffix.length)
    if (stem && hasVowel(stem)) {
      word = stem
      if (word.endsWith('at') || word.endsWith('bl') || word.endsWith('iz')) word += 'e'
      else if (endsDoubleConsonant(word) && !'lsz'.includes(word.at(-1) as string)) word = word.slice(0, -1)
      else if (measure(word) === 1 && endsCvc(word)) word += 'e'
    }
  }
  if (word.endsWith('y') && hasVowel(word.slice(0, -1))) word = `${word.slice(0, -1)}i`
  return word
}

function step5(word: string): string {
  if (word.endsWith('e')) {
    const stem = word.slice(0, -1)
    const m = measure(stem)
    if (m > 1 || (m === 1 && !endsCvc(stem))) word = stem
  }
  if (word.endsWith('ll') && measure(word) > 1) word = word.slice(0, -1)
  return word
}

export function stem(word: string): string {
  if (word.length <= 2) return word
  let result = step1(word)
  result = replaceSuffix(result, STEP2, (s) => measure(s) > 0)
  result = replaceSuffix(result, STEP3, (s) => measure(s) > 0)
  result = replaceSuffix(
    result,
    STEP4,
    (s, suffix) => measure(s) > 1 && (suffix !== 'ion' || s.endsWith('s') || s.endsWith('t')),
  )
  return step5(result)
}
