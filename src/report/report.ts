/** The report model: the verdict, counts and costs of a graded run, from which every surface is rendered. */
import { PriceMixSums, type PriceMix } from './price-mix.js'
import type { ReuseSummary, RunOrigin } from './reuse-summary.js'
import type { ShardRecord } from '../suite/shards.js'
import type { Usage } from '@anthropic-ai/sdk/resources/messages/messages'
import {
  costGateReason,
  testCostsReport,
  type CostIncreaseLimit,
  type TestCostsReport,
} from './cost-comparison.js'
import { compareWithBaseline, type Baseline, type BaselineComparison } from './baseline.js'
import { DerivedMetricSums, type DerivedMetricValue } from './derived-metrics.js'
import type { GradedRun } from '../grading/run-grader.js'
import type { JudgeCall, StoredJudgeReply } from '../grading/judging.js'
import {
  addCosts,
  addTokens,
  batchMultiplier,
  costOf,
  NO_COST,
  NO_TOKENS,
  PRICE_TABLE_DATE,
  priceTierOf,
  tokenCountsOf,
  type TokenCounts,
} from '../cost/pricing.js'
import { formatUsd } from '../cost/usd.js'
import { repeatSummaryOf, verdictsOf, type RepeatSummary, type TestVerdict } from '../grading/verdicts.js'
import type { Cost, TestOutcome } from '../model.js'

/** What a model's requests were for: the tests' outputs, or the judge's grades of model-graded assertions. */
export type CostRole = 'outputs' | 'judge'

export interface ModelCost {
  model: string
  role: CostRole
  /** Requests: a test's samples, or judge requests. */
  tests: number
  tokens: TokenCounts
  /** The part of `tokens` billed at standard prices (on-timeout: standard); absent when none was. */
  standardTokens?: TokenCounts
  /** Sum over the model's tests whose cost is known. */
  cost: Cost
  /** Tests whose cost could not be computed, and why (the first reason). */
  unpricedTests: number
  unpricedReason: string | null
  /** What prompt caching saved on the priced tests: their cost without it, less their cost. */
  cacheSaving: Cost
  /** Requests that wrote or read the prompt cache (`marked`), and those that read from it (`hits`). */
  cacheRequests: { marked: number; hits: number }
}

/** A `metric` name rolled up over the tests whose assertions carry it. */
export interface MetricSummary {
  name: string
  tests: number
  meanScore: number
}

export interface RunReport {
  status: 'passed' | 'failed'
  /** Why the run failed, one sentence each; empty when it passed. */
  failureReasons: string[]
  /** What loading the suites changed or skipped (providers mapped, tests skipped...), one line each. */
  loadWarnings: string[]
  /** Tests, counted by verdict (over their samples). */
  total: number
  passed: number
  failed: number
  errored: number
  passRate: number
  minPassRate: number
  /** Requests sent: every sample of every test. */
  samples: number
  /** Each test's verdict, in suite order. */
  verdicts: TestVerdict[]
  repeats: RepeatSummary | null
  /** The comparison with the `baseline` results file, when there is one. */
  baseline: BaselineComparison | null
  /** What fails the run: the pass rate (and errors), a regression against the baseline, or both. */
  failOn: FailOn
  batchIds: string[]
  batchDurationMs: number | null
  costByModel: ModelCost[]
  metrics: MetricSummary[]
  /** The suites' `derivedMetrics`, when they write any. */
  derivedMetrics?: DerivedMetricValue[]
  /** The run's cost, or null when any test's cost is unknown (then `knownCost` is a lower bound). */
  totalCost: Cost | null
  knownCost: Cost
  priceTableDate: string
  /** A token's batch price over its standard price (0.5 unless the `pricing` file changes it). */
  batchMultiplier: number
  /** The failed and errored samples of tests that did not pass, errored first, in suite order within each. */
  problems: TestOutcome[]
  unexpectedCustomIds: string[]
  runUrl: string | undefined
  /** Each test's cost: the top spenders, and the `max-cost-increase` gate's comparison with the baseline. */
  testCosts?: TestCostsReport
  /** Where the run was made (its workflow run, branch and commit), for a later run reusing its results. */
  origin?: RunOrigin
  /** What the run reused of an earlier run's results (the `reuse` input). */
  reuse?: ReuseSummary
  /** The requests at batch and at standard prices, when on-timeout: standard sent some. */
  priceMix?: PriceMix
  /** The judge's replies, by request key, for a later run to reuse. */
  judgeReplies?: StoredJudgeReply[]
  /** The slice of the suite the run is (the `shard` input); undefined for a whole suite or a merge. */
  shard?: ShardRecord
}

