/** The run's ends as the user sees them: the graded report, or where the batches are when the run detaches. */
import type { WaitOutcome } from '../batch/wait.js'
import type { RunState } from '../batch/run-state.js'
import path from 'node:path'
import { formatDuration } from '../common/duration.js'
import { annotateProblems } from '../github/annotations.js'
import { setBatchIds, setOutput, setStatus } from '../github/action-interface.js'
import * as log from '../github/log.js'
import type { ReportComment } from '../github/pr-comment.js'
import {
  actionRef,
  commentOnPullRequest,
  runUrl,
  setOutputs,
  sourceUrlFor,
  writeJobSummary,
} from '../github/publish.js'
import { htmlReportData } from '../report/html-report-data.js'
import { writeHtmlReport } from '../report/html-report.js'
import { writeJunitFile } from '../report/junit.js'
import { COMMENT_SURFACE, renderPending, renderReport, SUMMARY_SURFACE } from '../report/markdown.js'
import type { RunReport } from '../report/report.js'
import { writeResultsFile, type EntrySpool } from '../report/results-file.js'
import { allowedRoots, confinedSuiteIO } from '../suite/file-system.js'
import type { Settings } from '../pipeline/settings.js'
import type { SampleOutcome } from '../model.js'

type ReportInputs = Pick<
  Settings,
  'resultsFile' | 'junitFile' | 'htmlReport' | 'baselineFile' | 'allowedPaths' | 'commentHeader' | 'workspace'
>

/**
 * The HTML report of the results file just written, with the baseline's outputs of the tests that flipped;
 * undefined when the input turns it off or it cannot be written (a warning: the results file has the run).
 */
async function writeHtmlPage(
  report: RunReport,
  resultsPath: string,
  inputs: ReportInputs,
): Promise<string | undefined> {
  if (!inputs.htmlReport) return undefined
  let baselineText: string | undefined
  const flips = report.baseline && report.baseline.regressions.length + report.baseline.fixes.length
  if (flips && inputs.baselineFile) {
    try {
      const io = confinedSuiteIO(allowedRoots(inputs.workspace, inputs.allowedPaths))
      baselineText = io.readText(path.resolve(inputs.workspace, inputs.baselineFile))
    } catch (error) {
      log.warning(`The HTML report shows no baseline outputs: ${(error as Error).message}`)
    }
  }
  try {
    const written = await writeHtmlReport(
      inputs.htmlReport,
      resultsPath,
      htmlReportData(report, baselineText),
    )
    log.info(`Wrote the HTML report to ${written}.`)
    return written
  } catch (error) {
    log.warning(
      `The HTML report was not written (the results file has every test): ${(error as Error).message}`,
    )
    return undefined
  }
}

/**
 * Writes the results file first (nothing is lost if a report fails), then the HTML report, the JUnit file,
 * the outputs, the annotations, the job summary and the PR comment; fails the step when the evals failed.
 */
export async function publishReport(
  report: RunReport,
  outcomes: SampleOutcome[],
  entries: EntrySpool,
  inputs: ReportInputs,
  comment: ReportComment | undefined,
  state: RunState,
): Promise<void> {
  const resultsPath = await writeResultsFile(inputs.resultsFile, report, outcomes, entries)
  const sampled = report.samples === report.total ? '' : ` (${report.samples} samples)`
  log.info(`Wrote the results of ${report.total} tests${sampled} to ${resultsPath}.`)
  const htmlPath = await writeHtmlPage(report, resultsPath, inputs)
  if (inputs.junitFile)
    log.info(`Wrote JUnit XML to ${await writeJunitFile(inputs.junitFile, report, outcomes)}.`)
  setOutputs(report, resultsPath)
  setOutput('html-report', htmlPath ?? '')

  const annotated = annotateProblems(report.problems)
  const shared = { title: inputs.commentHeader || undefined, sourceUrl: sourceUrlFor(), annotated }
  const resultsFile = path.relative(inputs.workspace, resultsPath)
  // The summary's and the comment's budgets keep room for this line.
  const htmlLine = htmlPath
    ? `\nEvery test, browsable: the HTML report \`${path.relative(inputs.workspace, htmlPath)}\` ` +
      '(keep it with actions/upload-artifact).\n'
    : ''
  await writeJobSummary(
    renderReport(report, {
      ...shared,
      surface: SUMMARY_SURFACE,
      remainderAt: `the results file, \`${resultsFile}\``,
    }) + htmlLine,
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
  if (report.status === 'failed') log.setFailed(`Evals failed: ${report.failureReasons.join('; ')}.`)
}

/** The batches outlasted the wait (detached at max-wait, or the job cancelled): where they are, to resume. */
export async function reportPending(
  waited: WaitOutcome,
  batchIds: string[],
  inputs: Pick<Settings, 'maxWaitMs' | 'suitePatterns' | 'repeat' | 'commentHeader'>,
  comment: ReportComment | undefined,
  state: RunState,
): Promise<void> {
  const counts = { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 }
  for (const batch of waited.batches) {
    for (const key of Object.keys(counts) as (keyof typeof counts)[]) counts[key] += batch.request_counts[key]
  }
  const why =
    waited.state === 'aborted'
      ? 'The job was cancelled before the batches ended; a re-run of this job resumes them.'
      : `The batches did not end within max-wait (${formatDuration(inputs.maxWaitMs)}).`
  const markdown = renderPending({
    batchIds,
    waitingFor: waited.batches.map((batch) => batch.id),
    why,
    counts,
    uses: actionRef(),
    suitePatterns: inputs.suitePatterns,
    repeat: inputs.repeat,
    title: inputs.commentHeader || undefined,
  })
  setStatus('pending')
  setBatchIds(batchIds)
  await writeJobSummary(markdown)
  await commentOnPullRequest(comment, markdown, state)
  if (waited.state === 'aborted') log.setFailed('The job was cancelled while the batches were running.')
  else log.info(`${why} Detached: collect the results later with batch-id.`)
}
