/**
 * A stored run: a results file read back into the report model, so that every surface renders it as it
 * rendered the run. Its tests' outcomes are rebuilt from their entries, graded already (their assertion
 * results are as stored, nothing is graded again); its costs are the stored ones, exactly.
 */
import type { CostIncreaseLimit } from './cost-comparison.js'
import type { MessageCreateParamsNonStreaming, Usage } from '@anthropic-ai/sdk/resources/messages/messages'
import { UserError } from '../common/user-error.js'
import type { BilledCall } from '../cost/pricing.js'
import { verdictsOf } from '../grading/verdicts.js'
import type { AssertionResult, EvalCase, ResultType, TestOutcome, TestStatus } from '../model.js'
import { femtoFromUsd, type Baseline } from './baseline.js'
import { buildReport, type FailOn, type RunReport } from './report.js'
import { RESULTS_SCHEMA_VERSION } from './results-header.js'
import { callsBeyondEntries, femtoCost, type StoredModelCost } from './stored-cost-rows.js'

/** A results file that cannot be read, with what is wrong and how to fix it. */
export class ResultsFileError extends UserError {
  constructor(
    file: string,
    problem: string,
    fix = 'give a results file a run of claude-batch-evals wrote, unedited',
  ) {
    super(`${file} ${problem} — ${fix}`)
    this.name = 'ResultsFileError'
  }
}

/** One entry of `tests`, as the file has it (schema/results.schema.json); older files' missing ids filled. */
export interface StoredEntry {
  /** The entry as the file has it. */
  raw: unknown
  id: string
  custom_id: string
  sample: number
  samples: number
  /** The test's verdict over its samples; undefined in files written before verdicts. */
  verdict: TestStatus | undefined
  description: string | null
  file: string
  line: number
  model: string
  vars: Record<string, unknown>
  prompt: string
  request: MessageCreateParamsNonStreaming
  status: TestStatus
  result_type: ResultType
  output: string | null
  stop_reason: string | null
  error: { type: string; message: string } | null
  score: number | null
  reason: string | null
  assertions: AssertionResult[]
  metrics: Record<string, number>
  usage: Usage | null
  cost_usd: { batch: string; standard: string; savings: string } | null
  cost_unknown_reason: string | null
}

/** What of the document the report needs besides its entries. */
interface StoredHeader {
  status: 'passed' | 'failed'
  failure_reasons: string[]
  load_warnings?: string[]
  summary: { min_pass_rate: number }
  batch_ids: string[]
  batch_duration_ms: number | null
  cost: { by_model: StoredModelCost[]; price_table_date?: string }
  unexpected_custom_ids: string[]
  baseline?: RecordedBaseline | null
  shard?: unknown
  tests: unknown[]
}

