/**
 * Orchestrates one run: suite -> batches (submitted, resumed or collected) -> wait -> grade -> results file
 * -> reports and outputs; or, when the batches outlast the wait, a report of where they are.
 */
import path from 'node:path'
import * as core from '@actions/core'
import * as log from '../github/log.js'
import type Anthropic from '@anthropic-ai/sdk'
import { createAnthropicClient, tokenCounter, type WaitOutcome } from '../batch/client.js'
import { estimateCost, estimateSummary } from '../cost/estimate.js'
import { applyPromptCache, type CachePlan } from '../batch/prompt-cache.js'
import { buildBatchRequests, type BatchRequest } from '../batch/requests.js'
import { formatDuration } from '../common/duration.js'
import { BatchRun, type ResultSink } from '../batch/run.js'
import { RunGrader } from '../grading/run-grader.js'
import { JudgeBook } from '../grading/judging.js'
import { needsJudge } from '../grading/graders/index.js'
import { readBaseline, type Baseline } from '../report/baseline.js'
import { readInputs, type ActionInputs } from './inputs.js'
import {
  COMMENT_SURFACE,
  renderError,
  renderEstimate,
  renderPending,
  renderReport,
  SUMMARY_SURFACE,
} from '../report/markdown.js'
import { annotateProblems } from '../github/annotations.js'
import { writeJunitFile } from '../report/junit.js'
import type { ReportComment } from '../github/pr-comment.js'
import {
  actionRef,
  commentOnPullRequest,
  explainFailureInSummary,
  reportComment,
  runUrl,
  setOutputs,
  sourceUrlFor,
  writeJobSummary,
} from '../github/publish.js'
import {
  createPricer,
  formatUsd,
  loadPriceOverrides,
  setPricer,
  usdNumber,
  usdString,
} from '../cost/pricing.js'
import { buildReport } from '../report/report.js'
import { EntrySpool, writeResultsFile } from '../report/results-file.js'
import { runKeyOf, type RunStateStore } from '../batch/run-state.js'
import { actionsCacheRunStateStore } from '../github/run-state-cache.js'
import { pullRequestCommentStore } from '../github/run-state-comment.js'
import { loadSuites, type EvalCase, type SuiteIO } from '../suite/loader.js'
import { FileRefusedError } from '../suite/file-refs.js'
import { allowedRoots, confinedSuiteIO, findSuiteFiles } from '../suite/file-system.js'

/** How long a cancelled batch may take to end before the run reports without its results. */
const CANCEL_WAIT_MS = 10 * 60_000
/** When the job is being cancelled, the runner kills the process seconds later. */
const ABORT_CANCEL_WAIT_MS = 5_000

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
    const message = error instanceof Error ? error.message : String(error)
    core.setOutput('status', 'error')
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
async function evaluate(inputs: ActionInputs, signal: AbortSignal): Promise<void> {
  const comment = await reportComment(inputs)
  const started: { run?: BatchRun } = {}
  try {
    await evaluateRun(inputs, signal, comment, started)
  } catch (error) {
    const batchIds = started.run?.allBatchIds ?? []
    if (batchIds.length > 0) core.setOutput('batch-ids', batchIds.join('\n'))
    const submitted = batchIds.length > 0 && inputs.batchIds.length === 0
    const message = error instanceof Error ? error.message : String(error)
    const markdown = renderError(message, inputs.commentHeader || undefined)
    await commentOnPullRequest(comment, markdown, submitted ? started.run?.state() : undefined)
    throw error
  }
}

