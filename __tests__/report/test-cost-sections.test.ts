import { compareCosts, type TestCost, type TestCostsReport } from '../../src/report/cost-comparison.js'
import { testCostLines, testCostSection } from '../../src/report/test-cost-sections.js'
import { painter } from '../../src/report/terminal-style.js'

const mills = (n: number) => (BigInt(n) * 10n ** 15n) / 1000n
const test = (id: string, batch: bigint, samples = 1): TestCost => ({
  id,
  description: undefined,
  samples,
  batch,
})
const current = [
  test('a', mills(10)),
  test('b', mills(16)),
  test('c', mills(30), 3),
  test('<b>new</b>', mills(5)),
]
const baseline = new Map<string, bigint | null>([
  ['a', mills(10)],
  ['b', mills(12)],
  ['c', mills(20)],
  ['gone', mills(2)],
])
const costs = (limit?: TestCostsReport['maxCostIncrease'], withBaseline = true): TestCostsReport => ({
  topSpenders: [current[2], current[1], current[0], current[3]],
  maxCostIncrease: limit,
  comparison: withBaseline ? compareCosts(current, baseline, limit) : null,
})

describe('testCostSection (job summary and PR comment)', () => {
  it('lists the top spenders, the comparison with the gate, and the tests whose cost rose the most', () => {
    const markdown = testCostSection(costs({ percent: 10 }), 20)
    expect(markdown).toContain('### Cost per test')
    expect(markdown).toContain('| c | 3 | $0.03 |\n| b | 1 | $0.016 |')
    expect(markdown).toContain(
      'The 3 tests in both runs cost $0.042 on the baseline and $0.056 now at batch prices: +$0.014 (+33.3%). ' +
        'max-cost-increase 10%: **exceeded**. Apart from the comparison: 1 test new ($0.005); 1 test removed ' +
        '($0.002 on the baseline).',
    )
    expect(markdown).toContain('**Cost rose the most (2)**\n\n- c ($0.02 → $0.03)\n- b ($0.012 → $0.016)')
    expect(markdown).not.toContain('<b>')
  })

  it("cuts the list of rises to the surface's items", () => {
    expect(testCostSection(costs({ usd: mills(1) }), 1)).toContain('- c ($0.02 → $0.03)\n- … and 1 more')
  })

  it('says in one line that the gate checked nothing without a baseline', () => {
    const markdown = testCostSection(costs({ percent: 10 }, false), 20)
    expect(markdown).toContain(
      'max-cost-increase (10%) checked nothing: there is no baseline to compare with.',
    )
    expect(markdown).not.toContain('in both runs')
  })

  it('is empty when nothing cost anything and there is no gate', () => {
    expect(testCostSection({ topSpenders: [], maxCostIncrease: undefined, comparison: null }, 20)).toBe('')
    expect(testCostSection(undefined, 20)).toBe('')
  })
})

describe('testCostLines (terminal)', () => {
  it('prints the top spenders, the comparison and the rises, each list cut', () => {
    const lines = testCostLines(costs({ usd: mills(5) }), { paint: painter(false), width: 100 }, 1)
    expect(lines).toEqual([
      'Most expensive tests (batch prices):',
      '  $0.03  c (3 requests)',
      expect.stringMatching(/^The 3 tests in both runs .* max-cost-increase \$0\.005: exceeded\./),
      '  cost rose: c ($0.02 → $0.03)',
      '  … 1 more whose cost rose',
    ])
  })
})
