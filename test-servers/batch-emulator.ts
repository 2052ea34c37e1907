/**
 * A local emulator of the Anthropic Message Batches API, for tests and the demo.
 *
 * It is real HTTP (node:http only) that the real `@anthropic-ai/sdk` client talks to: point the client's
 * `baseURL` at `emulator.url`. State lives in memory. Whether a batch has ended is decided from timestamps
 * (no timers), so nothing keeps the process alive after `close()`. The timestamps come from `options.clock`
 * (`Date.now` by default): a test's manual clock (test-servers/manual-clock.ts) makes time stand still
 * between the moves the test makes.
 *
 * Scripted batches (`scriptNextBatches`) leave time out altogether, for tests whose other side runs on its
 * own clock (the action run from dist/): a scripted batch has the requests it was told processed, and ends
 * when the test says (`endBatch`), at a given retrieval (`endAfterPolls`), or at the retrieval after a
 * cancel.
 *
 * Time model (of the batches not scripted): the requests of a batch of n complete one after another, in
 * submission order, over the batch's processing time: request i at `created + processingMs * (i + 1) / n`.
 * While the batch is `in_progress` or `canceling` every request counts as `processing` (as the API reports).
 * It ends at `created + processingMs`, or earlier:
 * - canceled: `CANCEL_GRACE_MS` after the cancel (never later than its normal end); the requests completed by
 *   the time of the cancel have their results, the rest are `canceled`;
 * - expired: at `created + expiresAfterMs` (24 h by default), if processing is not done by then; the requests
 *   completed by then have their results, the rest are `expired`.
 *
 * Token counts (`usage.input_tokens` of a result, and `POST /v1/messages/count_tokens`), one rule for both:
 * `max(1, ceil(chars / 4))`, where chars adds up, in the API's order tools -> system -> messages:
 * - tools: the JSON of the `tools` array (`JSON.stringify`, without any `cache_control` key), when non-empty;
 * - system: a string's length, or the sum of its blocks;
 * - messages: each message's string content length, or the sum of its blocks;
 * - a block: a `text` block its text's length; an `image` block 6,400 (so 1,600 tokens); any other block
 *   (tool_use, tool_result, document, thinking...) the length of its JSON without `cache_control` keys.
 * `cache_control` never changes a count, so `count_tokens` equals a result's input tokens (input + cache
 * writes + cache reads) for the same params. Exported as `inputTokensOf`.
 *
 * Prompt caching, deterministic: each `cache_control` breakpoint (on a tool, a system block, a message block;
 * a top-level `cache_control` marks the last block of the last message) ends a prefix. A prefix of at least
 * `minCacheableTokens(model)` tokens (its chars by the rule above) is cacheable; shorter ones are silently
 * not cached. The emulator keeps one cache (keyed by model and prefix content, `cache_control` aside) across
 * all its batches, never expiring; requests are processed in submission order within a batch, and batches in
 * creation order. A request reads the longest cached prefix among its cacheable breakpoints
 * (`cache_read_input_tokens` = its tokens), and writes each longer cacheable one (`cache_creation_input_tokens`
 * = the tokens from the read prefix to its last cacheable breakpoint, each segment counted in
 * `ephemeral_1h_input_tokens` when the breakpoint that ends it has `ttl: '1h'`, else in
 * `ephemeral_5m_input_tokens`); `input_tokens` is the rest (the total minus reads and writes). Only succeeded
 * requests touch the cache. As the API: at most 4 breakpoints, `type: 'ephemeral'`, `ttl` '5m' or '1h', and
 * no '1h' breakpoint after a '5m' one (else `invalid_request_error`).
 *
 * Scripted faults, for testing clients' retries and reconciliation: `failNext` (an API error, optionally
 * with `retry-after`), `resetNext` (the connection is dropped with no answer, optionally after the call took
 * effect), `cutResultsAfter` (a results download breaks off mid-stream), `maxQueuedRequests` (the
 * workspace's processing-queue limit: 429 with `retry-after`).
 *
 * Sized for the API's largest batch (100,000 requests, a body of hundreds of MB): no step is quadratic in
 * the number of requests, and results are serialised once, line by line as they are decided, kept UTF-8
 * encoded, and streamed in large pieces with backpressure.
 *
 * Every response body is typed with the SDK's own types, so `tsc` catches drift from the API contract (the
 * results lines of text replies, written out for speed, are held by the tests to the text of typed ones).
 */
