/**
 * What a run will cost, before anything is submitted: input tokens counted with `count_tokens` (or, where it
 * cannot be reached, the documented heuristic, with its uncertainty band on both ends), output tokens from 0 up to each request's `max_tokens`, and
 * the prefixes `cache: auto` marks from all read from the cache to all written to it. The high end is the
 * worst case the `max-cost` budget is checked against. Requests of a model the price table lacks are left
 * out of both ends and listed, so that nobody reads the priced part as the run's cost.
 */
import type { MessageCreateParamsNonStreaming, Usage } from '@anthropic-ai/sdk/resources/messages/messages'
import { addCosts, costOf, NO_COST, type CostResult } from './pricing.js'
import { formatUsd } from './usd.js'
import { CHARS_PER_TOKEN, heuristicTokens } from '../common/token-heuristic.js'
import type { BatchRequest, Cost } from '../model.js'

/** Distinct requests counted with `count_tokens` at most; the rest are scaled from them. */
export const MAX_COUNTED_REQUESTS = 500
const COUNT_CONCURRENCY = 8

/**
 * How far a heuristic count may be from the real one, either way: the share the estimate's low end takes off
 * and its high end adds, so that `max-cost`'s worst case covers it. The heuristic is within about 25% on
 * English text and code (token-heuristic.ts); text in other scripts can take more tokens a character than
 * any band covers, and only count_tokens counts it.
 */
export const HEURISTIC_BAND = 0.3

export type TokenCounter = (params: MessageCreateParamsNonStreaming) => Promise<number>

/** A counter, or why there is none (the heuristic's reason in the estimate: "no API key"). */
export type Counting = TokenCounter | { notCounted: string }

export interface CostEstimate {
  requests: number
  /** The point estimate; `inputTokensRange` has the band of the tokens not counted. */
  inputTokens: number
  /** Equal ends when every request was counted; else the uncounted ones' within HEURISTIC_BAND either way. */
  inputTokensRange: { low: number; high: number }
  maxOutputTokens: number
  /** How the input tokens were counted. */
  method: 'count_tokens' | 'count_tokens sample' | 'heuristic'
  /** Requests counted with count_tokens (the rest were scaled from them, or all estimated). */
  countedRequests: number
  /** With method 'heuristic': why count_tokens was not used, e.g. "count_tokens failed: 401 invalid x-api-key". */
  heuristicReason: string | undefined
  /**
   * At batch prices, of the priced requests: input only, no output, and every cached prefix read from the
   * cache (an earlier run may have written it). The least they can cost.
   */
  low: Cost
  /** At batch prices, of the priced requests: every output at max_tokens, every cached prefix written. */
  high: Cost
  /** The requests `low` and `high` are of: all of them unless some are unpriced. */
  pricedRequests: number
  /** Requests the price table cannot price, by model: with any, the run's cost is unknown. */
  unpriced: UnpricedRequests[]
  /** The models of `unpriced`. */
  unpricedModels: string[]
  /**
   * Requests of conversations' later turns: they hold the earlier turns' outputs, unknown before those are
   * in, which the high end counts as input at up to the earlier turns' max_tokens and the low end not at all.
   */
  laterTurns: number
}

export interface UnpricedRequests {
  model: string
  requests: number
  /** Why they cannot be priced, e.g. "model 'x' is not in the price table (2026-01-01)". */
  reason: string
}

function usage(tokens: { input: number; output: number; cacheWrite1h: number; cacheRead: number }): Usage {
  return {
    input_tokens: tokens.input,
    output_tokens: tokens.output,
    cache_creation_input_tokens: tokens.cacheWrite1h,
    cache_read_input_tokens: tokens.cacheRead,
    cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: tokens.cacheWrite1h },
    server_tool_use: null,
    service_tier: 'batch',
    inference_geo: null,
    output_tokens_details: null,
    speed: null,
  }
}

interface InputTokens {
  tokens: number[]
  /** The requests counted exactly: the others' figures are within HEURISTIC_BAND. */
  counted: ReadonlySet<number>
  method: CostEstimate['method']
  heuristicReason?: string
}

