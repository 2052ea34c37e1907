/**
 * What a request cost, from its real `usage` and the price table (`price-table.ts`: prices.json and the
 * `pricing` input's file). Amounts are exact: bigint femtodollars (1e-15 USD), so that sums over 100,000
 * tests do not drift.
 */
import { FEMTO_PER_USD } from './usd.js'
import type { Usage } from '@anthropic-ai/sdk/resources/messages/messages'
import {
  BUILT_IN_TABLE,
  mergePriceTable,
  resolveModel,
  type PriceEntry,
  type PriceOverrides,
  type PriceTable,
  type TokenPrices,
} from './price-table.js'
import { ECHO_PROVIDER } from '../suite/providers.js'
import type { Cost, PriceTier } from '../model.js'

export { loadPriceOverrides, PricingFileError, type PriceOverrides } from './price-table.js'

export const PRICE_TABLE_DATE: string = BUILT_IN_TABLE.date

/** Femtodollars per token for a price of 1 USD per million tokens. */
const FEMTO_PER_TOKEN_PER_USD_PER_MTOK = 10n ** 9n

export interface TokenCounts {
  input: number
  cacheWrite5m: number
  cacheWrite1h: number
  cacheRead: number
  output: number
}

export type CostResult = { cost: Cost } | { unknown: string }

type TokenKind = keyof TokenCounts

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

/** An exact fraction: the table's decimal prices and multipliers are kept exact until the final femtodollar. */
interface Fraction {
  n: bigint
  d: bigint
}

const ZERO: Fraction = { n: 0n, d: 1n }

/** The exact value of a number as JavaScript writes it (0.1 is 1/10, 1.1 is 11/10, 1e-7 is 1/10000000). */
function exact(value: number): Fraction {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/.exec(String(value))
  if (!match) throw new Error(`not a finite decimal: ${value}`)
  const [, sign, whole, fraction = '', exponentText = '0'] = match
  const exponent = Number(exponentText) - fraction.length
  const digits = BigInt(`${sign}${whole}${fraction}`)
  return exponent >= 0
    ? { n: digits * 10n ** BigInt(exponent), d: 1n }
    : reduce(digits, 10n ** BigInt(-exponent))
}

function gcd(a: bigint, b: bigint): bigint {
  let [x, y] = [a < 0n ? -a : a, b]
  while (y !== 0n) [x, y] = [y, x % y]
  return x
}

function reduce(n: bigint, d: bigint): Fraction {
  const divisor = gcd(n, d)
  return divisor > 1n ? { n: n / divisor, d: d / divisor } : { n, d }
}

const plus = (a: Fraction, b: Fraction) => reduce(a.n * b.d + b.n * a.d, a.d * b.d)
const times = (a: Fraction, b: Fraction) => reduce(a.n * b.n, a.d * b.d)
const scaled = (a: Fraction, by: bigint) => reduce(a.n * by, a.d)

/** To the nearest femtodollar, halves up (costs are never negative). */
function femto(amount: Fraction): bigint {
  return (2n * amount.n + amount.d) / (2n * amount.d)
}

/** Femtodollars per token, for every kind of token. */
type Rates = Record<TokenKind, Fraction>

/**
 * The same rates over one common denominator: a request's token cost is then a sum of integer products, with
 * no fraction to reduce per request (reducing, a gcd per operation, was most of costOf's time at 100,000
 * results). The value is the same exact fraction; femto() rounds a value, whatever its representation.
 */
interface CommonRates {
  numerators: Record<TokenKind, bigint>
  denominator: bigint
}

function commonRates(rates: Rates): CommonRates {
  let denominator = 1n
  for (const rate of Object.values(rates)) denominator = (denominator / gcd(denominator, rate.d)) * rate.d
  const numerator = (rate: Fraction) => rate.n * (denominator / rate.d)
  return {
    numerators: {
      input: numerator(rates.input),
      cacheWrite5m: numerator(rates.cacheWrite5m),
      cacheWrite1h: numerator(rates.cacheWrite1h),
      cacheRead: numerator(rates.cacheRead),
      output: numerator(rates.output),
    },
    denominator,
  }
}

/** The exact token cost of `tokens` at `rates`, unreduced. */
function tokenCostAt({ numerators, denominator }: CommonRates, tokens: TokenCounts): Fraction {
  return {
    n:
      numerators.input * BigInt(tokens.input) +
      numerators.cacheWrite5m * BigInt(tokens.cacheWrite5m) +
      numerators.cacheWrite1h * BigInt(tokens.cacheWrite1h) +
      numerators.cacheRead * BigInt(tokens.cacheRead) +
      numerators.output * BigInt(tokens.output),
    d: denominator,
  }
}

