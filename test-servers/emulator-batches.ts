/**
 * The batches' life in the emulator: create (with the API's checks and the queue limit), list, retrieve,
 * cancel, delete, and the results decided once a batch has ended.
 *
 * Whether a batch has ended is decided from timestamps (no timers). A batch of the time model ends at
 * `created + processingMs`, or earlier:
 * - canceled: it stays `canceling` until the `cancelingPolls`-th retrieval after the cancel (or its normal
 *   end, if that comes first); the requests that finished by then (emulator-schedule.ts) have their results,
 *   the rest are `canceled`;
 * - expired: at `created + expiresAfterMs`, if processing is not done by then; the requests finished by then
 *   have their results, the rest are `expired`.
 * While a batch is `in_progress` or `canceling` every request counts as `processing`, as the API reports.
 *
 * A scripted batch (`BatchScript`) has its first `processed` requests (in submission order) processed, and
 * ends by events: `endBatch`, its `endAfterPolls`-th retrieval, or the `cancelingPolls`-th after a cancel.
 */
import type {
  DeletedMessageBatch,
  MessageBatch,
  MessageBatchRequestCounts,
  MessageBatchResult,
} from '@anthropic-ai/sdk/resources/messages/batches'
import type { PageResponse } from '@anthropic-ai/sdk/core/pagination'
import type { BatchScript } from './emulator-types.js'
import { HttpError } from './emulator-http.js'
import { newId } from './emulator-ids.js'
import { jsonLine, LineStore, processRequest, shuffledOrder, type Processing } from './emulator-results.js'
import { scheduleOf, startOrder, type ScheduleOptions } from './emulator-schedule.js'
import { isRecord } from './scripted-replies.js'

/** The API's limits. */
export const MAX_REQUESTS_PER_BATCH = 100_000
const CUSTOM_ID_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/

interface StoredRequest {
  custom_id: string
  params: unknown
}

export interface BatchState {
  id: string
  seq: number
  createdAtMs: number
  expiresAtMs: number
  /** The processing time of this batch (the emulator's `processingMs` when it was created). */
  processingMs: number
  /** When processing ends: `created + processingMs`, capped by the expiry, moved earlier by a cancel. */
  endsAtMs: number
  cancelInitiatedAtMs: number | null
  /** The retrievals left before a canceling batch ends (undefined: not canceling, or it ends by time). */
  cancelPollsLeft: number | undefined
  /**
   * A scripted batch's progress: its processed requests, and the retrievals left before it ends (undefined:
   * it ends by `endBatch`). It never ends by time: `endsAtMs` is Infinity until an event ends it.
   */
  script: { processed: number; retrievalsLeft: number | undefined } | null
  requests: StoredRequest[]
  /**
   * Decided once, the first time the batch is seen ended, with their counts: the results JSONL (one
   * serialised `MessageBatchIndividualResponse` a line), in download order, UTF-8 encoded in pieces of
   * whole lines.
   */
  results: Buffer[] | null
  counts: MessageBatchRequestCounts | null
  deleted: boolean
}

type Status = MessageBatch['processing_status']

export function statusAt(batch: BatchState, now: number): Status {
  if (now >= batch.endsAtMs) return 'ended'
  return batch.cancelInitiatedAtMs != null ? 'canceling' : 'in_progress'
}

function iso(ms: number): string {
  return new Date(ms).toISOString()
}

export interface BatchBookOptions extends ScheduleOptions {
  expiresAfterMs: number
  maxQueuedRequests: number | undefined
  queueRetryAfterSeconds: number
  /** How many retrievals a canceled batch stays `canceling` for. */
  cancelingPolls: number
  /** What processing the batches' requests shares; a fresh `replyTo` per batch. */
  processing: () => Processing
  /** The emulator's URL, for `results_url` (known once it listens). */
  url: () => string
}

export class BatchBook {
  private readonly batches = new Map<string, BatchState>()
  private seq = 0

  constructor(private readonly options: BatchBookOptions) {}

  all(): BatchState[] {
    return [...this.batches.values()].sort((a, b) => a.seq - b.seq)
  }

  /** The batch of this id, even a deleted one (undefined when none was created). */
  get(id: string): BatchState | undefined {
    return this.batches.get(id)
  }

  find(id: string): BatchState {
    const batch = this.batches.get(id)
    if (batch == null || batch.deleted)
      throw new HttpError('not_found_error', `Message Batch ${id} not found`)
    return batch
  }