/** An error's message in a line: the SDK's carry the API's whole JSON body. */
const MAX_REASON_CHARS = 200
function failureOf(error: unknown): string {
  const message = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim()
  return `count_tokens failed: ${message.length > MAX_REASON_CHARS ? `${message.slice(0, MAX_REASON_CHARS)}…` : message}`
}

/** Input tokens of each request: counted where the counter answers, scaled from the counted ones otherwise. */
async function inputTokensOf(requests: BatchRequest[], counting: Counting): Promise<InputTokens> {
  const heuristic = requests.map((r) => heuristicTokens(r.params))
  const none = new Set<number>()
  if (typeof counting !== 'function') {
    return { tokens: heuristic, counted: none, method: 'heuristic', heuristicReason: counting.notCounted }
  }
  const counter = counting
  const distinct = new Map<string, number[]>()
  requests.forEach((r, i) => {
    const key = JSON.stringify(r.params)
    const same = distinct.get(key)
    if (same) same.push(i)
    else distinct.set(key, [i])
  })
  const sample = [...distinct.values()].slice(0, MAX_COUNTED_REQUESTS)
  const counted = new Map<number, number>()
  let next = 0
  const worker = async () => {
    while (next < sample.length) {
      const indexes = sample[next++]
      const count = await counter(requests[indexes[0]].params)
      for (const i of indexes) counted.set(i, count)
    }
  }
  try {
    await Promise.all(Array.from({ length: COUNT_CONCURRENCY }, worker))
  } catch (error) {
    return { tokens: heuristic, counted: none, method: 'heuristic', heuristicReason: failureOf(error) }
  }
  let countedSum = 0
  let heuristicSum = 0
  for (const [i, count] of counted) {
    countedSum += count
    heuristicSum += heuristic[i]
  }
  const scale = heuristicSum > 0 ? countedSum / heuristicSum : 1
  const tokens = requests.map((_, i) => counted.get(i) ?? Math.ceil(heuristic[i] * scale))
  const method = counted.size === requests.length ? 'count_tokens' : 'count_tokens sample'
  return { tokens, counted: new Set(counted.keys()), method }
}

function reasonOf(...results: CostResult[]): string {
  return results.flatMap((result) => ('unknown' in result ? [result.unknown] : []))[0] ?? ''
}

/**
 * The estimate for these requests. `cachedPrefixTokens` gives, per model, the prefix `cache: auto` marked:
 * read from the cache at best, written at the 1-hour price at worst. `earlierOutputTokens` gives, per request
 * of a conversation's later turn, the most its earlier turns' outputs can add to its input.
 */
export async function estimateCost(
  requests: BatchRequest[],
  counting: Counting,
  cachedPrefixTokens: ReadonlyMap<string, number> = new Map(),
  earlierOutputTokens: readonly number[] = [],
): Promise<CostEstimate> {
  const { tokens, counted, method, heuristicReason } = await inputTokensOf(requests, counting)
  const band = (i: number, side: -1 | 1) =>
    counted.has(i) ? tokens[i] : Math.max(0, Math.round(tokens[i] * (1 + side * HEURISTIC_BAND)))
  const range = { low: 0, high: 0 }
  let low = NO_COST
  let high = NO_COST
  let pricedRequests = 0
  const unpriced = new Map<string, UnpricedRequests>()
  let maxOutputTokens = 0
  requests.forEach(({ params }, i) => {
    maxOutputTokens += params.max_tokens
    const [fewest, largest] = [band(i, -1), band(i, 1)]
    range.low += fewest
    range.high += largest
    const prefix = Math.min(cachedPrefixTokens.get(params.model) ?? 0, fewest)
    const least = costOf(
      params.model,
      usage({ input: fewest - prefix, output: 0, cacheWrite1h: 0, cacheRead: prefix }),
    )
    const written = Math.min(cachedPrefixTokens.get(params.model) ?? 0, largest)
    const earlier = earlierOutputTokens[i] ?? 0
    const most = costOf(
      params.model,
      usage({
        input: largest - written + earlier,
        output: params.max_tokens,
        cacheWrite1h: written,
        cacheRead: 0,
      }),
    )
    if ('cost' in least && 'cost' in most) {
      low = addCosts(low, least.cost)
      high = addCosts(high, most.cost)
      pricedRequests += 1
      return
    }
    const known = unpriced.get(params.model)
    if (known) known.requests += 1
    else unpriced.set(params.model, { model: params.model, requests: 1, reason: reasonOf(least, most) })
  })
  const byModel = [...unpriced.values()].sort((a, b) => a.model.localeCompare(b.model))
  return {
    requests: requests.length,
    inputTokens: tokens.reduce((a, b) => a + b, 0),
    inputTokensRange: range,
    maxOutputTokens,
    method,
    countedRequests: counted.size,
    heuristicReason,
    low,
    high,
    pricedRequests,
    unpriced: byModel,
    unpricedModels: byModel.map((u) => u.model),
    laterTurns: earlierOutputTokens.filter((tokens) => tokens > 0).length,
  }
}