/** Exact sums and products without reducing, for the per-request path (femto() needs no reduced fraction). */
const plainPlus = (a: Fraction, b: Fraction): Fraction =>
  b.n === 0n ? a : a.n === 0n ? b : { n: a.n * b.d + b.n * a.d, d: a.d * b.d }
const plainTimes = (a: Fraction, b: Fraction): Fraction => ({ n: a.n * b.n, d: a.d * b.d })

interface RateCard {
  base: CommonRates
  tier?: { aboveInputTokens: number; rates: CommonRates }
  geo?: Map<string, Fraction>
  /** Femtodollars per request, by `usage.server_tool_use` field. */
  fees: Map<string, Fraction>
}

function ratesOf(prices: TokenPrices, multipliers: PriceTable['cache_multipliers']): Rates {
  const perToken = (usdPerMillion: Fraction) => scaled(usdPerMillion, FEMTO_PER_TOKEN_PER_USD_PER_MTOK)
  const input = exact(prices.input)
  const cache = (listed: number | undefined, multiplier: number) =>
    perToken(listed === undefined ? times(input, exact(multiplier)) : exact(listed))
  return {
    input: perToken(input),
    cacheWrite5m: cache(prices.cache_write_5m, multipliers.cache_write_5m),
    cacheWrite1h: cache(prices.cache_write_1h, multipliers.cache_write_1h),
    cacheRead: cache(prices.cache_read, multipliers.cache_read),
    output: perToken(exact(prices.output)),
  }
}

function rateCardOf(entry: PriceEntry, table: PriceTable): RateCard {
  const fees = new Map<string, Fraction>()
  for (const [field, usd] of Object.entries({ ...table.server_tools, ...entry.server_tools })) {
    if (usd !== undefined) fees.set(field, scaled(exact(usd), FEMTO_PER_USD))
  }
  return {
    base: commonRates(ratesOf(entry, table.cache_multipliers)),
    ...(entry.long_context && {
      tier: {
        aboveInputTokens: entry.long_context.above_input_tokens,
        rates: commonRates(ratesOf(entry.long_context, table.cache_multipliers)),
      },
    }),
    ...(entry.inference_geo && {
      geo: new Map(Object.entries(entry.inference_geo).map(([geo, multiplier]) => [geo, exact(multiplier)])),
    }),
    fees,
  }
}

const SERVER_TOOL_NAMES: Record<string, string> = {
  web_search_requests: 'web search',
  web_fetch_requests: 'web fetch',
}

/**
 * Why a model has no price and how to give it one: the one phrasing of an unpriced model, which the report,
 * the estimate and the max-cost refusal all show.
 */
export function unpricedModelReason(model: string, tableDate: string, pricingFile?: string): string {
  return (
    `model '${model}' is not in the price table (${tableDate})${pricingFile ? ` or in ${pricingFile}` : ''}; ` +
    'give its prices with the pricing input (--pricing), as in examples/pricing.json ' +
    '(docs/costs-and-caching.md#unpriced-models)'
  )
}

export interface Pricer {
  /** The cost of one succeeded request, or the reason it cannot be computed (never a guess). */
  costOf(model: string, usage: Usage): CostResult
  /** Whether the model (an id, an alias or a dated snapshot id) has prices. */
  isPriced(model: string): boolean
  /** The built-in table's date; a pricing file does not change it. */
  readonly tableDate: string
  /** A token's batch price over its standard price: 0.5, unless a pricing file changes it. */
  readonly batchMultiplier: number
  readonly tableSource: string
  /** The pricing file, when one was given, with the table's models it changed and the models it added. */
  readonly overrides?: { file: string; changed: string[]; added: string[] }
}

