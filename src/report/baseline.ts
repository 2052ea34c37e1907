/**
 * Comparison with an earlier run's results file (the `baseline` input: a PR run against main's nightly run):
 * which tests flipped, which are new or gone, and whether the flips are more than noise.
 */
import { mcnemarExactP, wilsonInterval } from '../grading/statistics.js'
import { UserError } from '../common/user-error.js'
import type { TestStatus } from '../model.js'

export interface BaselineTest {
  description: string | undefined
  /** The test's verdict over all its samples (its only entry's status in files without samples). */
  status: TestStatus
}

/** A baseline the action found itself (`baseline: auto`): a run stored in the Actions cache, named for the report. */
export interface BaselineSource {
  /** How the report and the log name it: `run 4242 of main (abc1234)`. */
  name: string
  branch: string
  /** The workflow run's id; '' when unknown. */
  runId: string
  /** The commit's hex digits (up to 12); '' when unknown. */
  commit: string
  /** When the run was stored, ISO 8601. */
  savedAt: string
}

export interface Baseline {
  /** The file as the workspace names it, or the stored run's name (`source.name`). */
  file: string
  /** Set when the baseline is a stored run the action found (`baseline: auto`). */
  source?: BaselineSource
  generatedAt: string
  /** Tests that passed, and distinct test ids: each test counts once whatever its samples. */
  passed: number
  total: number
  /** passed / total; 0 without tests. */
  passRate: number
  /** The run's cost at batch prices in femtodollars; null when that run could not price all of it. */
  costBatch: bigint | null
  /** By test id, in the file's order. */
  tests: Map<string, BaselineTest>
  /** By test id: its samples' cost at batch prices, summed; null when any is unknown (`cost_usd` null). */
  testCosts: Map<string, bigint | null>
  /**
   * By model, the share of its requests that touched the prompt cache (wrote or read it) that read from it:
   * what `cache: auto` expects of the next run. Only models with such requests.
   */
  cacheHitRates: Map<string, number>
}

/** Thrown for a baseline file that cannot be read, with what is wrong and how to fix it. */
export class BaselineFileError extends UserError {
  constructor(file: string, problem: string, fix: string) {
    super(`baseline ${file} ${problem} — ${fix}`)
    this.name = 'BaselineFileError'
  }
}

const SCHEMA_VERSION = 1
const STATUSES = new Set<unknown>(['passed', 'failed', 'errored'] satisfies TestStatus[])
const isStatus = (value: unknown): value is TestStatus => STATUSES.has(value)
const POINT_AT_RESULTS = 'point baseline at the results-file a run of claude-batch-evals wrote'

