/** Creating a batch without double-billing: a lost answer is reconciled against the batches list first. */
import Anthropic from '@anthropic-ai/sdk'
import type { MessageBatch } from '@anthropic-ai/sdk/resources/messages/batches'
import { abortableSleep, mayHaveCreated, realSleep, retryAfterMs, type Log, type Sleep } from './client.js'
import type { BatchSlice } from './split.js'
import { formatDuration } from '../common/duration.js'
import { UserError } from '../common/user-error.js'
import type { BatchRequest } from '../model.js'

/** Attempts at creating one batch when the answer is lost (a refusal for load is waited out instead). */
const CREATE_ATTEMPTS = 5

/** The longest wait between two attempts at a create, when the API says no retry-after. */
const MAX_CREATE_BACKOFF_MS = 60_000

/** The wait before the next attempt at a create, after `tries` that failed the same way. */
const createBackoffMs = (tries: number) => Math.min(2 ** tries * 1000, MAX_CREATE_BACKOFF_MS)

/** A batch created this long before our create call started may still be ours (clocks differ). */
const CLOCK_SKEW_MS = 120_000

function totalRequests(batch: MessageBatch): number {
  const { processing, succeeded, errored, canceled, expired } = batch.request_counts
  return processing + succeeded + errored + canceled + expired
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