/** The evaluation itself; `started.run` is set once the run's batches can exist. */
async function evaluateRun(
  inputs: ActionInputs,
  signal: AbortSignal,
  comment: ReportComment | undefined,
  started: { run?: BatchRun },
): Promise<void> {
  const workspace = process.env.GITHUB_WORKSPACE || process.cwd()
  // Suites, their file:// references, and the pricing and baseline files a pull request may have replaced
  // with symlinks, are read only inside the workspace and the allowed-paths directories.
  const io = confinedSuiteIO(allowedRoots(workspace, inputs.allowedPaths))
  if (inputs.pricingFile) usePriceOverrides(path.resolve(workspace, inputs.pricingFile), io)
  const files = await findSuiteFiles(inputs.suitePatterns, workspace)
  const cases = await loadSuites(files, { workspace, model: inputs.model, io })
  const built = buildBatchRequests(cases, inputs.repeat)
  const { sampleByCustomId } = built
  const samples =
    built.requests.length === cases.length ? '' : ` (${built.requests.length} requests with repeats)`
  log.info(
    `Loaded ${cases.length} tests${samples} from ${files.map((f) => path.relative(workspace, f)).join(', ')}.`,
  )
  const baseline = inputs.baselineFile ? loadBaseline(workspace, inputs.baselineFile, io) : undefined
  const { requests, plans } =
    inputs.cache === 'auto' ? applyPromptCache(built.requests) : { requests: built.requests, plans: [] }
  for (const plan of plans) {
    log.info(
      `Prompt caching: a 1-hour breakpoint after the ${plan.prefix} shared by ${plan.requests} ${plan.model} requests.`,
    )
  }

  const client = createAnthropicClient(inputs)
  if (inputs.batchIds.length === 0 && !(await withinBudget(inputs, cases, requests, plans, client, comment)))
    return
  const requestBytes: number[] = []
  const run = new BatchRun({
    client,
    log: log.info,
    store: runStateStores(comment),
    runKey: runKeyOf(serialized(requests, requestBytes), {
      commit: process.env.GITHUB_SHA ?? '',
      runId: process.env.GITHUB_RUN_ID ?? '',
    }),
    wait: { maxWaitMs: inputs.maxWaitMs, pollIntervalMs: inputs.pollIntervalMs, signal },
  })
  started.run = run
  const collecting = inputs.batchIds.length > 0
  // The results file's entries wait on disk (a 100,000-test run would hold them all until the end). The part
  // of each known before its result is written from now on, while the batches upload and run.
  const entries = new EntrySpool()
  entries.writeRequestParts(sampleByCustomId)
  try {
    if (collecting) {
      log.info(`Collecting ${inputs.batchIds.join(', ')} (the batch-id input): nothing is submitted.`)
      run.adopt(inputs.batchIds)
    } else {
      await run.submit(requests, requestBytes)
    }
    core.setOutput('batch-ids', run.batchIds.join('\n'))

    const started = Date.now()
    const judge = new JudgeBook()
    const grader = new RunGrader(sampleByCustomId, judge, entries)
    // Built only when something is retried: most runs never look a request up.
    let requestByCustomId: Map<string, BatchRequest> | undefined
    const requestOf = (customId: string) =>
      (requestByCustomId ??= new Map(requests.map((request) => [request.custom_id, request]))).get(
        customId,
      ) as BatchRequest
    const unfinished =
      (await waitAndGrade(run, outputsSink(grader, judge), inputs, collecting ? undefined : requestOf)) ??
      (grader.awaitsJudge ? await judgeOutputs(run.judgeRun(), judge, grader, inputs) : undefined)
    if (unfinished) {
      await reportPending(unfinished, run, inputs, comment)
      return
    }

    const graded = await grader.finish()
    graded.unexpectedCustomIds.push(...judge.unexpectedCustomIds())
    const report = buildReport(graded, {
      minPassRate: inputs.minPassRate,
      batchIds: run.allBatchIds,
      batchDurationMs: Date.now() - started,
      runUrl: runUrl(),
      repeatMinPass: inputs.repeatMinPass,
      failOn: inputs.failOn,
      baseline,
      judgeCalls: judge.calls(),
    })
    const resultsPath = await writeResultsFile(inputs.resultsFile, report, graded.outcomes, entries)
    const sampled = report.samples === report.total ? '' : ` (${report.samples} samples)`
    log.info(`Wrote the results of ${report.total} tests${sampled} to ${resultsPath}.`)
    if (inputs.junitFile)
      log.info(`Wrote JUnit XML to ${await writeJunitFile(inputs.junitFile, report, graded.outcomes)}.`)
    setOutputs(report, resultsPath)

    const annotated = annotateProblems(report.problems)
    const shared = { title: inputs.commentHeader || undefined, sourceUrl: sourceUrlFor(), annotated }
    const resultsFile = path.relative(workspace, resultsPath)
    await writeJobSummary(
      renderReport(report, {
        ...shared,
        surface: SUMMARY_SURFACE,
        remainderAt: `the results file, \`${resultsFile}\``,
      }),
    )
    await commentOnPullRequest(
      comment,
      renderReport(report, {
        ...shared,
        surface: COMMENT_SURFACE,
        remainderAt: `the job summary of the [workflow run](${runUrl() ?? ''}) and the results file, \`${resultsFile}\``,
      }),
      run.state(),
    )
    if (report.status === 'failed') log.setFailed(`Evals failed: ${report.failureReasons.join('; ')}.`)
  } finally {
    await entries.remove()
  }
}

