/**
 * The `history` input: on the default branch, the suite's file on the history branch is read at the run's
 * start (the HTML report charts it with the run), and the run's record is appended to it at the end of a
 * graded run; what the file holds then is what the job summary charts. Nothing here fails the run: a history
 * that cannot be read or a record that cannot be saved is a warning.
 */
import * as github from '@actions/github'
import * as log from '../github/log.js'
import {
  readBranchFile,
  rewriteBranchFile,
  type BranchFile,
  type BranchRead,
} from '../github/history-branch.js'
import type { Octokit } from '../github/pr-comment.js'
import type { Settings } from '../pipeline/settings.js'
import { percent, type RunReport } from '../report/report.js'
import {
  appendToHistory,
  historyFileName,
  historyRecord,
  parseHistory,
  type AppendedHistory,
  type PastHistory,
} from '../report/history.js'
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

/** The history as read at the run's start, to chart in the HTML report and to append to at its end. */
export interface HistoryStart {
  /** What the HTML report charts with this run. */
  past: PastHistory
  file: BranchFile
  octokit: Octokit
  /** The file at the branch's head, written on at the end; undefined when it could not be read. */
  read: BranchRead | undefined
}

/**
 * One read of the suite's file on the history branch, at the run's start (alongside its other start-up work):
 * undefined when `history` is off or the run is not recorded. A read that fails is a warning: the page shows
 * no history and the end reads again to record the run.
 */
export async function readHistory(settings: HistorySettings): Promise<HistoryStart | undefined> {
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
  const octokit = github.getOctokit(settings.githubToken)
  const location = `${branch}:${file.path}`
  const identity = { commit: settings.commit, run: process.env.GITHUB_RUN_NUMBER ?? '' }
  try {
    const read = await readBranchFile(octokit, file)
    // Unreadable lines are warned about once, when the file is written without them.
    const { records } = parseHistory(read.text ?? '')
    return { past: { ...identity, records, location }, file, octokit, read }
  } catch (error) {
    const status = (error as { status?: number }).status
    log.warning(
      `History: ${location} could not be read (${status ?? (error as Error).message}): ` +
        'the HTML report shows no history; the run is recorded at its end.',
    )
    return { past: { ...identity, records: [], location }, file, octokit, read: undefined }
  }
}

/**
 * Appends the run to the history read at its start (on the branch's head as it is then: a branch moved
 * meanwhile is read again); the history to chart, or undefined when the run is not recorded.
 */
export async function recordHistory(
  report: RunReport,
  start: HistoryStart | undefined,
  now: Date = new Date(),
): Promise<HistoryView | undefined> {
  if (!start) return undefined
  const { file, past } = start
  const { location } = past
  const record = historyRecord(report, { time: now, commit: past.commit, run: past.run })
  const message = `Eval history: ${file.path}, run ${record.run || record.commit.slice(0, 7)} (${percent(record.passRate)} passed)`
  let appended: AppendedHistory | undefined
  const notes: string[] = []
  try {
    const written = await rewriteBranchFile(
      start.octokit,
      file,
      message,
      (text) => {
        appended = appendToHistory(text, record)
        return { text: appended.text, result: appended }
      },
      start.read,
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
