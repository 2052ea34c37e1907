/**
 * What a run reused of an earlier run's results (the `reuse` input): where they came from, how many of the
 * run's requests were answered by them rather than sent, and what that saved; said in one line by every
 * report, and kept in the results file.
 */
import { formatDuration } from '../common/duration.js'
import { formatUsd, usdString } from '../cost/usd.js'

/** Where a run was made: the workflow run, branch and commit (GITHUB_*), empty outside Actions. */
export interface RunOrigin {
  runId: string
  branch: string
  commit: string
}

/** The run a reused result was first made in, as each reused entry of the results file names it. */
export interface ReusedFrom {
  /** The results file it was read from, as the input names it. */
  file: string
  run_id: string | null
  branch: string | null
  commit: string | null
  generated_at: string
}

export interface ReuseSummary {
  from: ReusedFrom
  /** The run's requests (outputs' and judge's) and those answered by stored results. */
  requests: number
  reused: number
  judgeRequests: number
  judgeReused: number
  /** What the reused results cost when they were made, at batch prices, in femtodollars. */
  savedBatch: bigint
  /** The outputs' part of it, which the cost rows count (reused judge replies are in no row). */
  outputsSavedBatch: bigint
  /** How old the source was when this run read it. */
  ageMs: number
}

/** "412 of 450 requests reused from run #1234 (main, abc1234, 2 days ago), saving $1.23 at batch prices" */
export function reuseLine(reuse: ReuseSummary): string {
  const { from } = reuse
  const where = [from.branch, from.commit?.slice(0, 7), `${formatAge(reuse.ageMs)} ago`].filter(Boolean)
  const source = from.run_id ? `run #${from.run_id}` : from.file
  const judges = reuse.judgeRequests > 0 ? ` (judge: ${reuse.judgeReused} of ${reuse.judgeRequests})` : ''
  return (
    `${reuse.reused} of ${reuse.requests} requests reused${judges} from ${source} (${where.join(', ')}), ` +
    `saving ${formatUsd(reuse.savedBatch)} at batch prices`
  )
}

/** An age for people: whole days from a day up, else hours, minutes and seconds. */
export function formatAge(ms: number): string {
  const days = Math.floor(ms / 86_400_000)
  if (days >= 1) return days === 1 ? '1 day' : `${days} days`
  return formatDuration(Math.max(ms, 1000))
}

/** The results file's `reuse` section. */
export function reuseJson(reuse: ReuseSummary | null | undefined) {
  return (
    reuse && {
      from: reuse.from,
      requests: reuse.requests,
      reused: reuse.reused,
      judge_requests: reuse.judgeRequests,
      judge_reused: reuse.judgeReused,
      saved_batch_usd: usdString(reuse.savedBatch),
    }
  )
}

/**
 * The reports' sentence on reuse: the line, and what the run billed, since the cost rows count each reused
 * output at what it cost when it was made (the test's cost, as a baseline compares it).
 */
export function reuseSentence(reuse: ReuseSummary, totalBatch: bigint | undefined): string {
  const billed =
    totalBatch === undefined
      ? ''
      : ` The costs above count each reused output at what it cost when made; this run billed ` +
        `${formatUsd(totalBatch - reuse.outputsSavedBatch)}.`
  return `Reuse: ${reuseLine(reuse)}.${billed}`
}
