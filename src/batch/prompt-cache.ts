/**
 * `cache: auto`: where every request of a model (three or more) shares a prefix (tools, then system, then
 * leading messages) long enough to be cached, one identical 1-hour `cache_control` breakpoint goes at the end
 * of it, so that the first request writes the prefix and the others read it at a tenth of the input price, on
 * top of the batch discount. Batches outlive the 5-minute default, hence the 1-hour TTL.
 */
import type {
  MessageCreateParamsNonStreaming,
  MessageParam,
  TextBlockParam,
} from '@anthropic-ai/sdk/resources/messages/messages'
import { heuristicTokens } from '../common/token-heuristic.js'
import type { BatchRequest } from '../model.js'

const BREAKPOINT = { type: 'ephemeral', ttl: '1h' } as const

/**
 * The fewest requests whose shared prefix is worth caching. A 1-hour write costs twice the input price and a
 * read a tenth of it, so n requests pay 2 + 0.1 (n - 1) times the prefix's input price cached, against n
 * uncached: 2.1 against 2 for two requests (caching loses), 2.2 against 3 for three.
 */
const MIN_CACHED_GROUP = 3

/**
 * The shortest prefix, in tokens, a model caches (shorter ones are silently not cached). Conservative: where
 * models of a family differ, the larger figure.
 */
export function minCacheableTokens(model: string): number {
  if (/^claude-3(-5)?-haiku/.test(model)) return 2_048
  if (/^claude-sonnet-4|^claude-opus-4-[01]|^claude-opus-4(-\d{8})?$/.test(model)) return 1_024
  return 4_096
}

export interface CachePlan {
  model: string
  /** What the shared prefix is made of, e.g. `tools + system + 2 messages`. */
  prefix: string
  prefixTokens: number
  requests: number
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

function withBreakpointOnMessage(message: MessageParam): MessageParam {
  const blocks =
    typeof message.content === 'string'
      ? [{ type: 'text' as const, text: message.content }]
      : [...message.content]
  const last = blocks.length - 1
  blocks[last] = { ...blocks[last], cache_control: BREAKPOINT } as (typeof blocks)[number]
  return { ...message, content: blocks } as MessageParam
}

function withBreakpointOnSystem(system: string | TextBlockParam[]): TextBlockParam[] {
  const blocks = typeof system === 'string' ? [{ type: 'text' as const, text: system }] : [...system]
  blocks[blocks.length - 1] = { ...blocks[blocks.length - 1], cache_control: BREAKPOINT }
  return blocks
}

type PrefixEnd = { at: 'messages'; count: number } | { at: 'system' } | { at: 'tools' }

/** The params with one breakpoint at the end of the shared prefix. */
function markPrefix(params: Params, end: PrefixEnd): Params {
  if (end.at === 'messages') {
    const messages = params.messages.map((m, i) => (i === end.count - 1 ? withBreakpointOnMessage(m) : m))
    return { ...params, messages }
  }
  if (end.at === 'system')
    return { ...params, system: withBreakpointOnSystem(params.system as string | TextBlockParam[]) }
  const tools = params.tools as NonNullable<Params['tools']>
  const last = tools.length - 1
  return { ...params, tools: tools.map((t, i) => (i === last ? { ...t, cache_control: BREAKPOINT } : t)) }
}

/**
 * The requests, with a breakpoint per model group where its shared prefix is long enough and shared by
 * enough requests to pay for its write; and what was marked. Requests that already carry `cache_control`
 * are the suite author's choice: their group is left alone.
 */
export function applyPromptCache(requests: BatchRequest[]): { requests: BatchRequest[]; plans: CachePlan[] } {
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
    if (group.length < MIN_CACHED_GROUP) continue
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
    const end: PrefixEnd =
      messages > 0 ? { at: 'messages', count: messages } : system ? { at: 'system' } : { at: 'tools' }
    for (const i of indexes) marked[i] = { ...requests[i], params: markPrefix(requests[i].params, end) }
    const parts = [sharedTools && 'tools', system && 'system', messages > 0 && `${messages} message(s)`]
    plans.push({ model, prefix: parts.filter(Boolean).join(' + '), prefixTokens, requests: indexes.length })
  }
  return { requests: marked, plans }
}
