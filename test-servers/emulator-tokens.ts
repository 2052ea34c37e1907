/**
 * The emulator's one token rule, for a result's input tokens and for `POST /v1/messages/count_tokens`, and
 * the API's validation of the params it is given (batch params and count_tokens bodies).
 *
 * `max(1, ceil(chars / 4))`, where chars adds up, in the API's order tools -> system -> messages:
 * - tools: the JSON of the `tools` array (`JSON.stringify`, without any `cache_control` key), when non-empty;
 * - system: a string's length, or the sum of its blocks;
 * - messages: each message's string content length, or the sum of its blocks;
 * - a block: a `text` block its text's length; an `image` block 6,400 (so 1,600 tokens); any other block
 *   (tool_use, tool_result, document, thinking...) the length of its JSON without `cache_control` keys.
 * `cache_control` never changes a count, so `count_tokens` equals a result's input tokens (input + cache
 * writes + cache reads) for the same params.
 */
import type { MessageCountTokensParams } from '@anthropic-ai/sdk/resources/messages/messages'
import { isRecord } from './scripted-replies.js'

/** Text of a message's content: the string, or its `text` blocks concatenated. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return ''
  let text = ''
  for (const block of content) {
    if (isRecord(block) && block['type'] === 'text' && typeof block['text'] === 'string')
      text += block['text']
  }
  return text
}

export function lastUserText(messages: unknown[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]
    if (isRecord(m) && m['role'] === 'user') return contentText(m['content'])
  }
  return ''
}

/** The token rule's ratio: four characters a token. */
export const CHARS_PER_TOKEN = 4
/** The tokens of an image block, whatever its size (a 1,092 x 1,092 image, the size the API scales to). */
export const IMAGE_TOKENS = 1_600

export function tokensFor(chars: number): number {
  return Math.max(1, Math.ceil(chars / CHARS_PER_TOKEN))
}

/** One piece of a request's input, in the API's order: a tool, a system block, a message block. */
export interface InputPiece {
  chars: number
  /** Where it is: a tool, the system prompt, or the message of this index (with its role). */
  at: 'tool' | 'system' | number
  role?: unknown
  /** The tool, block or string content. */
  value: unknown
  /** Its `cache_control`, when it has one. */
  cacheControl: unknown
}

/** JSON without any `cache_control` key: a breakpoint does not change what a piece is, or counts. */
export function jsonWithoutCacheControl(value: unknown): string {
  return JSON.stringify(value, (key, v: unknown) => (key === 'cache_control' ? undefined : v)) ?? ''
}

function blockChars(block: unknown): number {
  if (isRecord(block)) {
    if (block['type'] === 'text' && typeof block['text'] === 'string') return block['text'].length
    if (block['type'] === 'image') return IMAGE_TOKENS * CHARS_PER_TOKEN
  }
  return jsonWithoutCacheControl(block).length
}

function cacheControlOf(value: unknown): unknown {
  return isRecord(value) ? value['cache_control'] : undefined
}

/** The pieces of a request's input (tools -> system -> messages), each with its chars and breakpoint. */
export function inputPieces(params: Record<string, unknown>): InputPiece[] {
  const pieces: InputPiece[] = []
  const tools = params['tools']
  if (Array.isArray(tools)) {
    // The JSON of the array: the first tool carries its brackets, each other one its comma.
    tools.forEach((tool: unknown, i) => {
      const chars = jsonWithoutCacheControl(tool).length + (i === 0 ? 2 : 1)
      pieces.push({ chars, at: 'tool', value: tool, cacheControl: cacheControlOf(tool) })
    })
  }
  const system = params['system']
  if (typeof system === 'string') {
    pieces.push({ chars: system.length, at: 'system', value: system, cacheControl: undefined })
  } else if (Array.isArray(system)) {
    for (const block of system as unknown[]) {
      pieces.push({
        chars: blockChars(block),
        at: 'system',
        value: block,
        cacheControl: cacheControlOf(block),
      })
    }
  }
  const messages = params['messages']
  if (Array.isArray(messages)) {
    messages.forEach((message: unknown, i) => {
      if (!isRecord(message)) return
      const content = message['content']
      const role = message['role']
      if (typeof content === 'string') {
        pieces.push({ chars: content.length, at: i, role, value: content, cacheControl: undefined })
      } else if (Array.isArray(content)) {
        for (const block of content as unknown[]) {
          const cacheControl = cacheControlOf(block)
          pieces.push({ chars: blockChars(block), at: i, role, value: block, cacheControl })
        }
      }
    })
  }
  // A top-level cache_control marks the last block (unless that block has its own).
  const last = pieces[pieces.length - 1]
  if (params['cache_control'] != null && last !== undefined && last.cacheControl == null) {
    last.cacheControl = params['cache_control']
  }
  return pieces
}

/**
 * A request's input tokens, cache reads and writes included: what `count_tokens` answers for these params,
 * and the sum `input_tokens + cache_creation_input_tokens + cache_read_input_tokens` of its batch result.
 */
export function inputTokensOf(params: unknown): number {
  return isRecord(params) ? tokensOfPieces(inputPieces(params)) : 1
}

export function tokensOfPieces(pieces: InputPiece[]): number {
  let chars = 0
  for (const piece of pieces) chars += piece.chars
  return tokensFor(chars)
}
/** The asynchronous params validation of the API: the first problem found, or null. */
export function paramsProblem(params: Record<string, unknown>): string | null {
  const model = params['model']
  if (model === undefined) return 'model: Field required'
  if (typeof model !== 'string' || model === '') return 'model: Input should be a non-empty string'
  const maxTokens = params['max_tokens']
  if (maxTokens === undefined) return 'max_tokens: Field required'
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens)) {
    return 'max_tokens: Input should be a valid integer'
  }
  if (maxTokens < 1) return `max_tokens: Input should be greater than or equal to 1 (got ${maxTokens})`
  const messages = params['messages']
  if (messages === undefined) return 'messages: Field required'
  if (!Array.isArray(messages)) return 'messages: Input should be a valid list'
  if (messages.length === 0) return 'messages: at least one message is required'
  if (params['stream'] === true) return 'stream: streaming is not supported in the Message Batches API'
  if (params['speed'] != null) return 'speed: is not supported in the Message Batches API'
  for (const field of ['temperature', 'top_p', 'top_k']) {
    if (field in params) {
      return `${field}: Extra inputs are not permitted (removed in anthropic-version 2026-10-21)`
    }
  }
  return null
}

/** The fields `count_tokens` takes (checked by `tsc` against the SDK's params: a missing or extra key fails). */
const COUNT_TOKENS_FIELDS = {
  messages: true,
  model: true,
  cache_control: true,
  output_config: true,
  speed: true,
  system: true,
  thinking: true,
  tool_choice: true,
  tools: true,
  user_profile_id: true,
  workspace_id: true,
} satisfies Record<keyof MessageCountTokensParams, true>

/** The validation of a `count_tokens` body: the first problem found, or null. */
export function countTokensProblem(body: Record<string, unknown>): string | null {
  const model = body['model']
  if (model === undefined) return 'model: Field required'
  if (typeof model !== 'string' || model === '') return 'model: Input should be a non-empty string'
  const messages = body['messages']
  if (messages === undefined) return 'messages: Field required'
  if (!Array.isArray(messages)) return 'messages: Input should be a valid list'
  if (messages.length === 0) return 'messages: at least one message is required'
  for (const field of Object.keys(body)) {
    if (!Object.hasOwn(COUNT_TOKENS_FIELDS, field)) return `${field}: Extra inputs are not permitted`
  }
  return null
}
