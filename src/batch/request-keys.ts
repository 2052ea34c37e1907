/**
 * A request's content key: a hash of exactly what is sent (model, parameters, system, messages, tools), the
 * same whatever the order of its fields, without its cache_control marks (caching changes no answer) and
 * without its custom_id (a name of the run's). Two requests with the same key get answers from the same
 * distribution, so a stored answer to one is an answer to the other.
 */
import { createHash } from 'node:crypto'
import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages/messages'

/** Hex digits of the SHA-256 kept: 160 bits, as the judge's custom_ids. */
const KEY_DIGITS = 40

/** Keys by request object: a repeated test's samples share theirs, and the results file and reuse both ask. */
const keys = new WeakMap<MessageCreateParamsNonStreaming, string>()

export function contentKey(params: MessageCreateParamsNonStreaming): string {
  let key = keys.get(params)
  if (key === undefined) {
    key = createHash('sha256').update(canonicalJson(params)).digest('hex').slice(0, KEY_DIGITS)
    keys.set(params, key)
  }
  return key
}

/** JSON with every object's keys sorted and its cache_control left out. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_name, item: unknown) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return item
    const sorted: Record<string, unknown> = {}
    for (const field of Object.keys(item).sort()) {
      if (field !== 'cache_control') sorted[field] = (item as Record<string, unknown>)[field]
    }
    return sorted
  })
}
