/**
 * The Message Batches API through the real `@anthropic-ai/sdk`: create without double-billing, poll several
 * batches with backoff, cancel, and download results that survive an interrupted stream; and count tokens.
 */
import Anthropic from '@anthropic-ai/sdk'
import type {
  MessageBatch,
  MessageBatchIndividualResponse,
} from '@anthropic-ai/sdk/resources/messages/batches'
import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages/messages'
import type { BatchSlice } from './split.js'
import { formatDuration } from '../common/duration.js'
import { UserError } from '../common/user-error.js'
import type { BatchRequest } from '../model.js'

/** Retries of idempotent calls (retrieve, list, cancel, results); the SDK backs off and honours retry-after. */
const READ_RETRIES = 5
/** Attempts at creating one batch when the answer is lost (a refusal for load is waited out instead). */
const CREATE_ATTEMPTS = 5
/** The longest wait between two attempts at a create, when the API says no retry-after. */
const MAX_CREATE_BACKOFF_MS = 60_000

/** The wait before the next attempt at a create, after `tries` that failed the same way. */
const createBackoffMs = (tries: number) => Math.min(2 ** tries * 1000, MAX_CREATE_BACKOFF_MS)
/** Attempts at downloading one batch's results when the stream breaks. */
const RESULTS_ATTEMPTS = 5
/** A batch created this long before our create call started may still be ours (clocks differ). */
const CLOCK_SKEW_MS = 120_000
const FIRST_POLL_DELAY_MS = 5_000

export type Log = (line: string) => void
/** Resolves after `ms`, or earlier if the signal aborts (a sleep may ignore it; abortableSleep does not). */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>

/**
 * setTimeout's sleep. An abort clears its timer: a job cancelled during an hour's retry-after must not keep
 * the process alive for that hour once it has reported.
 */
export const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const wake = () => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', wake)
      resolve()
    }
    const timer = setTimeout(wake, ms)
    signal?.addEventListener('abort', wake, { once: true })
  })

export function createAnthropicClient(options: { apiKey: string; baseURL: string | undefined }): Anthropic {
  return new Anthropic({ apiKey: options.apiKey, baseURL: options.baseURL, maxRetries: READ_RETRIES })
}

function totalRequests(batch: MessageBatch): number {
  const { processing, succeeded, errored, canceled, expired } = batch.request_counts
  return processing + succeeded + errored + canceled + expired
}

/** Seconds the API asked us to wait (retry-after), if it did. */
function retryAfterMs(error: unknown): number | undefined {
  const header = error instanceof Anthropic.APIError ? error.headers?.get('retry-after') : null
  const seconds = header ? Number(header) : NaN
  return Number.isFinite(seconds) ? seconds * 1000 : undefined
}

/** An error after which a create may or may not have happened: the answer was lost or the server failed. */
function mayHaveCreated(error: unknown): boolean {
  return (
    error instanceof Anthropic.APIConnectionError ||
    (error instanceof Anthropic.APIError && error.status !== undefined && error.status >= 500)
  )
}

/**
 * A 429 that waiting does not lift: a spend limit (the SDK's classes for its error codes), or one the API
 * marks `x-should-retry: false`.
 */
function isLastingRefusal(error: InstanceType<typeof Anthropic.RateLimitError>): boolean {
  return (
    error instanceof Anthropic.EnforcedSpendLimitReachedError ||
    error instanceof Anthropic.ContractSpendLimitReachedError ||
    error.headers?.get('x-should-retry') === 'false'
  )
}

/** The API could not answer for now (429, 5xx, no connection): a poll is worth trying again later. */
function isUnavailable(error: unknown): boolean {
  return error instanceof Anthropic.RateLimitError || mayHaveCreated(error)
}

/** An error worth another try: not an answer that the request itself is wrong (4xx other than 429). */
function isTransient(error: unknown): boolean {
  if (!(error instanceof Anthropic.APIError) || error.status === undefined) return true
  return error.status === 429 || error.status >= 500
}

/**
 * A batch we may have created in an attempt that lost its answer: created since the attempt started (less
 * clock skew), with as many requests as we sent, and not one we already own.
 */
async function findLostBatch(
  client: Anthropic,
  requestCount: number,
  since: number,
  ownBatchIds: ReadonlySet<string>,
): Promise<MessageBatch | undefined> {
  for await (const batch of client.messages.batches.list({ limit: 100 })) {
    if (Date.parse(batch.created_at) < since - CLOCK_SKEW_MS) return undefined
    if (!ownBatchIds.has(batch.id) && totalRequests(batch) === requestCount) return batch
  }
  return undefined
}

