/**
 * What a run must remember across a re-run of its job (a re-run gets a fresh runner): the batches it
 * created, under a key that identifies the run. A re-run with the same key resumes those batches instead of
 * submitting, and paying for, the same requests again.
 */
import { createHash } from 'node:crypto'

export interface RunState {
  /** Identifies the run: the requests (suite content), the commit and the workflow run (see runKeyOf). */
  runKey: string
  /** The batches of the tests' outputs. */
  batchIds: string[]
  /** The batches of the judge's answers to model-graded assertions, once there are any. */
  judgeBatchIds?: string[]
  /** ISO time the state was saved. */
  savedAt: string
}

export interface RunStateStore {
  /** A short name for logs, e.g. `actions cache` or `PR comment`. */
  readonly name: string
  /** The state saved under `runKey`, or undefined when there is none (or the store is unavailable). */
  load(runKey: string): Promise<RunState | undefined>
  /** Saves the state; a store that is unavailable says so in the log and does not throw. */
  save(state: RunState): Promise<void>
}

/**
 * The run key: a hash of what would be submitted, the commit it is evaluated at and the workflow run. A re-run
 * of a job keeps its run's id (GITHUB_RUN_ID; only GITHUB_RUN_ATTEMPT grows), so it finds its batches; a new
 * run of the same suite at the same commit, such as the next night's, evaluates again.
 */
export function runKeyOf(
  serializedRequests: Iterable<string>,
  { commit, runId }: { commit: string; runId: string },
): string {
  const hash = createHash('sha256').update(`commit ${commit}\nrun ${runId}\n`)
  for (const request of serializedRequests) hash.update(request).update('\n')
  return hash.digest('hex').slice(0, 32)
}

const isIdList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((id) => typeof id === 'string')

/** The state saved as `text` (JSON), or undefined when the text does not hold a run state. */
export function parseRunState(text: string): RunState | undefined {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  if (typeof value !== 'object' || value === null) return undefined
  const { runKey, batchIds, judgeBatchIds, savedAt } = value as Record<string, unknown>
  if (typeof runKey !== 'string' || typeof savedAt !== 'string') return undefined
  if (!isIdList(batchIds) || (judgeBatchIds !== undefined && !isIdList(judgeBatchIds))) return undefined
  return {
    runKey,
    batchIds: [...batchIds],
    ...(judgeBatchIds && { judgeBatchIds: [...judgeBatchIds] }),
    savedAt,
  }
}
