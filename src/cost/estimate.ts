/**
 * What a run will cost, before anything is submitted: input tokens counted with `count_tokens` (or, where it
 * cannot be reached, the documented heuristic), output tokens from 0 up to each request's `max_tokens`, and
 * the prefixes `cache: auto` marks from all read from the cache to all written to it. The high end is the
 * worst case the `max-cost` budget is checked against. Requests of a model the price table lacks are left
 * out of both ends and listed, so that nobody reads the priced part as the run's cost.
 */
import type { MessageCreateParamsNonStreaming, Usage } from '@anthropic-ai/sdk/resources/messages/messages'
import { addCosts, costOf, formatUsd, NO_COST, type CostResult } from './pricing.js'
import { heuristicTokens } from '../common/token-heuristic.js'
import type { BatchRequest, Cost } from '../model.js'

/** Distinct requests counted with `count_tokens` at most; the rest are scaled from them. */
export const MAX_COUNTED_REQUESTS = 500
const COUNT_CONCURRENCY = 8

export type TokenCounter = (params: MessageCreateParamsNonStreaming) => Promise<number>

export interface CostEstimate {
  requests: number
  inputTokens: number
  maxOutputTokens: number
  /** How the input tokens were counted. */
  method: 'count_tokens' | 'count_tokens sample' | 'heuristic'
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

/** Input tokens of each request: counted where the counter answers, scaled from the counted ones otherwise. */
async function inputTokensOf(
  requests: BatchRequest[],
  counter: TokenCounter | undefined,
): Promise<{ tokens: number[]; method: CostEstimate['method'] }> {
  const heuristic = requests.map((r) => heuristicTokens(r.params))
  if (!counter) return { tokens: heuristic, method: 'heuristic' }
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
  } catch {
    return { tokens: heuristic, method: 'heuristic' }
  }
  let countedSum = 0
  let heuristicSum = 0
  for (const [i, count] of counted) {
    countedSum += count
    heuristicSum += heuristic[i]
  }
  const scale = heuristicSum > 0 ? countedSum / heuristicSum : 1
  const tokens = requests.map((_, i) => counted.get(i) ?? Math.ceil(heuristic[i] * scale))
  return { tokens, method: counted.size === requests.length ? 'count_tokens' : 'count_tokens sample' }
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
  counter: TokenCounter | undefined,
  cachedPrefixTokens: ReadonlyMap<string, number> = new Map(),
  earlierOutputTokens: readonly number[] = [],
): Promise<CostEstimate> {
  const { tokens, method } = await inputTokensOf(requests, counter)
  let low = NO_COST
  let high = NO_COST
  let pricedRequests = 0
  const unpriced = new Map<string, UnpricedRequests>()
  let maxOutputTokens = 0
  requests.forEach(({ params }, i) => {
    maxOutputTokens += params.max_tokens
    const prefix = Math.min(cachedPrefixTokens.get(params.model) ?? 0, tokens[i])
    const rest = tokens[i] - prefix
    const least = costOf(params.model, usage({ input: rest, output: 0, cacheWrite1h: 0, cacheRead: prefix }))
    const earlier = earlierOutputTokens[i] ?? 0
    const most = costOf(
      params.model,
      usage({ input: rest + earlier, output: params.max_tokens, cacheWrite1h: prefix, cacheRead: 0 }),
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
    maxOutputTokens,
    method,
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
 * The estimate in one line, for the log. With unpriced requests the cost is unknown: the priced ones' figures
 * follow as theirs, never as the run's.
 */
export function estimateSummary(estimate: CostEstimate, judgedTests = 0): string {
  const range = `${formatUsd(estimate.low.batch)} to ${formatUsd(estimate.high.batch)}`
  const judge =
    judgedTests > 0
      ? `, not counting the judge's requests for ${judgedTests} test(s) with model-graded assertions`
      : ''
  const turns =
    estimate.laterTurns > 0
      ? ` ${count(estimate.laterTurns, 'request')} of conversations' later turns will hold the earlier turns' ` +
        'outputs, not known yet: their input is estimated without them, and with each at its max_tokens in the high end.'
      : ''
  if (estimate.unpriced.length === 0) {
    return `Estimated cost at batch prices: ${range} (${estimate.method})${judge}.${turns}`
  }
  const priced =
    estimate.pricedRequests > 0
      ? ` ${theOthers(estimate.pricedRequests)} ${range}, so the run costs at least ` +
        `${formatUsd(estimate.low.batch)}.`
      : ''
  return (
    `Estimated cost at batch prices: unknown (${estimate.method})${judge}. ` +
    `${unpricedPhrases(estimate).join('; ')}.${priced}${turns}`
  )
}
