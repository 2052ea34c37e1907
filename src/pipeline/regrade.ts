/**
 * The regrade's story: the outputs an earlier results file stores, graded again by the suite's assertions as
 * they are now, with no request for an output: suite -> the stored outputs matched -> grade (-> the judge,
 * when asked to) -> results file -> the front door's report. How people iterate on assertions for free.
 */
import { createAnthropicClient } from '../batch/client.js'
import { BatchRun } from '../batch/run.js'
import { runKeyOf } from '../batch/run-state.js'
import { UserError } from '../common/user-error.js'
import { JudgeBook } from '../grading/judging.js'
import { RunGrader } from '../grading/run-grader.js'
import { EntrySpool } from '../report/results-file.js'
import { storedEntries } from '../report/stored-run.js'
import { Lifecycle } from './lifecycle.js'
import { gradedReport } from './evaluate.js'
import { planRun } from './plan.js'
import { writeRunFiles } from './run-files.js'
import { tellingFailures, type RunHost, type StartedRun } from './run-host.js'
import type { Settings } from './settings.js'
import { matchStoredOutputs, storedResult } from './stored-outputs.js'

/** What becomes of model-graded assertions: errored grades (skip), or the judge asked in a batch (submit). */
export type JudgesMode = 'skip' | 'submit'

/** The results file whose outputs are graded: its text, and its name as the user gave it. */
export interface RegradeSource {
  text: string
  file: string
}

/** How the regrade ended: graded, or pending when the judge's batch outlasted the wait (on-timeout: detach). */
export type RegradeEnd = 'graded' | 'pending'

/** Test ids a warning names, at most. */
const IDS_NAMED = 5

/** Regrades; when it stops on an error, the host is told of the judge's batches the regrade created. */
export function regrade(
  settings: Settings,
  source: RegradeSource,
  judges: JudgesMode,
  host: RunHost,
  signal: AbortSignal,
): Promise<RegradeEnd> {
  return tellingFailures(host, false, (started) =>
    regradeRun(settings, source, judges, host, signal, started),
  )
}

async function regradeRun(
  settings: Settings,
  source: RegradeSource,
  judges: JudgesMode,
  host: RunHost,
  signal: AbortSignal,
  started: StartedRun,
): Promise<RegradeEnd> {
  const plan = await planRun(settings, host.log)
  const stored = matchStoredOutputs(plan.sampleByCustomId, storedEntries(source.text, source.file))
  const { samples, entries: storedByCustomId, leftOut } = stored
  if (samples.size === 0) {
    throw new UserError(
      `No test of the suites has a stored output in ${source.file}: none of its entries has the test's id, ` +
        'sample and request as the suites build them now. Give --from the results file of a run of these ' +
        'suites, or run them with `claude-batch-evals run`.',
    )
  }
  const warnings = [...plan.warnings]
  if (leftOut.length > 0) {
    const warning = leftOutWarning(leftOut, source.file)
    host.log.warning(warning)
    warnings.push(warning)
  }
  const entries = new EntrySpool()
  entries.writeRequestParts(samples)
  try {
    const startedAt = Date.now()
    const judge = new JudgeBook()
    const grader = new RunGrader(samples, judge, entries)
    for (const [customId, entry] of storedByCustomId) {
      const line = storedResult(customId, entry, source.file)
      if (line) await grader.add(line)
    }
    await grader.gradeAcrossOutputs()
    let run: BatchRun | undefined
    if (grader.awaitsJudge && judges === 'submit') {
      run = judgeRun(settings, host, signal, judge)
      started.run = run
      const lifecycle = new Lifecycle({
        policy: settings,
        log: host.log.info,
        onSubmitted: (batchIds) => host.batchesChanged(batchIds),
      })
      const unfinished = await lifecycle.judgeOutputs(run, judge, grader)
      if (unfinished) {
        await host.pending({ waited: unfinished, batchIds: run.allBatchIds, state: run.state() })
        return 'pending'
      }
    } else if (grader.awaitsJudge) {
      host.log.info(
        `Model-graded assertions: ${judge.unanswered().length} judge requests are not sent (--judges skip): ` +
          'those assertions are errored grades.',
      )
      judge.close(JUDGES_SKIPPED)
      await grader.regradeWithJudge()
    }
    warnings.push(costNote(source.file, samples.size, run !== undefined))

    const graded = await grader.finish()
    const batches = { ids: run?.allBatchIds ?? [], durationMs: run ? Date.now() - startedAt : null }
    const report = gradedReport(graded, judge, batches, { settings, host, plan, warnings })
    const files = await writeRunFiles(report, graded.outcomes, entries, settings, host.log)
    const state = run?.state() ?? { runKey: '', batchIds: [], savedAt: new Date().toISOString() }
    await host.graded({ report, outcomes: graded.outcomes, files, state })
    return 'graded'
  } finally {
    await entries.remove()
  }
}

/** Why a model-graded assertion has no grade under --judges skip (its reason quotes it). */
export const JUDGES_SKIPPED =
  'not asked: regrade sends nothing by default; --judges submit sends the judge requests as a batch ' +
  '(billed at batch prices; needs an API key)'

/**
 * The judge's side of a run with no outputs' batches, with a key of its own: its judge requests, which the
 * stored outputs and the assertions decide. The same regrade run again resumes its judge's batch; a run of
 * the suite never does.
 */
function judgeRun(settings: Settings, host: RunHost, signal: AbortSignal, judge: JudgeBook): BatchRun {
  if (!settings.apiKey && !settings.baseURL) {
    throw new UserError(
      '--judges submit sends the judge requests as a batch: set ANTHROPIC_API_KEY or --anthropic-api-key ' +
        '(or --anthropic-base-url for another endpoint), or leave model-graded assertions ungraded with ' +
        '--judges skip.',
    )
  }
  const requests = judge.unanswered().map((request) => JSON.stringify(request))
  const runKey = runKeyOf(['regrade', ...requests], settings)
  const run = new BatchRun({
    client: createAnthropicClient(settings),
    log: host.log.info,
    store: host.runState,
    runKey,
    wait: {
      maxWaitMs: settings.maxWaitMs,
      pollIntervalMs: settings.pollIntervalMs,
      signal,
      onProgress: host.progress,
    },
  })
  return run.judgeRun()
}

function leftOutWarning(ids: string[], file: string): string {
  const named = ids
    .slice(0, IDS_NAMED)
    .map((id) => `'${id}'`)
    .join(', ')
  const more = ids.length > IDS_NAMED ? ` and ${ids.length - IDS_NAMED} more` : ''
  return (
    `${ids.length} test(s) have no stored output in ${file} (new, or their request changed since): ${named}` +
    `${more}. They are left out of this regrade: run them with \`claude-batch-evals run\`.`
  )
}

/** What the report's cost is, since the outputs were not paid for by this regrade. */
function costNote(file: string, samples: number, judged: boolean): string {
  return (
    `Regraded from ${file}: the ${samples} output(s) are the stored ones, not requested again. Their cost ` +
    "(role outputs) is what they cost when they were made; this regrade's own cost is " +
    (judged ? "the judge's requests (role judge)." : 'nothing.')
  )
}
