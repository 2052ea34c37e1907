import {
  compareCosts,
  costGateReason,
  testCostsOf,
  testCostsReport,
  topSpenders,
  type TestCost,
} from '../../src/report/cost-comparison.js'
import { readBaseline } from '../../src/report/baseline.js'
import { formatUsd } from '../../src/cost/usd.js'
import type { EvalCase } from '../../src/model.js'

const USD = 10n ** 15n
/** A cost in thousandths of a dollar, in femtodollars. */
const mills = (n: number) => (BigInt(n) * USD) / 1000n
const test = (id: string, batch: bigint | null): TestCost => ({
  id,
  description: undefined,
  samples: 1,
  batch,
})
const sample = (id: string, batch: bigint | null) => ({
  evalCase: { id, description: `about ${id}` } as EvalCase,
  cost: batch === null ? null : { batch, standard: batch * 2n },
})

describe('testCostsOf and topSpenders', () => {
  it("sums a test's samples, and makes it unknown when any sample's cost is", () => {
    const costs = testCostsOf([
      sample('a', mills(1)),
      sample('b', null),
      sample('a', mills(2)),
      sample('b', mills(5)),
    ])
    expect(costs).toEqual([
      { id: 'a', description: 'about a', samples: 2, batch: mills(3) },
      { id: 'b', description: 'about b', samples: 2, batch: null },
    ])
  })

  it('lists the most expensive known tests first, at most five', () => {
    const costs = [1, 7, 3, 9, 5, 2, 0].map((n, i) => test(`t${i}`, mills(n)))
    expect(topSpenders([...costs, test('unknown', null)]).map((t) => t.id)).toEqual([
      't3',
      't1',
      't4',
      't2',
      't5',
    ])
  })
})

describe('compareCosts', () => {
  const baseline = new Map<string, bigint | null>([
    ['a', mills(10)],
    ['b', mills(10)],
    ['c', mills(10)],
    ['gone', mills(4)],
    ['unpriced', null],
  ])
  const current = [
    test('a', mills(10)),
    test('b', mills(13)),
    test('c', mills(15)),
    test('new', mills(50)),
    test('unpriced', mills(1)),
  ]

  it('compares the tests in both runs with known costs, and counts new and removed tests apart', () => {
    const comparison = compareCosts(current, baseline, { percent: 20 })
    expect(comparison).toMatchObject({
      compared: 3,
      unpriced: 1,
      baselineBatch: mills(30),
      currentBatch: mills(38),
      increase: mills(8),
      newTests: { count: 1, batch: mills(50) },
      removedTests: { count: 1, batch: mills(4) },
      exceeded: true,
    })
    expect(comparison.increasePercent).toBeCloseTo(26.67, 2)
    // The largest rise first; a test whose cost held is not listed.
    expect(comparison.increases.map(({ id, before, after }) => [id, before, after])).toEqual([
      ['c', mills(10), mills(15)],
      ['b', mills(10), mills(13)],
    ])
  })

  it.each([
    [{ percent: 30 }, false],
    [{ percent: 26 }, true],
    [{ usd: mills(8) }, false],
    [{ usd: mills(7) }, true],
    [undefined, false],
  ])('with max-cost-increase %j, exceeded is %s', (limit, exceeded) => {
    expect(compareCosts(current, baseline, limit).exceeded).toBe(exceeded)
  })

  it('never fails a run that costs less, and fails any rise over a baseline that cost nothing', () => {
    expect(compareCosts([test('a', mills(5))], baseline, { percent: 0 }).exceeded).toBe(false)
    const free = compareCosts([test('a', mills(1))], new Map([['a', 0n]]), { percent: 50 })
    expect(free).toMatchObject({ increasePercent: null, exceeded: true })
  })

  it('says in the failure reason how many tests were compared, by how much, and against what limit', () => {
    const reason = costGateReason(compareCosts(current, baseline, { percent: 20 }), formatUsd)
    expect(reason).toBe(
      'the 3 tests in both this run and the baseline cost +$0.008 (+26.7%) at batch prices, over ' +
        'max-cost-increase (20%); 2 of them cost more (listed under "Cost per test")',
    )
  })
})

describe("the baseline's cost per test", () => {
  const file = (tests: object[]) =>
    JSON.stringify({
      schema_version: 1,
      generated_at: '2026-12-01T00:00:00Z',
      cost: { total_usd: null },
      tests,
    })
  const entry = (id: string, batch: string | null) => ({
    id,
    status: 'passed',
    cost_usd: batch === null ? null : { batch, standard: batch, savings: '0' },
  })

  it("sums a test's samples from the results file, and keeps an unknown cost unknown", () => {
    const baseline = readBaseline(
      file([entry('a', '0.001'), entry('a', '0.0025'), entry('b', null), entry('b', '0.5')]),
      'main.json',
    )
    expect(baseline.testCosts).toEqual(
      new Map([
        ['a', mills(3) + mills(1) / 2n],
        ['b', null],
      ]),
    )
    const report = testCostsReport([sample('a', mills(7))], baseline, { usd: mills(1) })
    expect(report.comparison).toMatchObject({ compared: 1, unpriced: 0, exceeded: true })
    expect(testCostsReport([sample('a', mills(7))], undefined, { usd: mills(1) }).comparison).toBeNull()
  })
})
