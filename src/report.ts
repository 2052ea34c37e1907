/** The report model: the verdict, counts and costs of a graded run, from which every surface is rendered. */
import type { GradedRun, TestOutcome } from './grading.js'
import {
  addCosts,
  addTokens,
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
  const count = (status: TestOutcome['status']) => outcomes.filter((o) => o.status === status).length
  const [passed, failed, errored] = [count('passed'), count('failed'), count('errored')]
  const total = outcomes.length
  const passRate = total === 0 ? 0 : passed / total
  const costByModel = costsByModel(outcomes)
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
    metrics: metricSummaries(outcomes),
    totalCost: unpriced ? null : knownCost,
    knownCost,
    priceTableDate: PRICE_TABLE_DATE,
    problems: [
      ...outcomes.filter((o) => o.status === 'errored'),
      ...outcomes.filter((o) => o.status === 'failed'),
    ],
    unexpectedCustomIds,
    runUrl: context.runUrl,
  }
}

function metricSummaries(outcomes: TestOutcome[]): MetricSummary[] {
  const scores = new Map<string, number[]>()
  for (const outcome of outcomes) {
    for (const [name, score] of Object.entries(outcome.metrics))
      scores.set(name, [...(scores.get(name) ?? []), score])
  }
  return [...scores]
    .map(([name, values]) => ({
      name,
      tests: values.length,
      meanScore: values.reduce((a, b) => a + b, 0) / values.length,
    }))
    .sort((a, b) => a.name.localeCompare(b.name))
}

function costsByModel(outcomes: TestOutcome[]): ModelCost[] {
  const rows = new Map<string, ModelCost>()
  for (const outcome of outcomes) {
    const model = outcome.evalCase.params.model
    const row = rows.get(model) ?? {
      model,
      tests: 0,
      tokens: NO_TOKENS,
      cost: NO_COST,
      unpricedTests: 0,
      unpricedReason: null,
    }
    row.tests += 1
    if (outcome.usage) row.tokens = addTokens(row.tokens, tokenCountsOf(outcome.usage))
    if (outcome.cost) row.cost = addCosts(row.cost, outcome.cost)
    else {
      row.unpricedTests += 1
      row.unpricedReason ??= outcome.costUnknown
    }
    rows.set(model, row)
  }
  return [...rows.values()].sort((a, b) => a.model.localeCompare(b.model))
}

/** 0.955 -> "95.5%": one decimal, none when whole, rounded down so that 99.96% never shows as 100%. */
export function percent(rate: number): string {
  const value = Math.floor(rate * 1000 + 1e-9) / 10
  return `${Number.isInteger(value) ? value.toFixed(0) : value.toFixed(1)}%`
}
