/** The report model: the verdict, counts and costs of a graded run, from which every surface is rendered. */
import type { Usage } from '@anthropic-ai/sdk/resources/messages/messages'
import type { GradedRun, TestOutcome } from './grading.js'
import {
  addCosts,
  addTokens,
  costOf,
  NO_COST,
  NO_TOKENS,
  PRICE_TABLE_DATE,
  tokenCountsOf,
  type Cost,
  type TokenCounts,
} from './pricing.js'

export interface ModelCost {
  model: string
  tests: number
  tokens: TokenCounts
  /** Sum over the model's tests whose cost is known. */
  cost: Cost
  /** Tests whose cost could not be computed, and why (the first reason). */
  unpricedTests: number
  unpricedReason: string | null
  /** What prompt caching saved on the priced tests: their cost without it, less their cost. */
  cacheSaving: Cost
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
  total: number
  passed: number
  failed: number
  errored: number
  passRate: number
  minPassRate: number
  batchIds: string[]
  batchDurationMs: number | null
  costByModel: ModelCost[]
  metrics: MetricSummary[]
  /** The run's cost, or null when any test's cost is unknown (then `knownCost` is a lower bound). */
  totalCost: Cost | null
  knownCost: Cost
  priceTableDate: string
  /** Failed and errored tests, errored first, in suite order within each. */
  problems: TestOutcome[]
  unexpectedCustomIds: string[]
  runUrl: string | undefined
}

export interface ReportContext {
  minPassRate: number
  batchIds: string[]
  batchDurationMs: number | null
  runUrl: string | undefined
}

export function buildReport({ outcomes, unexpectedCustomIds }: GradedRun, context: ReportContext): RunReport {
  // One pass over the outcomes (a run may have 100,000): counts, problems, costs and metrics.
  let passed = 0
  const failedTests: TestOutcome[] = []
  const erroredTests: TestOutcome[] = []
  const costs = new CostsByModel()
  const metrics = new MetricSums()
  for (const outcome of outcomes) {
    if (outcome.status === 'passed') passed += 1
    else if (outcome.status === 'failed') failedTests.push(outcome)
    else erroredTests.push(outcome)
    costs.add(outcome)
    metrics.add(outcome.metrics)
  }
  const [failed, errored] = [failedTests.length, erroredTests.length]
  const total = outcomes.length
  const passRate = total === 0 ? 0 : passed / total
  const costByModel = costs.rows()
  const knownCost = costByModel.reduce((sum, row) => addCosts(sum, row.cost), NO_COST)
  const unpriced = costByModel.some((row) => row.unpricedTests > 0)

  const failureReasons: string[] = []
  if (passRate < context.minPassRate) {
    failureReasons.push(
      `pass rate ${percent(passRate)} is below the minimum of ${percent(context.minPassRate)}`,
    )
  }
  if (errored > 0) {
    failureReasons.push(`${errored} test${errored === 1 ? '' : 's'} errored (no output to grade)`)
  }
  if (unexpectedCustomIds.length > 0) {
    failureReasons.push(`the batch returned ${unexpectedCustomIds.length} result(s) for unknown custom_ids`)
  }

  return {
    status: failureReasons.length === 0 ? 'passed' : 'failed',
    failureReasons,
    total,
    passed,
    failed,
    errored,
    passRate,
    minPassRate: context.minPassRate,
    batchIds: context.batchIds,
    batchDurationMs: context.batchDurationMs,
    costByModel,
    metrics: metrics.summaries(),
    totalCost: unpriced ? null : knownCost,
    knownCost,
    priceTableDate: PRICE_TABLE_DATE,
    problems: erroredTests.concat(failedTests),
    unexpectedCustomIds,
    runUrl: context.runUrl,
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

/** Tokens and cost per model, summed in place. */
class CostsByModel {
  private readonly byModel = new Map<string, ModelCost>()

  add(outcome: TestOutcome): void {
    const model = outcome.evalCase.params.model
    let row = this.byModel.get(model)
    if (!row) {
      row = {
        model,
        tests: 0,
        tokens: NO_TOKENS,
        cost: NO_COST,
        unpricedTests: 0,
        unpricedReason: null,
        cacheSaving: NO_COST,
      }
      this.byModel.set(model, row)
    }
    row.tests += 1
    if (outcome.usage) row.tokens = addTokens(row.tokens, tokenCountsOf(outcome.usage))
    if (outcome.cost) {
      row.cost = addCosts(row.cost, outcome.cost)
      if (outcome.usage)
        row.cacheSaving = addCosts(row.cacheSaving, cacheSavingOf(model, outcome.usage, outcome.cost))
    } else {
      row.unpricedTests += 1
      row.unpricedReason ??= outcome.costUnknown
    }
  }

  rows(): ModelCost[] {
    return [...this.byModel.values()].sort((a, b) => a.model.localeCompare(b.model))
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
