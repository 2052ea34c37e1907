/**
 * A local emulator of the Anthropic Message Batches API, for tests and the demo.
 *
 * It is real HTTP (node:http only) that the real `@anthropic-ai/sdk` client talks to: point the client's
 * `baseURL` at `emulator.url`. State lives in memory. Whether a batch has ended is decided from timestamps
 * (no timers), so nothing keeps the process alive after `close()`.
 *
 * Every response body is typed with the SDK's own types, so `tsc` catches drift from the API contract.
 */
import { createHash, randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { once } from 'node:events'
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
  ContentBlock,
  Message,
  StopReason,
  TextBlock,
  Usage,
} from '@anthropic-ai/sdk/resources/messages/messages'
import type { ErrorObject, ErrorResponse } from '@anthropic-ai/sdk/resources/shared'
import type { PageResponse } from '@anthropic-ai/sdk/core/pagination'

/** The API's error kinds, as they appear in `error.error.type` (the SDK's `ErrorObject` union). */
export type ErrorType = ErrorObject['type']

/** A scripted answer of the stand-in model: a reply text, or an error the request comes back with. */
export type StandInReply =
  | string
  | { error: { type: ErrorType; message: string } }
  /** Content blocks as the model would send them: tool calls, thinking, several text blocks. */
  | { content: ContentBlock[] }

export interface BatchEmulatorOptions {
  /** Port to listen on (127.0.0.1). Default 0: a random free port. */
  port?: number
  /** How long a batch stays `in_progress` before it ends, in ms. Default 1000. */
  processingMs?: number
  /**
   * The stand-in model. Key: the text of the LAST user message (string content, or its text blocks
   * concatenated with no separator), exact match. Unknown prompts get a deterministic default reply.
   */
  replies?: Record<string, StandInReply>
  /** Request body limit in bytes (413 `request_too_large` above it). Default 256 MB, as the API. */
  maxBodyBytes?: number
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
  /** Makes the next `times` calls matching method and path fail with the API's error of this kind. */
  failNext(method: string, path: RegExp, type: ErrorType, times?: number): void
  close(): Promise<void>
}

/** The API's limits. */
export const MAX_REQUESTS_PER_BATCH = 100_000
export const MAX_BODY_BYTES = 256 * 1024 * 1024
const CUSTOM_ID_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/
const DAY_MS = 24 * 60 * 60 * 1000
/** How long a canceled batch stays `canceling` before it ends (capped by its normal end). */
const CANCEL_GRACE_MS = 100
const DEFAULT_REPLY_PREFIX = 'Stand-in reply to: '

/** All error kinds, checked by `tsc` against the SDK's union (a missing or extra key fails). */
const ERROR_TYPES = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
} satisfies Record<ErrorType, number>

function isErrorType(value: unknown): value is ErrorType {
  return typeof value === 'string' && Object.hasOwn(ERROR_TYPES, value)
}

/** An HTTP error body: `ErrorResponse`, plus `request_too_large`, which the SDK's union lacks. */
type HttpErrorType = ErrorType | 'request_too_large'
type HttpErrorBody = Omit<ErrorResponse, 'error'> & { error: { type: HttpErrorType; message: string } }

const HTTP_STATUS: Record<HttpErrorType, number> = { ...ERROR_TYPES, request_too_large: 413 }

