/**
 * The `history` input at the action's end of a graded run: on the default branch, this run's record is
 * appended to the suite's file on the history branch, and what the file holds then is what the job summary
 * charts. Nothing here fails the run: a record that cannot be saved is a warning.
 */
import * as github from '@actions/github'
import * as log from '../github/log.js'
import { rewriteBranchFile, type BranchFile } from '../github/history-branch.js'
import type { Settings } from '../pipeline/settings.js'
import { percent, type RunReport } from '../report/report.js'
import { appendToHistory, historyFileName, historyRecord, type AppendedHistory } from '../report/history.js'
import type { HistoryView } from '../report/history-markdown.js'

export type HistorySettings = Pick<
  Settings,
  'historyBranch' | 'githubToken' | 'commentHeader' | 'suitePatterns' | 'commit'
>

/** Why this run is not one the history records, or undefined when it is (a run on the default branch). */
function notOnDefaultBranch(): string | undefined {
  const { eventName, payload, ref } = github.context
  // A schedule runs the workflow of the default branch's latest commit, and its payload names no branch.
  if (eventName === 'schedule') return undefined
  const defaultBranch = (payload.repository as { default_branch?: string } | undefined)?.default_branch
  if (!defaultBranch)
    return `this ${eventName || 'run'}'s event does not name the repository's default branch`
  if (ref !== `refs/heads/${defaultBranch}`)
    return `this run is of ${ref || 'no ref'}, not of the default branch ${defaultBranch}`
  return undefined
}

/** Records the run on the history branch; the history to chart, or undefined when `history` is off or the run is not recorded. */
export async function recordHistory(
  report: RunReport,
  settings: HistorySettings,
  now: Date = new Date(),
): Promise<HistoryView | undefined> {
  const branch = settings.historyBranch
  if (!branch) return undefined
  const skipped = notOnDefaultBranch()
  if (skipped) {
    log.info(`History: not recorded: ${skipped}.`)
    return undefined
  }
  const [owner, repo] = (process.env.GITHUB_REPOSITORY ?? '').split('/')
  if (!settings.githubToken || !owner || !repo) {
    log.warning(
      "History: not recorded: it needs 'github-token' (the default, ${{ github.token }}) and GITHUB_REPOSITORY.",
    )
    return undefined
  }
  const file: BranchFile = {
    owner,
    repo,
    branch,
    path: historyFileName(settings.commentHeader, settings.suitePatterns),
  }
  const location = `${branch}:${file.path}`
  const record = historyRecord(report, {
    time: now,
    commit: settings.commit,
    run: process.env.GITHUB_RUN_NUMBER ?? '',
  })
  const message = `Eval history: ${file.path}, run ${record.run || record.commit.slice(0, 7)} (${percent(record.passRate)} passed)`
  let appended: AppendedHistory | undefined
  const notes: string[] = []
  try {
    const written = await rewriteBranchFile(
      github.getOctokit(settings.githubToken),
      file,
      message,
      (text) => {
        appended = appendToHistory(text, record)
        return { text: appended.text, result: appended }
      },
    )
    log.info(
      `History: recorded this run in ${location} (${written.result.records.length} runs)` +
        (written.retries > 0
          ? `, after ${written.retries} retr${written.retries === 1 ? 'y' : 'ies'}: the branch moved meanwhile.`
          : '.'),
    )
    if (written.result.compacted)
      log.info(`History: ${location} was compacted to stay within its size limit.`)
  } catch (error) {
    const status = (error as { status?: number }).status
    const why = `This run could not be recorded in ${location} (${status ?? (error as Error).message}).`
    const fix =
      status === 403 || status === 404
        ? " Give the job 'permissions: contents: write'; pull requests from forks get a read-only token."
        : ''
    log.warning(`History: ${why}${fix}`)
    notes.push(why)
  }
  const corrupt = appended?.corruptLines ?? []
  if (corrupt.length > 0) {
    const lines = `line${corrupt.length === 1 ? '' : 's'} ${corrupt.slice(0, 10).join(', ')}${corrupt.length > 10 ? ', …' : ''}`
    const skippedNote =
      `Skipped ${corrupt.length} unreadable line${corrupt.length === 1 ? '' : 's'} of ${location} (${lines}); ` +
      `the file is written without ${corrupt.length === 1 ? 'it' : 'them'}.`
    log.warning(`History: ${skippedNote}`)
    notes.push(skippedNote)
  }
  return { records: appended?.records ?? [record], location, notes }
}
