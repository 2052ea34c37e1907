/** Waiting for batches: polls with backoff up to the poll interval, a progress line each, within max-wait. */
import Anthropic from '@anthropic-ai/sdk'
import type { MessageBatch } from '@anthropic-ai/sdk/resources/messages/batches'
import {
  abortableSleep,
  isUnavailable,
  realSleep,
  WITHIN_ABORT_WINDOW,
  type Log,
  type Sleep,
} from './client.js'
import { formatDuration } from '../common/duration.js'
import { UserError } from '../common/user-error.js'

/** The first wait between two polls; the waits double from there up to the poll interval. */
const FIRST_POLL_DELAY_MS = 5_000

export interface WaitOptions {
  maxWaitMs: number
  /** The longest gap between two polls; polling starts faster and backs off to it. */
  pollIntervalMs: number
  log: Log
  sleep?: Sleep
  now?: () => number
  /** Stops waiting early (the job is being cancelled). */
  signal?: AbortSignal
  /** Told each poll's batches instead of `log` being given a progress line. */
  onProgress?: (batches: MessageBatch[], elapsedMs: number) => void
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
    const failure = await pollOnce(client, batchIds, latest, options.signal)
    const batches = batchIds.flatMap((id) => latest.get(id) ?? [])
    if (failure) {
      if (!options.signal?.aborted)
        options.log(
          `Polling ${failure.batchId} failed (${failure.error.message}); the batches keep running, and polling ` +
            'goes on until max-wait.',
        )
    } else {
      if (options.onProgress) options.onProgress(batches, now() - started)
      else options.log(progressLine(batches, now() - started))
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
 * SDK's own retries), or a poll cut short by the job's cancellation, is the failure returned, for the next poll to try again: a wait of hours must not end
 * on a minute's outage. Other errors are thrown.
 */
async function pollOnce(
  client: Anthropic,
  batchIds: string[],
  latest: Map<string, MessageBatch>,
  signal: AbortSignal | undefined,
): Promise<{ batchId: string; error: Error } | undefined> {
  for (const batchId of batchIds) {
    if (latest.get(batchId)?.processing_status === 'ended') continue
    try {
      latest.set(batchId, await retrieveWithinAbort(client, batchId, signal))
    } catch (error) {
      if (signal?.aborted) return { batchId, error: error as Error }
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
 * A poll that the job's cancellation cuts short, in its retries' backoff or a hung connection (the runner's
 * window is seconds), and makes again as one brief try: the batch's state is what a pending report needs.
 */
async function retrieveWithinAbort(
  client: Anthropic,
  batchId: string,
  signal: AbortSignal | undefined,
): Promise<MessageBatch> {
  const retrieveOnce = () => client.messages.batches.retrieve(batchId, {}, WITHIN_ABORT_WINDOW)
  if (signal?.aborted) return retrieveOnce()
  try {
    return await client.messages.batches.retrieve(batchId, {}, { signal })
  } catch (error) {
    if (signal?.aborted) return retrieveOnce()
    throw error
  }
}