export type FailOn = 'threshold' | 'regression' | 'both'

export interface ReportContext {
  minPassRate: number
  batchIds: string[]
  batchDurationMs: number | null
  runUrl: string | undefined
  /** Samples of a repeated test that must pass; undefined for all. */
  repeatMinPass?: number
  /** What fails the run: the pass rate (and errors), a regression against the baseline, or both. */
  failOn?: FailOn
  /** The suite load's warnings, which the reports repeat after the run. */
  loadWarnings?: string[]
  baseline?: Baseline
  /** The judge's requests for model-graded assertions. */
  judgeCalls?: JudgeCall[]
  /** Fails the run when the tests in both runs cost more than this over the baseline. */
  maxCostIncrease?: CostIncreaseLimit
}

export function buildReport(
  { outcomes, unexpectedCustomIds, unexpectedCalls }: GradedRun,
  context: ReportContext,
): RunReport {
  const verdicts = verdictsOf(outcomes, context.repeatMinPass)
  const verdictOf = new Map(verdicts.map((verdict) => [verdict.evalCase, verdict.status]))
  // One pass over the samples (a run may have 100,000): problems, costs and metrics.
  const failedSamples: TestOutcome[] = []
  const erroredSamples: TestOutcome[] = []
  const costs = new CostsByModel()
  const metrics = new MetricSums()
  const derived = new DerivedMetricSums()
  const priceMix = new PriceMixSums()
  for (const outcome of outcomes) {
    priceMix.add(outcome)
    if (outcome.status !== 'passed' && verdictOf.get(outcome.evalCase) !== 'passed') {
      ;(outcome.status === 'failed' ? failedSamples : erroredSamples).push(outcome)
    }
    costs.add(outcome.evalCase.params.model, 'outputs', outcome)
    metrics.add(outcome.metrics)
    derived.add(outcome)
  }
  const derivedMetrics = derived.values()
  for (const call of unexpectedCalls) costs.add(call.model, 'outputs', call)
  for (const call of context.judgeCalls ?? []) costs.add(call.model, 'judge', call)
  let [passed, failed, errored] = [0, 0, 0]
  for (const { status } of verdicts) {
    if (status === 'passed') passed += 1
    else if (status === 'failed') failed += 1
    else errored += 1
  }
  const total = verdicts.length
  const passRate = total === 0 ? 0 : passed / total
  const costByModel = costs.rows()
  const knownCost = costByModel.reduce((sum, row) => addCosts(sum, row.cost), NO_COST)
  const unpriced = costByModel.some((row) => row.unpricedTests > 0)
  const totalCost = unpriced ? null : knownCost
  const baseline = context.baseline
    ? compareWithBaseline(
        {
          tests: verdicts.map(({ evalCase, status }) => ({
            id: evalCase.id,
            description: evalCase.description,
            status,
          })),
          costBatch: totalCost && totalCost.batch,
        },
        context.baseline,
      )
    : null

  const failOn = context.failOn ?? 'threshold'
  // Without a baseline, or one that shares no test with this run, there is nothing to regress from: the pass
  // rate gates instead.
  const gateOnThreshold = failOn !== 'regression' || !baseline || baseline.paired === 0
  const failureReasons: string[] = []
  if (gateOnThreshold && passRate < context.minPassRate) {
    failureReasons.push(
      `pass rate ${percent(passRate)} is below the minimum of ${percent(context.minPassRate)}`,
    )
  }
  if (gateOnThreshold && errored > 0) {
    failureReasons.push(`${errored} test${errored === 1 ? '' : 's'} errored (no output to grade)`)
  }
  if (failOn !== 'threshold' && baseline && baseline.regressions.length > 0) {
    const count = baseline.regressions.length
    failureReasons.push(`${count} test${count === 1 ? '' : 's'} regressed against the baseline`)
  }
  const testCosts = testCostsReport(outcomes, context.baseline, context.maxCostIncrease)
  if (testCosts.comparison?.exceeded) failureReasons.push(costGateReason(testCosts.comparison, formatUsd))
  if (unexpectedCustomIds.length > 0) {
    failureReasons.push(`the batch returned ${unexpectedCustomIds.length} result(s) for unknown custom_ids`)
  }

  return {
    status: failureReasons.length === 0 ? 'passed' : 'failed',
    failureReasons,
    loadWarnings: context.loadWarnings ?? [],
    total,
    passed,
    failed,
    errored,
    passRate,
    minPassRate: context.minPassRate,
    samples: outcomes.length,
    verdicts,
    repeats: repeatSummaryOf(verdicts),
    baseline,
    failOn,
    batchIds: context.batchIds,
    batchDurationMs: context.batchDurationMs,
    costByModel,
    metrics: metrics.summaries(),
    ...(derivedMetrics.length > 0 && { derivedMetrics }),
    totalCost,
    knownCost,
    priceTableDate: PRICE_TABLE_DATE,
    batchMultiplier: batchMultiplier(),
    problems: erroredSamples.concat(failedSamples),
    unexpectedCustomIds,
    runUrl: context.runUrl,
    testCosts,
    ...(priceMix.result() && { priceMix: priceMix.result() }),
  }
}

