/**
 * The run as the action's user sees it, at each of its ends: the estimate (and a dry run or a budget that
 * stops it), the graded report, where the batches are when the run detaches, or the error it stopped on.
 * Each goes to the log, the step outputs, the job summary and the PR comment.
 */
import path from 'node:path'
import { formatDuration } from '../common/duration.js'
import { estimateSummary } from '../cost/estimate.js'
import { usdString } from '../cost/usd.js'
import { annotateProblems } from '../github/annotations.js'
import { setBatchIds, setOutput, setStatus } from '../github/action-interface.js'
import * as log from '../github/log.js'
import type { ReportComment } from '../github/pr-comment.js'
import { uploadHtmlReport } from '../github/report-artifact.js'
import {
  actionRef,
  commentOnPullRequest,
  runUrl,
  setOutputs,
  sourceUrlFor,
  writeJobSummary,
} from '../github/publish.js'
import {
  COMMENT_SURFACE,
  renderError,
  renderEstimate,
  renderPending,
  renderReport,
  SUMMARY_SURFACE,
} from '../report/markdown.js'
import type { BudgetCheck } from '../pipeline/budget.js'
import type { FailedRun, GradedRun, PendingRun } from '../pipeline/run-host.js'
import type { Settings } from '../pipeline/settings.js'
import { shardLabel } from '../suite/shards.js'
import { recordHistory, type HistoryStart } from './history.js'

type ReportSettings = Pick<
  Settings,
  | 'workspace'
  | 'commentHeader'
  | 'maxCostUsd'
  | 'maxWaitMs'
  | 'suitePatterns'
  | 'repeat'
  | 'htmlReportArtifact'
>

/** The estimate's line in the log and its output; when nothing is submitted, the estimate is the report. */
export async function reportEstimate(
  check: BudgetCheck,
  settings: ReportSettings,
  comment: ReportComment | undefined,
): Promise<void> {
  const { estimate, judgedTests, warnings, stop } = check
  log.info(estimateSummary(estimate, judgedTests))
  setOutput(
    'estimated-cost-batch-usd',
    estimate.unpricedModels.length > 0 ? '' : usdString(estimate.high.batch),
  )
  if (!stop) return
  const view = {
    estimate,
    plans: check.plans,
    maxCostUsd: settings.maxCostUsd,
    judgedTests,
    warnings,
    title: settings.commentHeader || undefined,
  }
  const markdown = `${renderEstimate(view, stop === 'dry-run' ? 'dry run' : 'over budget')}\nNothing was submitted.\n`
  await writeJobSummary(markdown)
  await commentOnPullRequest(comment, markdown, undefined)
  setStatus(stop)
  if (check.overBudget) log.setFailed(check.overBudget)
}

/**
 * The outputs, the annotations, the job summary and the PR comment, with the run recorded in the history read
 * at its start; fails the step when the evals failed.
 */
export async function publishReport(
  { report, files, state }: Pick<GradedRun, 'report' | 'files'> & { state?: GradedRun['state'] },
  settings: ReportSettings,
  comment: ReportComment | undefined,
  historyStart?: HistoryStart,
): Promise<void> {
  setOutputs(report, files.results)
  setOutput('html-report', files.html ?? '')
  const htmlUrl = files.html && (await uploadedHtmlReport(files.html, settings))
  setOutput('html-report-url', htmlUrl ?? '')

  const annotated = annotateProblems(report.problems)
  const shared = { title: settings.commentHeader || undefined, sourceUrl: sourceUrlFor(), annotated }
  const resultsFile = path.relative(settings.workspace, files.results)
  // The summary's and the comment's budgets keep room for this line.
  const htmlLine = htmlUrl
    ? `\nEvery test, browsable: [the HTML report](${htmlUrl}) (the run's artifact \`${settings.htmlReportArtifact}\`: ` +
      'download, unzip, open the page).\n'
    : files.html
      ? `\nEvery test, browsable: the HTML report \`${path.relative(settings.workspace, files.html)}\` ` +
        '(keep it with actions/upload-artifact).\n'
      : ''
  const history = await recordHistory(report, historyStart)
  await writeJobSummary(
    shardNote(report) +
      renderReport(report, {
        ...shared,
        surface: SUMMARY_SURFACE,
        history,
        remainderAt: `the results file, \`${resultsFile}\``,
      }) +
      htmlLine,
  )
  await commentOnPullRequest(
    comment,
    renderReport(report, {
      ...shared,
      surface: COMMENT_SURFACE,
      remainderAt: `the job summary of the [workflow run](${runUrl() ?? ''}) and the results file, \`${resultsFile}\``,
    }) + htmlLine,
    state,
  )
  if (report.shard) log.info(`Shard ${report.shard.index} of ${report.shard.count}: the merge job gates.`)
  else if (report.status === 'failed') log.setFailed(`Evals failed: ${report.failureReasons.join('; ')}.`)
}