class HttpError extends Error {
  constructor(
    readonly type: HttpErrorType,
    message: string,
  ) {
    super(message)
  }
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

/** An id shaped like the API's: prefix + `01` + 22 base62 characters. */
function newId(prefix: string): string {
  const bytes = randomBytes(22)
  let out = `${prefix}01`
  for (const b of bytes) out += BASE62[b % 62]
  return out
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
  /** When processing ends (moved earlier by a cancel). */
  endsAtMs: number
  cancelInitiatedAtMs: number | null
  requests: StoredRequest[]
  /** Decided once, the first time the batch is seen ended. */
  results: MessageBatchIndividualResponse[] | null
  deleted: boolean
}

type Status = MessageBatch['processing_status']

function statusAt(batch: BatchState, now: number): Status {
  if (now >= batch.endsAtMs) return 'ended'
  return batch.cancelInitiatedAtMs != null ? 'canceling' : 'in_progress'
}

function iso(ms: number): string {
  return new Date(ms).toISOString()
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
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

function tokensFor(chars: number): number {
  return Math.max(1, Math.ceil(chars / 4))
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

function erroredResult(type: ErrorType, message: string): MessageBatchResult {
  const error: ErrorObject = { type, message }
  const response: ErrorResponse = { type: 'error', error, request_id: newId('req_') }
  return { type: 'errored', error: response }
}

/** What the stand-in model does with one request (called when its batch ends). */
function processRequest(params: unknown, replies: Record<string, StandInReply>): MessageBatchResult {
  if (!isRecord(params)) {
    return erroredResult('invalid_request_error', 'params: Input should be a valid dictionary')
  }
  const problem = paramsProblem(params)
  if (problem != null) return erroredResult('invalid_request_error', problem)

  const messages = params['messages'] as unknown[]
  const prompt = lastUserText(messages)
  const reply: StandInReply = Object.hasOwn(replies, prompt)
    ? (replies[prompt] as StandInReply)
    : `${DEFAULT_REPLY_PREFIX}${prompt.slice(0, 200)}`
  if (typeof reply !== 'string' && 'error' in reply)
    return erroredResult(reply.error.type, reply.error.message)

  let inputChars = contentText(params['system']).length
  for (const m of messages) if (isRecord(m)) inputChars += contentText(m['content']).length

  const maxTokens = params['max_tokens'] as number
  let content: ContentBlock[]
  let outputChars: number
  let stopReason: StopReason
  if (typeof reply === 'string') {
    const text = tokensFor(reply.length) > maxTokens ? reply.slice(0, maxTokens * 4) : reply
    content = [{ type: 'text', text, citations: null } satisfies TextBlock]
    outputChars = text.length
    stopReason = text === reply ? 'end_turn' : 'max_tokens'
  } else {
    content = reply.content
    outputChars = JSON.stringify(content).length
    stopReason = content.some((block) => block.type === 'tool_use') ? 'tool_use' : 'end_turn'
  }
  const usage: Usage = {
    input_tokens: tokensFor(inputChars),
    output_tokens: tokensFor(outputChars),
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
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
    model: params['model'] as string,
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

/** Sorts results in a deterministic order that is not submission order: by a hash of the custom_id. */
function shuffled(lines: MessageBatchIndividualResponse[]): MessageBatchIndividualResponse[] {
  const keyed = lines.map((line) => ({
    line,
    key: createHash('sha256').update(line.custom_id).digest('hex'),
  }))
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  return keyed.map(({ line }) => line)
}

export function startBatchEmulator(options: BatchEmulatorOptions = {}): Promise<BatchEmulator> {
  // At least 1 ms, so that `create` always answers `in_progress`, as the API does.
  const processingMs = Math.max(1, options.processingMs ?? 1000)
  const replies = options.replies ?? {}
  const maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES
  const calls: RecordedCall[] = []
  const batches = new Map<string, BatchState>()
  let seq = 0
  let url = ''

  function resultsOf(batch: BatchState): MessageBatchIndividualResponse[] {
    if (batch.results == null) {
      const canceled = batch.cancelInitiatedAtMs != null
      const expired = !canceled && batch.endsAtMs >= batch.expiresAtMs
      batch.results = shuffled(
        batch.requests.map(({ custom_id, params }): MessageBatchIndividualResponse => {
          const result: MessageBatchResult = canceled
            ? { type: 'canceled' }
            : expired
              ? { type: 'expired' }
              : processRequest(params, replies)
          return { custom_id, result }
        }),
      )
    }
    return batch.results
  }

  function view(batch: BatchState, now: number): MessageBatch {
    const status = statusAt(batch, now)
    const counts: MessageBatchRequestCounts = {
      processing: batch.requests.length,
      succeeded: 0,
      errored: 0,
      canceled: 0,
      expired: 0,
    }
    if (status === 'ended') {
      counts.processing = 0
      for (const { result } of resultsOf(batch)) counts[result.type]++
    }
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
    const expiresAtMs = now + DAY_MS
    const batch: BatchState = {
      id: newId('msgbatch_'),
      seq: seq++,
      createdAtMs: now,
      expiresAtMs,
      endsAtMs: Math.min(now + processingMs, expiresAtMs),
      cancelInitiatedAtMs: null,
      requests: stored,
      results: null,
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
      batch.endsAtMs = Math.min(batch.endsAtMs, now + CANCEL_GRACE_MS)
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

  async function streamResults(batch: BatchState, now: number, res: ServerResponse, requestId: string) {
    const status = statusAt(batch, now)
    if (status !== 'ended') {
      throw new HttpError(
        'invalid_request_error',
        `Message Batch ${batch.id} has not finished processing (${status})`,
      )
    }
    res.writeHead(200, { 'content-type': 'application/binary', 'request-id': requestId })
    for (const line of resultsOf(batch)) {
      if (!res.write(`${JSON.stringify(line)}\n`)) await once(res, 'drain')
    }
    res.end()
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

  function sendJson(res: ServerResponse, status: number, body: unknown, requestId: string) {
    const text = JSON.stringify(body)
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      'request-id': requestId,
    })
    res.end(text)
  }

  function sendError(res: ServerResponse, type: HttpErrorType, message: string, requestId: string) {
    const body: HttpErrorBody = { type: 'error', error: { type, message }, request_id: requestId }
    if (res.headersSent) {
      res.destroy()
      return
    }
    sendJson(res, HTTP_STATUS[type], body, requestId)
  }

  function isAuthenticated(req: IncomingMessage): boolean {
    const apiKey = req.headers['x-api-key']
    if (typeof apiKey === 'string' && apiKey.trim() !== '') return true
    const auth = req.headers['authorization']
    return typeof auth === 'string' && /^Bearer\s+\S+/i.test(auth)
  }

  const faults: { method: string; path: RegExp; type: ErrorType; times: number }[] = []

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = newId('req_')
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
      const fault = faults.find((f) => f.times > 0 && f.method === method && f.path.test(path))
      if (fault) {
        fault.times -= 1
        throw new HttpError(fault.type, `Scripted ${fault.type} for ${method} ${path}`)
      }
      const now = Date.now()
      const segments = path.split('/').slice(1).map(decodeURIComponent)
      if (segments[0] !== 'v1' || segments[1] !== 'messages' || segments[2] !== 'batches') {
        throw new HttpError('not_found_error', `Not found: ${method} ${path}`)
      }
      const [id, action, ...rest] = segments.slice(3)
      const notAllowed = () =>
        new HttpError('invalid_request_error', `Method ${method} is not allowed on ${path}`)

      if (id === undefined) {
        if (method === 'POST') {
          let json: unknown
          try {
            json = JSON.parse(body.toString('utf8'))
          } catch (e) {
            throw new HttpError(
              'invalid_request_error',
              `Request body is not valid JSON: ${(e as Error).message}`,
            )
          }
          return sendJson(res, 200, create(json, now), requestId)
        }
        if (method === 'GET') return sendJson(res, 200, list(parsed.searchParams, now), requestId)
        throw notAllowed()
      }
      if (rest.length > 0) throw new HttpError('not_found_error', `Not found: ${method} ${path}`)
      const batch = findBatch(id)
      if (action === undefined) {
        if (method === 'GET') return sendJson(res, 200, view(batch, now), requestId)
        if (method === 'DELETE') return sendJson(res, 200, remove(batch, now), requestId)
        throw notAllowed()
      }
      if (action === 'cancel') {
        if (method === 'POST') return sendJson(res, 200, cancel(batch, now), requestId)
        throw notAllowed()
      }
      if (action === 'results') {
        if (method === 'GET') return await streamResults(batch, now, res, requestId)
        throw notAllowed()
      }
      throw new HttpError('not_found_error', `Not found: ${method} ${path}`)
    } catch (e) {
      if (e instanceof HttpError) return sendError(res, e.type, e.message, requestId)
      return sendError(res, 'api_error', `Emulator failure: ${(e as Error).message}`, requestId)
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
        failNext: (method, path, type, times = 1) => faults.push({ method, path, type, times }),
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

/** Reads a replies file, `{"replies": {"<last user message>": "<reply>" | {"error": {"type", "message"}}}}`. */
export function loadReplies(file: string): Record<string, StandInReply> {
  let json: unknown
  try {
    json = JSON.parse(readFileSync(file, 'utf8'))
  } catch (e) {
    throw new Error(`Cannot read replies file ${file}: ${(e as Error).message}`, { cause: e })
  }
  if (!isRecord(json) || !isRecord(json['replies'])) {
    throw new Error(`Replies file ${file} must hold a JSON object {"replies": {"<prompt>": "<reply>", ...}}`)
  }
  const entries: [string, StandInReply][] = []
  for (const [prompt, reply] of Object.entries(json['replies'])) {
    if (typeof reply === 'string') {
      entries.push([prompt, reply])
      continue
    }
    if (isRecord(reply) && Array.isArray(reply['content'])) {
      entries.push([prompt, { content: reply['content'] as ContentBlock[] }])
      continue
    }
    const error = isRecord(reply) ? reply['error'] : undefined
    if (!isRecord(error) || !isErrorType(error['type']) || typeof error['message'] !== 'string') {
      throw new Error(
        `Replies file ${file}: the reply to ${JSON.stringify(prompt)} must be a string, {"content": [blocks]} or ` +
          `{"error": {"type": one of ${Object.keys(ERROR_TYPES).join(', ')}, "message": string}}`,
      )
    }
    entries.push([prompt, { error: { type: error['type'], message: error['message'] } }])
  }
  // fromEntries, so that a prompt such as "__proto__" is an ordinary key
  return Object.fromEntries(entries)
}
