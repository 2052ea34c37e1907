/**
 * What a run will cost, before anything is submitted: input tokens counted with `count_tokens` (or, where it
 * cannot be reached, the documented heuristic), output tokens from 0 up to each request's `max_tokens`.
 * The high end is the worst case the `max-cost` budget is checked against.
 */
import type { MessageCreateParamsNonStreaming, Usage } from '@anthropic-ai/sdk/resources/messages/messages'
import type { BatchRequest } from './batch-requests.js'
import { addCosts, costOf, NO_COST, type Cost } from './pricing.js'
import { heuristicTokens } from './token-heuristic.js'

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
  /** At batch prices: input only, no output (the least a run can cost, without cache reads). */
  low: Cost
  /** At batch prices: every output at max_tokens, and cached prefixes written at the 1-hour price. */
  high: Cost
  /** Models the price table does not know: the figures leave them out. */
  unpricedModels: string[]
}

function usage(input: number, output: number, cacheWrite1h: number): Usage {
  return {
    input_tokens: input,
    output_tokens: output,
    cache_creation_input_tokens: cacheWrite1h,
    cache_read_input_tokens: 0,
    cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: cacheWrite1h },
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

/**
 * The estimate for these requests. `cachedPrefixTokens` gives, per model, the prefix `cache: auto` marked
 * (written at the 1-hour price in the worst case).
 */
export async function estimateCost(
  requests: BatchRequest[],
  counter: TokenCounter | undefined,
  cachedPrefixTokens: ReadonlyMap<string, number> = new Map(),
): Promise<CostEstimate> {
  const { tokens, method } = await inputTokensOf(requests, counter)
  let low = NO_COST
  let high = NO_COST
  const unpriced = new Set<string>()
  let maxOutputTokens = 0
  requests.forEach(({ params }, i) => {
    maxOutputTokens += params.max_tokens
    const prefix = Math.min(cachedPrefixTokens.get(params.model) ?? 0, tokens[i])
    const least = costOf(params.model, usage(tokens[i], 0, 0))
    const most = costOf(params.model, usage(tokens[i] - prefix, params.max_tokens, prefix))
    if ('unknown' in least || 'unknown' in most) {
      unpriced.add(params.model)
      return
    }
    low = addCosts(low, least.cost)
    high = addCosts(high, most.cost)
  })
  return {
    requests: requests.length,
    inputTokens: tokens.reduce((a, b) => a + b, 0),
    maxOutputTokens,
    method,
    low,
    high,
    unpricedModels: [...unpriced].sort(),
  }
}
