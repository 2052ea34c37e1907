/**
 * Whether a prefix shared by a model's requests is worth a cache breakpoint, and with which lifetime: the
 * break-even arithmetic of `cache: auto` (docs/costs-and-caching.md).
 *
 * Per request, in units of the prefix's input price: unmarked, 1; marked, with a hit rate h,
 * (1 - h) x write + h x read, where a write costs 1.25 (5 minutes) or 2 (1 hour) and a read 0.1 (Anthropic's
 * multipliers, the price table's `cache_multipliers`). Marking pays above h = (write - 1) / (write - read):
 * about 22% for 5-minute writes, 53% for 1-hour ones. The batch discount scales both sides alike.
 */
export type CacheTtl = '5m' | '1h'

const WRITE_PRICE: Record<CacheTtl, number> = { '5m': 1.25, '1h': 2 }
const READ_PRICE = 0.1

/**
 * The hit rate expected without a baseline: the low end of the 30% to 98% Anthropic documents for batches,
 * where requests run concurrently and in any order. At 30% a 1-hour write does not pay.
 */
export const DEFAULT_HIT_RATE = 0.3

/**
 * Requests of a prefix assumed to start together, before its first write lands: they all miss, so the hit
 * rate is at most (n - FIRST_WAVE) / n. A batch's concurrency is not published; four is a guess that keeps
 * small groups unmarked, where a real batch would run them all at once.
 */
export const FIRST_WAVE = 4

/**
 * The share of a 1-hour entry's hits a 5-minute entry is assumed to get. A batch spreads a prefix's requests
 * over its run (minutes to hours), and a 5-minute entry that is not read within 5 minutes expires; the
 * reference recommends the 1-hour lifetime for batches. A guess, stated so it can be argued with.
 */
export const FIVE_MINUTE_SHARE = 0.5

/** The hit rate a marked prefix is expected to have, and where the figure comes from. */
export interface HitRate {
  rate: number
  from: 'baseline' | 'default'
}

export interface CacheDecision {
  /** The breakpoint's lifetime; null when marking would cost more than it saves. */
  ttl: CacheTtl | null
  /** One clause: what it chose and why, e.g. `pays above a 53% hit rate; expected 62% from the baseline`. */
  why: string
}

/** The hit rate above which a marked prefix costs less than an unmarked one. */
export function breakEven(ttl: CacheTtl): number {
  return (WRITE_PRICE[ttl] - 1) / (WRITE_PRICE[ttl] - READ_PRICE)
}

/** A marked prefix's expected cost per request, in units of its input price (unmarked: 1). */
export function markedCost(ttl: CacheTtl, hitRate: number): number {
  return (1 - hitRate) * WRITE_PRICE[ttl] + hitRate * READ_PRICE
}

const pct = (rate: number) => `${Math.round(rate * 100)}%`

/**
 * The decision for a prefix shared by `requests` requests: forced by `cache: 5m` or `1h`, else (`auto`) the
 * lifetime with the lower expected cost, when that is below the unmarked cost.
 */
export function decideCache(choice: 'auto' | CacheTtl, requests: number, hitRate: HitRate): CacheDecision {
  if (choice !== 'auto') {
    return {
      ttl: choice,
      why: `as cache: ${choice} asks (it pays above a ${pct(breakEven(choice))} hit rate)`,
    }
  }
  const afterFirstWave = Math.max(0, requests - FIRST_WAVE) / requests
  const hourRate = Math.min(hitRate.rate, afterFirstWave)
  const rates: Record<CacheTtl, number> = { '1h': hourRate, '5m': hourRate * FIVE_MINUTE_SHARE }
  const source =
    (hitRate.from === 'baseline' ? 'from the baseline' : 'by default, without a baseline') +
    (hourRate >= hitRate.rate
      ? ''
      : requests <= FIRST_WAVE
        ? `, as all ${requests} requests would start together and miss`
        : `, as the first ${FIRST_WAVE} of ${requests} requests miss`)
  const best: CacheTtl = markedCost('1h', rates['1h']) <= markedCost('5m', rates['5m']) ? '1h' : '5m'
  if (markedCost(best, rates[best]) < 1) {
    return {
      ttl: best,
      why: `pays above a ${pct(breakEven(best))} hit rate; expected ${pct(rates[best])} ${source}`,
    }
  }
  return {
    ttl: null,
    why:
      `expected ${pct(rates['1h'])} ${source} < break-even ${pct(breakEven('1h'))} for 1h writes, and ` +
      `${pct(rates['5m'])} < ${pct(breakEven('5m'))} for 5m writes (5-minute entries expire in a long batch)`,
  }
}
