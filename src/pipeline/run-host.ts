/**
 * What a front door gives the run and is told by it: the run's story (evaluate.ts) is the same for the
 * action and the command line; where its batches are recorded, and how its estimate, progress and ends are
 * shown, are the front door's.
 */
import type { MessageBatch } from '@anthropic-ai/sdk/resources/messages/batches'
import type { BatchRun } from '../batch/run.js'
import type { RunState, RunStateStore } from '../batch/run-state.js'
import type { WaitOutcome } from '../batch/wait.js'
import type { RunReport } from '../report/report.js'
import type { BudgetCheck } from './budget.js'
import type { RunFiles } from './run-files.js'
import type { RunLog } from './run-log.js'
import type { SampleOutcome } from '../model.js'

/** The batches outlasted the wait (max-wait with on-timeout: detach, or the job being cancelled). */
export interface PendingRun {
  waited: WaitOutcome
  /** Every batch of the run, to collect later. */
  batchIds: string[]
  state: RunState
}

export interface GradedRun {
  report: RunReport
  outcomes: SampleOutcome[]
  files: RunFiles
  state: RunState
}

/** The run stopped on an error; `submitted` says whether it created batches that keep running. */
export interface FailedRun {
  error: unknown
  batchIds: string[]
  submitted: boolean
  state: RunState | undefined
}

export interface RunHost {
  log: RunLog
  /** Where the run's batches are recorded as they are created, for a re-run to resume them. */
  runState: RunStateStore
  /** The run's page (the workflow run), when there is one. */
  runUrl: string | undefined
  /** Every batch of the run so far, told each time batches are created or adopted. */
  batchesChanged(batchIds: string[]): void
  /** Each poll while the batches run; without it, each poll logs a progress line. */
  progress?: (batches: MessageBatch[], elapsedMs: number) => void
  /** The estimate, before anything is submitted; when `check.stop` is set, nothing will be. */
  estimated(check: BudgetCheck): Promise<void>
  pending(run: PendingRun): Promise<void>
  /** The graded run, once its results file (and HTML report) are written. */
  graded(run: GradedRun): Promise<void>
  failed(run: FailedRun): Promise<void>
}

/** Where a story records its batch run once its batches can exist. */
export interface StartedRun {
  run?: BatchRun
}

/**
 * Tells a story (`evaluate`, `regrade`); when it stops on an error, the host is told which batches it created,
 * before the error is thrown on. Batches it only collects (ids the user gave, which may be wrong) are not
 * reported as submitted.
 */
export async function tellingFailures<T>(
  host: RunHost,
  collecting: boolean,
  story: (started: StartedRun) => Promise<T>,
): Promise<T> {
  const started: StartedRun = {}
  try {
    return await story(started)
  } catch (error) {
    const batchIds = started.run?.allBatchIds ?? []
    const submitted = batchIds.length > 0 && !collecting
    await host.failed({ error, batchIds, submitted, state: submitted ? started.run?.state() : undefined })
    throw error
  }
}
