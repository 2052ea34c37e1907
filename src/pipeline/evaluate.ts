/**
 * The run's story, the same for the action and the command line: suite -> estimate -> batches (submitted,
 * resumed or collected) -> wait -> grade (-> the conversations' later turns, a round each -> the judge) ->
 * results file -> the front door's reports; or, when the batches outlast the wait, where they are.
 */
import { createAnthropicClient, tokenCounter } from '../batch/client.js'
import { ConversationRounds } from '../batch/conversations.js'
import { preflight } from '../batch/preflight.js'
import { BatchRun } from '../batch/run.js'
import { outputText } from '../grading/graders/message.js'
import { JudgeBook } from '../grading/judging.js'
import { RunGrader, type GradedRun } from '../grading/run-grader.js'
import { buildReport, type RunReport } from '../report/report.js'
import { reuseLine } from '../report/reuse-summary.js'
import { EntrySpool } from '../report/results-file.js'
import { checkBudget } from './budget.js'
import { deadlineLine, waitBudgetMs } from './deadline.js'
import { Lifecycle, outputsSink } from './lifecycle.js'
import { planRun, type RunPlan } from './plan.js'
import { writeRunFiles } from './run-files.js'
import { tellingFailures, type RunHost, type StartedRun } from './run-host.js'
import { planReuse, reuseSummary, unansweredBy } from './reuse.js'
import { runKeyFor } from './run-key.js'
import type { Settings } from './settings.js'
import type { BatchRequest } from '../model.js'

/** How the run ended: graded, stopped before submitting (dry run, over budget), or pending (detached). */
export type RunEnd = 'graded' | 'dry-run' | 'over-budget' | 'pending'

export interface EvaluateOptions {
  /** Once submitted, report the batches as pending rather than wait for them (unless they have ended). */
  detach?: boolean
}

/** Runs the evaluation; when it stops on an error, the host is told which batches it created. */
export function evaluate(
  settings: Settings,
  host: RunHost,
  signal: AbortSignal,
  options: EvaluateOptions = {},
): Promise<RunEnd> {
  return tellingFailures(host, settings.batchIds.length > 0, (started) =>
    evaluateRun(settings, host, signal, options, started),
  )
}

