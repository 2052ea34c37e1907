/**
 * What a request cost, from its real `usage` and the price table (prices.json). Amounts are exact: bigint
 * femtodollars (1e-15 USD), so that sums over 100,000 tests do not drift.
 */
import type { Usage } from '@anthropic-ai/sdk/resources/messages/messages'
import priceTable from './prices.json' with { type: 'json' }

export const PRICE_TABLE_DATE: string = priceTable.date

const FEMTO_PER_USD = 10n ** 15n
/** Femtodollars per token for a price in USD per million tokens. */
const FEMTO_PER_TOKEN_PER_USD_PER_MTOK = 1e9

export interface TokenCounts {
  input: number
  cacheWrite5m: number
  cacheWrite1h: number
  cacheRead: number
  output: number
}

/** Cost of one request or a sum of them, in femtodollars. */
export interface Cost {
  standard: bigint
  batch: bigint
}

type TokenKind = keyof TokenCounts
type Rates = Record<TokenKind, bigint>

export const NO_TOKENS: TokenCounts = { input: 0, cacheWrite5m: 0, cacheWrite1h: 0, cacheRead: 0, output: 0 }
export const NO_COST: Cost = { standard: 0n, batch: 0n }

export function tokenCountsOf(usage: Usage): TokenCounts {
  const cacheWrites = usage.cache_creation_input_tokens ?? 0
  const split = usage.cache_creation
  // Without the per-TTL split, every cache write is of the default (5 minute) kind.
  const cacheWrite1h = split?.ephemeral_1h_input_tokens ?? 0
  return {
    input: usage.input_tokens,
    cacheWrite5m: split ? split.ephemeral_5m_input_tokens : cacheWrites,
    cacheWrite1h,
    cacheRead: usage.cache_read_input_tokens ?? 0,
    output: usage.output_tokens,
  }
}

export function addTokens(a: TokenCounts, b: TokenCounts): TokenCounts {
  return {
    input: a.input + b.input,
    cacheWrite5m: a.cacheWrite5m + b.cacheWrite5m,
    cacheWrite1h: a.cacheWrite1h + b.cacheWrite1h,
    cacheRead: a.cacheRead + b.cacheRead,
    output: a.output + b.output,
  }
}

export function addCosts(a: Cost, b: Cost): Cost {
  return { standard: a.standard + b.standard, batch: a.batch + b.batch }
}

/** A model's prices in USD per million tokens; cache prices it omits follow the table's multipliers. */
interface PriceEntry {
  input: number
  output: number
  cache_write_5m?: number
  cache_write_1h?: number
  cache_read?: number
}

/** The table's entry for a model id: exact, an alias, or a dated snapshot id priced as its alias. */
function tableEntryFor(model: string): PriceEntry | undefined {
  const models: Record<string, PriceEntry> = priceTable.models
  const aliases: Record<string, string> = priceTable.aliases
  const undated = model.replace(/-\d{8}$/, '')
  for (const id of [model, undated]) {
    const entry = models[id] ?? models[aliases[id] ?? '']
    if (entry) return entry
  }
  return undefined
}

function ratesFor(model: string): Rates | undefined {
  const entry = tableEntryFor(model)
  if (!entry) return undefined
  const { cache_write_5m, cache_write_1h, cache_read } = priceTable.cache_multipliers
  const perMillion = {
    input: entry.input,
    output: entry.output,
    cacheWrite5m: entry.cache_write_5m ?? entry.input * cache_write_5m,
    cacheWrite1h: entry.cache_write_1h ?? entry.input * cache_write_1h,
    cacheRead: entry.cache_read ?? entry.input * cache_read,
  }
  const toFemto = (usdPerMillion: number) =>
    BigInt(Math.round(usdPerMillion * FEMTO_PER_TOKEN_PER_USD_PER_MTOK))
  return {
    input: toFemto(perMillion.input),
    cacheWrite5m: toFemto(perMillion.cacheWrite5m),
    cacheWrite1h: toFemto(perMillion.cacheWrite1h),
    cacheRead: toFemto(perMillion.cacheRead),
    output: toFemto(perMillion.output),
  }
}

export function isPriced(model: string): boolean {
  return tableEntryFor(model) !== undefined
}

/**
 * The cost of one succeeded request, or the reason it cannot be computed (never a guess).
 */
export function costOf(model: string, usage: Usage): { cost: Cost } | { unknown: string } {
  const rates = ratesFor(model)
  if (!rates) return { unknown: `model '${model}' is not in the price table (${PRICE_TABLE_DATE})` }
  const serverTools = usage.server_tool_use
  if (serverTools && (serverTools.web_search_requests > 0 || serverTools.web_fetch_requests > 0)) {
    return { unknown: 'server tool fees (web search, web fetch) are not in the price table yet' }
  }
  const tokens = tokenCountsOf(usage)
  let standard = 0n
  for (const kind of Object.keys(rates) as TokenKind[]) standard += BigInt(tokens[kind]) * rates[kind]
  const [numerator, denominator] = batchMultiplier()
  return { cost: { standard, batch: (standard * numerator) / denominator } }
}

function batchMultiplier(): [bigint, bigint] {
  return [BigInt(Math.round(priceTable.batch_multiplier * 1000)), 1000n]
}

/** Exact decimal USD, without trailing zeros: 1234500000000n -> "0.0012345". */
export function usdString(femto: bigint): string {
  const sign = femto < 0n ? '-' : ''
  const magnitude = femto < 0n ? -femto : femto
  const whole = magnitude / FEMTO_PER_USD
  const fraction = (magnitude % FEMTO_PER_USD).toString().padStart(15, '0').replace(/0+$/, '')
  return `${sign}${whole}${fraction ? `.${fraction}` : ''}`
}

/** USD as a JavaScript number, for comparisons such as a `cost` assertion's threshold. */
export function usdNumber(femto: bigint): number {
  return Number(femto) / Number(FEMTO_PER_USD)
}

/** USD for people: cents above a dollar, four significant digits below it. */
export function formatUsd(femto: bigint): string {
  const usd = usdNumber(femto)
  if (usd === 0) return '$0'
  if (Math.abs(usd) >= 1) return `$${usd.toFixed(2)}`
  const decimals = 3 - Math.floor(Math.log10(Math.abs(usd)))
  return `$${usd.toFixed(decimals).replace(/0+$/, '')}`
}
