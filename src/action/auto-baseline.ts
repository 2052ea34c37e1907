/**
 * `baseline: auto` in the action. Before the run, the newest stored run to compare with is restored from the
 * Actions cache: on a pull request its base branch's, else this branch's own previous run. After a graded run
 * that is not a pull request's (a push, a schedule, a dispatch), its results file is stored for the next.
 *
 * A pull request's run is stored nowhere: the next run of the pull request compares with its base branch
 * again, never with it, so it would only take cache space (10 GB a repository, entries unused for 7 days
 * evicted). Runs that are not graded (dry run, over budget, pending, failed) are not stored either.
 */
import path from 'node:path'
import { restoreLatestRun, storeRun, suiteIdentity, type StoredRun } from '../github/baseline-cache.js'
import * as log from '../github/log.js'
import { BASELINE_AUTO } from '../pipeline/input-files.js'
import type { Settings } from '../pipeline/settings.js'
import type { BaselineSource } from '../report/baseline.js'

export interface AutoBaseline {
  /** The settings with the stored run as the baseline (baselineFile its path, baselineSource which run), or none. */
  settings: Settings
  /** Stores a graded run's results file for the next runs of its branch, when there are any to compare with it. */
  store(resultsFile: string): Promise<void>
}

/** Resolves `baseline: auto`; any other baseline input is left as it is, and nothing is stored. */
export async function autoBaseline(
  settings: Settings,
  env: NodeJS.ProcessEnv = process.env,
  now = Date.now(),
): Promise<AutoBaseline> {
  if (settings.baselineFile !== BASELINE_AUTO) return { settings, store: async () => {} }
  const suite = suiteIdentity(settings.suitePatterns, settings.commentHeader)
  const baseBranch = env.GITHUB_BASE_REF ?? ''
  const branch = baseBranch || env.GITHUB_REF_NAME || ''
  const store = async (resultsFile: string) => {
    if (baseBranch)
      log.info(
        `baseline: auto: this pull request's run is not stored (its next run compares with ${baseBranch} again).`,
      )
    else if (branch)
      log.info(await storeRun(resultsFile, { suite, branch, runId: settings.runId, commit: settings.commit }))
  }
  const restored = branch
    ? await restoreLatestRun({ suite, branch })
    : { none: 'this run is of no branch (no GITHUB_REF_NAME in the environment)' }
  if ('none' in restored) {
    const why = `baseline: auto: ${restored.none}, so the report has no comparison and every request is sent.`
    if (baseBranch)
      log.warning(
        `${why} Runs on ${baseBranch} store one when their workflow sets baseline: auto (on a push or a schedule).`,
      )
    else log.info(why)
    return { settings: { ...settings, baselineFile: undefined }, store }
  }
  const source = baselineSource(restored.run)
  log.info(
    `baseline: auto: the latest run of this suite on ${branch} in the actions cache is ${source.name}, stored ` +
      `${ago(now - restored.run.savedAt.getTime())}.`,
  )
  return {
    settings: {
      ...settings,
      baselineFile: restored.run.file,
      baselineSource: source,
      // The file is the action's own, outside the workspace: the baseline reader may open its directory.
      allowedPaths: [...settings.allowedPaths, path.dirname(restored.run.file)],
    },
    store,
  }
}

function baselineSource(run: StoredRun): BaselineSource {
  const commit = run.commit ? ` (${run.commit.slice(0, 7)})` : ''
  const name = `${run.runId ? `run ${run.runId}` : 'the latest run'} of ${run.branch}${commit}`
  const { branch, runId } = run
  return { name, branch, runId, commit: run.commit, savedAt: run.savedAt.toISOString() }
}

/** `5 minutes ago`, `3 hours ago`, `2 days ago`. */
function ago(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000))
  const [amount, unit] =
    minutes < 60
      ? [minutes, 'minute']
      : minutes < 48 * 60
        ? [Math.round(minutes / 60), 'hour']
        : [Math.round(minutes / 1440), 'day']
  return `${amount} ${unit}${amount === 1 ? '' : 's'} ago`
}