/**
 * Estimates the cost before anything is submitted. Returns false when nothing may be submitted: a dry run
 * (reported here), or a worst case over `max-cost` (the step fails with the figures).
 */
async function withinBudget(
  inputs: ActionInputs,
  cases: EvalCase[],
  requests: BatchRequest[],
  plans: CachePlan[],
  client: Anthropic,
  comment: ReportComment | undefined,
): Promise<boolean> {
  // count_tokens costs time (its own rate limit): it is used where the figure decides something.
  const exact = inputs.dryRun || inputs.maxCostUsd !== undefined
  const prefixes = new Map(plans.map((plan) => [plan.model, plan.prefixTokens]))
  const estimate = await estimateCost(requests, exact ? tokenCounter(client) : undefined, prefixes)
  const judgedTests = cases.filter((evalCase) => needsJudge(evalCase.assertions)).length
  log.info(estimateSummary(estimate, judgedTests))
  core.setOutput(
    'estimated-cost-batch-usd',
    estimate.unpricedModels.length > 0 ? '' : usdString(estimate.high.batch),
  )
  const over =
    inputs.maxCostUsd !== undefined &&
    (estimate.unpricedModels.length > 0 || usdNumber(estimate.high.batch) > inputs.maxCostUsd)
  if (!inputs.dryRun && !over) return true
  const view = {
    estimate,
    plans,
    maxCostUsd: inputs.maxCostUsd,
    judgedTests,
    title: inputs.commentHeader || undefined,
  }
  const markdown = renderEstimate(view, inputs.dryRun ? 'dry run' : 'over budget')
  await writeJobSummary(`${markdown}\nNothing was submitted.\n`)
  await commentOnPullRequest(comment, `${markdown}\nNothing was submitted.\n`, undefined)
  if (over) {
    core.setOutput('status', 'over-budget')
    log.setFailed(
      estimate.unpricedModels.length > 0
        ? `max-cost is set, but ${estimate.unpricedModels.join(', ')} is not in the price table, so the budget cannot be ` +
            "checked; nothing was submitted. Add the model's prices with the pricing input."
        : `The worst-case estimate, ${formatUsd(estimate.high.batch)} at batch prices (every output at max_tokens), ` +
            `exceeds max-cost ($${inputs.maxCostUsd}); nothing was submitted. Lower max_tokens, trim the suite, or raise max-cost.`,
    )
  } else {
    core.setOutput('status', 'dry-run')
  }
  return false
}

/**
 * Where the results of the outputs' batches go: to the grader, but for judge answers, which batches
 * collected with `batch-id` may hold (when an earlier run was detached while its judge batch ran).
 */
function outputsSink(grader: RunGrader, judge: JudgeBook): ResultSink {
  return {
    add: (line) =>
      JudgeBook.owns(line.custom_id) && !grader.expects(line.custom_id) ? judge.add(line) : grader.add(line),
    retryableCustomIds: () => grader.retryableCustomIds(),
  }
}

/**
 * Asks the judge, in a batch of its own, what the model-graded assertions of the outputs need (but what
 * the collected batches already answered), then grades those outputs again with the answers. Returns the
 * wait that ended before the judge's batches did, as waitAndGrade does. When the job is being cancelled, or
 * max-wait has run out with on-timeout: cancel, the judge is not asked (its batch would be cancelled at
 * once): the outputs are reported, their model-graded assertions as errored grades.
 */