/** Prices from the built-in table, with a pricing file's models and rules over it when one is given. */
export function createPricer(overrides?: PriceOverrides): Pricer {
  const table = mergePriceTable(BUILT_IN_TABLE, overrides)
  const cards = new Map<string, RateCard>()
  const cardOf = (id: string, entry: PriceEntry) => {
    let card = cards.get(id)
    if (!card) cards.set(id, (card = rateCardOf(entry, table)))
    return card
  }
  const tokenBatch = exact(table.batch_multiplier)
  const toolBatch =
    table.server_tool_batch_multiplier === null ? undefined : exact(table.server_tool_batch_multiplier)
  const notInTable = (model: string) => unpricedModelReason(model, table.date, overrides?.file)

  /** Models as runs name them, resolved once each (a run asks for every result). */
  const resolvedModels = new Map<string, ReturnType<typeof resolveModel>>()
  const resolve = (model: string) => {
    if (resolvedModels.has(model)) return resolvedModels.get(model)
    const resolved = resolveModel(table, model)
    resolvedModels.set(model, resolved)
    return resolved
  }

  function costOf(model: string, usage: Usage): CostResult {
    // promptfoo's echo provider is answered on the runner: nothing is sent or billed.
    if (model === ECHO_PROVIDER) return { cost: NO_COST }
    const resolved = resolve(model)
    if (!resolved) return { unknown: notInTable(model) }
    const card = cardOf(resolved.id, resolved.entry)
    if (usage.speed === 'fast') return { unknown: 'fast mode prices are not in the price table' }

    let geo: Fraction | undefined
    const where = usage.inference_geo
    if (where && where !== 'global' && card.geo) {
      const multiplier = card.geo.get(where)
      if (!multiplier) return { unknown: `model '${model}' has no price for inference_geo '${where}'` }
      geo = multiplier
    }

    const tokens = tokenCountsOf(usage)
    const wholeInput = tokens.input + tokens.cacheWrite5m + tokens.cacheWrite1h + tokens.cacheRead
    const rates = card.tier && wholeInput > card.tier.aboveInputTokens ? card.tier.rates : card.base
    let tokenCost = tokenCostAt(rates, tokens)
    if (geo) tokenCost = plainTimes(tokenCost, geo)

    let fees = ZERO
    const feeNames: string[] = []
    for (const [field, count] of Object.entries(usage.server_tool_use ?? {})) {
      if (typeof count !== 'number' || count <= 0) continue
      const fee = card.fees.get(field)
      if (!fee) return { unknown: `server tool usage '${field}' has no price in the price table` }
      if (fee.n === 0n) continue
      fees = plus(fees, scaled(fee, BigInt(count)))
      feeNames.push(Object.hasOwn(SERVER_TOOL_NAMES, field) ? SERVER_TOOL_NAMES[field] : field)
    }
    if (fees.n !== 0n && !toolBatch) {
      return {
        unknown:
          `no official page says whether the Batch API discounts ${feeNames.join(' and ')} fees; ` +
          'set server_tool_batch_multiplier in the pricing file to price them',
      }
    }

    const batch = plainPlus(plainTimes(tokenCost, tokenBatch), toolBatch ? plainTimes(fees, toolBatch) : ZERO)
    return { cost: { standard: femto(plainPlus(tokenCost, fees)), batch: femto(batch) } }
  }

  const overridden = overrides && {
    file: overrides.file,
    changed: Object.keys(overrides.models).filter((id) => Object.hasOwn(BUILT_IN_TABLE.models, id)),
    added: Object.keys(overrides.models).filter((id) => !Object.hasOwn(BUILT_IN_TABLE.models, id)),
  }
  return {
    costOf,
    isPriced: (model) => resolveModel(table, model) !== undefined,
    tableDate: table.date,
    batchMultiplier: table.batch_multiplier,
    tableSource: table.source,
    ...(overridden && { overrides: overridden }),
  }
}

let active: Pricer = createPricer()

/**
 * Makes `costOf` and `isPriced` use these prices (the built-in table when none is given); returns the pricer
 * that was in use. The action calls it once, after reading the `pricing` file.
 */
export function setPricer(pricer: Pricer = createPricer()): Pricer {
  const previous = active
  active = pricer
  return previous
}

export function isPriced(model: string): boolean {
  return active.isPriced(model)
}

export function batchMultiplier(): number {
  return active.batchMultiplier
}

/**
 * The price tier a message was served at, from its usage: `standard` when the standard API answered it
 * (`on-timeout: standard`), else `batch` (a batch's results say `batch`, stored or made-up usage null).
 */
export function priceTierOf(usage: Pick<Usage, 'service_tier'>): PriceTier {
  return usage.service_tier === 'standard' || usage.service_tier === 'priority' ? 'standard' : 'batch'
}

/**
 * The cost of one succeeded request, or the reason it cannot be computed (never a guess). `batch` is what
 * was billed: for a message the standard API served (priceTierOf), the standard price.
 */
export function costOf(model: string, usage: Usage): CostResult {
  const priced = active.costOf(model, usage)
  if (!('cost' in priced) || priceTierOf(usage) === 'batch') return priced
  return { cost: { standard: priced.cost.standard, batch: priced.cost.standard } }
}

/** A succeeded request as the report adds it up: its model and usage, and its cost or why that is unknown. */
export interface BilledCall {
  model: string
  usage: Usage | null
  cost: Cost | null
  costUnknown: string | null
}

export function billedCall(model: string, usage: Usage): BilledCall {
  const priced = costOf(model, usage)
  return {
    model,
    usage,
    cost: 'cost' in priced ? priced.cost : null,
    costUnknown: 'unknown' in priced ? priced.unknown : null,
  }
}
