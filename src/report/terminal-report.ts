/**
 * The report as the command line prints it at the end of `run`, `regrade` and `report`: the verdict, the
 * failing and errored tests with what each assertion expected and what the model wrote, the cost and the
 * comparison with the baseline. Lines of plain text, with ANSI colours only when asked; the untrusted parts
 * (suite, model and API text) are redacted and escaped here, before any colour goes around them, so the
 * terminal may print the lines as they are but for escaping any control character outside a colour code.
 */
import { priceMixSentence } from './price-mix.js'
import { formatDuration } from '../common/duration.js'
import { formatUsd } from '../cost/usd.js'
import { failureWithoutAssertion } from '../grading/run-grader.js'
import type { AssertionResult, TestOutcome } from '../model.js'
import { cacheSentence, cacheSummaryOf } from './cache-summary.js'
import { reuseSentence } from './reuse-summary.js'
import { percent, type RunReport } from './report.js'
import { comparesText, expectedAndGot, got, type Layout } from './terminal-expected.js'
import { testCostLines } from './test-cost-sections.js'
import { oneLine, painter, StyledLine } from './terminal-style.js'

export interface TerminalReportOptions {
  /** ANSI colours (a terminal that shows them, and no NO_COLOR); never otherwise. */
  color: boolean
  /** Columns: untrusted text is cut to fit them. */
  width: number
  /** Tests listed, at most (20 by default); the rest are counted. */
  maxTests?: number
  /** Where the tests left out are, e.g. "eval-results.json and claude-batch-evals-report.html". */
  remainderAt?: string
}

const MAX_TESTS = 20
const MAX_ASSERTIONS = 5
const MAX_FLIPS = 10

export function terminalReport(report: RunReport, options: TerminalReportOptions): string[] {
  const layout: Layout = { paint: painter(options.color), width: Math.max(options.width, 40) }
  const sections = [
    verdict(report, layout),
    problems(report, options, layout),
    cost(report, layout),
    testCostLines(report.testCosts, layout, Math.min(options.maxTests ?? MAX_FLIPS, MAX_FLIPS)),
    baseline(report, layout),
    footer(report, layout),
  ].filter((section) => section.length > 0)
  return sections.flatMap((section, index) => (index === 0 ? section : ['', ...section]))
}

function verdict(report: RunReport, { paint }: Layout): string[] {
  const passed = report.status === 'passed'
  const counts = [
    `${report.passed} of ${report.total} tests passed (${percent(report.passRate)}; minimum ${percent(report.minPassRate)})`,
    report.failed > 0 ? paint('red', `${report.failed} failed`) : `${report.failed} failed`,
    report.errored > 0 ? paint('yellow', `${report.errored} errored`) : `${report.errored} errored`,
  ].join(' · ')
  return [
    `${paint('bold', paint(passed ? 'green' : 'red', passed ? 'PASSED' : 'FAILED'))} ${counts}`,
    ...report.failureReasons.map((reason) => `  - ${reason}`),
  ]
}

/** The samples that did not pass, a test's together, in the report's order (errored first). */
function byTest(outcomes: TestOutcome[]): TestOutcome[][] {
  const groups = new Map<TestOutcome['evalCase'], TestOutcome[]>()
  for (const outcome of outcomes) {
    const group = groups.get(outcome.evalCase)
    if (group) group.push(outcome)
    else groups.set(outcome.evalCase, [outcome])
  }
  return [...groups.values()]
}

function problems(report: RunReport, options: TerminalReportOptions, layout: Layout): string[] {
  if (report.problems.length === 0) return []
  const tests = byTest(report.problems)
  const count =
    tests.length === report.problems.length
      ? `${tests.length}`
      : `${tests.length}; ${report.problems.length} samples`
  const shown = tests.slice(0, options.maxTests ?? MAX_TESTS)
  const lines = [`Failing and errored tests (${count}), errored first:`]
  for (const samples of shown) lines.push('', ...testLines(samples, layout))
  const left = tests.length - shown.length
  if (left > 0) {
    const where = options.remainderAt ?? 'the results file and the HTML report'
    lines.push(
      '',
      layout.paint('dim', `… ${left} more failing or errored test${left === 1 ? '' : 's'} in ${where}.`),
    )
  }
  return lines
}

/** A test's header, its first sample that did not pass in full, the others in a line each. */
function testLines(samples: TestOutcome[], layout: Layout): string[] {
  const [first, ...others] = samples
  const { evalCase } = first
  const { paint, width } = layout
  const errored = first.status === 'errored'
  const header = new StyledLine(paint, width)
    .add(errored ? '! ' : '✗ ', errored ? 'yellow' : 'red')
    .add(errored ? `${first.resultType} ` : 'failed ', errored ? 'yellow' : 'red')
    .add(oneLine(evalCase.id, 120), 'bold')
    .add(first.samples > 1 ? ` (${samples.length} of ${first.samples} samples did not pass)` : '')
    .add(evalCase.description ? ` — ${oneLine(evalCase.description, 120)}` : '')
    .add(`  ${oneLine(`${evalCase.file}:${evalCase.line}`, 200)}`, 'dim')
  const lines = [header.toString()]
  if (first.samples > 1) lines.push(paint('dim', `    sample ${first.sample} of ${first.samples}:`))
  lines.push(...sampleLines(first, layout))
  for (const other of others) {
    const why = other.error ? `${other.error.type}: ${other.error.message}` : (other.reason ?? other.status)
    lines.push(
      new StyledLine(paint, width)
        .add(`    sample ${other.sample} of ${other.samples}: `, 'dim')
        .add(`${other.status}: ${oneLine(why, width)}`)
        .toString(),
    )
  }
  return lines
}