export interface CreateOptions {
  log: Log
  sleep?: Sleep
  /** Batches this run already has, which a reconciliation must not mistake for a lost one. */
  ownBatchIds?: ReadonlySet<string>
  /** When to stop waiting out refusals for load (429), a time of `now`; else after CREATE_ATTEMPTS. */
  giveUpAt?: number
  /** The clock `giveUpAt` is read against. Default `Date.now`. */
  now?: () => number
  /** Stops trying (the job is being cancelled): nothing more is created. */
  signal?: AbortSignal
}

/** How much of a create body is serialized at a time, in characters. */
const BODY_CHUNK_CHARS = 1 << 20

/** A create body, serialized a piece at a time as the connection takes it. */
async function* createBody(requests: BatchRequest[]): AsyncGenerator<Buffer> {
  let text = '{"requests":['
  for (let i = 0; i < requests.length; i++) {
    text += (i === 0 ? '' : ',') + JSON.stringify(requests[i])
    if (text.length >= BODY_CHUNK_CHARS) {
      yield Buffer.from(text)
      text = ''
    }
  }
  yield Buffer.from(`${text}]}`)
}

/**
 * `messages.batches.create`, with the body streamed: a 100,000-request body is tens of MB, which the SDK
 * would hold whole as a string and again as bytes. Its length is sent, as a body built whole would have it.
 */
function postBatch(client: Anthropic, { requests, bytes }: BatchSlice): Promise<MessageBatch> {
  return client.post<MessageBatch>('/v1/messages/batches', {
    body: createBody(requests),
    headers: { 'content-type': 'application/json', 'content-length': String(bytes) },
    maxRetries: 0,
  })
}

/** Thrown by createBatch once its signal aborts: the job is being cancelled, and the batch was not created. */
export class CreateAbortedError extends Error {
  constructor() {
    super('The job is being cancelled: the batch was not created.')
  }
}

/**
 * Creates one batch of a slice that splitIntoBatches made, unless the signal aborts first (CreateAbortedError).
 * `create` has no idempotency key, so the SDK never retries it; instead, a refusal for load (429, such as a
 * full processing queue) is waited out as the API asks, until `giveUpAt`, and a lost answer (connection
 * error, 5xx) first looks for the batch it may have created, so that a retry never bills the same requests
 * twice.
 */
export async function createBatch(
  client: Anthropic,
  slice: BatchSlice,
  options: CreateOptions,
): Promise<MessageBatch> {
  const sleep = options.sleep ?? realSleep
  const now = options.now ?? Date.now
  // Counted apart: waiting out a full queue must not use up the tries a lost answer gets, nor lift their limit.
  let refusals = 0
  let lostAnswers = 0
  for (;;) {
    if (options.signal?.aborted) throw new CreateAbortedError()
    const startedAt = now()
    try {
      return await postBatch(client, slice)
    } catch (error) {
      if (error instanceof Anthropic.RateLimitError && isLastingRefusal(error)) {
        throw new UserError(
          `The API refused the batch (429: ${error.apiMessage ?? error.message}): a limit that waiting does not ` +
            'lift, such as a spend limit; nothing was created. Raise the limit in the Anthropic Console, or run ' +
            'again once it resets.',
          { cause: error },
        )
      }
      if (error instanceof Anthropic.RateLimitError) {
        refusals += 1
        const wait = retryAfterMs(error) ?? createBackoffMs(refusals)
        const refused = `The API refused the batch for load (429: ${error.apiMessage ?? 'rate limited'})`
        const waitedOut =
          options.giveUpAt === undefined ? refusals === CREATE_ATTEMPTS : now() + wait > options.giveUpAt
        if (waitedOut) {
          throw new UserError(
            `${refused}, and max-wait would run out before the next try; nothing was created. ` +
              "Raise max-wait, or run when the workspace's processing queue has room.",
            { cause: error },
          )
        }
        options.log(`${refused}; trying again in ${formatDuration(wait)}.`)
        await abortableSleep(sleep, wait, options.signal)
        continue
      }
      if (!mayHaveCreated(error)) throw error
      lostAnswers += 1
      const lost = await findLostBatch(
        client,
        slice.requests.length,
        startedAt,
        options.ownBatchIds ?? new Set(),
      )
      if (lost) {
        options.log(
          `Creating the batch failed (${(error as Error).message}), but it was created: using ${lost.id}.`,
        )
        return lost
      }
      if (lostAnswers === CREATE_ATTEMPTS) throw error
      options.log(
        `Creating the batch failed (${(error as Error).message}) and no batch was created; trying again.`,
      )
      await abortableSleep(sleep, retryAfterMs(error) ?? createBackoffMs(lostAnswers), options.signal)
    }
  }
}

