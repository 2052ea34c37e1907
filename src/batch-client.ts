/** The Message Batches API through the real `@anthropic-ai/sdk`: create, wait with backoff, stream results. */
import Anthropic from '@anthropic-ai/sdk'
import type {
  MessageBatch,
  MessageBatchIndividualResponse,
} from '@anthropic-ai/sdk/resources/messages/batches'
import type { BatchRequest } from './batch-requests.js'
import { formatDuration } from './duration.js'

export function createAnthropicClient(options: { apiKey: string; baseURL: string | undefined }): Anthropic {
  return new Anthropic({ apiKey: options.apiKey, baseURL: options.baseURL })
}

/**
 * Creates the batch. `create` has no idempotency key, so the SDK must not retry it: a retry after a lost
 * response would create, and bill, a second batch.
 */
export async function submitBatch(client: Anthropic, requests: BatchRequest[]): Promise<MessageBatch> {
  return client.messages.batches.create({ requests }, { maxRetries: 0 })
}

export interface WaitOptions {
  maxWaitMs: number
  /** The longest gap between two polls; polling starts faster and backs off to it. */
  pollIntervalMs: number
  log: (line: string) => void
  sleep?: (ms: number) => Promise<void>
  now?: () => number
}

const FIRST_POLL_DELAY_MS = 5_000

export class BatchTimeoutError extends Error {
  constructor(
    readonly batchId: string,
    maxWaitMs: number,
  ) {
    super(
      `Batch ${batchId} did not end within max-wait (${formatDuration(maxWaitMs)}). It keeps running and is billed ` +
        'for what it processes; its results stay downloadable for 29 days. Raise max-wait, or cancel the batch ' +
        `(POST /v1/messages/batches/${batchId}/cancel).`,
    )
    this.name = 'BatchTimeoutError'
  }
}

/** The delays between polls: short at first, doubling up to `pollIntervalMs`. */
export function* pollDelays(pollIntervalMs: number): Generator<number> {
  let delay = Math.min(FIRST_POLL_DELAY_MS, pollIntervalMs)
  for (;;) {
    yield delay
    delay = Math.min(delay * 2, pollIntervalMs)
  }
}

export function progressLine(batch: MessageBatch, elapsedMs: number): string {
  const { processing, succeeded, errored, canceled, expired } = batch.request_counts
  return (
    `Batch ${batch.id}: ${batch.processing_status}; processing ${processing}, succeeded ${succeeded}, ` +
    `errored ${errored}, canceled ${canceled}, expired ${expired} (${formatDuration(elapsedMs)} elapsed)`
  )
}

/** Polls until the batch has ended, logging one progress line per poll; throws BatchTimeoutError at max-wait. */
export async function waitForBatch(
  client: Anthropic,
  batchId: string,
  options: WaitOptions,
): Promise<MessageBatch> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)))
  const now = options.now ?? Date.now
  const started = now()
  const deadline = started + options.maxWaitMs
  const delays = pollDelays(options.pollIntervalMs)
  for (;;) {
    const batch = await client.messages.batches.retrieve(batchId)
    options.log(progressLine(batch, now() - started))
    if (batch.processing_status === 'ended') return batch
    const remaining = deadline - now()
    if (remaining <= 0) throw new BatchTimeoutError(batchId, options.maxWaitMs)
    await sleep(Math.min(delays.next().value, remaining))
  }
}

/** The batch's results as they download, one line at a time. */
export async function streamResults(
  client: Anthropic,
  batchId: string,
): Promise<AsyncIterable<MessageBatchIndividualResponse>> {
  return client.messages.batches.results(batchId)
}
