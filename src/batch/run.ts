/**
 * A run's batches from submission to graded results: split, submit (or resume what an earlier attempt of
 * the same run created), wait, download and grade, and resubmit what failed for reasons worth a retry.
 * Every batch is recorded in the run-state store as soon as it exists, so that no later failure, abort or
 * re-run can lead to paying for the same requests twice.
 */
import type Anthropic from '@anthropic-ai/sdk'
import type {
  MessageBatch,
  MessageBatchIndividualResponse,
} from '@anthropic-ai/sdk/resources/messages/batches'
import { cancelBatch, WITHIN_ABORT_WINDOW, type Log } from './client.js'
import { createBatch, CreateAbortedError } from './create.js'
import { streamResults } from './results.js'
import { waitForBatches, type WaitOptions, type WaitOutcome } from './wait.js'
import { splitIntoBatches, type BatchLimits, type BatchSlice } from './split.js'
import type { RunState, RunStateStore } from './run-state.js'
import { UserError } from '../common/user-error.js'
import type { BatchRequest } from '../model.js'

/** Where a batch's results go as they download; it also names what is worth sending again. */
export interface ResultSink {
  add(line: MessageBatchIndividualResponse): Promise<void>
  /** Requests that errored in a way worth sending again as they are, or expired. */
  retryableCustomIds(): string[]
}

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

/** What a run's batches are for: the tests' outputs, or the judge's answers to model-graded assertions. */
export type BatchRole = 'outputs' | 'judge'

/** The batches of one run by role, shared by its BatchRuns so that every save records them all. */
interface Ledger {
  outputs: string[]
  judge: string[]
  /** What an earlier attempt of the run saved, loaded once. */
  earlier?: Promise<RunState | undefined>
  /**
   * When max-wait runs out (a time of the run's clock, `wait.now`), set when the run first creates or waits:
   * one bound for all its waiting (room in the queue, the batches, retry rounds and the judge's), to keep
   * within the job's.
   */
  waitUntil?: number
}

export class BatchRun {
  /** This role's batches in order: one per slice of the requests, then one per retry round. */
  readonly batchIds: string[]
  private slices = 0

  constructor(
    private readonly options: BatchRunOptions,
    private readonly role: BatchRole = 'outputs',
    private readonly ledger: Ledger = { outputs: [], judge: [] },
  ) {
    this.batchIds = ledger[role]
  }

  /** The run's judge batches, recorded together with this run's. */
  judgeRun(): BatchRun {
    return new BatchRun(this.options, 'judge', this.ledger)
  }

  /** Every batch of the run: the outputs', then the judge's. */
  get allBatchIds(): string[] {
    return [...this.ledger.outputs, ...this.ledger.judge]
  }

  state(): RunState {
    const { outputs, judge } = this.ledger
    return {
      runKey: this.options.runKey,
      batchIds: [...outputs],
      ...(judge.length > 0 && { judgeBatchIds: [...judge] }),
      savedAt: new Date().toISOString(),
    }
  }

  /**
   * Batches found in the store for this run key and role (from an earlier attempt), or created now.
   * `bytes`, when given, is each request's size serialized (splitIntoBatches), measured already.
   */
  async submit(requests: BatchRequest[], bytes?: readonly number[]): Promise<void> {
    const { store, log } = this.options
    const slices = splitIntoBatches(requests, this.options.limits, bytes)
    this.slices = slices.length
    this.ledger.earlier ??= store.load(this.options.runKey)
    const earlier = await this.ledger.earlier
    const earlierIds = (this.role === 'judge' ? earlier?.judgeBatchIds : earlier?.batchIds) ?? []
    if (earlierIds.length > 0) {
      this.batchIds.push(...earlierIds)
      log(
        `Resuming ${earlierIds.join(', ')}, created by an earlier attempt of this run (found in the ${store.name}).`,
      )
    }
    if (slices.length > 1)
      log(
        `${this.counted(requests.length)} go into ${slices.length} batches (at most 100,000 requests and 256 MB each).`,
      )
    for (let i = this.batchIds.length; i < slices.length; i++) await this.create(slices[i])
  }

  /** `n` of this role's requests, in words: "1 request", "4 judge requests". */
  private counted(n: number): string {
    return `${n} ${this.role === 'judge' ? 'judge ' : ''}request${n === 1 ? '' : 's'}`
  }

  /** Collects batches created elsewhere (the `batch-id` input): nothing is submitted. */
  adopt(batchIds: string[]): void {
    this.batchIds.push(...batchIds)
    this.slices = batchIds.length
  }

  /** Whether the job is being cancelled. */
  get aborted(): boolean {
    return this.options.wait.signal?.aborted ?? false
  }

  /** Whether the run's max-wait has run out. */
  get outOfTime(): boolean {
    return this.ledger.waitUntil !== undefined && this.now() >= this.ledger.waitUntil
  }

