/**
 * The batches' life once submitted: waiting for them within max-wait, retry rounds, the rounds of the
 * conversations' later turns, the judge's batch, and what happens when a wait ends before the batches do
 * (on-timeout, cancel-on-abort; with on-timeout: standard, what the batches did not process goes through the
 * standard Messages API, standard-fallback.ts). Time is the batch run's clock (BatchRun's `wait.now` and `wait.sleep`), which tests set to a manual clock.
 */
import type Anthropic from '@anthropic-ai/sdk'
import type { Log } from '../batch/client.js'
import { sendStandard } from '../batch/standard-fallback.js'
import type { WaitOutcome } from '../batch/wait.js'
import type { BatchRun, ResultSink } from '../batch/run.js'
import type { ConversationRounds } from '../batch/conversations.js'
import { formatDuration } from '../common/duration.js'
import { UserError } from '../common/user-error.js'
import { JudgeBook } from '../grading/judging.js'
import type { RunGrader } from '../grading/run-grader.js'
import type { Settings } from '../pipeline/settings.js'
import type { BatchRequest } from '../model.js'

/** How long a cancelled batch may take to end before the run reports without its results. */
const CANCEL_WAIT_MS = 10 * 60_000

export type LifecyclePolicy = Pick<Settings, 'maxWaitMs' | 'onTimeout' | 'cancelOnAbort' | 'retryErrored'>

export interface LifecycleOptions {
  policy: LifecyclePolicy
  log: Log
  /** Told every batch of the run once the judge's batch is created. */
  onSubmitted: (batchIds: string[]) => void
  /** What on-timeout: standard sends the unfinished requests with; without it, it acts as cancel. */
  standard?: { client: Anthropic; signal?: AbortSignal }
}

export class Lifecycle {
  constructor(private readonly options: LifecycleOptions) {}

  /**
   * Waits for the batches (the run's, or `batchIds` of them) and hands their results to the sink, then
   * retries what errored (unless only collecting, when `requestOf` is undefined). Returns the wait that ended
   * before its batches did when the run must be reported as still running.
   */
  async waitAndGrade(
    run: BatchRun,
    sink: ResultSink,
    requestOf: ((customId: string) => BatchRequest) | undefined,
    batchIds = run.batchIds,
  ): Promise<WaitOutcome | undefined> {
    const { policy, log } = this.options
    const waited = await run.wait(batchIds)
    if (waited.state !== 'ended' && !(await this.settleUnfinished(waited, run, policy.onTimeout)))
      return waited
    await this.collect(run, sink, batchIds, waited.state === 'timed-out' ? requestOf : undefined)
    if (!policy.retryErrored || !requestOf) return undefined
    const late = await run.retryErrored(sink, requestOf)
    if (!late) return undefined
    // A retry round is an extra: when it outlasts max-wait with on-timeout: fail, it is cancelled and what
    // the run already has is reported, rather than failing a run whose results are in.
    if (late.state === 'timed-out' && policy.onTimeout === 'fail') {
      log(
        'The retry round did not end within max-wait: it is cancelled, and its requests keep their first results.',
      )
    }
    const onTimeout = policy.onTimeout === 'fail' ? 'cancel' : policy.onTimeout
    if (!(await this.settleUnfinished(late, run, onTimeout))) return late
    const lateIds = late.batches.map((batch) => batch.id)
    await this.collect(run, sink, lateIds, late.state === 'timed-out' ? requestOf : undefined)
    return undefined
  }

  /**
   * Downloads the batches' results into the sink. With on-timeout: standard after a timeout (`requestOf`
   * given), the requests the cancelled batches did not process (canceled, expired) are sent through the
   * standard API instead, and their answers go to the sink.
   */
  private async collect(
    run: BatchRun,
    sink: ResultSink,
    batchIds: string[],
    requestOf: ((customId: string) => BatchRequest) | undefined,
  ): Promise<void> {
    if (!this.fallsBack || !requestOf) return run.collect(sink, batchIds)
    const unfinished: string[] = []
    await run.collect(
      {
        add: async (line) => {
          const type = line.result.type
          if (type === 'canceled' || type === 'expired') unfinished.push(line.custom_id)
          else await sink.add(line)
        },
        retryableCustomIds: () => sink.retryableCustomIds(),
      },
      batchIds,
    )
    if (unfinished.length > 0) await this.sendStandard(unfinished.map(requestOf), sink)
  }

  /** Whether on-timeout: standard is in force (it needs the client to send with). */
  private get fallsBack(): boolean {
    return this.options.policy.onTimeout === 'standard' && this.options.standard !== undefined
  }

  private async sendStandard(requests: BatchRequest[], sink: ResultSink): Promise<void> {
    const { standard, log } = this.options
    if (!standard) return
    const sent = await sendStandard(requests, sink, { client: standard.client, signal: standard.signal, log })
    log(
      `Standard API: ${sent.succeeded} answered, ${sent.errored} errored` +
        (sent.notSent > 0 ? `, ${sent.notSent} not sent (the job is being cancelled).` : '.'),
    )
  }

