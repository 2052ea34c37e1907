/**
 * Prompt caching as it happened, from the results' usage: the realized hit rate and what caching saved, or
 * cost, against `cache: off`. One definition for the summary, the terminal, the HTML page and the results file.
 */
import { addCosts, NO_COST } from '../cost/pricing.js'
import { formatUsd } from '../cost/usd.js'
import type { Cost } from '../model.js'
import { percent, type ModelCost } from './report.js'

export interface CacheSummary {
  /** Requests that wrote or read the prompt cache: those whose marked prefix was long enough to be cached. */
  markedRequests: number
  /** Of those, the ones that read from the cache. */
  hitRequests: number
  /** hitRequests / markedRequests. */
  hitRate: number
  /** Cache reads over all input tokens (plain input, cache writes and reads). */
  cachedInputShare: number
  readTokens: number
  writeTokens: number
  /**
   * The same usage with cache writes and reads priced as plain input, less what it cost: what caching saved
   * against `cache: off`. Negative when its writes cost more than its reads saved. Priced requests only.
   */
  saving: Cost
}

/** Null when no request wrote or read the cache. */
export function cacheSummaryOf(rows: readonly ModelCost[]): CacheSummary | null {
  let marked = 0
  let hits = 0
  let reads = 0
  let writes = 0
  let input = 0
  let saving = NO_COST
  for (const row of rows) {
    marked += row.cacheRequests.marked
    hits += row.cacheRequests.hits
    reads += row.tokens.cacheRead
    writes += row.tokens.cacheWrite5m + row.tokens.cacheWrite1h
    input += row.tokens.input
    saving = addCosts(saving, row.cacheSaving)
  }
  if (marked === 0) return null
  return {
    markedRequests: marked,
    hitRequests: hits,
    hitRate: hits / marked,
    cachedInputShare: reads / (input + reads + writes),
    readTokens: reads,
    writeTokens: writes,
    saving,
  }
}

/**
 * One sentence: the hit rate, the cached share of input, and the saving or the cost at batch prices, e.g.
 * `Prompt caching: 12 of 20 requests (60%) read their prefix from the cache; ... saved $0.01 at batch prices
 * against cache: off.`; `emphasis` marks the cost when caching cost more than it saved.
 */
export function cacheSentence(summary: CacheSummary, emphasis = (text: string) => text): string {
  const n = (value: number) => value.toLocaleString('en-US')
  const { batch } = summary.saving
  const outcome =
    batch >= 0n
      ? `caching saved ${formatUsd(batch)} at batch prices against cache: off.`
      : `${emphasis(`caching cost ${formatUsd(-batch)} more`)} at batch prices than cache: off: its writes cost ` +
        'more than its reads saved.'
  return (
    `Prompt caching: ${n(summary.hitRequests)} of ${n(summary.markedRequests)} marked requests ` +
    `(${percent(summary.hitRate)}) read their prefix from the cache; ${percent(summary.cachedInputShare)} of ` +
    `input tokens were cache reads (${n(summary.readTokens)} read, ${n(summary.writeTokens)} written); ${outcome}`
  )
}