/** Exact decimal USD as the results file writes it ("0.0012345", "-2.5"), in femtodollars. */
export function femtoFromUsd(text: string): bigint | undefined {
  const match = /^(-?)(0|[1-9]\d*)(?:\.(\d{1,15}))?$/.exec(text)
  if (!match) return undefined
  const [, sign, whole, fraction = ''] = match
  const femto = BigInt(whole) * 10n ** 15n + BigInt(fraction.padEnd(15, '0'))
  return sign ? -femto : femto
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

function lineOf(text: string, position: number): number {
  let line = 1
  for (let i = text.indexOf('\n'); i !== -1 && i < position; i = text.indexOf('\n', i + 1)) line += 1
  return line
}

function parse(text: string, file: string): unknown {
  try {
    return JSON.parse(text)
  } catch (error) {
    const message = (error as Error).message
    // Node 20 gives a position for some errors only, and no line.
    const position = /at position (\d+)/.exec(message)
    const where = position ? ` at line ${lineOf(text, Number(position[1]))}` : ''
    throw new BaselineFileError(
      file,
      `is not valid JSON${where} (${message})`,
      `${POINT_AT_RESULTS}, whole (a cut-off download is not valid JSON)`,
    )
  }
}

/**
 * Reads a results file (schema_version 1) as a baseline; `file` names it in errors. A test repeated for
 * samples has one entry per sample, each with the test's `verdict`; files without `verdict` have one entry per
 * test, whose `status` is the verdict.
 */
export function readBaseline(text: string, file: string): Baseline {
  function fail(problem: string, fix = `${POINT_AT_RESULTS}, unedited`): never {
    throw new BaselineFileError(file, problem, fix)
  }
  const document = parse(text, file)
  if (!isObject(document) || !('schema_version' in document)) {
    fail('is not a results file of this action (no schema_version)', POINT_AT_RESULTS)
  }
  const version = document.schema_version
  if (version !== SCHEMA_VERSION) {
    fail(
      `has schema_version ${JSON.stringify(version)}, but this version of the action reads only ${SCHEMA_VERSION}`,
      typeof version === 'number' && version > SCHEMA_VERSION
        ? 'a newer version of claude-batch-evals wrote it: use that version here too'
        : POINT_AT_RESULTS,
    )
  }

  const { generated_at: generatedAt, cost, tests: entries } = document
  if (typeof generatedAt !== 'string') fail('has no generated_at')
  if (!isObject(cost) || !('total_usd' in cost)) fail('has no cost.total_usd')
  let costBatch: bigint | null = null
  const totalUsd = cost.total_usd
  if (totalUsd !== null) {
    const batch =
      isObject(totalUsd) && typeof totalUsd.batch === 'string' ? femtoFromUsd(totalUsd.batch) : undefined
    if (batch === undefined) {
      fail('has a cost.total_usd whose batch is not a decimal USD string ("0.0012345")')
    }
    costBatch = batch
  }
  if (!Array.isArray(entries)) fail('has no tests list')

  const tests = new Map<string, BaselineTest>()
  const testCosts = new Map<string, bigint | null>()
  const cacheUse = new CacheUse()
  let passed = 0
  for (const [index, entry] of (entries as unknown[]).entries()) {
    const at = `tests[${index}]`
    if (!isObject(entry)) fail(`has ${at} that is not an object`)
    const { id, description, status, verdict } = entry
    if (typeof id !== 'string' || id === '') fail(`has ${at} without an id`)
    const where = `${at} (id '${id}')`
    if (!isStatus(status)) fail(`has ${where} without a status of passed, failed or errored`)
    if (verdict !== undefined && !isStatus(verdict)) {
      fail(`has ${where} with a verdict that is not passed, failed or errored`)
    }
    if (description != null && typeof description !== 'string') {
      fail(`has ${where} with a description that is neither a string nor null`)
    }
    cacheUse.add(entry.model, entry.usage)
    const known = testCosts.get(id)
    testCosts.set(id, known === null ? null : sampleCost(entry.cost_usd, known ?? 0n))
    if (tests.has(id)) continue
    const test: BaselineTest = { description: description ?? undefined, status: verdict ?? status }
    if (test.status === 'passed') passed += 1
    tests.set(id, test)
  }

  return {
    file,
    generatedAt,
    passed,
    total: tests.size,
    passRate: tests.size === 0 ? 0 : passed / tests.size,
    costBatch,
    tests,
    testCosts,
    cacheHitRates: cacheUse.hitRates(),
  }
}

/** Per model, the requests that wrote or read the prompt cache, and those that read it, from their usage. */
class CacheUse {
  private readonly byModel = new Map<string, { marked: number; hits: number }>()

  add(model: unknown, usage: unknown): void {
    if (typeof model !== 'string' || !isObject(usage)) return
    const tokens = (key: string) => (typeof usage[key] === 'number' ? usage[key] : 0)
    const read = tokens('cache_read_input_tokens') > 0
    if (!read && tokens('cache_creation_input_tokens') === 0) return
    const counts = this.byModel.get(model) ?? { marked: 0, hits: 0 }
    this.byModel.set(model, { marked: counts.marked + 1, hits: counts.hits + (read ? 1 : 0) })
  }

  hitRates(): Map<string, number> {
    return new Map([...this.byModel].map(([model, { marked, hits }]) => [model, hits / marked]))
  }
}

/** A sample's `cost_usd` added to its test's sum: null when unknown or unreadable, never a guess. */
function sampleCost(cost: unknown, sum: bigint): bigint | null {
  const batch = isObject(cost) && typeof cost.batch === 'string' ? femtoFromUsd(cost.batch) : undefined
  return batch === undefined ? null : sum + batch
}

export interface CurrentRun {
  /** One entry per test, with its verdict over all its samples (a repeated id counts once, as its first). */
  tests: { id: string; description: string | undefined; status: TestStatus }[]
  /** At batch prices, in femtodollars; null when unknown. */
  costBatch: bigint | null
}

/** A test that flipped, appeared or disappeared; `before` is its baseline status, `after` its current one. */
export interface TestChange {
  id: string
  description: string | undefined
  before?: TestStatus
  after?: TestStatus
}

export interface BaselineComparison {
  /** The baseline's file and when it was written, as `Baseline` has them. */
  file: string
  generatedAt: string
  /** Passed on the baseline, failed or errored now; in the current run's order. */
  regressions: TestChange[]
  /** Failed or errored on the baseline, passed now; in the current run's order. */
  fixes: TestChange[]
  /** In the current run only (`after` set); in its order. */
  newTests: TestChange[]
  /** In the baseline only (`before` set); in the baseline's order. */
  removedTests: TestChange[]
  /** Tests in both runs. */
  paired: number
  /** Over all of each run's tests, paired or not (0 without tests), with their Wilson score intervals (95%). */
  currentPassRate: number
  currentInterval: { low: number; high: number }
  baselinePassRate: number
  baselineInterval: { low: number; high: number }
  /** currentPassRate - baselinePassRate. */
  passRateDelta: number
  /** Current batch cost - baseline batch cost, in femtodollars; null when either is unknown. */
  costDelta: bigint | null
  /** McNemar's exact test of regressions against fixes among the paired tests. */
  mcnemarP: number
  /** One sentence for reviewers: the flips and whether they could be noise. */
  significance: string
}

/** The p-value below which flips are called unlikely to be noise. */
const SIGNIFICANCE_LEVEL = 0.05

const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`

function pValue(p: number): string {
  return p < 0.0001 ? 'p < 0.0001' : `p = ${Number(p.toPrecision(2))}`
}

function significanceOf(regressions: number, fixes: number, paired: number, p: number): string {
  if (paired === 0) return 'No test is in both runs, so there is nothing to pair.'
  const among = `among ${plural(paired, 'paired test', 'paired tests')}`
  if (regressions + fixes === 0) return `No flips ${among}: every test has the result it had on the baseline.`
  const flips = `${plural(regressions, 'regression', 'regressions')} and ${plural(fixes, 'fix', 'fixes')}`
  const verdict = p < SIGNIFICANCE_LEVEL ? 'unlikely to be noise' : 'which could be noise'
  return `${flips} ${among}: ${pValue(p)} (McNemar's exact test), ${verdict}.`
}

export function compareWithBaseline(current: CurrentRun, baseline: Baseline): BaselineComparison {
  const regressions: TestChange[] = []
  const fixes: TestChange[] = []
  const newTests: TestChange[] = []
  const seen = new Set<string>()
  let passed = 0
  for (const { id, description, status: after } of current.tests) {
    if (seen.has(id)) continue
    seen.add(id)
    if (after === 'passed') passed += 1
    const before = baseline.tests.get(id)
    if (!before) {
      newTests.push({ id, description, after })
      continue
    }
    const change = { id, description, before: before.status, after }
    if (before.status === 'passed' && after !== 'passed') regressions.push(change)
    else if (before.status !== 'passed' && after === 'passed') fixes.push(change)
  }
  const removedTests: TestChange[] = []
  for (const [id, { description, status }] of baseline.tests) {
    if (!seen.has(id)) removedTests.push({ id, description, before: status })
  }

  const paired = seen.size - newTests.length
  const currentPassRate = seen.size === 0 ? 0 : passed / seen.size
  const mcnemarP = mcnemarExactP(regressions.length, fixes.length)
  return {
    file: baseline.file,
    generatedAt: baseline.generatedAt,
    regressions,
    fixes,
    newTests,
    removedTests,
    paired,
    currentPassRate,
    currentInterval: wilsonInterval(passed, seen.size),
    baselinePassRate: baseline.passRate,
    baselineInterval: wilsonInterval(baseline.passed, baseline.total),
    passRateDelta: currentPassRate - baseline.passRate,
    costDelta:
      current.costBatch === null || baseline.costBatch === null
        ? null
        : current.costBatch - baseline.costBatch,
    mcnemarP,
    significance: significanceOf(regressions.length, fixes.length, paired, mcnemarP),
  }
}
