/**
 * The sections of a report whose content is fixed by the run: the comparison with the baseline, the
 * repeated tests and the cost. Their lists of tests show at most `listItems` entries each.
 */
import { priceMixSentence } from './price-mix.js'
import { reuseSentence } from './reuse-summary.js'
import { addTokens, NO_TOKENS, type TokenCounts } from '../cost/pricing.js'
import { formatUsd } from '../cost/usd.js'
import { passAtK, passHatK } from '../grading/statistics.js'
import type { BaselineComparison } from './baseline.js'
import { cacheSentence, cacheSummaryOf } from './cache-summary.js'
import { inertCell } from './inert-text.js'
import { percent, type RunReport } from './report.js'
import type { Cost } from '../model.js'

/** Up to `max` items as list lines, and how many more the results file has. */
function listed<T>(items: T[], max: number, line: (item: T) => string): string[] {
  const shown = items.slice(0, max).map(line)
  const left = items.length - shown.length
  return left > 0 ? [...shown, `- … and ${left} more in the results file`] : shown
}

function testLabel({ id, description }: { id: string; description?: string }): string {
  return `${inertCell(id, 150)}${description ? ` — ${inertCell(description, 150)}` : ''}`
}

export function baselineSection(report: RunReport, listItems: number): string {
  const comparison = report.baseline
  if (!comparison) return ''
  const source = `Baseline: \`${inertCell(comparison.file, 200)}\`, written ${inertCell(comparison.generatedAt, 40)}.`
  if (comparison.paired === 0) return unpairedBaseline(report, comparison, source)
  const interval = ({ low, high }: { low: number; high: number }) => `95% CI ${percent(low)}–${percent(high)}`
  const points = Math.round(comparison.passRateDelta * 1000) / 10
  const lines = [
    '### Compared with the baseline',
    '',
    `Pass rate **${percent(report.passRate)}** (${interval(comparison.currentInterval)}) against ` +
      `${percent(comparison.baselinePassRate)} (${interval(comparison.baselineInterval)}) on the baseline: ` +
      `**${points > 0 ? '+' : points < 0 ? '−' : '±'}${Math.abs(points)} points**.` +
      (comparison.costDelta === null
        ? ''
        : ` Cost at batch prices: ${comparison.costDelta < 0n ? '−' : '+'}${formatUsd(comparison.costDelta < 0n ? -comparison.costDelta : comparison.costDelta)}.`),
    '',
    comparison.significance,
  ]
  const groups: [string, BaselineComparison['regressions'], boolean][] = [
    ['🔻 Regressions: passed on the baseline, not now', comparison.regressions, true],
    ['🔺 Fixes: failed on the baseline, pass now', comparison.fixes, true],
    ['New tests', comparison.newTests, false],
    ['Removed tests', comparison.removedTests, false],
  ]
  for (const [title, tests, flip] of groups) {
    if (tests.length === 0) continue
    lines.push(
      '',
      `**${title} (${tests.length})**`,
      '',
      ...listed(
        tests,
        listItems,
        (test) => `- ${testLabel(test)}${flip ? ` (${test.before} → ${test.after})` : ''}`,
      ),
    )
  }
  lines.push('', source)
  return lines.join('\n')
}

/** A baseline with no test in common: a pass-rate change or flips between unrelated suites would mislead. */
function unpairedBaseline(report: RunReport, comparison: BaselineComparison, source: string): string {
  const tests = (n: number) => `${n.toLocaleString('en-US')} test${n === 1 ? '' : 's'}`
  const gate =
    report.failOn === 'regression'
      ? ' With nothing to regress from, `fail-on: regression` gates on the pass rate instead.'
      : ''
  return [
    '### Compared with the baseline',
    '',
    `**The baseline shares no tests with this run**: none of this run's ${tests(comparison.newTests.length)} ` +
      `is among the baseline's ${tests(comparison.removedTests.length)}, so nothing is compared. Is the ` +
      `baseline another suite's, or were the tests renamed?${gate}`,
    '',
    source,
  ].join('\n')
}