/** A shard's summary says which it is: its verdict is of its slice, and the merge job's is the suite's. */
const shardNote = ({ shard }: GradedRun['report']) =>
  shard
    ? `**${shardLabel(shard)}** (${shard.suiteTests} tests in the suite): this job ran its slice; the merge ` +
      'job reports the whole suite, comments and gates.\n\n'
    : ''

/** The HTML report uploaded as an artifact of the workflow run: its URL, or undefined (and why, as a warning). */
async function uploadedHtmlReport(file: string, settings: ReportSettings): Promise<string | undefined> {
  if (!settings.htmlReportArtifact) return undefined
  const upload = await uploadHtmlReport(file, settings.htmlReportArtifact, settings.workspace)
  if ('url' in upload) {
    log.info(`Uploaded the HTML report as the artifact ${settings.htmlReportArtifact}: ${upload.url}`)
    return upload.url
  }
  log.warning(upload.skipped)
  return undefined
}

/** The batches outlasted the wait (detached at max-wait, or the job cancelled): where they are, to resume. */
export async function reportPending(
  { waited, batchIds, state }: PendingRun,
  settings: ReportSettings,
  comment: ReportComment | undefined,
): Promise<void> {
  const counts = { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 }
  for (const batch of waited.batches) {
    for (const key of Object.keys(counts) as (keyof typeof counts)[]) counts[key] += batch.request_counts[key]
  }
  const why =
    waited.state === 'aborted'
      ? 'The job was cancelled before the batches ended; a re-run of this job resumes them.'
      : `The batches did not end within max-wait (${formatDuration(settings.maxWaitMs)}).`
  const markdown = renderPending({
    batchIds,
    waitingFor: waited.batches.map((batch) => batch.id),
    why,
    counts,
    uses: actionRef(),
    suitePatterns: settings.suitePatterns,
    repeat: settings.repeat,
    title: settings.commentHeader || undefined,
  })
  setStatus('pending')
  setBatchIds(batchIds)
  await writeJobSummary(markdown)
  const commenting = commentOnPullRequest(comment, markdown, state)
  // The runner kills a cancelled job's process seconds after its first signal: the comment gets a bounded time.
  if (waited.state !== 'aborted') await commenting
  else if (!(await settlesWithin(commenting, ABORTED_COMMENT_MS)))
    log.warning(
      'The PR comment was not written in time before the job ends; the job summary has the batches.',
    )
  if (waited.state === 'aborted') log.setFailed('The job was cancelled while the batches were running.')
  else log.info(`${why} Detached: collect the results later with batch-id.`)
}

/** How long a cancelled job's pending report may take to reach the PR comment. */
const ABORTED_COMMENT_MS = 3_000

/** Whether the promise settles within `ms`. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms)
  })
  const settled = await Promise.race([promise.then(() => true), late])
  clearTimeout(timer)
  return settled
}

/**
 * The run stopped on an error: the PR comment says so (else it would go on showing an earlier run's report,
 * or that the evals are running), keeping the batches the run submitted for a re-run to resume, and
 * `batch-ids` lists every batch created.
 */
export async function reportFailure(
  { error, batchIds, state }: FailedRun,
  settings: ReportSettings,
  comment: ReportComment | undefined,
): Promise<void> {
  if (batchIds.length > 0) setBatchIds(batchIds)
  const message = error instanceof Error ? error.message : String(error)
  await commentOnPullRequest(comment, renderError(message, settings.commentHeader || undefined), state)
}