/** The evaluation itself; `started.run` is set once the run's batches can exist. */
async function evaluateRun(
  settings: Settings,
  host: RunHost,
  signal: AbortSignal,
  options: EvaluateOptions,
  started: StartedRun,
): Promise<RunEnd> {
  const plan = await planRun(settings, host.log)
  const { requests, echoed, sampleByCustomId } = plan

  const client = createAnthropicClient(settings)
  const collecting = settings.batchIds.length > 0
  // Requests a stored result answers are not sent: the checks, the estimate and max-cost count the rest.
  let reuse = planReuse(settings, plan, host.log, Date.now())
  const sent = (!collecting && reuse?.sent) || requests
  if (!collecting) {
    // A request the API would refuse stops the run here, before anything is billed.
    if (settings.preflight) {
      const checked = await preflight(sent, sampleByCustomId, tokenCounter(client))
      if (checked.warning) host.log.warning(checked.warning)
    }
    const check = await checkBudget(settings, { ...plan, requests: sent }, client)
    await host.estimated(check)
    if (check.stop) return check.stop
  }
  const requestBytes: number[] = []
  const standard = settings.onTimeout === 'standard'
  const waitMs = waitBudgetMs(settings.maxWaitMs, settings.deadlineAt, sent.length, standard, Date.now())
  const deadline = deadlineLine(settings.maxWaitMs, settings.deadlineAt, waitMs, standard, Date.now())
  if (deadline) host.log.info(deadline)
  const run = new BatchRun({
    client,
    log: host.log.info,
    store: host.runState,
    runKey: runKeyFor(sent, requestBytes, settings),
    wait: {
      maxWaitMs: waitMs,
      pollIntervalMs: settings.pollIntervalMs,
      signal,
      onProgress: host.progress,
    },
  })
  started.run = run
  // The results file's entries wait on disk (a 100,000-test run would hold them all until the end). The part
  // of each known before its result is written from now on, while the batches upload and run.
  const entries = new EntrySpool()
  // Collecting with reuse, which entries are reused is known once the batches are in.
  if (!collecting || !reuse) entries.writeRequestParts(sampleByCustomId, reuse?.reusedFrom)
  try {
    // Conversations' later turns wait for the turns before them: the first round sends all but those.
    const conversations = new ConversationRounds(requests, sampleByCustomId, outputText)
    if (collecting) {
      host.log.info(`Collecting ${settings.batchIds.join(', ')} (the batch-id input): nothing is submitted.`)
      run.adopt(settings.batchIds)
    } else {
      await run.submit(...conversations.firstRound(sent, requestBytes))
    }
    host.batchesChanged(run.batchIds)
    if (options.detach) {
      const polled = await run.wait(run.batchIds, { maxWaitMs: 0 })
      if (polled.state !== 'ended') {
        await host.pending({ waited: polled, batchIds: run.allBatchIds, state: run.state() })
        return 'pending'
      }
    }

    const startedAt = Date.now()
    const judge = new JudgeBook()
    if (reuse) judge.reuse(reuse.judgeReplies)
    const grader = new RunGrader(sampleByCustomId, judge, entries)
    const lifecycle = new Lifecycle({
      policy: settings,
      log: host.log.info,
      onSubmitted: (batchIds) => host.batchesChanged(batchIds),
      standard: { client, signal },
    })
    // Built only when something is retried: most runs never look a request up.
    let requestByCustomId: Map<string, BatchRequest> | undefined
    const requestOf = (customId: string) =>
      conversations.sentRequest(customId) ??
      ((requestByCustomId ??= new Map(requests.map((request) => [request.custom_id, request]))).get(
        customId,
      ) as BatchRequest)
    const sink = conversations.recording(outputsSink(grader, judge))
    for (const line of [...echoed, ...((!collecting && reuse?.results) || [])]) await sink.add(line)
    let unfinished = await lifecycle.waitAndGrade(run, sink, collecting ? undefined : requestOf)
    if (!unfinished && collecting && reuse) {
      reuse = unansweredBy(reuse, (customId) => conversations.hasResult(customId))
      entries.writeRequestParts(sampleByCustomId, reuse.reusedFrom)
      for (const line of reuse.results) await sink.add(line)
    }
    if (!unfinished && !collecting) unfinished = await lifecycle.converse(run, sink, conversations, requestOf)
    else if (!unfinished && conversations.unanswered > 0)
      host.log.info(collectedConversations(conversations.unanswered))
    if (!unfinished) {
      // select-best and max-score: each test's outputs against one another, now that all are in.
      await grader.gradeAcrossOutputs()
      if (grader.awaitsJudge) unfinished = await lifecycle.judgeOutputs(run.judgeRun(), judge, grader)
    }
    if (unfinished) {
      await host.pending({ waited: unfinished, batchIds: run.allBatchIds, state: run.state() })
      return 'pending'
    }

    const graded = await grader.finish()
    const batches = { ids: run.allBatchIds, durationMs: Date.now() - startedAt }
    const report = gradedReport(graded, judge, batches, { settings, host, plan, warnings: plan.warnings })
    report.origin = settings.runId
      ? { runId: settings.runId, branch: settings.branch, commit: settings.commit }
      : undefined
    report.judgeReplies = judge.replies()
    report.shard = plan.shard
    if (reuse) {
      report.reuse = reuseSummary(reuse, requests.length, judge)
      host.log.info(`Reuse: ${reuseLine(report.reuse)}.`)
    }
    const files = await writeRunFiles(report, graded.outcomes, entries, settings, host.log)
    await host.graded({ report, outcomes: graded.outcomes, files, state: run.state() })
    return 'graded'
  } finally {
    await entries.remove()
  }
}

const collectedConversations = (n: number) =>
  `Conversations: ${n} later turn request(s) have no result in the collected batches and are reported ` +
  'without one: collecting sends nothing (a run that submits sends each once the turn before it is in).'

/** What a graded story's report is made of beside its outcomes. */
export interface ReportSources {
  settings: Settings
  host: RunHost
  plan: Pick<RunPlan, 'baseline'>
  warnings: string[]
}

/** The report of a graded story: the settings' gate, the baseline, the load's warnings and the judge's calls. */
export function gradedReport(
  graded: GradedRun,
  judge: JudgeBook,
  batches: { ids: string[]; durationMs: number | null },
  { settings, host, plan, warnings }: ReportSources,
): RunReport {
  graded.unexpectedCustomIds.push(...judge.unexpectedCustomIds())
  return buildReport(graded, {
    minPassRate: settings.minPassRate,
    batchIds: batches.ids,
    batchDurationMs: batches.durationMs,
    runUrl: host.runUrl,
    repeatMinPass: settings.repeatMinPass,
    failOn: settings.failOn,
    baseline: plan.baseline,
    maxCostIncrease: settings.maxCostIncrease,
    judgeCalls: judge.calls(),
    loadWarnings: warnings,
  })
}
