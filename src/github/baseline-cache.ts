/**
 * The runs `baseline: auto` compares with, kept in the GitHub Actions cache: each stored run is one results
 * file under a key of its own, `claude-batch-evals-baseline-<suite>-<branch>:<millis>-<run id>-<commit>`.
 *
 * - `<suite>` tells suites apart (two suites of one repository never see each other's runs): a hash of the
 *   `suite` patterns and the `comment-header`, the input that already tells jobs of one workflow apart.
 * - `<branch>` is the branch the run was of; `:` ends it (git allows no `:` in a branch name), so that `main`
 *   is not a prefix of `main-next`. Commas, which no key may hold, and `%` are percent-encoded.
 * - Entries are immutable: a restore asks for the prefix up to `:`, and among the entries matching a prefix
 *   the cache returns the most recently created, so the newest run wins. The run id and commit in the key say
 *   which run it was without reading the file.
 *
 * A pull request's workflow run can restore entries its base branch (or the default branch) created, so a PR
 * finds main's latest run. The file's path is part of the cache version, so it is the same on save and on
 * restore: `<RUNNER_TEMP>/claude-batch-evals/baseline-<suite>/results.json` (RUNNER_TEMP is the same path on
 * every GitHub-hosted runner of one OS). The cache compresses its archives (zstd, else gzip), so the file is
 * stored as written.
 */
import { createHash } from 'node:crypto'
import { copyFile, mkdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { availableActionsCache, uniqueMillis } from './actions-cache.js'

export const BASELINE_KEY_PREFIX = 'claude-batch-evals-baseline-'

/** Which runs are one series: a suite on a branch. */
export interface RunSeries {
  /** From `suiteIdentity`. */
  suite: string
  branch: string
}

/** A run stored in the cache, restored: where its results file now is, and which run it was. */
export interface StoredRun {
  file: string
  key: string
  branch: string
  /** The workflow run's id (GITHUB_RUN_ID); '' when the run had none. */
  runId: string
  /** The commit's first 12 hex digits; '' when the run had none. */
  commit: string
  savedAt: Date
}

/** What a restore found: the run, or why there is none, as a phrase ("no run of ... is stored ..."). */
export type RestoredRun = { run: StoredRun } | { none: string }

export interface BaselineCacheOptions {
  /** Where the results file is stored from and restored to. Default: RUNNER_TEMP, else the OS temp directory. */
  directory?: string
}

/** The suite's part of the keys: the same patterns and comment-header give the same identity. */
export function suiteIdentity(suitePatterns: readonly string[], commentHeader: string): string {
  const text = JSON.stringify([suitePatterns.map((pattern) => pattern.trim()), commentHeader.trim()])
  return createHash('sha256').update(text).digest('hex').slice(0, 16)
}

const UNAVAILABLE =
  'the actions cache is not available here (no ACTIONS_RESULTS_URL or ACTIONS_CACHE_URL in the environment)'

/** The newest run of the series in the cache, restored to its file (a file left from earlier is removed). */
export async function restoreLatestRun(
  series: RunSeries,
  options: BaselineCacheOptions = {},
): Promise<RestoredRun> {
  const cache = await availableActionsCache()
  if (!cache) return { none: UNAVAILABLE }
  const file = storedFile(series.suite, options)
  const prefix = seriesPrefix(series)
  try {
    await rm(file, { force: true })
    // No entry is saved under the primary key (saved keys go on with digits); the restore key matches the newest.
    const matched = await cache.restoreCache([file], `${prefix}latest`, [prefix])
    const run = matched === undefined ? undefined : storedRunOf(matched, prefix, series.branch, file)
    if (run) return { run }
    return { none: `no run of this suite on ${series.branch} is stored in the actions cache` }
  } catch (error) {
    return { none: `the actions cache could not be read (${errorMessage(error)})` }
  }
}

/** Stores a results file as the series' newest run; returns what the log should say of it. */
export async function storeRun(
  resultsFile: string,
  run: RunSeries & { runId: string; commit: string },
  options: BaselineCacheOptions = {},
): Promise<string> {
  const cache = await availableActionsCache()
  if (!cache) return `This run is not stored as a baseline: ${UNAVAILABLE}.`
  const file = storedFile(run.suite, options)
  const key = `${seriesPrefix(run)}${uniqueMillis()}-${digitsOf(run.runId)}-${hexOf(run.commit)}`
  try {
    await mkdir(path.dirname(file), { recursive: true })
    await copyFile(resultsFile, file)
    // saveCache logs why it could not save, as a warning, and returns -1; it throws on invalid input.
    const id = await cache.saveCache([file], key)
    return id === -1
      ? `This run was not stored as a baseline in the actions cache (key ${key}).`
      : `Stored this run's results in the actions cache as the baseline of the next run on ${run.branch} (key ${key}).`
  } catch (error) {
    return `This run was not stored as a baseline in the actions cache: ${errorMessage(error)}`
  }
}

function storedFile(suite: string, options: BaselineCacheOptions): string {
  const directory = options.directory ?? (process.env.RUNNER_TEMP || tmpdir())
  return path.join(directory, 'claude-batch-evals', `baseline-${suite}`, 'results.json')
}

function seriesPrefix({ suite, branch }: RunSeries): string {
  return `${BASELINE_KEY_PREFIX}${suite}-${branch.replace(/[%,]/g, encodeURIComponent)}:`
}

const digitsOf = (text: string) => (/^\d+$/.test(text) ? text : '')
const hexOf = (text: string) => (/^[0-9a-f]+$/i.test(text) ? text.slice(0, 12).toLowerCase() : '')

/** The run a matched key names; undefined for a key this module did not write. */
function storedRunOf(key: string, prefix: string, branch: string, file: string): StoredRun | undefined {
  const match = /^(\d+)-(\d*)-([0-9a-f]*)$/.exec(key.slice(prefix.length))
  if (!key.startsWith(prefix) || !match) return undefined
  return { file, key, branch, runId: match[2], commit: match[3], savedAt: new Date(Number(match[1])) }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