export function cancelBatch(client: Anthropic, batchId: string): Promise<MessageBatch> {
  return client.messages.batches.cancel(batchId)
}

export interface WaitOptions {
  maxWaitMs: number
  /** The longest gap between two polls; polling starts faster and backs off to it. */
  pollIntervalMs: number
  log: Log
  sleep?: Sleep
  now?: () => number
  /** Stops waiting early (the job is being cancelled). */
  signal?: AbortSignal
}

export type WaitOutcome =
  { state: 'ended'; batches: MessageBatch[] } | { state: 'timed-out' | 'aborted'; batches: MessageBatch[] }

/** The delays between polls: short at first, doubling up to `pollIntervalMs`. */
export function* pollDelays(pollIntervalMs: number): Generator<number> {
  let delay = Math.min(FIRST_POLL_DELAY_MS, pollIntervalMs)
  for (;;) {
    yield delay
    delay = Math.min(delay * 2, pollIntervalMs)
  }
}

export function progressLine(batches: MessageBatch[], elapsedMs: number): string {
  const sum = (key: keyof MessageBatch['request_counts']) =>
    batches.reduce((n, b) => n + b.request_counts[key], 0)
  const counts =
    `processing ${sum('processing')}, succeeded ${sum('succeeded')}, errored ${sum('errored')}, ` +
    `canceled ${sum('canceled')}, expired ${sum('expired')} (${formatDuration(elapsedMs)} elapsed)`
  if (batches.length === 1) return `Batch ${batches[0].id}: ${batches[0].processing_status}; ${counts}`
  const ended = batches.filter((b) => b.processing_status === 'ended').length
  return `${batches.length} batches, ${ended} ended: ${counts}`
}

/**
 * Polls the batches until all have ended, logging one progress line per poll, or until max-wait or an abort.
 */
export async function waitForBatches(
  client: Anthropic,
  batchIds: string[],
  options: WaitOptions,
): Promise<WaitOutcome> {
  const sleep = options.sleep ?? realSleep
  const now = options.now ?? Date.now
  const started = now()
  const deadline = started + options.maxWaitMs
  const delays = pollDelays(options.pollIntervalMs)
  const latest = new Map<string, MessageBatch>()
  for (;;) {
    const failure = await pollOnce(client, batchIds, latest)
    const batches = batchIds.flatMap((id) => latest.get(id) ?? [])
    if (failure) {
      options.log(
        `Polling ${failure.batchId} failed (${failure.error.message}); the batches keep running, and polling ` +
          'goes on until max-wait.',
      )
    } else {
      options.log(progressLine(batches, now() - started))
      if (batches.every((b) => b.processing_status === 'ended')) return { state: 'ended', batches }
    }
    const aborted = options.signal?.aborted
    const remaining = deadline - now()
    if (aborted || remaining <= 0) {
      // Without each batch's latest state there is nothing to report as pending or to cancel.
      if (failure && batches.length < batchIds.length) {
        throw new UserError(
          `Polling ${failure.batchId} kept failing (${failure.error.message}) until ` +
            `${aborted ? 'the job was cancelled' : 'max-wait ran out'}. The batches keep running: collect ` +
            `them later with the batch-id input (${batchIds.join(', ')}).`,
          { cause: failure.error },
        )
      }
      return { state: aborted ? 'aborted' : 'timed-out', batches }
    }
    await abortableSleep(sleep, Math.min(delays.next().value, remaining), options.signal)
  }
}

/**
 * Retrieves the batches not yet seen ended into `latest`. An API that cannot answer for now (after the
 * SDK's own retries) is the failure returned, for the next poll to try again: a wait of hours must not end
 * on a minute's outage. Other errors are thrown.
 */
