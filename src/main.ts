/** Orchestrates one run: suite -> one Message Batch -> wait -> grade -> results file -> reports and outputs. */
import path from 'node:path'
import * as core from '@actions/core'
import * as github from '@actions/github'
import { createAnthropicClient, streamResults, submitBatch, waitForBatch } from './batch-client.js'
import { buildBatchRequests } from './batch-requests.js'
import { gradeResults } from './grading.js'
import { readInputs, type ActionInputs } from './inputs.js'
import { renderReport } from './markdown.js'
import { pullRequestOf, upsertComment } from './pr-comment.js'
import { usdString } from './pricing.js'
import { buildReport, type RunReport } from './report.js'
import { writeResultsFile } from './results-file.js'
import { loadSuites } from './suite.js'
import { fileSystemSuiteIO, findSuiteFiles } from './suite-files.js'

export async function run(): Promise<void> {
  try {
    const inputs = readInputs()
    const report = await evaluate(inputs)
    const markdown = renderReport(report)
    await writeJobSummary(markdown)
    if (inputs.comment) await commentOnPullRequest(inputs.githubToken, markdown)
    if (report.status === 'failed') core.setFailed(`Evals failed: ${report.failureReasons.join('; ')}.`)
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    core.setFailed(message)
    await explainFailureInSummary(message)
  }
}

async function evaluate(inputs: ActionInputs): Promise<RunReport> {
  const workspace = process.env.GITHUB_WORKSPACE || process.cwd()
  const files = await findSuiteFiles(inputs.suitePatterns, workspace)
  const cases = await loadSuites(files, { workspace, model: inputs.model, io: fileSystemSuiteIO })
  const { requests, caseByCustomId } = buildBatchRequests(cases)
  core.info(`Loaded ${cases.length} tests from ${files.map((f) => path.relative(workspace, f)).join(', ')}.`)

  const client = createAnthropicClient(inputs)
  const batch = await submitBatch(client, requests)
  core.info(`Created batch ${batch.id} with ${requests.length} requests.`)
  core.setOutput('batch-ids', batch.id)

  const ended = await waitForBatch(client, batch.id, {
    maxWaitMs: inputs.maxWaitMs,
    pollIntervalMs: inputs.pollIntervalMs,
    log: core.info,
  })
  const graded = await gradeResults(caseByCustomId, await streamResults(client, batch.id))
  const report = buildReport(graded, {
    minPassRate: inputs.minPassRate,
    batchIds: [batch.id],
    batchDurationMs: ended.ended_at ? Date.parse(ended.ended_at) - Date.parse(ended.created_at) : null,
    runUrl: runUrl(),
  })
  const resultsPath = await writeResultsFile(inputs.resultsFile, report, graded.outcomes)
  core.info(`Wrote ${report.total} results to ${resultsPath}.`)
  setOutputs(report, resultsPath)
  return report
}

function setOutputs(report: RunReport, resultsPath: string): void {
  const cost = report.totalCost
  core.setOutput('status', report.status)
  core.setOutput('batch-ids', report.batchIds.join('\n'))
  core.setOutput('total', report.total)
  core.setOutput('passed', report.passed)
  core.setOutput('failed', report.failed)
  core.setOutput('errored', report.errored)
  core.setOutput('pass-rate', report.passRate)
  // Empty when any test's cost is unknown: a partial sum would read as the run's cost.
  core.setOutput('cost-batch-usd', cost ? usdString(cost.batch) : '')
  core.setOutput('cost-standard-usd', cost ? usdString(cost.standard) : '')
  core.setOutput('savings-usd', cost ? usdString(cost.standard - cost.batch) : '')
  core.setOutput('results-file', resultsPath)
}

async function commentOnPullRequest(token: string, markdown: string): Promise<void> {
  const pr = pullRequestOf(github.context)
  if (!pr) {
    core.info(
      `No pull request for this ${github.context.eventName || 'run'}: the report is in the job summary only.`,
    )
    return
  }
  if (!token) {
    core.warning("No 'github-token': the PR comment was skipped. Pass github-token: ${{ github.token }}.")
    return
  }
  try {
    const { url, created } = await upsertComment(github.getOctokit(token), pr, markdown)
    core.info(`${created ? 'Posted' : 'Updated'} the report comment: ${url}`)
    core.setOutput('comment-url', url)
  } catch (error) {
    const status = (error as { status?: number }).status
    core.warning(
      `Could not write the PR comment (${status ?? (error as Error).message}). The job summary has the report. ` +
        (status === 403 || status === 404
          ? "Give the job 'permissions: pull-requests: write'; pull requests from forks get a read-only token."
          : ''),
    )
  }
}

function runUrl(): string | undefined {
  const { serverUrl, runId } = github.context
  const repository = process.env.GITHUB_REPOSITORY
  return repository && runId ? `${serverUrl}/${repository}/actions/runs/${runId}` : undefined
}

/** The job summary; outside the Actions runner (no GITHUB_STEP_SUMMARY) the report goes to the log. */
async function writeJobSummary(markdown: string): Promise<void> {
  if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(markdown).write()
  else core.info(markdown)
}

async function explainFailureInSummary(message: string): Promise<void> {
  const escaped = message.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
  await writeJobSummary(`## ❌ Claude Batch Evals: error\n\n<pre>${escaped}</pre>\n`)
}
