/**
 * Orchestrates one run: suite -> batches (submitted, resumed or collected) -> wait -> grade (-> the
 * conversations' later turns, a round each) -> results file -> reports and outputs; or, when the batches
 * outlast the wait, a report of where they are.
 */
import { createAnthropicClient } from '../batch/client.js'
import { ConversationRounds } from '../batch/conversations.js'
import { BatchRun } from '../batch/run.js'
import { outputText } from '../grading/graders/message.js'
import { JudgeBook } from '../grading/judging.js'
import { RunGrader } from '../grading/run-grader.js'
import { setBatchIds, setStatus } from '../github/action-interface.js'
import * as log from '../github/log.js'
import type { ReportComment } from '../github/pr-comment.js'
import { commentOnPullRequest, explainFailureInSummary, reportComment, runUrl } from '../github/publish.js'
import { renderError } from '../report/markdown.js'
import { buildReport } from '../report/report.js'
import { EntrySpool } from '../report/results-file.js'
import { planRun } from '../pipeline/plan.js'
import type { Settings } from '../pipeline/settings.js'
import { withinBudget } from './budget-gate.js'
import { describeFailure } from './failure.js'
import { Lifecycle, outputsSink } from './lifecycle.js'
import { readInputs } from './runner-inputs.js'
import { publishReport, reportPending } from './reports.js'
import { runKeyFor, runStateStores } from './run-record.js'
import type { BatchRequest } from '../model.js'

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
    await evaluate(readInputs(), abort.signal)
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
}

/**
 * Runs the evaluation. When it stops on an error, the PR comment says so (else it would go on showing an
 * earlier run's report, or that the evals are running), keeping the batches this run submitted (never ids
 * given to collect, which may be wrong) for a re-run to resume, and `batch-ids` lists every batch created.
 */
async function evaluate(inputs: Settings, signal: AbortSignal): Promise<void> {
  const comment = await reportComment(inputs)
  const started: { run?: BatchRun } = {}
  try {
    await evaluateRun(inputs, signal, comment, started)
  } catch (error) {
    const batchIds = started.run?.allBatchIds ?? []
    if (batchIds.length > 0) setBatchIds(batchIds)
    const submitted = batchIds.length > 0 && inputs.batchIds.length === 0
    const message = error instanceof Error ? error.message : String(error)
    const markdown = renderError(message, inputs.commentHeader || undefined)
    await commentOnPullRequest(comment, markdown, submitted ? started.run?.state() : undefined)
    throw error
  }
}

/** The evaluation itself; `started.run` is set once the run's batches can exist. */
async function evaluateRun(
  inputs: Settings,
  signal: AbortSignal,
  comment: ReportComment | undefined,
  started: { run?: BatchRun },
): Promise<void> {
  const { cases, warnings, requests, echoed, sampleByCustomId, plans, baseline } = await planRun(inputs, log)

  const client = createAnthropicClient(inputs)
  const collecting = inputs.batchIds.length > 0
  if (
    !collecting &&
    !(await withinBudget({ inputs, cases, requests, plans, sampleByCustomId, warnings, client, comment }))
  )
    return
  const requestBytes: number[] = []
  const run = new BatchRun({
    client,
    log: log.info,
    store: runStateStores(comment),
    runKey: runKeyFor(requests, requestBytes, inputs),
    wait: { maxWaitMs: inputs.maxWaitMs, pollIntervalMs: inputs.pollIntervalMs, signal },
  })
  started.run = run
  // The results file's entries wait on disk (a 100,000-test run would hold them all until the end). The part
  // of each known before its result is written from now on, while the batches upload and run.
  const entries = new EntrySpool()
  entries.writeRequestParts(sampleByCustomId)
  try {
    // Conversations' later turns wait for the turns before them: the first round sends all but those.
    const conversations = new ConversationRounds(requests, sampleByCustomId, outputText)
    if (collecting) {
      log.info(`Collecting ${inputs.batchIds.join(', ')} (the batch-id input): nothing is submitted.`)
      run.adopt(inputs.batchIds)
    } else {
      await run.submit(...conversations.firstRound(requests, requestBytes))
    }
    setBatchIds(run.batchIds)

    const startedAt = Date.now()
    const judge = new JudgeBook()
    const grader = new RunGrader(sampleByCustomId, judge, entries)
    const lifecycle = new Lifecycle({ policy: inputs, log: log.info, onSubmitted: setBatchIds })
    // Built only when something is retried: most runs never look a request up.
    let requestByCustomId: Map<string, BatchRequest> | undefined
    const requestOf = (customId: string) =>
      conversations.sentRequest(customId) ??
      ((requestByCustomId ??= new Map(requests.map((request) => [request.custom_id, request]))).get(
        customId,
      ) as BatchRequest)
    const sink = conversations.recording(outputsSink(grader, judge))
    for (const line of echoed) await sink.add(line)
    let unfinished = await lifecycle.waitAndGrade(run, sink, collecting ? undefined : requestOf)
    if (!unfinished && !collecting) unfinished = await lifecycle.converse(run, sink, conversations, requestOf)
    else if (!unfinished && conversations.unanswered > 0)
      log.info(collectedConversations(conversations.unanswered))
    if (!unfinished) {
      // select-best and max-score: each test's outputs against one another, now that all are in.
      await grader.gradeAcrossOutputs()
      if (grader.awaitsJudge) unfinished = await lifecycle.judgeOutputs(run.judgeRun(), judge, grader)
    }
    if (unfinished) {
      await reportPending(unfinished, run.allBatchIds, inputs, comment, run.state())
      return
    }

    const graded = await grader.finish()
    graded.unexpectedCustomIds.push(...judge.unexpectedCustomIds())
    const report = buildReport(graded, {
      minPassRate: inputs.minPassRate,
      batchIds: run.allBatchIds,
      batchDurationMs: Date.now() - startedAt,
      runUrl: runUrl(),
      repeatMinPass: inputs.repeatMinPass,
      failOn: inputs.failOn,
      baseline,
      judgeCalls: judge.calls(),
      loadWarnings: warnings,
    })
    await publishReport(report, graded.outcomes, entries, inputs, comment, run.state())
  } finally {
    await entries.remove()
  }
}

const collectedConversations = (n: number) =>
  `Conversations: ${n} later turn request(s) have no result in the collected batches and are reported ` +
  'without one: collecting sends nothing (a run that submits sends each once the turn before it is in).'
