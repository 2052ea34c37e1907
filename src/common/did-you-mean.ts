import { editDistance } from './edit-distance.js'

/** ` (did you mean 'x'?)` for the closest candidate within a third of the word's length, else ''. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const limit = Math.max(1, Math.floor(word.length / 3))
  let best: { candidate: string; distance: number } | undefined
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase(), limit)
    if (distance <= limit && (!best || distance < best.distance)) best = { candidate, distance }
  }
  return best ? ` (did you mean '${best.candidate}'?)` : ''
}
