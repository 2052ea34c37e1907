/**
 * The GitHub side of a run: its outputs, job summary, PR comment, and the links and names reports show.
 */
import * as core from '@actions/core'
import * as log from './log.js'
import * as github from '@actions/github'
import { setBatchIds, setOutput, setStatus } from './action-interface.js'
import { percentEncoded, renderError } from '../report/markdown.js'
import { pullRequestOf, ReportComment, type CommentMode } from './pr-comment.js'
import { usdString } from '../cost/usd.js'
import type { RunReport } from '../report/report.js'
import type { RunState } from '../batch/run-state.js'
import { postable } from '../common/visible-text.js'

/** Links a suite line at the commit under test: the pull request's head, else the workflow's commit. */
export function sourceUrlFor(): (file: string, line: number) => string | undefined {
  const { serverUrl, payload } = github.context
  const repository = process.env.GITHUB_REPOSITORY
  const sha = (payload.pull_request?.head as { sha?: string } | undefined)?.sha ?? process.env.GITHUB_SHA
  if (!repository || !sha) return () => undefined
  return (file, line) => `${serverUrl}/${repository}/blob/${sha}/${encodedPath(file)}#L${line}`
}

/**
 * A file path for a URL, each segment percent-encoded, `!'()*` included, so that a file named
 * `x)@someone.yml` can neither end a Markdown link nor mention anyone.
 */
export function encodedPath(file: string): string {
  return file.split('/').map(percentEncoded).join('/')
}

/** This action as a workflow names it, for the collect step the pending report shows. */
export function actionRef(): string {
  const repository = process.env.GITHUB_ACTION_REPOSITORY
  const ref = process.env.GITHUB_ACTION_REF
  return repository && ref ? `${repository}@${ref}` : 'OWNER/claude-batch-evals@v1'
}

/** What decides whether and how the report is commented on the pull request. */
export interface CommentOptions {
  githubToken: string
  /** False when the `comment` input turns comments off. */
  comment: boolean
  commentMode: CommentMode
  commentHeader: string
}

/** The PR comment the report goes into, when the run belongs to a pull request and comments are on. */
export async function reportComment(inputs: CommentOptions): Promise<ReportComment | undefined> {
  const octokit = inputs.githubToken ? github.getOctokit(inputs.githubToken) : undefined
  const event = github.context.eventName || 'run'
  let pr
  try {
    pr = await pullRequestOf(github.context, octokit)
  } catch (error) {
    log.warning(`Could not look up the pull request of this ${event}: ${(error as Error).message}`)
  }
  if (!pr) {
    log.info(`No pull request for this ${event}: the report is in the job summary, outputs and files only.`)
    return undefined
  }
  if (!inputs.comment) return undefined
  if (!octokit) {
    log.warning("No 'github-token': the PR comment is skipped. Pass github-token: ${{ github.token }}.")
    return undefined
  }
  return new ReportComment(octokit, pr, { mode: inputs.commentMode, header: inputs.commentHeader })
}

export function setOutputs(report: RunReport, resultsPath: string): void {
  const cost = report.totalCost
  setStatus(report.status)
  // Again, now with the follow-up batches of retried requests.
  setBatchIds(report.batchIds)
  setOutput('total', report.total)
  setOutput('passed', report.passed)
  setOutput('failed', report.failed)
  setOutput('errored', report.errored)
  setOutput('pass-rate', report.passRate)
  // Empty when any test's cost is unknown: a partial sum would read as the run's cost.
  setOutput('cost-batch-usd', cost ? usdString(cost.batch) : '')
  setOutput('cost-standard-usd', cost ? usdString(cost.standard) : '')
  setOutput('savings-usd', cost ? usdString(cost.standard - cost.batch) : '')
  setOutput('results-file', resultsPath)
  setOutput('flaky', report.repeats?.flaky.length ?? 0)
  setOutput('regressions', report.baseline ? report.baseline.regressions.length : '')
  setOutput('fixes', report.baseline ? report.baseline.fixes.length : '')
}

export async function commentOnPullRequest(
  comment: ReportComment | undefined,
  markdown: string,
  state: RunState | undefined,
): Promise<void> {
  if (!comment) return
  try {
    const { url, created } = await comment.write(markdown, state)
    log.info(`${created ? 'Posted' : 'Updated'} the report comment: ${url}`)
    setOutput('comment-url', url)
  } catch (error) {
    const status = (error as { status?: number }).status
    log.warning(
      `Could not write the PR comment (${status ?? (error as Error).message}). The job summary has the report. ` +
        (status === 403 || status === 404
          ? "Give the job 'permissions: pull-requests: write'; pull requests from forks get a read-only token."
          : ''),
    )
  }
}

export function runUrl(): string | undefined {
  const { serverUrl, runId } = github.context
  const repository = process.env.GITHUB_REPOSITORY
  return repository && runId ? `${serverUrl}/${repository}/actions/runs/${runId}` : undefined
}

/** The job summary; outside the Actions runner (no GITHUB_STEP_SUMMARY) the report goes to the log. */
export async function writeJobSummary(markdown: string): Promise<void> {
  if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(postable(markdown)).write()
  else log.info(markdown)
}

export async function explainFailureInSummary(message: string): Promise<void> {
  await writeJobSummary(renderError(message))
}
