/**
 * Cost per test, and the `max-cost-increase` gate: this run's tests against the baseline's at batch prices,
 * over the tests both ran with a known cost, with the tests whose cost rose the most; and the run's top
 * spenders. Amounts are femtodollars (bigint), as everywhere money is summed.
 */
import type { Baseline } from './baseline.js'
import type { TestOutcome } from '../model.js'

/** `max-cost-increase`: a share of the baseline's cost of the compared tests, or an amount in USD. */
export type CostIncreaseLimit = { percent: number } | { usd: bigint }

/** One test's cost at batch prices over its samples; null when any sample's cost is unknown. */
export interface TestCost {
  id: string
  description: string | undefined
  samples: number
  batch: bigint | null
}

export interface CostIncrease {
  id: string
  description: string | undefined
  before: bigint
  after: bigint
}

export interface CostComparison {
  /** Tests in both runs with a known cost in each: the gate's figures are over these only. */
  compared: number
  /** Tests in both runs whose cost is unknown in either, left out of the comparison. */
  unpriced: number
  baselineBatch: bigint
  currentBatch: bigint
  /** currentBatch - baselineBatch: negative when the compared tests cost less now. */
  increase: bigint
  /** increase / baselineBatch in percent; null when the baseline's compared tests cost nothing. */
  increasePercent: number | null
  /** Tests in this run only, and what they cost (the known part): never part of the gate. */
  newTests: { count: number; batch: bigint }
  /** Tests in the baseline only, and what they cost there (the known part). */
  removedTests: { count: number; batch: bigint }
  /** The compared tests whose cost rose, the largest rise first. */
  increases: CostIncrease[]
  limit: CostIncreaseLimit | undefined
  /** The limit is set and the increase is over it. */
  exceeded: boolean
}

/** The most expensive tests the reports show. */
export const TOP_SPENDERS = 5

/** Each test's cost over its samples, in the order of first appearance. */
export function testCostsOf(outcomes: readonly Pick<TestOutcome, 'evalCase' | 'cost'>[]): TestCost[] {
  const byId = new Map<string, TestCost>()
  for (const { evalCase, cost } of outcomes) {
    let test = byId.get(evalCase.id)
    if (!test) {
      test = { id: evalCase.id, description: evalCase.description, samples: 0, batch: 0n }
      byId.set(evalCase.id, test)
    }
    test.samples += 1
    test.batch = test.batch === null || cost === null ? null : test.batch + cost.batch
  }
  return [...byId.values()]
}

/** The `n` tests that cost the most at batch prices (known costs only), the most expensive first. */
export function topSpenders(costs: readonly TestCost[], n = TOP_SPENDERS): TestCost[] {
  const known = costs.filter(
    (test): test is TestCost & { batch: bigint } => test.batch !== null && test.batch > 0n,
  )
  return known.sort((a, b) => (a.batch < b.batch ? 1 : a.batch > b.batch ? -1 : 0)).slice(0, n)
}

export function compareCosts(
  current: readonly TestCost[],
  baseline: ReadonlyMap<string, bigint | null>,
  limit: CostIncreaseLimit | undefined,
): CostComparison {
  let [compared, unpriced, baselineBatch, currentBatch] = [0, 0, 0n, 0n]
  const newTests = { count: 0, batch: 0n }
  const increases: CostIncrease[] = []
  const seen = new Set<string>()
  for (const { id, description, batch: after } of current) {
    seen.add(id)
    if (!baseline.has(id)) {
      newTests.count += 1
      newTests.batch += after ?? 0n
      continue
    }
    const before = baseline.get(id) ?? null
    if (before === null || after === null) {
      unpriced += 1
      continue
    }
    compared += 1
    baselineBatch += before
    currentBatch += after
    if (after > before) increases.push({ id, description, before, after })
  }
  const removedTests = { count: 0, batch: 0n }
  for (const [id, batch] of baseline) {
    if (seen.has(id)) continue
    removedTests.count += 1
    removedTests.batch += batch ?? 0n
  }
  increases.sort((a, b) => {
    const [rise, other] = [a.after - a.before, b.after - b.before]
    return rise < other ? 1 : rise > other ? -1 : 0
  })
  const increase = currentBatch - baselineBatch
  const increasePercent = baselineBatch > 0n ? (Number(increase) / Number(baselineBatch)) * 100 : null
  const exceeded =
    limit !== undefined &&
    increase > 0n &&
    ('usd' in limit ? increase > limit.usd : increasePercent === null || increasePercent > limit.percent)
  return {
    compared,
    unpriced,
    baselineBatch,
    currentBatch,
    increase,
    increasePercent,
    newTests,
    removedTests,
    increases,
    limit,
    exceeded,
  }
}