  create(body: unknown, now: number, processingMs: number, script: BatchScript | undefined): MessageBatch {
    const stored = checkedRequests(body)
    const { maxQueuedRequests, queueRetryAfterSeconds, expiresAfterMs } = this.options
    if (maxQueuedRequests !== undefined) {
      let queued = 0
      for (const b of this.batches.values()) if (statusAt(b, now) !== 'ended') queued += b.requests.length
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
    const batch: BatchState = {
      id: newId('msgbatch_'),
      seq: this.seq++,
      createdAtMs: now,
      expiresAtMs,
      processingMs,
      endsAtMs: script ? Infinity : Math.min(now + processingMs, expiresAtMs),
      cancelInitiatedAtMs: null,
      cancelPollsLeft: undefined,
      script: script
        ? { processed: script.processed ?? stored.length, retrievalsLeft: script.endAfterPolls }
        : null,
      requests: stored,
      results: null,
      counts: null,
      deleted: false,
    }
    this.batches.set(batch.id, batch)
    return this.view(batch, now)
  }

  list(query: URLSearchParams, now: number): PageResponse<MessageBatch> {
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
    const all = this.all().reverse()
    const cursorSeq = (id: string): number => {
      const cursor = this.batches.get(id)
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
    const data = page.map((b) => this.view(b, now))
    return {
      data,
      has_more: hasMore,
      first_id: data[0]?.id ?? null,
      last_id: data[data.length - 1]?.id ?? null,
    }
  }

  cancel(batch: BatchState, now: number): MessageBatch {
    if (statusAt(batch, now) === 'in_progress') {
      batch.cancelInitiatedAtMs = now
      const polls = this.options.cancelingPolls
      if (batch.script) batch.script.retrievalsLeft = Math.min(batch.script.retrievalsLeft ?? polls, polls)
      else batch.cancelPollsLeft = polls
    }
    return this.view(batch, now)
  }

  /** A retrieval: the last one a batch waits for (`endAfterPolls`, or the end of canceling) ends it. */
  retrieve(batch: BatchState, now: number): MessageBatch {
    if (statusAt(batch, now) !== 'ended') {
      const script = batch.script
      if (script?.retrievalsLeft !== undefined) {
        script.retrievalsLeft -= 1
        if (script.retrievalsLeft === 0) batch.endsAtMs = now
      } else if (batch.cancelPollsLeft !== undefined) {
        batch.cancelPollsLeft -= 1
        if (batch.cancelPollsLeft === 0) batch.endsAtMs = now
      }
    }
    return this.view(batch, now)
  }

  remove(batch: BatchState, now: number): DeletedMessageBatch {
    if (statusAt(batch, now) !== 'ended') {
      throw new HttpError(
        'invalid_request_error',
        `Message Batch ${batch.id} cannot be deleted while it is ${statusAt(batch, now)}; cancel it and wait until it has ended`,
      )
    }
    batch.deleted = true
    return { id: batch.id, type: 'message_batch_deleted' }
  }

  /** Ends a scripted batch now (one that has ended stays as it is). */
  end(batch: BatchState, now: number): void {
    if (statusAt(batch, now) !== 'ended') batch.endsAtMs = now
  }

  view(batch: BatchState, now: number): MessageBatch {
    const status = statusAt(batch, now)
    const counts: MessageBatchRequestCounts =
      status === 'ended'
        ? { ...this.resultsOf(batch, now).counts }
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
      results_url:
        status === 'ended' ? `${this.options.url()}/v1/messages/batches/${batch.id}/results` : null,
    }
  }

  /**
   * The results of an ended batch, decided (and counted) the first time they are asked for. The batches
   * created before it that have ended are decided first, so that the prompt cache sees their writes.
   */
  resultsOf(batch: BatchState, now: number): { results: Buffer[]; counts: MessageBatchRequestCounts } {
    if (batch.results == null || batch.counts == null) {
      for (const earlier of this.batches.values()) {
        if (earlier.seq >= batch.seq) break
        if (earlier.results == null && statusAt(earlier, now) === 'ended') this.decideResults(earlier)
      }
      return this.decideResults(batch)
    }
    return { results: batch.results, counts: batch.counts }
  }

  /**
   * Processes the requests of an ended batch in the order they started, and keeps their results. Each
   * result is serialised as soon as it is decided: while its objects are fresh (serialising them later, in
   * the shuffled order, costs twice as much), and encoded at once, so that only bytes outlive this call.
   */
  private decideResults(batch: BatchState): { results: Buffer[]; counts: MessageBatchRequestCounts } {
    const customIds = batch.requests.map((r) => r.custom_id)
    const schedule = scheduleOf(customIds, batch.seq, batch.processingMs, this.options)
    // Time model: what finished by the end; scripted: the first `processed` in submission order.
    const doneBy = batch.endsAtMs - batch.createdAtMs
    const processed = (i: number) =>
      batch.script ? i < batch.script.processed : (schedule.finishMs[i] as number) <= doneBy
    const unprocessed: MessageBatchResult =
      batch.cancelInitiatedAtMs != null ? { type: 'canceled' } : { type: 'expired' }
    const counts: MessageBatchRequestCounts = {
      processing: 0,
      succeeded: 0,
      errored: 0,
      canceled: 0,
      expired: 0,
    }
    const lines = new LineStore(batch.requests.length)
    const processing = this.options.processing()
    for (const i of startOrder(schedule)) {
      const { custom_id, params } = batch.requests[i] as StoredRequest
      const timing = {
        startMs: batch.createdAtMs + (schedule.startMs[i] as number),
        finishMs: batch.createdAtMs + (schedule.finishMs[i] as number),
        hitRoll: schedule.hitRoll[i] as number,
      }
      const { type, line } = processed(i)
        ? processRequest(custom_id, params, processing, timing)
        : { type: unprocessed.type, line: jsonLine(custom_id, unprocessed) }
      counts[type]++
      lines.set(i, line)
    }
    batch.results = lines.inOrder(shuffledOrder(customIds))
    batch.counts = counts
    return { results: batch.results, counts }
  }
}

/** The requests of a create's body, with the API's checks of them. */
function checkedRequests(body: unknown): StoredRequest[] {
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
  return requests.map((request: unknown, i): StoredRequest => {
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
      throw new HttpError('invalid_request_error', `requests.${i}.params: Input should be a valid dictionary`)
    }
    return { custom_id: customId, params: request['params'] }
  })
}