async function judgeOutputs(
  run: BatchRun,
  judge: JudgeBook,
  grader: RunGrader,
  inputs: ActionInputs,
): Promise<WaitOutcome | undefined> {
  const requests = judge.unanswered()
  const notAsked = run.aborted
    ? 'the job was cancelled before the judge was asked'
    : inputs.onTimeout === 'cancel' && run.outOfTime
      ? 'max-wait ran out before the judge was asked (on-timeout: cancel)'
      : undefined
  if (requests.length > 0 && notAsked) {
    log.info(`Model-graded assertions: ${requests.length} judge requests are not sent: ${notAsked}.`)
  } else if (requests.length > 0) {
    log.info(`Model-graded assertions: ${requests.length} judge requests go out as a batch of their own.`)
    await run.submit(requests)
    core.setOutput('batch-ids', run.allBatchIds.join('\n'))
    const unfinished = await waitAndGrade(run, judge, inputs, (customId) => judge.requestOf(customId))
    if (unfinished) return unfinished
  }
  judge.close(notAsked)
  await grader.regradeWithJudge()
  return undefined
}

/**
 * Waits for the batches and hands their results to the sink, then retries what errored (unless only
 * collecting, when `requestOf` is undefined). Returns the wait that ended before its batches did when the
 * run must be reported as still running.
 */
async function waitAndGrade(
  run: BatchRun,
  sink: ResultSink,
  inputs: ActionInputs,
  requestOf: ((customId: string) => BatchRequest) | undefined,
): Promise<WaitOutcome | undefined> {
  const waited = await run.wait()
  if (waited.state !== 'ended' && !(await settleUnfinished(waited, run, inputs))) return waited
  await run.collect(sink)
  if (!inputs.retryErrored || !requestOf) return undefined
  const late = await run.retryErrored(sink, requestOf)
  if (!late) return undefined
  // A retry round is an extra: when it outlasts max-wait with on-timeout: fail, it is cancelled and what
  // the run already has is reported, rather than failing a run whose results are in.
  if (late.state === 'timed-out' && inputs.onTimeout === 'fail') {
    log.info(
      'The retry round did not end within max-wait: it is cancelled, and its requests keep their first results.',
    )
  }
  const onTimeout = inputs.onTimeout === 'fail' ? 'cancel' : inputs.onTimeout
  if (!(await settleUnfinished(late, run, { ...inputs, onTimeout }))) return late
  await run.collect(
    sink,
    late.batches.map((batch) => batch.id),
  )
  return undefined
}

/**
 * The wait ended before the batches did. Returns true when the batches have ended after all (cancelled,
 * as on-timeout: cancel or cancel-on-abort asks) and their results can be collected; false to report them
 * as still running. With on-timeout: fail, throws.
 */
