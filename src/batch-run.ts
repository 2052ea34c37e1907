/**
 * A run's batches from submission to graded results: split, submit (or resume what an earlier attempt of
 * the same run created), wait, download and grade, and resubmit what failed for reasons worth a retry.
 * Every batch is recorded in the run-state store as soon as it exists, so that no later failure, abort or
 * re-run can lead to paying for the same requests twice.
 */
import type Anthropic from '@anthropic-ai/sdk'
import type { MessageBatch } from '@anthropic-ai/sdk/resources/messages/batches'
import {
  cancelBatch,
  createBatch,
  streamResults,
  waitForBatches,
  type Log,
  type WaitOptions,
  type WaitOutcome,
} from './batch-client.js'
import type { BatchRequest } from './batch-requests.js'
import { splitIntoBatches, type BatchLimits } from './batch-split.js'
import type { RunGrader } from './grading.js'
import type { RunState, RunStateStore } from './run-state.js'

/** Follow-up batches of retried requests, at most. */
export const MAX_RETRY_ROUNDS = 2

export interface BatchRunOptions {
  client: Anthropic
  log: Log
  store: RunStateStore
  runKey: string
  wait: Omit<WaitOptions, 'log'>
  limits?: BatchLimits
}

export class BatchRun {
  /** The run's batches in order: one per slice of the requests, then one per retry round. */
  readonly batchIds: string[] = []
  private slices = 0

  constructor(private readonly options: BatchRunOptions) {}

  state(): RunState {
    return { runKey: this.options.runKey, batchIds: [...this.batchIds], savedAt: new Date().toISOString() }
  }

  /** Batches found in the store for this run key (from an earlier attempt), or created now. */
  async submit(requests: BatchRequest[]): Promise<void> {
    const { store, log } = this.options
    const slices = splitIntoBatches(requests, this.options.limits)
    this.slices = slices.length
    const earlier = await store.load(this.options.runKey)
    if (earlier) {
      this.batchIds.push(...earlier.batchIds)
      log(
        `Resuming ${earlier.batchIds.join(', ')}, created by an earlier attempt of this run (found in the ${store.name}).`,
      )
    }
    if (slices.length > 1)
      log(
        `${requests.length} requests go into ${slices.length} batches (at most 100,000 requests and 256 MB each).`,
      )
    for (let i = this.batchIds.length; i < slices.length; i++) await this.create(slices[i])
  }

  /** Collects batches created elsewhere (the `batch-id` input): nothing is submitted. */
  adopt(batchIds: string[]): void {
    this.batchIds.push(...batchIds)
    this.slices = batchIds.length
  }

  private async create(requests: BatchRequest[]): Promise<MessageBatch> {
    const batch = await createBatch(this.options.client, requests, {
      log: this.options.log,
      ownBatchIds: new Set(this.batchIds),
    })
    this.batchIds.push(batch.id)
    this.options.log(`Created batch ${batch.id} with ${requests.length} requests.`)
    await this.options.store.save(this.state())
    return batch
  }

  wait(batchIds = this.batchIds, overrides: Partial<BatchRunOptions['wait']> = {}): Promise<WaitOutcome> {
    return waitForBatches(this.options.client, batchIds, {
      ...this.options.wait,
      ...overrides,
      log: this.options.log,
    })
  }

  async cancel(batchIds: string[]): Promise<void> {
    await Promise.all(batchIds.map((id) => cancelBatch(this.options.client, id)))
  }

  /** Downloads and grades the results of the given batches, in order. */
  async collect(grader: RunGrader, batchIds = this.batchIds): Promise<void> {
    for (const id of batchIds)
      await grader.addAll(streamResults(this.options.client, id, { log: this.options.log }))
  }

  /**
   * Sends again, in follow-up batches, the requests that errored for reasons worth a retry or expired, until
   * none are left or the rounds run out. Rounds an earlier attempt already made count. Returns how waiting
   * for the last round ended, for the caller to handle a timeout or an abort like the first wait's.
   */
  async retryErrored(
    grader: RunGrader,
    requestByCustomId: Map<string, BatchRequest>,
  ): Promise<WaitOutcome | undefined> {
    const resumedRounds = this.batchIds.slice(this.slices)
    if (resumedRounds.length > 0) {
      const waited = await this.wait(resumedRounds)
      if (waited.state !== 'ended') return waited
      await this.collect(grader, resumedRounds)
    }
    for (let round = resumedRounds.length + 1; round <= MAX_RETRY_ROUNDS; round++) {
      const retry = grader.retryableCustomIds()
      if (retry.length === 0) return undefined
      this.options.log(
        `Retrying ${retry.length} request(s) that errored (overloaded, API or timeout errors) or expired: round ${round} of ${MAX_RETRY_ROUNDS}.`,
      )
      const batch = await this.create(
        retry.map((customId) => requestByCustomId.get(customId) as BatchRequest),
      )
      const waited = await this.wait([batch.id])
      if (waited.state !== 'ended') return waited
      await this.collect(grader, [batch.id])
    }
    return undefined
  }
}