/** Running sums of each metric's scores, in the order the tests are added. */
class MetricSums {
  private readonly sums = new Map<string, { tests: number; total: number }>()

  add(metrics: Record<string, number>): void {
    for (const [name, score] of Object.entries(metrics)) {
      const sum = this.sums.get(name)
      if (sum) {
        sum.tests += 1
        sum.total += score
      } else this.sums.set(name, { tests: 1, total: score })
    }
  }

  summaries(): MetricSummary[] {
    return [...this.sums]
      .map(([name, { tests, total }]) => ({ name, tests, meanScore: total / tests }))
      .sort((a, b) => a.name.localeCompare(b.name))
  }
}

/** What one request cost, as far as it is known. */
interface Spend {
  usage: Usage | null
  cost: Cost | null
  costUnknown: string | null
}

/** Tokens and cost per model and role, summed in place. */
class CostsByModel {
  private readonly rowsByKey = new Map<string, ModelCost>()

  add(model: string, role: CostRole, { usage, cost, costUnknown }: Spend): void {
    const key = `${role} ${model}`
    let row = this.rowsByKey.get(key)
    if (!row) {
      row = {
        model,
        role,
        tests: 0,
        tokens: NO_TOKENS,
        cost: NO_COST,
        unpricedTests: 0,
        unpricedReason: null,
        cacheSaving: NO_COST,
        cacheRequests: { marked: 0, hits: 0 },
      }
      this.rowsByKey.set(key, row)
    }
    row.tests += 1
    if (usage) {
      row.tokens = addTokens(row.tokens, tokenCountsOf(usage))
      if (priceTierOf(usage) === 'standard')
        row.standardTokens = addTokens(row.standardTokens ?? NO_TOKENS, tokenCountsOf(usage))
      const hit = (usage.cache_read_input_tokens ?? 0) > 0
      if (hit || (usage.cache_creation_input_tokens ?? 0) > 0) {
        row.cacheRequests = {
          marked: row.cacheRequests.marked + 1,
          hits: row.cacheRequests.hits + (hit ? 1 : 0),
        }
      }
    }
    if (cost) {
      row.cost = addCosts(row.cost, cost)
      if (usage) row.cacheSaving = addCosts(row.cacheSaving, cacheSavingOf(model, usage, cost))
    } else {
      row.unpricedTests += 1
      row.unpricedReason ??= costUnknown
    }
  }

  /** The outputs' rows, then the judge's, each by model name. */
  rows(): ModelCost[] {
    return [...this.rowsByKey.values()].sort(
      (a, b) => (a.role === b.role ? 0 : a.role === 'outputs' ? -1 : 1) || a.model.localeCompare(b.model),
    )
  }
}

/** A request's cost had every cached token been plain input, less what it cost: the saving caching added. */
function cacheSavingOf(model: string, usage: Usage, cost: Cost): Cost {
  const cached = (usage.cache_creation_input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0)
  if (cached === 0) return NO_COST
  const uncached = costOf(model, {
    ...usage,
    input_tokens: usage.input_tokens + cached,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
  })
  if (!('cost' in uncached)) return NO_COST
  return { standard: uncached.cost.standard - cost.standard, batch: uncached.cost.batch - cost.batch }
}

/** 0.955 -> "95.5%": one decimal, none when whole, rounded down so that 99.96% never shows as 100%. */
export function percent(rate: number): string {
  const value = Math.floor(rate * 1000 + 1e-9) / 10
  return `${Number.isInteger(value) ? value.toFixed(0) : value.toFixed(1)}%`
}