/** The comparison the run made with its baseline, as the file keeps it: the ids of the tests that flipped. */
export interface RecordedBaseline {
  file: string
  regressions: string[]
  fixes: string[]
  significance: string
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
const STATUSES = new Set<unknown>(['passed', 'failed', 'errored'] satisfies TestStatus[])

/** The document, checked as far as reading it back needs: its version, its header, a list of tests. */
function storedDocument(text: string, file: string): StoredHeader {
  let document: unknown
  try {
    document = JSON.parse(text)
  } catch (error) {
    throw new ResultsFileError(
      file,
      `is not valid JSON (${(error as Error).message})`,
      'give the whole results file: a cut-off download or a file still being written is not valid JSON',
    )
  }
  if (!isObject(document) || !('schema_version' in document)) {
    throw new ResultsFileError(file, 'is not a results file of claude-batch-evals (it has no schema_version)')
  }
  const version = document.schema_version
  if (version !== RESULTS_SCHEMA_VERSION) {
    const newer = typeof version === 'number' && version > RESULTS_SCHEMA_VERSION
    throw new ResultsFileError(
      file,
      `has schema_version ${JSON.stringify(version)}, but this version of claude-batch-evals reads only ` +
        `${RESULTS_SCHEMA_VERSION}`,
      newer ? 'a newer claude-batch-evals wrote it: read it with that version' : undefined,
    )
  }
  const { status, failure_reasons, summary, batch_ids, cost, unexpected_custom_ids, tests } = document
  const missing = [
    status === 'passed' || status === 'failed' ? '' : 'status',
    Array.isArray(failure_reasons) ? '' : 'failure_reasons',
    isObject(summary) && typeof summary.min_pass_rate === 'number' ? '' : 'summary.min_pass_rate',
    Array.isArray(batch_ids) ? '' : 'batch_ids',
    isObject(cost) && Array.isArray(cost.by_model) ? '' : 'cost.by_model',
    Array.isArray(unexpected_custom_ids) ? '' : 'unexpected_custom_ids',
    Array.isArray(tests) ? '' : 'tests',
  ].filter(Boolean)
  if (missing.length > 0) throw new ResultsFileError(file, `lacks or has a malformed ${missing.join(', ')}`)
  return document as unknown as StoredHeader
}

/** Why an entry cannot be read back, or undefined when it can. */
function entryProblem(entry: Record<string, unknown>): string | undefined {
  if (typeof entry.id !== 'string' || entry.id === '') return 'has no id'
  if (typeof entry.custom_id !== 'string') return 'has no custom_id'
  if (!STATUSES.has(entry.status)) return 'has no status of passed, failed or errored'
  if (entry.verdict !== undefined && !STATUSES.has(entry.verdict)) return 'has a verdict that is not a status'
  if (typeof entry.file !== 'string' || typeof entry.line !== 'number') return 'has no file and line'
  if (!isObject(entry.request) || typeof entry.request.model !== 'string')
    return 'has no request with a model'
  if (typeof entry.result_type !== 'string') return 'has no result_type'
  if (entry.usage !== null && !isObject(entry.usage)) return 'has a usage that is neither an object nor null'
  const cost = entry.cost_usd
  if (cost !== null && !(isObject(cost) && isUsd(cost.batch) && isUsd(cost.standard))) {
    return 'has a cost_usd that is neither null nor decimal USD strings'
  }
  const sample = entry.sample ?? 1
  const samples = entry.samples ?? 1
  if (!Number.isInteger(sample) || !Number.isInteger(samples) || (sample as number) > (samples as number)) {
    return 'has a sample that is not a whole number up to its samples'
  }
  return undefined
}

const isUsd = (value: unknown) => typeof value === 'string' && femtoFromUsd(value) !== undefined

/**
 * The entries of a results file's text, in order, each checked: what a command that works on the stored
 * samples (regrade) reads. `file` names the file in errors. Files written before samples and verdicts have
 * `sample` and `samples` 1 and no verdict.
 */
export function* storedEntries(text: string, file: string): Generator<StoredEntry> {
  yield* entriesOf(storedDocument(text, file), file)
}

/**
 * A results file's entries, with what reusing them needs besides (as the file has it, unchecked): when and
 * where it was made (`generated_at`, `run`) and its judge's replies (`judge_replies`).
 */
export function storedRunForReuse(text: string, file: string) {
  const document = storedDocument(text, file) as StoredHeader & Record<string, unknown>
  return {
    generatedAt: document.generated_at,
    run: document.run,
    judgeReplies: document.judge_replies,
    entries: entriesOf(document, file),
  }
}

function* entriesOf(document: StoredHeader, file: string): Generator<StoredEntry> {
  for (const [index, entry] of document.tests.entries()) {
    const problem = isObject(entry) ? entryProblem(entry) : 'is not an object'
    if (problem) {
      const id = isObject(entry) && typeof entry.id === 'string' ? ` (id '${entry.id}')` : ''
      throw new ResultsFileError(file, `has tests[${index}]${id} that ${problem}`)
    }
    const stored = entry as Record<string, unknown>
    yield {
      description: null,
      vars: {},
      prompt: '',
      output: null,
      stop_reason: null,
      error: null,
      score: null,
      reason: null,
      assertions: [],
      metrics: {},
      cost_unknown_reason: null,
      ...stored,
      model: (stored.request as { model: string }).model,
      sample: (stored.sample as number | undefined) ?? 1,
      samples: (stored.samples as number | undefined) ?? 1,
      verdict: stored.verdict as TestStatus | undefined,
      raw: entry,
    } as unknown as StoredEntry
  }
}

export interface StoredRunOptions {
  /** Compared with this run: the comparison shows, and the gate is recomputed. */
  baseline?: Baseline
  /** Given, the gate is recomputed with them; else the file's own verdict and reasons stand. */
  minPassRate?: number
  failOn?: FailOn
  /** The cost gate against `baseline`: the run fails when the tests in both cost more than this over it. */
  maxCostIncrease?: CostIncreaseLimit
}

export interface StoredRun {
  report: RunReport
  outcomes: TestOutcome[]
  /** Whether the verdict is the one the file records, or recomputed with the options given. */
  gate: 'recorded' | 'recomputed'
  /** The verdict the file records. */
  recordedStatus: 'passed' | 'failed'
  /** The run's comparison with its baseline, when it had one. */
  recordedBaseline: RecordedBaseline | null
}

/**
 * A results file's text as the report of its run. Without options the verdict and its reasons are the
 * file's (they were decided with the run's fail-on and baseline, which the file does not fully keep); with
 * any, the gate is applied again with them, over the stored min_pass_rate.
 */
export function readStoredRun(text: string, file: string, options: StoredRunOptions = {}): StoredRun {
  const document = storedDocument(text, file)
  const { report, outcomes } = reportOfStored([document], Array.from(entriesOf(document, file)), options)
  const recomputed =
    options.baseline !== undefined ||
    options.minPassRate !== undefined ||
    options.failOn !== undefined ||
    options.maxCostIncrease !== undefined
  if (!recomputed) {
    report.status = document.status
    report.failureReasons = document.failure_reasons
  }
  return {
    report,
    outcomes,
    gate: recomputed ? 'recomputed' : 'recorded',
    recordedStatus: document.status,
    recordedBaseline: recordedBaselineOf(document.baseline),
  }
}

/** A results file read whole: its header and its entries, each checked, in order. */
export function readStoredDocument(text: string, file: string) {
  const document = storedDocument(text, file)
  return { document, entries: Array.from(entriesOf(document, file)) }
}

export type StoredDocument = ReturnType<typeof readStoredDocument>['document']

/**
 * The report of the runs the documents record (one, or the shards of one), over `entries`, theirs in the
 * order the report lists them (a test's samples consecutive): every cost row of every document counts, and
 * the gate is applied with the options, over the first document's min_pass_rate when none is given.
 */
export function reportOfStored(
  documents: StoredHeader[],
  entries: StoredEntry[],
  options: StoredRunOptions,
): { report: RunReport; outcomes: TestOutcome[] } {
  const outcomes = outcomesOf(entries)
  const unexpectedCalls: BilledCall[] = []
  const judgeCalls: BilledCall[] = []
  for (const document of documents) {
    const own = new Set(document.tests)
    const calls = callsBeyondEntries(
      document.cost.by_model,
      outcomes.filter((_, i) => own.has(entries[i].raw)),
    )
    unexpectedCalls.push(...calls.unexpectedCalls)
    judgeCalls.push(...calls.judgeCalls)
  }
  const [first] = documents
  const report = buildReport(
    {
      outcomes,
      unexpectedCustomIds: documents.flatMap((document) => document.unexpected_custom_ids),
      unexpectedCalls,
    },
    {
      minPassRate: options.minPassRate ?? first.summary.min_pass_rate,
      batchIds: documents.flatMap((document) => document.batch_ids),
      batchDurationMs: longest(documents.map((document) => document.batch_duration_ms)),
      runUrl: undefined,
      repeatMinPass: repeatMinPassOf(outcomes, entries),
      failOn: options.failOn,
      loadWarnings: first.load_warnings ?? [],
      baseline: options.baseline,
      maxCostIncrease: options.maxCostIncrease,
      judgeCalls,
    },
  )
  // The prices the costs were computed with, which a later price table may not have.
  if (typeof first.cost.price_table_date === 'string') report.priceTableDate = first.cost.price_table_date
  return { report, outcomes }
}

/** The longest of the durations: shards run side by side. */
function longest(durations: (number | null)[]): number | null {
  const known = durations.filter((ms): ms is number => ms !== null)
  return known.length > 0 ? Math.max(...known) : null
}

function recordedBaselineOf(section: unknown): RecordedBaseline | null {
  if (!isObject(section) || typeof section.file !== 'string') return null
  const ids = (list: unknown) => (Array.isArray(list) ? list.filter((id) => typeof id === 'string') : [])
  return {
    file: section.file,
    regressions: ids(section.regressions),
    fixes: ids(section.fixes),
    significance: typeof section.significance === 'string' ? section.significance : '',
  }
}

/** The entries as graded outcomes; a test's samples share its case, as they did in the run. */
function outcomesOf(entries: Iterable<StoredEntry>): TestOutcome[] {
  const outcomes: TestOutcome[] = []
  let evalCase: EvalCase | undefined
  for (const entry of entries) {
    if (!evalCase || entry.sample === 1 || evalCase.id !== entry.id) {
      evalCase = {
        id: entry.id,
        description: entry.description ?? undefined,
        file: entry.file,
        line: entry.line,
        vars: entry.vars,
        prompt: entry.prompt,
        params: entry.request,
        assertions: [],
        threshold: undefined,
        transform: undefined,
      }
    }
    outcomes.push({
      evalCase,
      customId: entry.custom_id,
      sample: entry.sample,
      samples: entry.samples,
      status: entry.status,
      resultType: entry.result_type,
      output: entry.output,
      stopReason: entry.stop_reason,
      error: entry.error,
      score: entry.score,
      reason: entry.reason,
      assertions: entry.assertions,
      metrics: entry.metrics,
      usage: entry.usage,
      cost: entry.cost_usd && femtoCost(entry.cost_usd),
      costUnknown: entry.cost_unknown_reason,
    })
  }
  return outcomes
}

/**
 * The `repeat-min-pass` the run had, as far as its stored verdicts tell: undefined (every sample must pass)
 * when that gives each test its stored verdict, else the most passes that does (the
 * verdicts cannot tell apart the values between the fewest and the most).
 */
function repeatMinPassOf(outcomes: TestOutcome[], entries: { verdict?: TestStatus }[]): number | undefined {
  const agrees = (minPass: number | undefined) => {
    let position = 0
    return verdictsOf(outcomes, minPass).every(({ status, samples }) => {
      const stored = entries[position]?.verdict
      position += samples
      return stored === undefined || stored === status
    })
  }
  if (agrees(undefined)) return undefined
  const most = Math.max(...outcomes.map((outcome) => outcome.samples))
  for (let minPass = most - 1; minPass >= 1; minPass--) if (agrees(minPass)) return minPass
  return undefined
}