  /** The run's clock: `wait.now`, which tests set to a manual clock, else the real one. */
  private readonly now = (): number => (this.options.wait.now ?? Date.now)()

  private waitUntil(): number {
    return (this.ledger.waitUntil ??= this.now() + this.options.wait.maxWaitMs)
  }

  private async create(slice: BatchSlice): Promise<MessageBatch> {
    let batch: MessageBatch
    try {
      batch = await createBatch(this.options.client, slice, {
        log: this.options.log,
        ownBatchIds: new Set(this.allBatchIds),
        giveUpAt: this.waitUntil(),
        signal: this.options.wait.signal,
        sleep: this.options.wait.sleep,
        now: this.now,
      })
    } catch (error) {
      if (!(error instanceof CreateAbortedError)) throw error
      const created = this.allBatchIds
      throw new UserError(
        'The job was cancelled before all the batches were created, so no more were. ' +
          (created.length > 0
            ? `A re-run of this job resumes ${created.join(', ')} and creates the rest.`
            : 'Nothing was submitted.'),
        { cause: error },
      )
    }
    this.batchIds.push(batch.id)
    this.options.log(`Created batch ${batch.id} with ${this.counted(slice.requests.length)}.`)
    await this.options.store.save(this.state())
    return batch
  }

  /**
   * Creates the batches of requests that could only be made once the first batches' results were in (the
   * later turns of conversations); returns their ids. They count as the run's slices, not as retry rounds.
   */
  async submitMore(requests: BatchRequest[]): Promise<string[]> {
    const created = await this.createAll(requests)
    this.slices += created.length
    return created
  }

  private async createAll(requests: BatchRequest[]): Promise<string[]> {
    const created: string[] = []
    for (const slice of splitIntoBatches(requests, this.options.limits))
      created.push((await this.create(slice)).id)
    return created
  }

  /** Waits for the batches until the run's max-wait runs out, unless `overrides` sets another wait. */
  wait(batchIds = this.batchIds, overrides: Partial<BatchRunOptions['wait']> = {}): Promise<WaitOutcome> {
    return waitForBatches(this.options.client, batchIds, {
      ...this.options.wait,
      maxWaitMs: Math.max(0, this.waitUntil() - this.now()),
      ...overrides,
      log: this.options.log,
    })
  }

  /**
   * Asks for each batch to be cancelled. A refusal is logged, not thrown: the batch may have ended since it
   * was last polled, and the wait that follows sees how each one ends either way. Once the job is being
   * cancelled, each is asked once, briefly (`WITHIN_ABORT_WINDOW`).
   */
  async cancel(batchIds: string[]): Promise<void> {
    const options = this.aborted ? WITHIN_ABORT_WINDOW : undefined
    const cancels = await Promise.allSettled(
      batchIds.map((id) => cancelBatch(this.options.client, id, options)),
    )
    cancels.forEach((cancel, i) => {
      if (cancel.status === 'rejected') {
        this.options.log(
          `Could not cancel ${batchIds[i]} (${(cancel.reason as Error).message}); it may have ended already.`,
        )
      }
    })
  }

  /** Downloads the results of the given batches, in order, into the sink. */
  async collect(sink: ResultSink, batchIds = this.batchIds): Promise<void> {
    for (const id of batchIds) {
      const { log, wait } = this.options
      for await (const line of streamResults(this.options.client, id, { log, sleep: wait.sleep }))
        await sink.add(line)
    }
  }

  /**
   * Sends again, in follow-up batches, the requests that errored for reasons worth a retry or expired, until
   * none are left or the rounds run out. Rounds an earlier attempt already made count: they were waited for
   * and collected with the first batches, after them. Returns how waiting for the last round ended, for the
   * caller to handle a timeout or an abort like the first wait's.
   */
  async retryErrored(
    sink: ResultSink,
    requestOf: (customId: string) => BatchRequest,
  ): Promise<WaitOutcome | undefined> {
    const resumedRounds = this.batchIds.length - this.slices
    for (let round = resumedRounds + 1; round <= MAX_RETRY_ROUNDS; round++) {
      const retry = sink.retryableCustomIds()
      if (retry.length === 0) return undefined
      const stop = this.aborted
        ? 'The job is being cancelled'
        : this.outOfTime
          ? 'max-wait has run out'
          : undefined
      if (stop) {
        this.options.log(
          `${stop}: ${retry.length} request(s) that errored or expired are reported as they are, not retried.`,
        )
        return undefined
      }
      this.options.log(
        `Retrying ${retry.length} request(s) that errored (overloaded, API or timeout errors) or expired: round ${round} of ${MAX_RETRY_ROUNDS}.`,
      )
      const created = await this.createAll(retry.map(requestOf))
      const waited = await this.wait(created)
      if (waited.state !== 'ended') return waited
      await this.collect(sink, created)
    }
    return undefined
  }
}