/** "10%" or "$0.50". */
export function limitText(limit: CostIncreaseLimit, usd: (femto: bigint) => string): string {
  return 'usd' in limit ? usd(limit.usd) : `${limit.percent}%`
}

/** "+$0.012 (+25.0%)", "−$0.003 (−10.0%)". */
export function increaseText(comparison: CostComparison, usd: (femto: bigint) => string): string {
  const { increase, increasePercent } = comparison
  const sign = increase < 0n ? '−' : '+'
  const amount = `${sign}${usd(increase < 0n ? -increase : increase)}`
  if (increasePercent === null) return amount
  return `${amount} (${sign}${Math.abs(increasePercent).toFixed(1)}%)`
}

/**
 * The failure reason of an exceeded gate. Test ids are a suite's text, which a reason is not made inert for:
 * the reports list the tests whose cost rose, each made inert where it is shown.
 */
export function costGateReason(comparison: CostComparison, usd: (femto: bigint) => string): string {
  const limit = comparison.limit ? limitText(comparison.limit, usd) : ''
  const rose = comparison.increases.length
  return (
    `the ${comparison.compared} test${comparison.compared === 1 ? '' : 's'} in both this run and the baseline ` +
    `cost ${increaseText(comparison, usd)} at batch prices, over max-cost-increase (${limit}); ` +
    `${rose} of them cost more (listed under "Cost per test")`
  )
}

/** What the reports show of the tests' costs: the top spenders, and the comparison when there is a baseline. */
export interface TestCostsReport {
  topSpenders: TestCost[]
  /** The `max-cost-increase` input; it checks nothing without a baseline. */
  maxCostIncrease: CostIncreaseLimit | undefined
  comparison: CostComparison | null
}

export function testCostsReport(
  outcomes: readonly Pick<TestOutcome, 'evalCase' | 'cost'>[],
  baseline: Pick<Baseline, 'testCosts'> | undefined,
  maxCostIncrease: CostIncreaseLimit | undefined,
): TestCostsReport {
  const costs = testCostsOf(outcomes)
  return {
    topSpenders: topSpenders(costs),
    maxCostIncrease,
    comparison: baseline ? compareCosts(costs, baseline.testCosts, maxCostIncrease) : null,
  }
}

/** The comparison as the results file's `baseline.cost_comparison` has it (schema/results.schema.json). */
export function costComparisonJson(comparison: CostComparison, usd: (femto: bigint) => string) {
  const { limit } = comparison
  return {
    compared_tests: comparison.compared,
    unpriced_tests: comparison.unpriced,
    baseline_usd: usd(comparison.baselineBatch),
    current_usd: usd(comparison.currentBatch),
    increase_usd: usd(comparison.increase),
    increase_percent: comparison.increasePercent,
    max_increase: limit ? ('usd' in limit ? { usd: usd(limit.usd) } : { percent: limit.percent }) : null,
    exceeded: comparison.exceeded,
    new_tests: { count: comparison.newTests.count, usd: usd(comparison.newTests.batch) },
    removed_tests: { count: comparison.removedTests.count, usd: usd(comparison.removedTests.batch) },
    increases: comparison.increases.map(({ id, before, after }) => ({
      id,
      before_usd: usd(before),
      after_usd: usd(after),
    })),
  }
}
