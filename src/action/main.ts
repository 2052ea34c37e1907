/**
 * The action's front door: the settings from the runner's inputs, the run's story (pipeline/evaluate.ts)
 * told to the runner's log, outputs, job summary and PR comment, and the job's cancellation.
 */
import { setBatchIds, setStatus } from '../github/action-interface.js'
import * as log from '../github/log.js'
import type { ReportComment } from '../github/pr-comment.js'
import { explainFailureInSummary, reportComment, runUrl } from '../github/publish.js'
import { evaluate } from '../pipeline/evaluate.js'
import { mergeRun } from '../pipeline/merge.js'
import type { RunHost } from '../pipeline/run-host.js'
import type { Settings } from '../pipeline/settings.js'
import { autoBaseline, type AutoBaseline } from './auto-baseline.js'
import { describeFailure } from './failure.js'
import { readHistory, type HistoryStart } from './history.js'
import { readInputs } from './runner-inputs.js'
import { publishReport, reportEstimate, reportFailure, reportPending } from './reports.js'
import { runStateStores } from './run-record.js'

export async function run(): Promise<void> {
  const abort = new AbortController()
  const onSignal = (signal: NodeJS.Signals) => {
    log.warning(
      `Received ${signal}: the job is being cancelled. The batches are recorded for a re-run to resume.`,
    )
    abort.abort()
  }
  process.once('SIGTERM', onSignal)
  process.once('SIGINT', onSignal)
  try {
    const inputs = readInputs()
    // A shard is a slice: only the merge job records the suite's history.
    const [baseline, history] = await Promise.all([
      autoBaseline(inputs),
      inputs.shard ? undefined : readHistory(inputs),
    ])
    const settings = { ...baseline.settings, history: history?.past }
    // A shard's report is its job's summary; the merge job comments. On a push, finding the pull request is a
    // GitHub call: made while the suite loads and the requests are checked, awaited where the comment is needed.
    const comment = reportComment(settings.shard ? { ...settings, comment: false } : settings)
    if (settings.mergePatterns.length > 0) {
      const merged = await mergeRun(settings, log)
      await publishReport(merged, settings, await comment, history)
      await baseline.store(merged.files.results)
    } else await evaluate(settings, actionHost(settings, comment, baseline, history), abort.signal)
  } catch (error) {
    setStatus('error')
    const { message, stack } = describeFailure(error)
    if (stack) log.info(stack)
    log.setFailed(message)
    await explainFailureInSummary(message)
  } finally {
    process.off('SIGTERM', onSignal)
    process.off('SIGINT', onSignal)
  }
  // Reported, with the batches recorded: exit now rather than wait on a call still open (a slow PR comment)
  // until the runner kills the process.
  if (abort.signal.aborted) process.exit()
}

function actionHost(
  settings: Settings,
  comment: Promise<ReportComment | undefined>,
  baseline: AutoBaseline,
  history: HistoryStart | undefined,
): RunHost {
  return {
    log,
    runState: runStateStores(comment),
    runUrl: runUrl(),
    batchesChanged: setBatchIds,
    estimated: async (check) => reportEstimate(check, settings, await comment),
    pending: async (run) => reportPending(run, settings, await comment),
    graded: async (run) => {
      await publishReport(run, settings, await comment, history)
      // A shard is not the suite's run: the merge's is stored.
      if (!settings.shard) await baseline.store(run.files.results)
    },
    failed: async (run) => reportFailure(run, settings, await comment),
  }
}