import { createHash, randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type {
  DeletedMessageBatch,
  MessageBatch,
  MessageBatchIndividualResponse,
  MessageBatchRequestCounts,
  MessageBatchResult,
} from '@anthropic-ai/sdk/resources/messages/batches'
import type {
  CacheCreation,
  ContentBlock,
  Message,
  MessageCountTokensParams,
  MessageCreateParamsNonStreaming,
  MessageTokensCount,
  StopReason,
  Usage,
} from '@anthropic-ai/sdk/resources/messages/messages'
import type { ErrorDetails, ErrorObject, ErrorResponse } from '@anthropic-ai/sdk/resources/shared'
import type { PageResponse } from '@anthropic-ai/sdk/core/pagination'
import {
  ERROR_TYPES,
  isRecord,
  scriptedReplier,
  warnOnStderr,
  type ErrorType,
  type RepliesFile,
  type SingleReply,
  type StandInReply,
} from './scripted-replies.js'

export { loadReplies, loadRepliesFile } from './scripted-replies.js'
export type { ErrorType, JudgeVerdict, RepliesFile, SingleReply, StandInReply } from './scripted-replies.js'

export interface BatchEmulatorOptions {
  /** Port to listen on (127.0.0.1). Default 0: a random free port. */
  port?: number
  /**
   * How long a batch takes to process all its requests, in ms (its requests complete evenly over this time).
   * Default 1000; at least 1. `setProcessingMs` changes it for batches created afterwards.
   */
  processingMs?: number
  /**
   * How long after creation a batch expires, in ms (`expires_at`). Default 24 h, as the API. A batch whose
   * processing is not done by then ends at that time with its unprocessed requests `expired`.
   */
  expiresAfterMs?: number
  /**
   * The workspace's cap on requests waiting in the processing queue. A create whose requests, added to those
   * of the batches not yet ended (`in_progress` or `canceling`), exceed it answers 429 `rate_limit_error` with
   * a `retry-after` header. Default: no limit.
   */
  maxQueuedRequests?: number
  /** The `retry-after` (seconds, may be fractional) of a queue-limit 429. Default 1. */
  queueRetryAfterSeconds?: number
  /**
   * The stand-in model. Key: the text of the LAST user message (string content, or its text blocks
   * concatenated with no separator), exact match. The action's judge requests are answered by the stand-in
   * judge (test-servers/stand-in-judge.ts); other prompts get a reply saying none matched, and a warning.
   */
  replies?: Record<string, StandInReply>
  /** The judge's scripted verdicts, keyed by the output judged (exact match); the rule answers the rest. */
  judgeReplies?: RepliesFile['judge']
  /** Hears of each prompt no scripted reply matches (the first ten, then once more). Default: stderr. */
  onWarning?: (message: string) => void
  /** Request body limit in bytes (413 `request_too_large` above it). Default 256 MB, as the API. */
  maxBodyBytes?: number
  /**
   * Makes `POST /v1/messages/count_tokens` answer 404 `not_found_error` (as a gateway without the endpoint
   * would), so that a client's fallback can be tested. Default false. `setCountTokensUnavailable` changes it.
   */
  countTokensUnavailable?: boolean
  /**
   * The shortest cacheable prefix, in tokens: a number for every model, or a function of the model.
   * Default `minCacheableTokens` (the API's figures).
   */
  minCacheableTokens?: number | ((model: string) => number)
  /**
   * The emulator's time, in ms since the epoch. Default `Date.now`. A manual clock
   * (test-servers/manual-clock.ts), shared with the code under test, makes time-based behaviour deterministic.
   */
  clock?: () => number
}

/**
 * How one batch progresses when it is scripted (`scriptNextBatches`): by events, never by time, so that a
 * test cannot race a process that runs on its own clock.
 */
export interface BatchScript {
  /** How many of its requests, the first ones in submission order, are processed. Default: all of them. */
  processed?: number
  /**
   * Ends the batch at its Nth retrieval (`GET /v1/messages/batches/{id}`), whose answer already says `ended`.
   * Default: the batch ends only when the test calls `endBatch`, or at the first retrieval after a cancel.
   * Either way, its unprocessed requests are then `expired` (or `canceled`, after a cancel).
   */
  endAfterPolls?: number
}

export interface RecordedCall {
  method: string
  /** The URL path, without the query string. */
  path: string
  /** The query string without its leading `?` ('' when there is none). */
  query: string
}

export interface BatchEmulator {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  url: string
  /** Every HTTP call received, in order (including refused ones). */
  calls: RecordedCall[]
  /** Every batch created so far (deleted ones included), oldest first. */
  createdBatches(): { id: string; requests: { custom_id: string; params: unknown }[] }[]
  /**
   * Makes the next `times` calls matching method and path fail with the API's error of this kind (its HTTP
   * status and error body). With `retryAfterSeconds`, the answer carries a `retry-after` header (seconds; a
   * fraction such as 0.05 keeps tests fast, and the SDK honours it). With `errorCode`, the error carries
   * `details.error_code`, from which the SDK picks a finer error class (a 429 `enforced_spend_limit_reached`
   * is an EnforcedSpendLimitReachedError).
   */
  failNext(
    method: string,
    path: RegExp,
    type: ErrorType,
    times?: number,
    options?: { retryAfterSeconds?: number; errorCode?: ErrorDetails['error_code'] },
  ): void
  /**
   * Makes the next `times` calls matching method and path end in a connection reset: the request is read,
   * then the socket is destroyed with no response (the SDK sees an `APIConnectionError`, and retries it).
   * By default the call has no effect. With `afterCommit`, the call is carried out first (a create creates
   * its batch, a cancel cancels) and only its answer is lost: the case where a retried create double-bills.
   */
  resetNext(method: string, path: RegExp, times?: number, options?: { afterCommit?: boolean }): void
  /**
   * Makes the next `times` results downloads (of an ended batch) send only their first `lines` JSONL lines,
   * then drop the connection before the end of the body, so the client's iteration fails mid-stream.
   */
  cutResultsAfter(lines: number, times?: number): void
  /**
   * Makes the next `times` results downloads send their lines in reverse order: the API does not promise the
   * same order twice, so a client resuming a broken download cannot skip lines by count.
   */
  reverseNextResults(times?: number): void
  /**
   * The next batches created follow these scripts, one each in creation order, instead of the time model
   * (`processingMs`, the expiry); once the scripts are used up, batches follow the time model again.
   */
  scriptNextBatches(...scripts: BatchScript[]): void
  /**
   * Ends a scripted batch now (nothing happens to one that has ended): its processed requests have their
   * results, the rest are `expired` (`canceled` when it was being canceled).
   */
  endBatch(id: string): void
  /** Sets the processing time of the batches created from now on (those already created keep theirs). */
  setProcessingMs(ms: number): void
  /** With true, `count_tokens` answers 404 `not_found_error` from now on; with false, it works again. */
  setCountTokensUnavailable(unavailable: boolean): void
  /** Empties the prompt cache: the next request with a cacheable prefix writes it again. */
  clearPromptCache(): void
  close(): Promise<void>
}

/** The API's limits. */
export const MAX_REQUESTS_PER_BATCH = 100_000
export const MAX_BODY_BYTES = 256 * 1024 * 1024
const CUSTOM_ID_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/
const DAY_MS = 24 * 60 * 60 * 1000
/** How long a canceled batch stays `canceling` before it ends (capped by its normal end); not scripted ones. */
const CANCEL_GRACE_MS = 100
/** The results JSONL is kept, and written, in pieces of whole lines of about this many bytes: few large writes. */
const RESULTS_PIECE_BYTES = 1024 * 1024
/**
 * How long a cut results download waits, after its lines reached the socket, before dropping the
 * connection: time for the client to take in the lines before it learns of the break.
 */
const CUT_DELAY_MS = 50

/** An HTTP error body: `ErrorResponse`, plus `request_too_large`, which the SDK's union lacks. */
type HttpErrorType = ErrorType | 'request_too_large'
type HttpErrorBody = Omit<ErrorResponse, 'error'> & {
  error: { type: HttpErrorType; message: string; details?: { error_code: ErrorDetails['error_code'] } }
}

const HTTP_STATUS: Record<HttpErrorType, number> = { ...ERROR_TYPES, request_too_large: 413 }

class HttpError extends Error {
  constructor(
    readonly type: HttpErrorType,
    message: string,
    /** Extra response headers, such as `retry-after`. */
    readonly headers: Record<string, string> = {},
    /** The error's `details.error_code`, which names a finer kind of error. */
    readonly errorCode?: ErrorDetails['error_code'],
  ) {
    super(message)
  }
}

const BASE62 = Buffer.from('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz')

/** Random base62 characters drawn from a pool made 1,024 ids at a time: an id is one slice of it. */
const ID_CHARS = 22
let idPool = ''
let idPoolOffset = 0

/** An id shaped like the API's: prefix + `01` + 22 base62 characters. */
function newId(prefix: string): string {
  if (idPoolOffset + ID_CHARS > idPool.length) {
    const bytes = randomBytes(ID_CHARS * 1024)
    for (let i = 0; i < bytes.length; i++) bytes[i] = BASE62[(bytes[i] as number) % 62] as number
    idPool = bytes.toString('latin1')
    idPoolOffset = 0
  }
  idPoolOffset += ID_CHARS
  return `${prefix}01${idPool.slice(idPoolOffset - ID_CHARS, idPoolOffset)}`
}

interface StoredRequest {
  custom_id: string
  params: unknown
}

interface BatchState {
  id: string
  seq: number
  createdAtMs: number
  expiresAtMs: number
  /** The processing time of this batch (the emulator's `processingMs` when it was created). */
  processingMs: number
  /** When processing ends: `created + processingMs`, capped by the expiry, moved earlier by a cancel. */
  endsAtMs: number
  cancelInitiatedAtMs: number | null
  /**
   * A scripted batch's progress: its processed requests, and the retrievals left before it ends (undefined:
   * it ends by `endBatch`). It never ends by time: `endsAtMs` is Infinity until an event ends it.
   */
  script: { processed: number; retrievalsLeft: number | undefined } | null
  requests: StoredRequest[]
  /**
   * Decided once, the first time the batch is seen ended (in download order), with their counts: the results
   * JSONL (one serialised `MessageBatchIndividualResponse` a line), in download order, UTF-8 encoded in
   * pieces of whole lines.
   */
  results: Buffer[] | null
  counts: MessageBatchRequestCounts | null
  deleted: boolean
}

/**
 * How many requests (the first ones, in submission order) have their result when the batch ends: those
 * completed by the cancel, or by the end (which is the expiry when processing took longer).
 */
function processedCount(batch: BatchState): number {
  const n = batch.requests.length
  if (batch.script) return Math.min(n, batch.script.processed)
  const cutoff = batch.cancelInitiatedAtMs ?? batch.endsAtMs
  const elapsed = cutoff - batch.createdAtMs
  if (elapsed >= batch.processingMs) return n
  // Request i completes at created + processingMs * (i + 1) / n.
  return Math.max(0, Math.min(n, Math.floor((elapsed * n) / batch.processingMs)))
}

type Status = MessageBatch['processing_status']

function statusAt(batch: BatchState, now: number): Status {
  if (now >= batch.endsAtMs) return 'ended'
  return batch.cancelInitiatedAtMs != null ? 'canceling' : 'in_progress'
}

function iso(ms: number): string {
  return new Date(ms).toISOString()
}

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

function lastUserText(messages: unknown[]): string {
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

function tokensFor(chars: number): number {
  return Math.max(1, Math.ceil(chars / CHARS_PER_TOKEN))
}

/**
 * The shortest prefix, in tokens, a model caches (a shorter one is silently not cached): 2,048 for Claude
 * Haiku 3 and 3.5; 1,024 for Sonnet 4.x and Opus 4 / 4.1; 4,096 for every other model (Haiku 4.5, Opus 4.5
 * and later, and models this table does not know). The same figures as the action's `cache: auto`.
 */
export function minCacheableTokens(model: string): number {
  if (/^claude-3(-5)?-haiku/.test(model)) return 2_048
  if (/^claude-sonnet-4|^claude-opus-4-[01]|^claude-opus-4(-\d{8})?$/.test(model)) return 1_024
  return 4_096
}

/** The most `cache_control` breakpoints a request may carry, as the API. */
export const MAX_CACHE_BREAKPOINTS = 4

type CacheTtl = '5m' | '1h'

/** One piece of a request's input, in the API's order: a tool, a system block, a message block. */
interface InputPiece {
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
function jsonWithoutCacheControl(value: unknown): string {
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
function inputPieces(params: Record<string, unknown>): InputPiece[] {
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

function tokensOfPieces(pieces: InputPiece[]): number {
  let chars = 0
  for (const piece of pieces) chars += piece.chars
  return tokensFor(chars)
}

interface Breakpoint {
  /** The tokens of the prefix it ends. */
  tokens: number
  ttl: CacheTtl
  /** The cache key of the prefix: model and content. */
  key: string
}

/** The breakpoints of a request's input, in order, each with its prefix's tokens and cache key. */
function breakpointsOf(model: string, pieces: InputPiece[]): Breakpoint[] {
  const breakpoints: Breakpoint[] = []
  if (!pieces.some((p) => p.cacheControl != null)) return breakpoints
  const hash = createHash('sha256').update(JSON.stringify(model))
  let chars = 0
  for (const piece of pieces) {
    chars += piece.chars
    hash.update(jsonWithoutCacheControl([piece.at, piece.role, piece.value]))
    if (piece.cacheControl == null) continue
    const ttl: CacheTtl = isRecord(piece.cacheControl) && piece.cacheControl['ttl'] === '1h' ? '1h' : '5m'
    breakpoints.push({ tokens: tokensFor(chars), ttl, key: hash.copy().digest('base64') })
  }
  return breakpoints
}

/** The API's checks of `cache_control` breakpoints: the first problem found, or null. */
function cacheControlProblem(pieces: InputPiece[]): string | null {
  let count = 0
  let seen5m = false
  for (const { cacheControl } of pieces) {
    if (cacheControl == null) continue
    count++
    if (!isRecord(cacheControl) || cacheControl['type'] !== 'ephemeral') {
      return `cache_control: Input tag ${JSON.stringify(isRecord(cacheControl) ? cacheControl['type'] : cacheControl)} does not match the expected tag 'ephemeral'`
    }
    const ttl = cacheControl['ttl'] ?? '5m'
    if (ttl !== '5m' && ttl !== '1h')
      return `cache_control.ttl: Input should be '5m' or '1h'; got ${JSON.stringify(ttl)}`
    if (ttl === '1h' && seen5m) {
      return "cache_control: a breakpoint with ttl='1h' must not come after one with ttl='5m' (longer TTLs first)"
    }
    if (ttl === '5m') seen5m = true
  }
  if (count > MAX_CACHE_BREAKPOINTS) {
    return `A maximum of ${MAX_CACHE_BREAKPOINTS} blocks with cache_control may be provided. Found ${count}.`
  }
  return null
}

/** The part of a result's `Usage` that its input and the prompt cache decide. */
interface InputUsage {
  input_tokens: number
  cache_creation_input_tokens: number
  cache_read_input_tokens: number
  cache_creation: CacheCreation
}

/**
 * The usage of a request's input against the prompt cache (keys of the cached prefixes), which it updates:
 * reads the longest cached cacheable prefix, writes the longer cacheable ones.
 */
function inputUsage(
  model: string,
  pieces: InputPiece[],
  cache: Set<string>,
  minTokensFor: (model: string) => number,
): InputUsage {
  const breakpoints = breakpointsOf(model, pieces)
  // Asked only when there is a breakpoint: most requests have none.
  const minTokens = breakpoints.length > 0 ? minTokensFor(model) : 0
  const cacheable = breakpoints.filter((b) => b.tokens >= minTokens)
  let readAt = cacheable.length - 1
  while (readAt >= 0 && !cache.has((cacheable[readAt] as Breakpoint).key)) readAt--
  const read = readAt >= 0 ? (cacheable[readAt] as Breakpoint).tokens : 0
  let covered = read
  const written = { '5m': 0, '1h': 0 }
  for (const breakpoint of cacheable.slice(readAt + 1)) {
    written[breakpoint.ttl] += breakpoint.tokens - covered
    covered = breakpoint.tokens
    cache.add(breakpoint.key)
  }
  return {
    input_tokens: tokensOfPieces(pieces) - covered,
    cache_creation_input_tokens: written['5m'] + written['1h'],
    cache_read_input_tokens: read,
    cache_creation: { ephemeral_5m_input_tokens: written['5m'], ephemeral_1h_input_tokens: written['1h'] },
  }
}

/** The asynchronous params validation of the API: the first problem found, or null. */
function paramsProblem(params: Record<string, unknown>): string | null {
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
function countTokensProblem(body: Record<string, unknown>): string | null {
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

function erroredResult(type: ErrorType, message: string): MessageBatchResult {
  const error: ErrorObject = { type, message }
  const response: ErrorResponse = { type: 'error', error, request_id: newId('req_') }
  return { type: 'errored', error: response }
}

/** The JSONL line of a result. */
function jsonLine(customId: string, result: MessageBatchResult): string {
  const line: MessageBatchIndividualResponse = { custom_id: customId, result }
  return `${JSON.stringify(line)}\n`
}

/** A processed request's result: its type, and its JSONL line. */
interface Processed {
  type: 'succeeded' | 'errored'
  line: string
}

function erroredLine(customId: string, type: ErrorType, message: string): Processed {
  return { type: 'errored', line: jsonLine(customId, erroredResult(type, message)) }
}

/**
 * What the stand-in model does with one request (called when its batch ends, in submission order): its
 * result's type and line, and for a success its use of the prompt cache (`cache`, the keys of the cached
 * prefixes).
 */
function processRequest(
  customId: string,
  params: unknown,
  replyTo: (prompt: string, params: MessageCreateParamsNonStreaming) => SingleReply,
  cache: Set<string>,
  minTokensFor: (model: string) => number,
): Processed {
  if (!isRecord(params)) {
    return erroredLine(customId, 'invalid_request_error', 'params: Input should be a valid dictionary')
  }
  const paramsError = paramsProblem(params)
  if (paramsError != null) return erroredLine(customId, 'invalid_request_error', paramsError)
  const pieces = inputPieces(params)
  const cacheError = cacheControlProblem(pieces)
  if (cacheError != null) return erroredLine(customId, 'invalid_request_error', cacheError)

  const request = params as unknown as MessageCreateParamsNonStreaming
  const reply = replyTo(lastUserText(request.messages), request)
  if (typeof reply !== 'string' && 'error' in reply)
    return erroredLine(customId, reply.error.type, reply.error.message)

  const input = inputUsage(request.model, pieces, cache, minTokensFor)
  if (typeof reply === 'string') {
    const maxTokens = request.max_tokens
    const text = tokensFor(reply.length) > maxTokens ? reply.slice(0, maxTokens * 4) : reply
    const stopReason = text === reply ? 'end_turn' : 'max_tokens'
    return { type: 'succeeded', line: textReplyLine(customId, request.model, text, stopReason, input) }
  }
  const stopReason = reply.content.some((block) => block.type === 'tool_use') ? 'tool_use' : 'end_turn'
  const outputTokens = tokensFor(JSON.stringify(reply.content).length)
  const result = succeeded(request.model, reply.content, stopReason, input, outputTokens)
  return { type: 'succeeded', line: jsonLine(customId, result) }
}

/** A success: the stand-in model's message. */
function succeeded(
  model: string,
  content: ContentBlock[],
  stopReason: StopReason,
  input: InputUsage,
  outputTokens: number,
): MessageBatchResult {
  const usage: Usage = {
    input_tokens: input.input_tokens,
    output_tokens: outputTokens,
    cache_creation_input_tokens: input.cache_creation_input_tokens,
    cache_read_input_tokens: input.cache_read_input_tokens,
    cache_creation: input.cache_creation,
    inference_geo: null,
    output_tokens_details: null,
    server_tool_use: null,
    service_tier: 'batch',
    speed: null,
  }
  const message: Message = {
    id: newId('msg_'),
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    stop_details: null,
    container: null,
    diagnostics: null,
    usage,
  }
  return { type: 'succeeded', message }
}

/**
 * The line of a success whose reply is this text, written out: the text of `jsonLine` of `succeeded` with
 * the text as its one block (which the emulator's tests check), in a third of the time. Most lines are such.
 * A custom_id (checked at create), an id and a stop reason need no escaping.
 */
function textReplyLine(
  customId: string,
  model: string,
  text: string,
  stopReason: StopReason,
  input: InputUsage,
): string {
  const written = input.cache_creation
  return (
    `{"custom_id":"${customId}","result":{"type":"succeeded","message":{"id":"${newId('msg_')}",` +
    `"type":"message","role":"assistant","model":${JSON.stringify(model)},` +
    `"content":[{"type":"text","text":${JSON.stringify(text)},"citations":null}],` +
    `"stop_reason":"${stopReason}","stop_sequence":null,"stop_details":null,"container":null,` +
    `"diagnostics":null,"usage":{"input_tokens":${input.input_tokens},` +
    `"output_tokens":${tokensFor(text.length)},` +
    `"cache_creation_input_tokens":${input.cache_creation_input_tokens},` +
    `"cache_read_input_tokens":${input.cache_read_input_tokens},` +
    `"cache_creation":{"ephemeral_5m_input_tokens":${written.ephemeral_5m_input_tokens},` +
    `"ephemeral_1h_input_tokens":${written.ephemeral_1h_input_tokens}},"inference_geo":null,` +
    `"output_tokens_details":null,"server_tool_use":null,"service_tier":"batch","speed":null}}}}\n`
  )
}

/** A 32-bit hash of a string: FNV-1a, then MurmurHash3's finaliser, so that similar ids land far apart. */
function hash32(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193)
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}

/** 2^17: room for the index of every request of a batch (`MAX_REQUESTS_PER_BATCH`). */
const INDEX_SPAN = 2 ** 17

/**
 * The download order of results: a deterministic order that is not submission order, by a hash of the
 * custom_id. Returns the submission indexes in download order.
 */
function shuffledOrder(customIds: string[]): number[] {
  // Each key holds the hash, then the index, exactly in one double (49 bits): sorted natively, as numbers.
  const keys = new Float64Array(customIds.length)
  customIds.forEach((id, i) => {
    keys[i] = hash32(id) * INDEX_SPAN + i
  })
  keys.sort()
  return Array.from(keys, (key) => key % INDEX_SPAN)
}

/** The size of the blocks a `LineStore` encodes lines into. */
const LINE_BLOCK_BYTES = 8 * 1024 * 1024

/**
 * Lines UTF-8 encoded as they come, into large blocks, then put together in another order. Encoding each
 * line at once lets its string die young (cheap for the GC, where 100,000 kept strings are not), and copying
 * bytes in shuffled order is cheap where serialising objects in that order is not.
 */
class LineStore {
  private readonly blocks: Buffer[] = []
  private block = Buffer.alloc(0)
  private used = 0
  /** Per line: the index of its block, and its start and end in it. */
  private readonly blockOf: number[] = []
  private readonly starts: number[] = []
  private readonly ends: number[] = []

  add(line: string): void {
    // UTF-8 takes at most 3 bytes for a UTF-16 unit.
    if (this.block.length - this.used < line.length * 3) {
      this.block = Buffer.allocUnsafe(Math.max(LINE_BLOCK_BYTES, line.length * 3))
      this.blocks.push(this.block)
      this.used = 0
    }
    this.blockOf.push(this.blocks.length - 1)
    this.starts.push(this.used)
    this.used += this.block.write(line, this.used, 'utf8')
    this.ends.push(this.used)
  }

  /** The lines in this order (of their indexes), in pieces of whole lines of about `RESULTS_PIECE_BYTES`. */
  inOrder(order: number[]): Buffer[] {
    const pieces: Buffer[] = []
    let from = 0
    let bytes = 0
    for (let k = 0; k < order.length; k++) {
      const i = order[k] as number
      bytes += (this.ends[i] as number) - (this.starts[i] as number)
      if (bytes < RESULTS_PIECE_BYTES && k < order.length - 1) continue
      const piece = Buffer.allocUnsafe(bytes)
      let at = 0
      for (let j = from; j <= k; j++) {
        const line = order[j] as number
        const block = this.blocks[this.blockOf[line] as number] as Buffer
        at += block.copy(piece, at, this.starts[line], this.ends[line])
      }
      pieces.push(piece)
      from = k + 1
      bytes = 0
    }
    return pieces
  }
}

/**
 * The first `count` lines of JSONL pieces. A line holds no newline byte but its last one (JSON escapes
 * newlines in strings, and UTF-8 never uses 0x0a inside a multi-byte character).
 */
function firstLines(pieces: Buffer[], count: number): Buffer[] {
  const out: Buffer[] = []
  let left = count
  for (const piece of pieces) {
    if (left === 0) break
    let end = 0
    while (left > 0 && end < piece.length) {
      end = piece.indexOf(0x0a, end) + 1
      if (end === 0) end = piece.length
      left--
    }
    out.push(end === piece.length ? piece : piece.subarray(0, end))
  }
  return out
}

/** Each JSONL line of the pieces, its newline included. */
function linesOf(pieces: Buffer[]): Buffer[] {
  const lines: Buffer[] = []
  for (const piece of pieces) {
    for (let start = 0; start < piece.length;) {
      const end = piece.indexOf(0x0a, start) + 1 || piece.length
      lines.push(piece.subarray(start, end))
      start = end
    }
  }
  return lines
}

/** Resolves when the response can take more data, or has closed. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done)
      res.off('close', done)
      resolve()
    }
    res.on('drain', done)
    res.on('close', done)
  })
}

/** Resolves when the response has closed (at once when it already has). */
function closed(res: ServerResponse): Promise<void> {
  if (res.closed) return Promise.resolve()
  return new Promise((resolve) => res.once('close', () => resolve()))
}

/** A scripted fault: the first one scripted that matches a call (and has times left) applies to it. */
type ScriptedFault = { method: string; path: RegExp; times: number } & (
  | {
      kind: 'error'
      type: ErrorType
      retryAfterSeconds: number | undefined
      errorCode: ErrorDetails['error_code'] | undefined
    }
  | { kind: 'reset'; afterCommit: boolean }
)

/** What answering one call needs: its request id, and whether its answer is to be replaced by a reset. */
interface CallContext {
  requestId: string
  resetInsteadOfAnswer: boolean
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0)
    throw new Error(`${name} must be a non-negative number, got ${value}`)
  return value
}

function checkedScript(script: BatchScript): BatchScript {
  const { processed, endAfterPolls } = script
  if (processed !== undefined && (!Number.isInteger(processed) || processed < 0))
    throw new Error(`processed must be a non-negative integer, got ${processed}`)
  if (endAfterPolls !== undefined && (!Number.isInteger(endAfterPolls) || endAfterPolls < 1))
    throw new Error(`endAfterPolls must be a positive integer, got ${endAfterPolls}`)
  return script
}

function timesOf(times: number): number {
  if (!Number.isInteger(times) || times < 1) throw new Error(`times must be a positive integer, got ${times}`)
  return times
}

export function startBatchEmulator(options: BatchEmulatorOptions = {}): Promise<BatchEmulator> {
  // At least 1 ms, so that `create` always answers `in_progress`, as the API does.
  let processingMs = Math.max(1, nonNegative('processingMs', options.processingMs ?? 1000))
  const expiresAfterMs = Math.max(1, nonNegative('expiresAfterMs', options.expiresAfterMs ?? DAY_MS))
  const maxQueuedRequests = options.maxQueuedRequests
  if (maxQueuedRequests !== undefined) nonNegative('maxQueuedRequests', maxQueuedRequests)
  const queueRetryAfterSeconds = nonNegative('queueRetryAfterSeconds', options.queueRetryAfterSeconds ?? 1)
  const replier = scriptedReplier(
    { replies: options.replies, judge: options.judgeReplies },
    options.onWarning ?? warnOnStderr,
  )
  const maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES
  let countTokensUnavailable = options.countTokensUnavailable ?? false
  const minTokensOption = options.minCacheableTokens
  if (typeof minTokensOption === 'number') nonNegative('minCacheableTokens', minTokensOption)
  const minTokensFor: (model: string) => number =
    typeof minTokensOption === 'number' ? () => minTokensOption : (minTokensOption ?? minCacheableTokens)
  /** The prompt cache: keys of the prefixes written so far (model and content), across all batches. */
  const promptCache = new Set<string>()
  const clock = options.clock ?? Date.now
  /** The scripts of the next batches created, in creation order. */
  const scripts: BatchScript[] = []
  const calls: RecordedCall[] = []
  const batches = new Map<string, BatchState>()
  let seq = 0
  let url = ''

  /**
   * The results of an ended batch, decided (and counted) the first time they are asked for. The batches
   * created before it that have ended are decided first, so that the prompt cache sees requests in
   * submission order across batches too.
   */
  function resultsOf(
    batch: BatchState,
    now: number,
  ): { results: Buffer[]; counts: MessageBatchRequestCounts } {
    if (batch.results == null || batch.counts == null) {
      for (const earlier of batches.values()) {
        if (earlier.seq >= batch.seq) break
        if (earlier.results == null && statusAt(earlier, now) === 'ended') decideResults(earlier)
      }
      return decideResults(batch)
    }
    return { results: batch.results, counts: batch.counts }
  }

  /**
   * Processes the requests of an ended batch, in submission order, and keeps their results. Each result is
   * serialised as soon as it is decided: while its objects are fresh (serialising them later, in the shuffled
   * order, costs twice as much), and encoded at once, so that only bytes outlive this call.
   */
  function decideResults(batch: BatchState): { results: Buffer[]; counts: MessageBatchRequestCounts } {
    const done = processedCount(batch)
    const unprocessed: MessageBatchResult =
      batch.cancelInitiatedAtMs != null ? { type: 'canceled' } : { type: 'expired' }
    const counts: MessageBatchRequestCounts = {
      processing: 0,
      succeeded: 0,
      errored: 0,
      canceled: 0,
      expired: 0,
    }
    const lines = new LineStore()
    const replyTo = replier.forBatch()
    batch.requests.forEach(({ custom_id, params }, i) => {
      const { type, line } =
        i < done
          ? processRequest(custom_id, params, replyTo, promptCache, minTokensFor)
          : { type: unprocessed.type, line: jsonLine(custom_id, unprocessed) }
      counts[type]++
      lines.add(line)
    })
    batch.results = lines.inOrder(shuffledOrder(batch.requests.map((r) => r.custom_id)))
    batch.counts = counts
    return { results: batch.results, counts }
  }

  function view(batch: BatchState, now: number): MessageBatch {
    const status = statusAt(batch, now)
    const counts: MessageBatchRequestCounts =
      status === 'ended'
        ? { ...resultsOf(batch, now).counts }
        : { processing: batch.requests.length, succeeded: 0, errored: 0, canceled: 0, expired: 0 }
    return {
      id: batch.id,
      type: 'message_batch',
      processing_status: status,
      request_counts: counts,
      created_at: iso(batch.createdAtMs),
      expires_at: iso(batch.expiresAtMs),
      ended_at: status === 'ended' ? iso(batch.endsAtMs) : null,
      cancel_initiated_at: batch.cancelInitiatedAtMs != null ? iso(batch.cancelInitiatedAtMs) : null,
      archived_at: null,
      results_url: status === 'ended' ? `${url}/v1/messages/batches/${batch.id}/results` : null,
    }
  }

  function findBatch(id: string): BatchState {
    const batch = batches.get(id)
    if (batch == null || batch.deleted)
      throw new HttpError('not_found_error', `Message Batch ${id} not found`)
    return batch
  }

  function create(body: unknown, now: number): MessageBatch {
    if (!isRecord(body)) throw new HttpError('invalid_request_error', 'Request body should be a JSON object')
    const requests = body['requests']
    if (requests === undefined) throw new HttpError('invalid_request_error', 'requests: Field required')
    if (!Array.isArray(requests))
      throw new HttpError('invalid_request_error', 'requests: Input should be a valid list')
    if (requests.length === 0) {
      throw new HttpError('invalid_request_error', 'requests: List should have at least 1 item, not 0')
    }
    if (requests.length > MAX_REQUESTS_PER_BATCH) {
      throw new HttpError(
        'invalid_request_error',
        `requests: List should have at most ${MAX_REQUESTS_PER_BATCH} items, not ${requests.length}`,
      )
    }
    const seen = new Map<string, number>()
    const stored: StoredRequest[] = requests.map((request: unknown, i): StoredRequest => {
      if (!isRecord(request))
        throw new HttpError('invalid_request_error', `requests.${i}: Input should be an object`)
      const customId = request['custom_id']
      if (customId === undefined)
        throw new HttpError('invalid_request_error', `requests.${i}.custom_id: Field required`)
      if (typeof customId !== 'string' || !CUSTOM_ID_PATTERN.test(customId)) {
        throw new HttpError(
          'invalid_request_error',
          `requests.${i}.custom_id: String should match pattern '${CUSTOM_ID_PATTERN.source}' ` +
            `(1 to 64 letters, digits, '_' or '-'); got ${JSON.stringify(customId)}`,
        )
      }
      const first = seen.get(customId)
      if (first !== undefined) {
        throw new HttpError(
          'invalid_request_error',
          `requests.${i}.custom_id: Duplicate custom_id ${JSON.stringify(customId)} (also used by requests.${first}); ` +
            'custom_id must be unique within a batch',
        )
      }
      seen.set(customId, i)
      if (!isRecord(request['params'])) {
        throw new HttpError(
          'invalid_request_error',
          `requests.${i}.params: Input should be a valid dictionary`,
        )
      }
      return { custom_id: customId, params: request['params'] }
    })
    if (maxQueuedRequests !== undefined) {
      let queued = 0
      for (const b of batches.values()) if (statusAt(b, now) !== 'ended') queued += b.requests.length
      if (queued + stored.length > maxQueuedRequests) {
        throw new HttpError(
          'rate_limit_error',
          `Number of requests in the processing queue would exceed the workspace limit of ${maxQueuedRequests} ` +
            `(${queued} queued in unfinished batches + ${stored.length} in this batch). ` +
            'Retry once earlier batches have ended.',
          { 'retry-after': String(queueRetryAfterSeconds) },
        )
      }
    }
    const expiresAtMs = now + expiresAfterMs
    const script = scripts.shift()
    const batch: BatchState = {
      id: newId('msgbatch_'),
      seq: seq++,
      createdAtMs: now,
      expiresAtMs,
      processingMs,
      endsAtMs: script ? Infinity : Math.min(now + processingMs, expiresAtMs),
      cancelInitiatedAtMs: null,
      script: script
        ? { processed: script.processed ?? stored.length, retrievalsLeft: script.endAfterPolls }
        : null,
      requests: stored,
      results: null,
      counts: null,
      deleted: false,
    }
    batches.set(batch.id, batch)
    return view(batch, now)
  }

  function list(query: URLSearchParams, now: number): PageResponse<MessageBatch> {
    const limitText = query.get('limit')
    const limit = limitText == null ? 20 : Number(limitText)
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw new HttpError(
        'invalid_request_error',
        `limit: Input should be an integer from 1 to 1000; got ${limitText}`,
      )
    }
    const afterId = query.get('after_id')
    const beforeId = query.get('before_id')
    if (afterId != null && beforeId != null) {
      throw new HttpError('invalid_request_error', 'Only one of after_id and before_id may be given')
    }
    // Newest first. Cursors are resolved by creation order, so a deleted batch still works as a cursor.
    const all = [...batches.values()].sort((a, b) => b.seq - a.seq)
    const cursorSeq = (id: string): number => {
      const cursor = batches.get(id)
      if (cursor == null)
        throw new HttpError('invalid_request_error', `No Message Batch with id ${id} to page from`)
      return cursor.seq
    }
    const live = all.filter((b) => !b.deleted)
    let page: BatchState[]
    let hasMore: boolean
    if (beforeId != null) {
      const s = cursorSeq(beforeId)
      const newer = live.filter((b) => b.seq > s)
      page = newer.slice(Math.max(0, newer.length - limit))
      hasMore = newer.length > limit
    } else {
      const older = afterId != null ? live.filter((b) => b.seq < cursorSeq(afterId)) : live
      page = older.slice(0, limit)
      hasMore = older.length > limit
    }
    const data = page.map((b) => view(b, now))
    return {
      data,
      has_more: hasMore,
      first_id: data[0]?.id ?? null,
      last_id: data[data.length - 1]?.id ?? null,
    }
  }

  function cancel(batch: BatchState, now: number): MessageBatch {
    if (statusAt(batch, now) === 'in_progress') {
      batch.cancelInitiatedAtMs = now
      if (batch.script) batch.script.retrievalsLeft = 1
      else batch.endsAtMs = Math.min(batch.endsAtMs, now + CANCEL_GRACE_MS)
    }
    return view(batch, now)
  }

  /** A retrieval of a scripted batch: the last one it waits for (`endAfterPolls`, or after a cancel) ends it. */
  function retrieve(batch: BatchState, now: number): MessageBatch {
    const script = batch.script
    if (script?.retrievalsLeft !== undefined && statusAt(batch, now) !== 'ended') {
      script.retrievalsLeft -= 1
      if (script.retrievalsLeft === 0) batch.endsAtMs = now
    }
    return view(batch, now)
  }

  function remove(batch: BatchState, now: number): DeletedMessageBatch {
    if (statusAt(batch, now) !== 'ended') {
      throw new HttpError(
        'invalid_request_error',
        `Message Batch ${batch.id} cannot be deleted while it is ${statusAt(batch, now)}; cancel it and wait until it has ended`,
      )
    }
    batch.deleted = true
    return { id: batch.id, type: 'message_batch_deleted' }
  }

  /** Scripted cuts of results downloads: the number of lines each of the next downloads sends. */
  const cuts: { lines: number; times: number }[] = []
  /** How many of the next results downloads send their lines in reverse order. */
  let reversals = 0

  async function streamResults(batch: BatchState, now: number, res: ServerResponse, ctx: CallContext) {
    const status = statusAt(batch, now)
    if (status !== 'ended') {
      throw new HttpError(
        'invalid_request_error',
        `Message Batch ${batch.id} has not finished processing (${status})`,
      )
    }
    const { results } = resultsOf(batch, now)
    if (ctx.resetInsteadOfAnswer) {
      res.destroy()
      return
    }
    const cut = cuts.find((c) => c.times > 0)
    if (cut) cut.times -= 1
    const reversed = reversals > 0
    if (reversed) reversals -= 1
    const served = reversed ? [Buffer.concat(linesOf(results).reverse())] : results
    const count = cut ? Math.min(cut.lines, batch.requests.length) : batch.requests.length
    res.writeHead(200, { 'content-type': 'application/binary', 'request-id': ctx.requestId })
    const whenClosed = cut ? closed(res) : null
    // For a cut: settles once the last piece is flushed to the socket (or the client has gone).
    let flushed: Promise<void> = Promise.resolve()
    for (const piece of cut ? firstLines(served, count) : served) {
      if (whenClosed) {
        flushed = Promise.race([
          new Promise<void>((resolve) => res.write(piece, () => resolve())),
          whenClosed,
        ])
      } else {
        res.write(piece)
      }
      if (res.writableNeedDrain) await drained(res)
      if (res.destroyed) return
    }
    if (!cut) {
      res.end()
      return
    }
    // Cut: the lines reach the client, then the connection drops before the end of the chunked body.
    if (count === 0) res.flushHeaders()
    await flushed
    await new Promise((resolve) => setTimeout(resolve, CUT_DELAY_MS).unref())
    res.destroy()
  }

  function parseJson(body: Buffer): unknown {
    try {
      return JSON.parse(body.toString('utf8'))
    } catch (e) {
      throw new HttpError('invalid_request_error', `Request body is not valid JSON: ${(e as Error).message}`)
    }
  }

  /** `POST /v1/messages/count_tokens`: the input tokens of these params, by the emulator's one rule. */
  function countTokens(body: unknown): MessageTokensCount {
    if (!isRecord(body)) throw new HttpError('invalid_request_error', 'Request body should be a JSON object')
    const pieces = inputPieces(body)
    const problem = countTokensProblem(body) ?? cacheControlProblem(pieces)
    if (problem != null) throw new HttpError('invalid_request_error', problem)
    return { input_tokens: tokensOfPieces(pieces) }
  }

  /** Reads the body up to the limit. Returns null (after answering 413) when it is larger. */
  async function readBody(req: IncomingMessage): Promise<Buffer | null> {
    const declared = Number(req.headers['content-length'])
    const chunks: Buffer[] = []
    let size = 0
    let tooLarge = Number.isFinite(declared) && declared > maxBodyBytes
    for await (const chunk of req as AsyncIterable<Buffer>) {
      // Past the limit, keep draining without storing, so that the client gets to read the 413.
      if (tooLarge) continue
      size += chunk.length
      if (size > maxBodyBytes) {
        tooLarge = true
        chunks.length = 0
      } else {
        chunks.push(chunk)
      }
    }
    return tooLarge ? null : Buffer.concat(chunks)
  }

  function sendJson(
    res: ServerResponse,
    status: number,
    body: unknown,
    ctx: CallContext,
    headers: Record<string, string> = {},
  ) {
    if (ctx.resetInsteadOfAnswer) {
      res.destroy()
      return
    }
    const text = JSON.stringify(body)
    res.writeHead(status, {
      ...headers,
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      'request-id': ctx.requestId,
    })
    res.end(text)
  }

  function sendError(res: ServerResponse, error: HttpError, ctx: CallContext) {
    const body: HttpErrorBody = {
      type: 'error',
      error: {
        type: error.type,
        message: error.message,
        ...(error.errorCode !== undefined && { details: { error_code: error.errorCode } }),
      },
      request_id: ctx.requestId,
    }
    if (res.headersSent) {
      res.destroy()
      return
    }
    sendJson(res, HTTP_STATUS[error.type], body, ctx, error.headers)
  }

  function isAuthenticated(req: IncomingMessage): boolean {
    const apiKey = req.headers['x-api-key']
    if (typeof apiKey === 'string' && apiKey.trim() !== '') return true
    const auth = req.headers['authorization']
    return typeof auth === 'string' && /^Bearer\s+\S+/i.test(auth)
  }

  const faults: ScriptedFault[] = []

  function takeFault(method: string, path: string): ScriptedFault | undefined {
    const fault = faults.find((f) => {
      f.path.lastIndex = 0 // a /g or /y pattern would otherwise carry state between calls
      return f.times > 0 && f.method.toUpperCase() === method && f.path.test(path)
    })
    if (fault) fault.times -= 1
    return fault
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const ctx: CallContext = { requestId: newId('req_'), resetInsteadOfAnswer: false }
    const method = req.method ?? 'GET'
    const parsed = new URL(req.url ?? '/', 'http://127.0.0.1')
    const path = parsed.pathname.replace(/\/+$/, '') || '/'
    calls.push({ method, path, query: parsed.search.replace(/^\?/, '') })
    try {
      const body = await readBody(req)
      if (body == null) {
        throw new HttpError(
          'request_too_large',
          `Request exceeds the maximum allowed size of ${maxBodyBytes} bytes`,
        )
      }
      if (!isAuthenticated(req)) {
        throw new HttpError('authentication_error', 'x-api-key header is required')
      }
      const fault = takeFault(method, path)
      if (fault?.kind === 'error') {
        const headers: Record<string, string> =
          fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {}
        throw new HttpError(
          fault.type,
          `Scripted ${fault.type} for ${method} ${path}`,
          headers,
          fault.errorCode,
        )
      }
      if (fault?.kind === 'reset') {
        if (!fault.afterCommit) {
          res.destroy()
          return
        }
        ctx.resetInsteadOfAnswer = true
      }
      const now = clock()
      const segments = path.split('/').slice(1).map(decodeURIComponent)
      if (
        segments.length === 3 &&
        segments[0] === 'v1' &&
        segments[1] === 'messages' &&
        segments[2] === 'count_tokens'
      ) {
        if (countTokensUnavailable) throw new HttpError('not_found_error', `Not found: ${method} ${path}`)
        if (method !== 'POST') {
          throw new HttpError('invalid_request_error', `Method ${method} is not allowed on ${path}`)
        }
        return sendJson(res, 200, countTokens(parseJson(body)), ctx)
      }
      if (segments[0] !== 'v1' || segments[1] !== 'messages' || segments[2] !== 'batches') {
        throw new HttpError('not_found_error', `Not found: ${method} ${path}`)
      }
      const [id, action, ...rest] = segments.slice(3)
      const notAllowed = () =>
        new HttpError('invalid_request_error', `Method ${method} is not allowed on ${path}`)

      if (id === undefined) {
        if (method === 'POST') return sendJson(res, 200, create(parseJson(body), now), ctx)
        if (method === 'GET') return sendJson(res, 200, list(parsed.searchParams, now), ctx)
        throw notAllowed()
      }
      if (rest.length > 0) throw new HttpError('not_found_error', `Not found: ${method} ${path}`)
      const batch = findBatch(id)
      if (action === undefined) {
        if (method === 'GET') return sendJson(res, 200, retrieve(batch, now), ctx)
        if (method === 'DELETE') return sendJson(res, 200, remove(batch, now), ctx)
        throw notAllowed()
      }
      if (action === 'cancel') {
        if (method === 'POST') return sendJson(res, 200, cancel(batch, now), ctx)
        throw notAllowed()
      }
      if (action === 'results') {
        if (method === 'GET') return await streamResults(batch, now, res, ctx)
        throw notAllowed()
      }
      throw new HttpError('not_found_error', `Not found: ${method} ${path}`)
    } catch (e) {
      if (e instanceof HttpError) return sendError(res, e, ctx)
      return sendError(res, new HttpError('api_error', `Emulator failure: ${(e as Error).message}`), ctx)
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      console.error('batch emulator:', e)
      res.destroy()
    })
  })

  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject)
      const { port } = server.address() as AddressInfo
      url = `http://127.0.0.1:${port}`
      resolve({
        url,
        calls,
        failNext: (method, path, type, times = 1, faultOptions = {}) => {
          const { retryAfterSeconds, errorCode } = faultOptions
          if (retryAfterSeconds !== undefined) nonNegative('retryAfterSeconds', retryAfterSeconds)
          faults.push({
            kind: 'error',
            method,
            path,
            type,
            times: timesOf(times),
            retryAfterSeconds,
            errorCode,
          })
        },
        resetNext: (method, path, times = 1, resetOptions = {}) => {
          faults.push({
            kind: 'reset',
            method,
            path,
            times: timesOf(times),
            afterCommit: resetOptions.afterCommit ?? false,
          })
        },
        reverseNextResults: (times = 1) => {
          reversals += timesOf(times)
        },
        cutResultsAfter: (lines, times = 1) => {
          if (!Number.isInteger(lines) || lines < 0)
            throw new Error(`lines must be a non-negative integer, got ${lines}`)
          cuts.push({ lines, times: timesOf(times) })
        },
        scriptNextBatches: (...next) => {
          scripts.push(...next.map(checkedScript))
        },
        endBatch: (id) => {
          const batch = batches.get(id)
          if (batch == null) throw new Error(`endBatch: no batch ${id} was created`)
          if (batch.script == null) {
            throw new Error(
              `endBatch: ${id} follows the time model (processingMs); script it with scriptNextBatches before it is created`,
            )
          }
          const now = clock()
          if (statusAt(batch, now) !== 'ended') batch.endsAtMs = now
        },
        setProcessingMs: (ms) => {
          processingMs = Math.max(1, nonNegative('processingMs', ms))
        },
        setCountTokensUnavailable: (unavailable) => {
          countTokensUnavailable = unavailable
        },
        clearPromptCache: () => {
          promptCache.clear()
        },
        createdBatches: () =>
          [...batches.values()]
            .sort((a, b) => a.seq - b.seq)
            .map((b) => ({
              id: b.id,
              requests: b.requests.map((r) => ({ custom_id: r.custom_id, params: r.params })),
            })),
        close: () =>
          new Promise<void>((resolveClose, rejectClose) => {
            server.close((err) => (err ? rejectClose(err) : resolveClose()))
            server.closeAllConnections()
          }),
      })
    })
  })
}
