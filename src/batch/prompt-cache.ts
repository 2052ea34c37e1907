/**
 * The `cache` input: where every request of a model (two or more) shares a prefix (tools, then system, then
 * leading messages) long enough to be cached, one identical `cache_control` breakpoint can go at the end of
 * it, so that requests that find the prefix cached read it at a tenth of the input price, on top of the batch
 * discount. `cache: auto` marks it only where the expected hit rate makes it cheaper, with the 5-minute or
 * 1-hour lifetime that costs less (cache-decision.ts); `cache: 5m` and `1h` mark it with that lifetime.
 */
import type {
  MessageCreateParamsNonStreaming,
  MessageParam,
  TextBlockParam,
} from '@anthropic-ai/sdk/resources/messages/messages'
import { heuristicTokens } from '../common/token-heuristic.js'
import type { BatchRequest } from '../model.js'
import { decideCache, type CacheTtl, type HitRate } from './cache-decision.js'

/**
 * The shortest prefix, in tokens, a model caches (shorter ones are silently not cached), from Anthropic's
 * prompt-caching page. Conservative: where sources or models of a family differ, the larger figure; models it
 * does not know, the largest.
 */
export function minCacheableTokens(model: string): number {
  if (/^claude-(opus-5|fable-5|mythos-5)/.test(model)) return 512
  if (/^claude-3(-5)?-haiku|^claude-sonnet-4-6|^claude-opus-4-7/.test(model)) return 2_048
  if (
    /^claude-sonnet-(4|5)|^claude-opus-4-[018]|^claude-opus-4(-\d{8})?$|^claude-3-[57]-sonnet|^claude-3-opus/.test(
      model,
    )
  )
    return 1_024
  return 4_096
}

export interface CachePlan {
  model: string
  /** What the shared prefix is made of, e.g. `tools + system + 2 messages`. */
  prefix: string
  prefixTokens: number
  requests: number
  /** The breakpoint's lifetime; null when `cache: auto` left the prefix unmarked, as caching would not pay. */
  ttl: CacheTtl | null
  /** Why: the break-even and the expected hit rate, or the forcing input. */
  why: string
}

/** What the `cache` input asks of prompt caching, and the hit rate `auto` expects for a model. */
export interface CacheOptions {
  choice: 'auto' | CacheTtl
  hitRate: (model: string) => HitRate
}

/** One line for the log and the estimate: what was chosen for a model's shared prefix and why. */
export function cachePlanLine(plan: CachePlan): string {
  const n = (value: number) => value.toLocaleString('en-US')
  const prefix = `the ${plan.prefix} (about ${n(plan.prefixTokens)} tokens) shared by ${n(plan.requests)} requests`
  return plan.ttl
    ? `${plan.model}: ${plan.ttl} cache on ${prefix}: ${plan.why}.`
    : `${plan.model}: not marked, ${prefix}: ${plan.why}.`
}

type Params = MessageCreateParamsNonStreaming

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)

function hasCacheControl(params: Params): boolean {
  return JSON.stringify(params).includes('"cache_control"')
}

/** How many leading messages every request shares, keeping each request's last message its own. */
function sharedMessages(group: Params[]): number {
  const limit = group.reduce((fewest, p) => Math.min(fewest, p.messages.length - 1), Infinity)
  let shared = 0
  while (shared < limit && group.every((p) => same(p.messages[shared], group[0].messages[shared]))) shared++
  return shared
}

type Breakpoint = { type: 'ephemeral'; ttl: CacheTtl }

function withBreakpointOnMessage(message: MessageParam, breakpoint: Breakpoint): MessageParam {
  const blocks =
    typeof message.content === 'string'
      ? [{ type: 'text' as const, text: message.content }]
      : [...message.content]
  const last = blocks.length - 1
  blocks[last] = { ...blocks[last], cache_control: breakpoint } as (typeof blocks)[number]
  return { ...message, content: blocks } as MessageParam
}

function withBreakpointOnSystem(system: string | TextBlockParam[], breakpoint: Breakpoint): TextBlockParam[] {
  const blocks = typeof system === 'string' ? [{ type: 'text' as const, text: system }] : [...system]
  blocks[blocks.length - 1] = { ...blocks[blocks.length - 1], cache_control: breakpoint }
  return blocks
}

type PrefixEnd = { at: 'messages'; count: number } | { at: 'system' } | { at: 'tools' }

/** The params with one breakpoint at the end of the shared prefix. */
function markPrefix(params: Params, end: PrefixEnd, breakpoint: Breakpoint): Params {
  if (end.at === 'messages') {
    const messages = params.messages.map((m, i) =>
      i === end.count - 1 ? withBreakpointOnMessage(m, breakpoint) : m,
    )
    return { ...params, messages }
  }
  if (end.at === 'system')
    return {
      ...params,
      system: withBreakpointOnSystem(params.system as string | TextBlockParam[], breakpoint),
    }
  const tools = params.tools as NonNullable<Params['tools']>
  const last = tools.length - 1
  return { ...params, tools: tools.map((t, i) => (i === last ? { ...t, cache_control: breakpoint } : t)) }
}

/**
 * The requests, with a breakpoint per model group where its shared prefix is long enough to be cached and
 * the decision marks it; and, per such group, what was decided. Requests that already carry `cache_control`
 * are the suite author's choice: their group is left alone.
 */
export function applyPromptCache(
  requests: BatchRequest[],
  options: CacheOptions,
): { requests: BatchRequest[]; plans: CachePlan[] } {
  const groups = new Map<string, number[]>()
  requests.forEach((request, i) => {
    const group = groups.get(request.params.model)
    if (group) group.push(i)
    else groups.set(request.params.model, [i])
  })
  const marked = [...requests]
  const plans: CachePlan[] = []
  for (const [model, indexes] of groups) {
    const group = indexes.map((i) => requests[i].params)
    // A lone request has nothing to read its write.
    if (group.length < 2) continue
    const sharedTools = group.every((p) => p.tools !== undefined && same(p.tools, group[0].tools))
    const sharedSystem = sharedTools || group.every((p) => p.tools === undefined)
    const system =
      sharedSystem && group.every((p) => p.system !== undefined && same(p.system, group[0].system))
    const messages =
      system || (sharedSystem && group.every((p) => p.system === undefined)) ? sharedMessages(group) : 0
    // Looking for breakpoints reads every request whole: only worth it once a shared prefix is found.
    if ((!sharedTools && !system && messages === 0) || group.some(hasCacheControl)) continue
    const prefixParams = {
      tools: sharedTools ? group[0].tools : undefined,
      system: system ? group[0].system : undefined,
      messages: group[0].messages.slice(0, messages),
    }
    const prefixTokens = heuristicTokens(prefixParams)
    if (prefixTokens < minCacheableTokens(model)) continue
    const { ttl, why } = decideCache(options.choice, indexes.length, options.hitRate(model))
    const parts = [sharedTools && 'tools', system && 'system', messages > 0 && `${messages} message(s)`]
    const prefix = parts.filter(Boolean).join(' + ')
    plans.push({ model, prefix, prefixTokens, requests: indexes.length, ttl, why })
    if (!ttl) continue
    const end: PrefixEnd =
      messages > 0 ? { at: 'messages', count: messages } : system ? { at: 'system' } : { at: 'tools' }
    const breakpoint: Breakpoint = { type: 'ephemeral', ttl }
    for (const i of indexes)
      marked[i] = { ...requests[i], params: markPrefix(requests[i].params, end, breakpoint) }
  }
  return { requests: marked, plans }
}