async function settleUnfinished(waited: WaitOutcome, run: BatchRun, inputs: ActionInputs): Promise<boolean> {
  const cancel = waited.state === 'aborted' ? inputs.cancelOnAbort : inputs.onTimeout === 'cancel'
  if (waited.state === 'timed-out' && inputs.onTimeout === 'fail') {
    const late = waited.batches.map((batch) => batch.id)
    const all = run.allBatchIds
    throw new Error(
      `${late.length === 1 ? 'Batch' : 'Batches'} ${late.join(', ')} did not end within max-wait (${formatDuration(inputs.maxWaitMs)}). The batches ` +
        'keep running and are billed for what they process; their results stay downloadable for 29 days. ' +
        `Collect them with the batch-id input${all.length > late.length ? ` (all of the run's: ${all.join(', ')})` : ''}, ` +
        'raise max-wait, or set on-timeout: detach or cancel.',
    )
  }
  if (!cancel) return false
  const running = waited.batches.filter((batch) => batch.processing_status !== 'ended')
  log.info(
    `Cancelling ${running.map((batch) => batch.id).join(', ')}; requests already processed keep their results.`,
  )
  const ids = running.map((batch) => batch.id)
  await run.cancel(ids)
  const maxWaitMs = waited.state === 'aborted' ? ABORT_CANCEL_WAIT_MS : CANCEL_WAIT_MS
  const ended = await run.wait(ids, { maxWaitMs, signal: undefined })
  return ended.state === 'ended'
}

async function reportPending(
  waited: WaitOutcome,
  run: BatchRun,
  inputs: ActionInputs,
  comment: ReportComment | undefined,
): Promise<void> {
  const counts = { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 }
  for (const batch of waited.batches) {
    for (const key of Object.keys(counts) as (keyof typeof counts)[]) counts[key] += batch.request_counts[key]
  }
  const why =
    waited.state === 'aborted'
      ? 'The job was cancelled before the batches ended; a re-run of this job resumes them.'
      : `The batches did not end within max-wait (${formatDuration(inputs.maxWaitMs)}).`
  const markdown = renderPending({
    batchIds: run.allBatchIds,
    waitingFor: waited.batches.map((batch) => batch.id),
    why,
    counts,
    uses: actionRef(),
    suitePatterns: inputs.suitePatterns,
    repeat: inputs.repeat,
    title: inputs.commentHeader || undefined,
  })
  core.setOutput('status', 'pending')
  core.setOutput('batch-ids', run.allBatchIds.join('\n'))
  await writeJobSummary(markdown)
  await commentOnPullRequest(comment, markdown, run.state())
  if (waited.state === 'aborted') log.setFailed('The job was cancelled while the batches were running.')
  else log.info(`${why} Detached: collect the results later with batch-id.`)
}

/** The `baseline` results file; a missing one is a warning (a first run has none), a malformed one an error. */
function loadBaseline(workspace: string, input: string, io: SuiteIO): Baseline | undefined {
  const absolute = path.resolve(workspace, input)
  // Named as the workspace has it: the runner's absolute path means nothing to a reviewer.
  const file = path.relative(workspace, absolute)
  let text: string
  try {
    text = io.readText(absolute)
  } catch (error) {
    if (error instanceof FileRefusedError)
      throw new Error(`The 'baseline' input: ${error.about(file)}.`, { cause: error })
    log.warning(
      `No baseline results file at ${file}, so the report has no comparison. Check the 'baseline' input, and that ` +
        'the step that downloads or restores it ran.',
    )
    return undefined
  }
  const baseline = readBaseline(text, file)
  log.info(`Comparing with the baseline ${file} (${baseline.total} tests, written ${baseline.generatedAt}).`)
  return baseline
}

/** Prices from the `pricing` file, over the built-in table, for every cost this run computes. */
function usePriceOverrides(file: string, io: SuiteIO): void {
  let text: string
  try {
    text = io.readText(file)
  } catch (error) {
    if (error instanceof FileRefusedError)
      throw new Error(`The 'pricing' input: ${error.about(file)}.`, { cause: error })
    throw new Error(`The pricing file ${file} does not exist or cannot be read. Check the 'pricing' input.`, {
      cause: error,
    })
  }
  const pricer = createPricer(loadPriceOverrides(text, file))
  setPricer(pricer)
  const { changed = [], added = [] } = pricer.overrides ?? {}
  log.info(`Prices from ${file}: ${added.length} model(s) added, ${changed.length} changed.`)
}

/**
 * Each request as JSON, one at a time (a run may have 100,000), recording into `bytes` the size of each (what
 * splitIntoBatches measures), so that the requests are serialized once for both.
 */
function* serialized(requests: BatchRequest[], bytes: number[]): Generator<string> {
  for (const request of requests) {
    const json = JSON.stringify(request)
    bytes.push(Buffer.byteLength(json))
    yield json
  }
}

/** Where the run's batches are recorded for a re-run: the Actions cache, and the PR comment when there is one. */
function runStateStores(comment: ReportComment | undefined): RunStateStore {
  const stores = [actionsCacheRunStateStore(), ...(comment ? [pullRequestCommentStore(comment)] : [])]
  return {
    name: stores.map((store) => store.name).join(' or '),
    async load(runKey) {
      for (const store of stores) {
        const state = await store.load(runKey)
        if (state) return state
      }
      return undefined
    },
    async save(state) {
      await Promise.all(stores.map((store) => store.save(state)))
    },
  }
}