  /**
   * The later turns of the run's conversations, a round each once the turns before them are in: sent,
   * waited for and graded as the first batches were. Returns the wait that ended before a round's batches
   * did, as waitAndGrade does. When the job is being cancelled or max-wait has run out, the turns not sent
   * yet are reported without results.
   */
  async converse(
    run: BatchRun,
    sink: ResultSink,
    conversations: ConversationRounds,
    requestOf: (customId: string) => BatchRequest,
  ): Promise<WaitOutcome | undefined> {
    const { log } = this.options
    for (let round = 1; round < conversations.turns; round++) {
      const { requests, unsent } = conversations.round(round)
      for (const line of unsent) await sink.add(line)
      if (unsent.length > 0)
        log(
          `Conversations: ${unsent.length} turn-${round + 1} request(s) are not sent, as an earlier turn has no output.`,
        )
      if (requests.length === 0) continue
      if (run.outOfTime && !run.aborted && this.fallsBack) {
        log(`Conversations: max-wait has run out; the turn-${round + 1} request(s) go to the standard API.`)
        await this.sendStandard(requests, sink)
        continue
      }
      const stop = run.aborted
        ? 'the job is being cancelled'
        : run.outOfTime
          ? 'max-wait has run out'
          : undefined
      if (stop) {
        log(`Conversations: ${stop}, so the turns from turn ${round + 1} on are not sent.`)
        return undefined
      }
      log(
        `Conversations: the ${requests.length} turn-${round + 1} request(s) go out, with the earlier turns' outputs.`,
      )
      const created = await run.submitMore(requests)
      this.options.onSubmitted(run.allBatchIds)
      const unfinished = await this.waitAndGrade(run, sink, requestOf, created)
      if (unfinished) return unfinished
    }
    return undefined
  }

  /**
   * Asks the judge, in a batch of its own, what the model-graded assertions of the outputs need (but what
   * the collected batches already answered), then grades those outputs again with the answers. Returns the
   * wait that ended before the judge's batches did, as waitAndGrade does. When the job is being cancelled,
   * or max-wait has run out with on-timeout: cancel, the judge is not asked (its batch would be cancelled at
   * once): the outputs are reported, their model-graded assertions as errored grades.
   */
  async judgeOutputs(run: BatchRun, judge: JudgeBook, grader: RunGrader): Promise<WaitOutcome | undefined> {
    const { policy, log } = this.options
    const requests = judge.unanswered()
    const notAsked = run.aborted
      ? 'the job was cancelled before the judge was asked'
      : policy.onTimeout === 'cancel' && run.outOfTime
        ? 'max-wait ran out before the judge was asked (on-timeout: cancel)'
        : undefined
    if (requests.length > 0 && notAsked) {
      log(`Model-graded assertions: ${requests.length} judge requests are not sent: ${notAsked}.`)
    } else if (requests.length > 0 && run.outOfTime && this.fallsBack) {
      log(
        `Model-graded assertions: max-wait has run out; ${requests.length} judge requests go to the standard API.`,
      )
      await this.sendStandard(requests, judge)
    } else if (requests.length > 0) {
      log(`Model-graded assertions: ${requests.length} judge requests go out as a batch of their own.`)
      await run.submit(requests)
      this.options.onSubmitted(run.allBatchIds)
      const unfinished = await this.waitAndGrade(run, judge, (customId) => judge.requestOf(customId))
      if (unfinished) return unfinished
    }
    judge.close(notAsked)
    await grader.regradeWithJudge()
    return undefined
  }

  /**
   * The wait ended before the batches did. Returns true when the batches have ended after all (cancelled,
   * as on-timeout: cancel asks) and their results can be collected; false to report them as still running.
   * With on-timeout: fail, throws. When the job is being cancelled, the runner kills the process about 10 s
   * after its first signal, and a cancelled batch stays canceling for as long as the API takes: cancel-on-abort
   * asks once for each cancel and does not wait; the batches are reported as pending, recorded for a re-run,
   * which collects what they processed.
   */
  private async settleUnfinished(
    waited: WaitOutcome,
    run: BatchRun,
    onTimeout: LifecyclePolicy['onTimeout'],
  ): Promise<boolean> {
    const { policy, log } = this.options
    if (waited.state === 'timed-out' && onTimeout === 'fail') {
      const late = waited.batches.map((batch) => batch.id)
      const all = run.allBatchIds
      throw new UserError(
        `${late.length === 1 ? 'Batch' : 'Batches'} ${late.join(', ')} did not end within max-wait (${formatDuration(policy.maxWaitMs)}). The batches ` +
          'keep running and are billed for what they process; their results stay downloadable for 29 days. ' +
          `Collect them with the batch-id input${all.length > late.length ? ` (all of the run's: ${all.join(', ')})` : ''}, ` +
          'raise max-wait, or set on-timeout: detach or cancel.',
      )
    }
    const cancel =
      waited.state === 'aborted' ? policy.cancelOnAbort : onTimeout === 'cancel' || onTimeout === 'standard'
    if (!cancel) return false
    const ids = waited.batches.filter((batch) => batch.processing_status !== 'ended').map((batch) => batch.id)
    log(
      `Cancelling ${ids.join(', ')}; requests already processed keep their results` +
        (waited.state === 'timed-out' && this.fallsBack
          ? ', and the rest go to the standard API once the batches end.'
          : '.'),
    )
    await run.cancel(ids)
    if (waited.state === 'aborted') {
      log('Not waiting for the cancelled batches to end: a re-run of this job collects what they processed.')
      return false
    }
    const ended = await run.wait(ids, { maxWaitMs: CANCEL_WAIT_MS, signal: undefined })
    return ended.state === 'ended'
  }
}

/**
 * Where the results of the outputs' batches go: to the grader, but for judge answers, which batches
 * collected with `batch-id` may hold (when an earlier run was detached while its judge batch ran).
 */
export function outputsSink(grader: RunGrader, judge: JudgeBook): ResultSink {
  return {
    add: (line) =>
      JudgeBook.owns(line.custom_id) && !grader.expects(line.custom_id) ? judge.add(line) : grader.add(line),
    retryableCustomIds: () => grader.retryableCustomIds(),
  }
}