async function pollOnce(
  client: Anthropic,
  batchIds: string[],
  latest: Map<string, MessageBatch>,
): Promise<{ batchId: string; error: Error } | undefined> {
  for (const batchId of batchIds) {
    if (latest.get(batchId)?.processing_status === 'ended') continue
    try {
      latest.set(batchId, await client.messages.batches.retrieve(batchId))
    } catch (error) {
      if (error instanceof Anthropic.NotFoundError) {
        throw new UserError(
          `Batch ${batchId} was not found (404): it was deleted, or it belongs to another workspace than the ` +
            "API key's. If it came from the batch-id input, check the id.",
          { cause: error },
        )
      }
      if (!isUnavailable(error)) throw error
      return { batchId, error: error as Error }
    }
  }
  return undefined
}

/**
 * Sleeps, or less when the signal aborts, whether or not the sleep heeds the signal. Its listener goes with
 * it: a wait of hours sleeps hundreds of times.
 */
function abortableSleep(sleep: Sleep, ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return sleep(ms)
  if (signal.aborted) return Promise.resolve()
  return new Promise<void>((resolve) => {
    const onAbort = () => resolve()
    signal.addEventListener('abort', onAbort, { once: true })
    void sleep(ms, signal).then(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    })
  })
}

/**
 * A batch's results as they download, one line at a time. A broken stream is fetched again, skipping the
 * results already given by their custom_id (the API does not promise the same order twice), so no result
 * is lost or doubled.
 */
export async function* streamResults(
  client: Anthropic,
  batchId: string,
  options: { log: Log; sleep?: Sleep },
): AsyncGenerator<MessageBatchIndividualResponse> {
  const delivered = new Set<string>()
  for (let attempt = 1; ; attempt++) {
    try {
      for await (const line of resultLines(client, batchId)) {
        const result = JSON.parse(line) as MessageBatchIndividualResponse
        // Only what an earlier download gave is skipped: a result doubled within one still reaches the sink.
        if (attempt > 1 && delivered.has(result.custom_id)) continue
        delivered.add(result.custom_id)
        yield result
      }
      return
    } catch (error) {
      if (!isTransient(error)) throw error
      if (attempt === RESULTS_ATTEMPTS) {
        throw new UserError(
          `The results of ${batchId} could not be downloaded (${(error as Error).message}) after ` +
            `${RESULTS_ATTEMPTS} attempts. The batch has ended, and its results stay downloadable for 29 days: a re-run of this ` +
            'job resumes it, or collect it with the batch-id input.',
          { cause: error },
        )
      }
      options.log(
        `The results of ${batchId} broke off after ${delivered.size} lines (${(error as Error).message}); fetching them again.`,
      )
      await (options.sleep ?? realSleep)(2 ** attempt * 500)
    }
  }
}

/**
 * The JSONL lines of a batch's results file, split here rather than by the SDK's decoder (`batches.results`),
 * which splits byte by byte and took a second per 100,000 results. Only complete lines are given: a line cut
 * off by a broken stream is never parsed.
 */
async function* resultLines(client: Anthropic, batchId: string): AsyncGenerator<string> {
  const batch = await client.messages.batches.retrieve(batchId)
  if (!batch.results_url) {
    throw new Error(`Batch ${batchId} has no results_url: it is ${batch.processing_status}, not ended.`)
  }
  const response = await client
    .get(batch.results_url, { headers: { Accept: 'application/binary' }, __binaryResponse: true })
    .asResponse()
  if (!response.body) throw new Error(`The results download of ${batchId} has no body.`)
  const decoder = new TextDecoder()
  let pending = ''
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    // What was pending holds no newline: only the new text is searched (a line of megabytes comes in many chunks).
    const searchFrom = pending.length
    pending += decoder.decode(chunk, { stream: true })
    let start = 0
    for (let end = pending.indexOf('\n', searchFrom); end !== -1; end = pending.indexOf('\n', start)) {
      if (end > start) yield pending.slice(start, end)
      start = end + 1
    }
    pending = pending.slice(start)
  }
  pending += decoder.decode()
  if (pending.trim() !== '') yield pending
}

/** Counts a request's input tokens with the API's free `count_tokens` (its own rate limit; retried by the SDK). */
export function tokenCounter(
  client: Anthropic,
): (params: MessageCreateParamsNonStreaming) => Promise<number> {
  return async ({ model, messages, system, tools, tool_choice, thinking }) => {
    const counted = await client.messages.countTokens({
      model,
      messages,
      ...(system !== undefined && { system }),
      ...(tools !== undefined && { tools }),
      ...(tool_choice !== undefined && { tool_choice }),
      ...(thinking !== undefined && { thinking }),
    })
    return counted.input_tokens
  }
}