function sampleLines(outcome: TestOutcome, layout: Layout): string[] {
  const { paint, width } = layout
  if (outcome.error) {
    return [
      new StyledLine(paint, width)
        .add('    ')
        .add(`${oneLine(outcome.error.type, 60)}: `, 'yellow')
        .add(oneLine(outcome.error.message, width))
        .toString(),
    ]
  }
  const failing = outcome.assertions.filter((a) => !a.pass && a.weight > 0)
  const lines = failing.slice(0, MAX_ASSERTIONS).flatMap((a) => assertionLines(a, outcome.output, layout))
  if (failing.length > MAX_ASSERTIONS) {
    lines.push(paint('dim', `    … ${failing.length - MAX_ASSERTIONS} more failing assertions`))
  }
  // A test can fail with every assertion passing: short of its threshold.
  const ownReason = failureWithoutAssertion(outcome)
  if (ownReason !== null) lines.push(`    ${oneLine(ownReason, width)}`)
  if (outcome.output !== null && !failing.some(comparesText))
    lines.push(...got(outcome.output, layout, 'output:   '))
  return lines
}

function assertionLines(assertion: AssertionResult, output: string | null, layout: Layout): string[] {
  const line = new StyledLine(layout.paint, layout.width)
    .add(`    ${oneLine(assertion.type, 40)}: `, 'bold')
    .add(assertion.errored ? 'could not grade: ' : '', 'yellow')
    .add(oneLine(assertion.reason, layout.width))
  return [line.toString(), ...(output === null ? [] : expectedAndGot(assertion, output, layout))]
}

function cost(report: RunReport, { paint }: Layout): string[] {
  const lines: string[] = []
  const total = report.totalCost
  if (total) {
    const saved = total.standard - total.batch
    const share = total.standard > 0n ? ` (${percent(Number(saved) / Number(total.standard))})` : ''
    lines.push(
      `Cost: ${paint('bold', formatUsd(total.batch))} at batch prices; ${formatUsd(total.standard)} at standard ` +
        `prices, so the batch saved ${formatUsd(saved)}${share}.`,
    )
  } else {
    lines.push(
      `Cost: unknown. The known part costs ${formatUsd(report.knownCost.batch)} at batch prices ` +
        `(${formatUsd(report.knownCost.standard)} at standard prices).`,
    )
    for (const row of report.costByModel.filter((r) => r.unpricedTests > 0)) {
      lines.push(
        paint('yellow', `  Unknown for ${row.unpricedTests} request(s) on ${oneLine(row.model, 80)}: `) +
          oneLine(row.unpricedReason ?? '', 200),
      )
    }
  }
  const cache = cacheSummaryOf(report.costByModel)
  if (cache) lines.push(cacheSentence(cache, (text) => paint('yellow', text)))
  if (report.reuse) lines.push(reuseSentence(report.reuse, report.totalCost?.batch))
  if (report.priceMix) lines.push(priceMixSentence(report.priceMix))
  return lines
}

function baseline(report: RunReport, { paint, width }: Layout): string[] {
  const comparison = report.baseline
  if (!comparison) return []
  const source = `Baseline ${oneLine(comparison.file, 200)}`
  if (comparison.paired === 0) {
    return [`${source}: it shares no tests with this run, so nothing is compared.`]
  }
  const lines = [
    `${source}: ${paint(comparison.regressions.length > 0 ? 'red' : 'green', `${comparison.regressions.length} regressed`)}, ` +
      `${comparison.fixes.length} fixed. ${comparison.significance}`,
  ]
  const flips: [string, typeof comparison.regressions, 'red' | 'green'][] = [
    ['regressed', comparison.regressions, 'red'],
    ['fixed', comparison.fixes, 'green'],
  ]
  for (const [label, tests, style] of flips) {
    for (const test of tests.slice(0, MAX_FLIPS)) {
      lines.push(
        new StyledLine(paint, width)
          .add(`  ${label}: `, style)
          .add(`${oneLine(test.id, 120)} (${test.before} → ${test.after})`)
          .toString(),
      )
    }
    if (tests.length > MAX_FLIPS) lines.push(paint('dim', `  … ${tests.length - MAX_FLIPS} more ${label}`))
  }
  return lines
}

function footer(report: RunReport, { paint }: Layout): string[] {
  if (report.batchIds.length === 0) return []
  const took = report.batchDurationMs === null ? '' : `, took ${formatDuration(report.batchDurationMs)}`
  const ids = oneLine(report.batchIds.join(', '), 300)
  return [paint('dim', `Batch${report.batchIds.length === 1 ? '' : 'es'} ${ids}${took}.`)]
}