export function repeatsSection(report: RunReport, listItems: number): string {
  const repeats = report.repeats
  if (!repeats) return ''
  const { k } = repeats
  const repeated = report.verdicts.filter((v) => v.samples > 1)
  const missed = repeated.filter((v) => v.passes < v.samples)
  const repeatedSamples = repeated.reduce((sum, v) => sum + v.samples, 0)
  const lines = [
    '### Repeats',
    '',
    `${repeats.tests} test${repeats.tests === 1 ? '' : 's'} ran several times (${repeatedSamples} requests in all), ` +
      `${repeats.tests - missed.length} of them passing every sample. ` +
      `Means over them: ${percent(repeats.passAt1)} of samples passed, pass@${k} ${percent(repeats.passAtK)} ` +
      `(at least one of ${k} passes), pass^${k} ${percent(repeats.passHatK)} (all ${k} pass).`,
  ]
  if (missed.length > 0) {
    const shown = missed.slice(0, listItems)
    lines.push(
      '',
      `**Repeated tests that missed a sample (${missed.length}), ${repeats.flaky.length} of them flaky: passed and failed across samples**`,
      '',
      `| test | passed | pass@${k} | pass^${k} | verdict |`,
      '| --- | ---: | ---: | ---: | --- |',
      ...shown.map((v) => {
        const label = testLabel({ id: v.evalCase.id, description: v.evalCase.description })
        const needs = v.needed < v.samples ? `, needs ${v.needed}` : ''
        const cells = [
          `${label}${v.flaky ? ' · 🔀 flaky' : ''}`,
          `${v.passes} of ${v.samples}${needs}`,
          percent(passAtK(v.samples, v.passes, k)),
          percent(passHatK(v.samples, v.passes, k)),
          v.status,
        ]
        return `| ${cells.join(' | ')} |`
      }),
    )
    if (missed.length > shown.length) {
      lines.push('', `${missed.length - shown.length} more are in the results file.`)
    }
  }
  return lines.join('\n')
}

export function costSection(report: RunReport): string {
  const header = [
    '### Cost',
    '',
    '| model | requests | input | cache write | cache read | output | batch price | standard price | savings |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ]
  const rows = report.costByModel.map((row) =>
    costRow(
      `${inertCell(row.model, 80)}${row.role === 'judge' ? ' (judge)' : ''}`,
      row.tests,
      row.tokens,
      row.unpricedTests === 0 ? row.cost : null,
    ),
  )
  const totalTokens = report.costByModel.reduce((sum, row) => addTokens(sum, row.tokens), NO_TOKENS)
  const requests = report.costByModel.reduce((sum, row) => sum + row.tests, 0)
  rows.push(costRow('**total**', requests, totalTokens, report.totalCost))
  const notes = [
    ...(report.costByModel.some((row) => row.role === 'judge')
      ? ["(judge) rows are the judge model's grades of model-graded assertions, in a batch of their own."]
      : []),
    `Batch price is ${report.batchMultiplier === 0.5 ? 'half' : `${report.batchMultiplier}x`} the standard price ` +
      'for every kind of token, cache writes and reads included. ' +
      `Prices from the table of ${report.priceTableDate}${report.batchMultiplier === 0.5 ? '' : ' and the pricing file'}; ` +
      'errored, canceled and expired requests are not billed.',
  ]
  const cache = cacheSummaryOf(report.costByModel)
  if (cache) notes.push(cacheSentence(cache, (text) => `**${text}**`))
  if (report.reuse) notes.push(inertCell(reuseSentence(report.reuse, report.totalCost?.batch), 400))
  if (report.priceMix) notes.push(priceMixSentence(report.priceMix))
  for (const row of report.costByModel.filter((r) => r.unpricedTests > 0)) {
    notes.push(
      `Cost unknown for ${row.unpricedTests} test(s) on ${inertCell(row.model, 80)}: ${inertCell(row.unpricedReason ?? '', 200)}. ` +
        `The known part of the run costs ${formatUsd(report.knownCost.batch)} at batch price.`,
    )
  }
  return [...header, ...rows, '', ...notes].join('\n')
}

function costRow(label: string, tests: number, tokens: TokenCounts, cost: Cost | null): string {
  const n = (value: number) => value.toLocaleString('en-US')
  const money = cost
    ? [
        formatUsd(cost.batch),
        formatUsd(cost.standard),
        `${formatUsd(cost.standard - cost.batch)}${cost.standard > 0n ? ` (${percent(Number(cost.standard - cost.batch) / Number(cost.standard))})` : ''}`,
      ]
    : ['unknown', 'unknown', 'unknown']
  const cells = [
    label,
    n(tests),
    n(tokens.input),
    n(tokens.cacheWrite5m + tokens.cacheWrite1h),
    n(tokens.cacheRead),
    n(tokens.output),
    ...money,
  ]
  return `| ${cells.join(' | ')} |`
}