const count = (n: number, one: string, many = `${one}s`) =>
  `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`

/** "The other request costs", "The other 3 requests cost". */
export const theOthers = (n: number) =>
  n === 1 ? 'The other request costs' : `The other ${count(n, 'request')} cost`

/** Per model: "2 requests to claude-x are not priced: model 'claude-x' is not in the price table (…)". */
export function unpricedPhrases(
  estimate: CostEstimate,
  text: (untrusted: string) => string = (t) => t,
): string[] {
  return estimate.unpriced.map(
    ({ model, requests, reason }) =>
      `${count(requests, 'request')} to ${text(model)} ${requests === 1 ? 'is' : 'are'} not priced: ${text(reason)}`,
  )
}

/**
 * How the input tokens were counted, for the start of every estimate: a heuristic says why, up front.
 * "input tokens by heuristic (4 characters a token, ±30%), because count_tokens failed: 401 …".
 */
export function methodPhrase(estimate: CostEstimate, text: (untrusted: string) => string = (t) => t): string {
  const band = `±${Math.round(HEURISTIC_BAND * 100)}%`
  if (estimate.method === 'count_tokens') return 'input tokens by count_tokens'
  if (estimate.method === 'count_tokens sample') {
    return (
      `input tokens by count_tokens for ${count(estimate.countedRequests, 'request')}, ` +
      `the other ${count(estimate.requests - estimate.countedRequests, 'request')} scaled from them (${band})`
    )
  }
  const why = estimate.heuristicReason ? `, because ${text(estimate.heuristicReason)}` : ''
  return `input tokens by heuristic (${CHARS_PER_TOKEN} characters a token, ${band})${why}`
}

/** "12,000 input tokens", or with uncounted requests "about 12,000 input tokens (8,400 to 15,600)". */
export function inputTokensPhrase(estimate: CostEstimate): string {
  const { low, high } = estimate.inputTokensRange
  const n = (value: number) => value.toLocaleString('en-US')
  if (low === high) return `${n(estimate.inputTokens)} input tokens`
  return `about ${n(estimate.inputTokens)} input tokens (${n(low)} to ${n(high)})`
}

/**
 * The estimate in one line, for the log, the method first. With unpriced requests the cost is unknown: the
 * priced ones' figures follow as theirs, never as the run's.
 */
export function estimateSummary(estimate: CostEstimate, judgedTests = 0): string {
  const range = `${formatUsd(estimate.low.batch)} to ${formatUsd(estimate.high.batch)}`
  const start = `Estimated cost at batch prices (${methodPhrase(estimate)})`
  const judge =
    judgedTests > 0
      ? `, not counting the judge's requests for ${judgedTests} test(s) with model-graded assertions`
      : ''
  const turns =
    estimate.laterTurns > 0
      ? ` ${count(estimate.laterTurns, 'request')} of conversations' later turns will hold the earlier turns' ` +
        'outputs, not known yet: their input is estimated without them, and with each at its max_tokens in the high end.'
      : ''
  if (estimate.unpriced.length === 0) return `${start}: ${range}${judge}.${turns}`
  const priced =
    estimate.pricedRequests > 0
      ? ` ${theOthers(estimate.pricedRequests)} ${range}, so the run costs at least ` +
        `${formatUsd(estimate.low.batch)}.`
      : ''
  return `${start}: unknown${judge}. ${unpricedPhrases(estimate).join('; ')}.${priced}${turns}`
}
