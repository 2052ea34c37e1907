/**
 * Cost per test in the reports: the top spenders, and the `max-cost-increase` gate's comparison with the
 * baseline with the tests whose cost rose the most. Markdown for the job summary and the PR comment, lines
 * for the terminal; test ids and descriptions are the suite's text, made inert where they are shown.
 */
import { formatUsd } from '../cost/usd.js'
import { increaseText, limitText, type CostComparison, type TestCostsReport } from './cost-comparison.js'
import { inertCell } from './inert-text.js'
import type { Layout } from './terminal-expected.js'
import { oneLine, StyledLine } from './terminal-style.js'

const n = (value: number) => value.toLocaleString('en-US')
const tests = (count: number) => `${n(count)} test${count === 1 ? '' : 's'}`

/** One sentence: what the compared tests cost before and now, and the gate's verdict. */
function comparisonSentence(comparison: CostComparison, strong: (text: string) => string): string {
  const { compared, baselineBatch, currentBatch, limit, exceeded } = comparison
  const gate = limit
    ? ` max-cost-increase ${limitText(limit, formatUsd)}: ${exceeded ? strong('exceeded') : 'within'}.`
    : ''
  const apart = [
    comparison.unpriced > 0
      ? `${tests(comparison.unpriced)} with a cost unknown in either run, not compared`
      : '',
    comparison.newTests.count > 0
      ? `${tests(comparison.newTests.count)} new (${formatUsd(comparison.newTests.batch)})`
      : '',
    comparison.removedTests.count > 0
      ? `${tests(comparison.removedTests.count)} removed (${formatUsd(comparison.removedTests.batch)} on the baseline)`
      : '',
  ].filter((part) => part !== '')
  return (
    `The ${tests(compared)} in both runs cost ${formatUsd(baselineBatch)} on the baseline and ` +
    `${formatUsd(currentBatch)} now at batch prices: ${increaseText(comparison, formatUsd)}.${gate}` +
    (apart.length > 0 ? ` Apart from the comparison: ${apart.join('; ')}.` : '')
  )
}

/** The section, or '' when no test cost anything and no gate is set. */
export function testCostSection(costs: TestCostsReport | undefined, listItems: number): string {
  if (!costs) return ''
  const lines: string[] = []
  const label = (id: string, description: string | undefined) =>
    `${inertCell(id, 150)}${description ? ` — ${inertCell(description, 150)}` : ''}`
  if (costs.topSpenders.length > 0) {
    lines.push(
      `Most expensive tests at batch prices (the results file has every test's \`cost_usd\`):`,
      '',
      '| test | requests | batch price |',
      '| --- | ---: | ---: |',
      ...costs.topSpenders.map(
        (test) =>
          `| ${label(test.id, test.description)} | ${n(test.samples)} | ${formatUsd(test.batch ?? 0n)} |`,
      ),
    )
  }
  const { comparison, maxCostIncrease } = costs
  if (comparison) {
    lines.push(
      '',
      comparisonSentence(comparison, (text) => `**${text}**`),
    )
    const shown = comparison.increases.slice(0, listItems)
    if (shown.length > 0) {
      lines.push(
        '',
        `**Cost rose the most (${comparison.increases.length})**`,
        '',
        ...shown.map(
          ({ id, description, before, after }) =>
            `- ${label(id, description)} (${formatUsd(before)} → ${formatUsd(after)})`,
        ),
      )
      const left = comparison.increases.length - shown.length
      if (left > 0) lines.push(`- … and ${left} more`)
    }
  } else if (maxCostIncrease) {
    lines.push('', noBaseline(maxCostIncrease))
  }
  if (lines[0] === '') lines.shift()
  return lines.length === 0 ? '' : ['### Cost per test', '', ...lines].join('\n')
}

function noBaseline(limit: NonNullable<TestCostsReport['maxCostIncrease']>): string {
  return `max-cost-increase (${limitText(limit, formatUsd)}) checked nothing: there is no baseline to compare with.`
}

/** The terminal's short section: the top spenders in a line each, the comparison, the largest rises (each list cut at `maxTests`). */
export function testCostLines(
  costs: TestCostsReport | undefined,
  { paint, width }: Layout,
  maxTests: number,
): string[] {
  if (!costs) return []
  const lines: string[] = []
  if (costs.topSpenders.length > 0) {
    lines.push('Most expensive tests (batch prices):')
    for (const test of costs.topSpenders.slice(0, maxTests)) {
      lines.push(
        new StyledLine(paint, width)
          .add(`  ${formatUsd(test.batch ?? 0n)}  `)
          .add(oneLine(test.id, 120), 'bold')
          .add(test.samples > 1 ? ` (${test.samples} requests)` : '')
          .toString(),
      )
    }
  }
  const { comparison, maxCostIncrease } = costs
  if (comparison) {
    lines.push(comparisonSentence(comparison, (text) => paint('red', text)))
    for (const { id, before, after } of comparison.increases.slice(0, maxTests)) {
      lines.push(
        new StyledLine(paint, width)
          .add('  cost rose: ', 'yellow')
          .add(`${oneLine(id, 120)} (${formatUsd(before)} → ${formatUsd(after)})`)
          .toString(),
      )
    }
    const left = comparison.increases.length - maxTests
    if (left > 0) lines.push(paint('dim', `  … ${left} more whose cost rose`))
  } else if (maxCostIncrease) {
    lines.push(noBaseline(maxCostIncrease))
  }
  return lines
}
