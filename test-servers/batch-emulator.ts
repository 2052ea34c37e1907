/**
 * A local emulator of the Anthropic Message Batches API, for tests and the demo.
 *
 * It is real HTTP (node:http only) that the real `@anthropic-ai/sdk` client talks to: point the client's
 * `baseURL` at `emulator.url`. State lives in memory. Whether a batch has ended is decided from timestamps
 * (no timers), so nothing keeps the process alive after `close()`. The timestamps come from `options.clock`
 * (`Date.now` by default): a test's manual clock (test-servers/manual-clock.ts) makes time stand still
 * between the moves the test makes.
 *
 * As unlucky as the API, by default and from a seed (so tests never flake): a batch's requests run
 * concurrently and finish out of order (emulator-schedule.ts), the prompt cache is best effort
 * (emulator-cache.ts), and a canceled batch stays `canceling` for several polls while requests go on
 * finishing (emulator-batches.ts, which also has the scripted batches of `scriptNextBatches`). Token counts
 * and the API's params checks: emulator-tokens.ts; results lines: emulator-results.ts; downloads and their
 * scripted faults: emulator-download.ts; HTTP and the scripted faults of calls: emulator-http.ts.
 *
 * Sized for the API's largest batch (100,000 requests, a body of hundreds of MB): no step is quadratic in
 * the number of requests, and results are serialised once, line by line as they are decided, kept UTF-8
 * encoded, and streamed in large pieces with backpressure.
 *
 * Every response body is typed with the SDK's own types, so `tsc` catches drift from the API contract (the
 * results lines of text replies, written out for speed, are held by the tests to the text of typed ones).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { MessageTokensCount } from '@anthropic-ai/sdk/resources/messages/messages'
import { BatchBook, statusAt } from './emulator-batches.js'
import { cacheControlProblem, minCacheableTokens, PromptCache } from './emulator-cache.js'
import { ResultsDownloads } from './emulator-download.js'
import {
  HttpError,
  isAuthenticated,
  parseJson,
  readBody,
  sendError,
  sendJson,
  takeFault,
  type CallContext,
  type ScriptedFault,
} from './emulator-http.js'
import { newId } from './emulator-ids.js'
import { createMessage, MessagesRateLimit } from './emulator-messages.js'
import { modelProblem } from './emulator-validation.js'
import { countTokensProblem, inputPieces, tokensOfPieces } from './emulator-tokens.js'
import type { BatchEmulator, BatchEmulatorOptions, BatchScript, RecordedCall } from './emulator-types.js'
import { isRecord, scriptedReplier } from './scripted-replies.js'

export { loadReplies, loadRepliesFile } from './scripted-replies.js'
export type { ErrorType, JudgeVerdict, RepliesFile, SingleReply, StandInReply } from './scripted-replies.js'
export type { BatchEmulator, BatchEmulatorOptions, BatchScript, RecordedCall } from './emulator-types.js'
export { MAX_REQUESTS_PER_BATCH } from './emulator-batches.js'
export { MAX_CACHE_BREAKPOINTS, minCacheableTokens } from './emulator-cache.js'
export { CHARS_PER_TOKEN, IMAGE_TOKENS, inputTokensOf } from './emulator-tokens.js'

export const MAX_BODY_BYTES = 256 * 1024 * 1024
const DAY_MS = 24 * 60 * 60 * 1000
/** The realism defaults (docs/emulator.md). */
const DEFAULT_CACHE_HIT_RATE = 0.7
const DEFAULT_CANCELING_POLLS = 3
const DEFAULT_SEED = 19

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

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${name} must be a positive integer, got ${value}`)
  return value
}

/** `POST /v1/messages/count_tokens`: the input tokens of these params, by the emulator's one rule. */
function countTokens(body: unknown): MessageTokensCount {
  if (!isRecord(body)) throw new HttpError('invalid_request_error', 'Request body should be a JSON object')
  const pieces = inputPieces(body)
  const problem = countTokensProblem(body) ?? cacheControlProblem(pieces)
  if (problem != null) throw new HttpError('invalid_request_error', problem)
  const modelError = modelProblem(body)
  if (modelError != null) throw new HttpError(modelError.type, modelError.message)
  return { input_tokens: tokensOfPieces(pieces) }
}

export function startBatchEmulator(options: BatchEmulatorOptions = {}): Promise<BatchEmulator> {
  // At least 1 ms, so that `create` always answers `in_progress`, as the API does.
  let processingMs = Math.max(1, nonNegative('processingMs', options.processingMs ?? 1000))
  const maxQueuedRequests = options.maxQueuedRequests
  if (maxQueuedRequests !== undefined) nonNegative('maxQueuedRequests', maxQueuedRequests)
  const replier = scriptedReplier(
    { replies: options.replies, judge: options.judgeReplies },
    options.onWarning ?? (() => undefined),
  )
  const maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES
  let countTokensUnavailable = options.countTokensUnavailable ?? false
  const minTokensOption = options.minCacheableTokens
  if (typeof minTokensOption === 'number') nonNegative('minCacheableTokens', minTokensOption)
  const minTokensFor: (model: string) => number =
    typeof minTokensOption === 'number' ? () => minTokensOption : (minTokensOption ?? minCacheableTokens)
  const cacheHitRate = nonNegative('cacheHitRate', options.cacheHitRate ?? DEFAULT_CACHE_HIT_RATE)
  if (cacheHitRate > 1) throw new Error(`cacheHitRate must be from 0 to 1, got ${cacheHitRate}`)
  /** The prompt cache, across all batches. */
  const promptCache = new PromptCache(cacheHitRate, minTokensFor)
  const clock = options.clock ?? Date.now
  /** The scripts of the next batches created, in creation order. */
  const scripts: BatchScript[] = []
  const calls: RecordedCall[] = []
  const faults: ScriptedFault[] = []
  const downloads = new ResultsDownloads()
  const messagesDelayMs = nonNegative('messagesDelayMs', options.messagesDelayMs ?? 0)
  const messages = { inFlight: 0, peak: 0 }
  const messagesLimit = new MessagesRateLimit(options.messagesRateLimit)
  let url = ''
  const book = new BatchBook({
    expiresAfterMs: Math.max(1, nonNegative('expiresAfterMs', options.expiresAfterMs ?? DAY_MS)),
    maxQueuedRequests,
    queueRetryAfterSeconds: nonNegative('queueRetryAfterSeconds', options.queueRetryAfterSeconds ?? 1),
    cancelingPolls: positiveInteger('cancelingPolls', options.cancelingPolls ?? DEFAULT_CANCELING_POLLS),
    concurrent: options.concurrent ?? true,
    seed: options.seed ?? DEFAULT_SEED,
    processing: () => ({ replyTo: replier.forBatch(), cache: promptCache }),
    url: () => url,
  })

  /** Answers one call, after its body is read and the faults scripted for it are applied. */
  async function route(
    method: string,
    parsed: URL,
    path: string,
    body: Buffer,
    res: ServerResponse,
    ctx: CallContext,
  ) {
    const now = clock()
    const segments = path.split('/').slice(1).map(decodeURIComponent)
    const notAllowed = () =>
      new HttpError('invalid_request_error', `Method ${method} is not allowed on ${path}`)
    const notFound = () => new HttpError('not_found_error', `Not found: ${method} ${path}`)
    if (
      segments.length === 3 &&
      segments[0] === 'v1' &&
      segments[1] === 'messages' &&
      segments[2] === 'count_tokens'
    ) {
      if (countTokensUnavailable) throw notFound()
      if (method !== 'POST') throw notAllowed()
      return sendJson(res, 200, countTokens(parseJson(body)), ctx)
    }
    if (segments.length === 2 && segments[0] === 'v1' && segments[1] === 'messages') {
      if (method !== 'POST') throw notAllowed()
      messagesLimit.take()
      messages.peak = Math.max(messages.peak, ++messages.inFlight)
      try {
        if (messagesDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, messagesDelayMs))
        const processing = { replyTo: replier.forBatch(), cache: promptCache }
        return sendJson(res, 200, createMessage(parseJson(body), processing, now), ctx)
      } finally {
        messages.inFlight--
      }
    }
    if (segments[0] !== 'v1' || segments[1] !== 'messages' || segments[2] !== 'batches') throw notFound()
    const [id, action, ...rest] = segments.slice(3)
    if (id === undefined) {
      if (method === 'POST')
        return sendJson(res, 200, book.create(parseJson(body), now, processingMs, scripts.shift()), ctx)
      if (method === 'GET') return sendJson(res, 200, book.list(parsed.searchParams, now), ctx)
      throw notAllowed()
    }
    if (rest.length > 0) throw notFound()
    const batch = book.find(id)
    if (action === undefined) {
      if (method === 'GET') return sendJson(res, 200, book.retrieve(batch, now), ctx)
      if (method === 'DELETE') return sendJson(res, 200, book.remove(batch, now), ctx)
      throw notAllowed()
    }
    if (action === 'cancel') {
      if (method === 'POST') return sendJson(res, 200, book.cancel(batch, now), ctx)
      throw notAllowed()
    }
    if (action === 'results') {
      if (method !== 'GET') throw notAllowed()
      const status = statusAt(batch, now)
      if (status !== 'ended') {
        throw new HttpError(
          'invalid_request_error',
          `Message Batch ${batch.id} has not finished processing (${status})`,
        )
      }
      return await downloads.stream(book.resultsOf(batch, now).results, batch.requests.length, res, ctx)
    }
    throw notFound()
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const ctx: CallContext = { requestId: newId('req_'), resetInsteadOfAnswer: false }
    const method = req.method ?? 'GET'
    const parsed = new URL(req.url ?? '/', 'http://127.0.0.1')
    const path = parsed.pathname.replace(/\/+$/, '') || '/'
    calls.push({ method, path, query: parsed.search.replace(/^\?/, '') })
    try {
      const body = await readBody(req, maxBodyBytes)
      if (body == null) {
        throw new HttpError(
          'request_too_large',
          `Request exceeds the maximum allowed size of ${maxBodyBytes} bytes`,
        )
      }
      if (!isAuthenticated(req)) throw new HttpError('authentication_error', 'x-api-key header is required')
      const fault = takeFault(faults, method, path)
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
      return await route(method, parsed, path, body, res, ctx)
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
        reverseNextResults: (times = 1) => downloads.reverseNext(timesOf(times)),
        cutResultsAfter: (lines, times = 1) => {
          if (!Number.isInteger(lines) || lines < 0)
            throw new Error(`lines must be a non-negative integer, got ${lines}`)
          downloads.cutAfter(lines, timesOf(times))
        },
        scriptNextBatches: (...next) => {
          scripts.push(...next.map(checkedScript))
        },
        endBatch: (id) => {
          const batch = book.get(id)
          if (batch == null) throw new Error(`endBatch: no batch ${id} was created`)
          if (batch.script == null) {
            throw new Error(
              `endBatch: ${id} follows the time model (processingMs); script it with scriptNextBatches before it is created`,
            )
          }
          book.end(batch, clock())
        },
        setProcessingMs: (ms) => {
          processingMs = Math.max(1, nonNegative('processingMs', ms))
        },
        setCountTokensUnavailable: (unavailable) => {
          countTokensUnavailable = unavailable
        },
        clearPromptCache: () => promptCache.clear(),
        peakMessagesInFlight: () => messages.peak,
        rateLimitedMessages: () => messagesLimit.refused,
        createdBatches: () =>
          book.all().map((b) => ({
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
