/**
 * The report as GitHub-flavoured Markdown, for the job summary and the PR comment, fitted to what each
 * surface holds. Its fixed sections are in report-sections.ts, the reports of a run without grades in
 * status-markdown.ts, and how untrusted text is made inert in inert-text.ts.
 */
import { failureWithoutAssertion, sampleLabel } from '../grading/run-grader.js'
import { formatDuration } from '../common/duration.js'
import { inertBlock, inertCell, link } from './inert-text.js'
import { baselineSection, costSection, repeatsSection } from './report-sections.js'
import { percent, type MetricSummary, type RunReport } from './report.js'
import { testCostSection } from './test-cost-sections.js'
import { batchList, heading, warningsSection } from './status-markdown.js'
import { historySection, type HistoryView } from './history-markdown.js'

export { inertCell, percentEncoded } from './inert-text.js'
export {
  renderError,
  renderEstimate,
  renderPending,
  renderRunning,
  type EstimateView,
  type PendingRun,
} from './status-markdown.js'
import type { TestOutcome } from '../model.js'

/** Where a report is shown, and how much of it GitHub takes there. */
export interface Surface {
  /** Most the rendered report may take, in the surface's measure. */
  budget: number
  measure: (text: string) => number
  /** Characters of each failing output shown. */
  outputChars: number
  /** Entries shown of each list of tests (flips, flaky tests), at most. */
  listItems: number
}

/** A PR comment holds 65,536 characters; the rest of the budget is for the marker and the hidden state. */
export const COMMENT_SURFACE: Surface = {
  budget: 60_000,
  measure: (text) => text.length,
  outputChars: 600,
  listItems: 20,
}
/** A step summary holds 1 MiB. */
export const SUMMARY_SURFACE: Surface = {
  budget: 1_000_000,
  measure: (text) => Buffer.byteLength(text),
  outputChars: 3_000,
  listItems: 500,
}

export interface RenderOptions {
  surface: Surface
  /** The `comment-header`: tells two suites' reports apart. */
  title?: string
  /** A link to a suite file's line at the commit under test. */
  sourceUrl?: (file: string, line: number) => string | undefined
  /** How many problems carry an annotation at their suite line. */
  annotated?: number
  /** Where the problems left out for space are, e.g. "the job summary and the results file". */
  remainderAt: string
  /** The run history's records, charted (the job summary of a run with `history` on). */
  history?: HistoryView
}

const MAX_REASON_CHARS = 300

/**
 * The sections of fixed content. Their lists of tests (flips, repeated tests) show at most `listItems`
 * each; when long labels make them take more than half the budget, fewer are shown, so that the report
 * stays within its surface whatever the suite.
 */
function fixedSections(report: RunReport, options: RenderOptions): string[] {
  const { measure, budget, listItems } = options.surface
  const sections = [
    verdict(report, options.title),
    warningsSection(report.loadWarnings),
    baselineSection(report, listItems),
    repeatsSection(report, listItems),
    [costSection(report), testCostSection(report.testCosts, listItems)].filter((s) => s !== '').join('\n\n'),
    historySection(options.history, listItems),
    footer(report),
  ]
  if (measure(sections.join('\n\n')) <= budget / 2 || listItems <= 1) return sections
  return fixedSections(report, {
    ...options,
    surface: { ...options.surface, listItems: Math.floor(listItems / 2) },
  })
}

export function renderReport(report: RunReport, options: RenderOptions): string {
  const { measure, budget } = options.surface
  const [heading, warnings, baseline, repeats, cost, history, end] = fixedSections(report, options)
  // The room the fixed sections leave goes to the two lists that can grow without bound, the failing tests
  // and the metrics: each may take half of it, and what one does not need goes to the other.
  const room =
    budget - measure([heading, warnings, baseline, repeats, cost, history, end].join('\n\n')) - 1_000
  const metricsNeed = measure(metricsSection(report, options, Infinity))
  const problems = problemsSection(report, options, room - Math.min(metricsNeed, Math.floor(room / 2)))
  const metrics = metricsSection(report, options, room - measure(problems) - 2)
  return [heading, problems, warnings, baseline, repeats, metrics, cost, history, end]
    .filter((section) => section !== '')
    .join('\n\n')
    .concat('\n')
}

/** A list that is cut to the room a surface has, and says how many of its items are left out and where. */
interface Fit<T> {
  /** Shown whatever the room. */
  head: string
  items: readonly T[]
  render: (item: T) => string
  /** Between the head and the first item, and between items. */
  separator: string
  /** "failing or errored test": what an item is, in the left-out sentence. */
  noun: string
}

/** The head, as many items as `room` holds in the surface's measure, then what was left out and where. */
function fitted<T>(fit: Fit<T>, room: number, options: RenderOptions): string {
  const { measure } = options.surface
  const leftOut = (left: number) =>
    `${left} more ${fit.noun}${left === 1 ? ' is' : 's are'} left out here for space: see ${options.remainderAt}.`
  // The left-out sentence, at its longest, must fit too.
  const limit = room - measure(leftOut(fit.items.length)) - 2
  const parts = [fit.head]
  let used = measure(fit.head)
  for (const item of fit.items) {
    const part = fit.render(item)
    const size = measure(fit.separator) + measure(part)
    if (used + size > limit) break
    parts.push(part)
    used += size
  }
  const left = fit.items.length - (parts.length - 1)
  const shown = parts.join(fit.separator)
  return left > 0 ? `${shown}\n\n${leftOut(left)}` : shown
}

function verdict(report: RunReport, title: string | undefined): string {
  const icon = report.status === 'passed' ? '✅' : '❌'
  const counts = [
    `**${report.passed} of ${report.total} tests passed (${percent(report.passRate)})**`,
    `minimum ${percent(report.minPassRate)}`,
    `${report.failed} failed`,
    `${report.errored} errored`,
  ].join(' · ')
  const reasons = report.failureReasons.map((reason) => `- ${reason}`)
  return [heading(icon, report.status, title), '', counts, ...(reasons.length ? ['', ...reasons] : [])].join(
    '\n',
  )
}

/** Failing and errored tests (errored first), as many as the surface has room for. */
function problemsSection(report: RunReport, options: RenderOptions, room: number): string {
  const { problems } = report
  if (problems.length === 0) return ''
  const intro =
    options.annotated && options.annotated > 0
      ? ` The first ${options.annotated === 1 ? 'test is' : `${options.annotated} tests are`} annotated at their suite lines.`
      : ''
  // Counted in tests, as the verdict counts them; a repeated test lists each sample that did not pass.
  const tests = new Set(problems.map((outcome) => outcome.evalCase)).size
  const count = tests === problems.length ? `${tests}` : `${tests}; ${problems.length} samples`
  const fit: Fit<TestOutcome> = {
    head: `### Failing and errored tests (${count})\n\nErrored tests first.${intro}`,
    items: problems,
    render: (outcome) => problemBlock(outcome, options),
    separator: '\n\n',
    noun: 'failing or errored test',
  }
  return fitted(fit, room, options)
}

function problemBlock(outcome: TestOutcome, options: RenderOptions): string {
  const { evalCase } = outcome
  const status = outcome.status === 'errored' ? `⚠️ ${outcome.resultType}` : '❌ failed'
  const location = `${evalCase.file}:${evalCase.line}`
  const url = options.sourceUrl?.(evalCase.file, evalCase.line)
  const where = url ? link(inertCell(location, 200), url) : inertCell(location, 200)
  const description = evalCase.description ? ` — ${inertCell(evalCase.description, 200)}` : ''
  const reasons = outcome.error
    ? [`- ${inertCell(outcome.error.type, 60)}: ${inertCell(outcome.error.message, MAX_REASON_CHARS)}`]
    : outcome.assertions
        .filter((a) => !a.pass && a.weight > 0)
        .map(
          (a) =>
            `- ${inertCell(a.type, 40)}: ${a.errored ? '⚠️ ' : ''}${inertCell(a.reason, MAX_REASON_CHARS)}`,
        )
  // A test can fail with every assertion passing: short of its threshold.
  const ownReason = failureWithoutAssertion(outcome)
  const lines = [
    `**${status}: ${inertCell(evalCase.id, 150)}**${sampleLabel(outcome)}${description} · ${where}`,
    ...reasons,
    ...(ownReason === null ? [] : [`- ${inertCell(ownReason, MAX_REASON_CHARS)}`]),
  ]
  if (outcome.output !== null) {
    const length = [...outcome.output].length
    lines.push(
      '',
      `<details><summary>Output (${length.toLocaleString('en-US')} characters)</summary>`,
      '',
      inertBlock(outcome.output, options.surface.outputChars),
      '',
      '</details>',
    )
  }
  return lines.join('\n')
}

/** Each metric by name; when they do not all fit in `room`, the lowest mean scores first, as many as fit. */
function metricsSection(report: RunReport, options: RenderOptions, room: number): string {
  const { metrics } = report
  const derived = derivedMetricsTable(report)
  if (metrics.length === 0) return derived && `### Metrics\n\n${derived}`
  const table = '| metric | tests | mean score |\n| --- | ---: | ---: |'
  const row = (metric: MetricSummary) =>
    `| ${inertCell(metric.name, 80)} | ${metric.tests} | ${percent(metric.meanScore)} |`
  const before = derived && `${derived}\n\n`
  const whole = ['### Metrics', '', `${before}${table}`, ...metrics.map(row)].join('\n')
  if (options.surface.measure(whole) <= room) return whole
  const fit: Fit<MetricSummary> = {
    head: `### Metrics (${metrics.length})\n\n${before}Lowest mean scores first.\n\n${table}`,
    items: [...metrics].sort((a, b) => a.meanScore - b.meanScore || a.name.localeCompare(b.name)),
    render: row,
    separator: '\n',
    noun: 'metric',
  }
  return fitted(fit, room, options)
}

/** The suites' derived metrics, before the metrics they are computed from: a few, never more than 20 rows. */
function derivedMetricsTable(report: RunReport): string {
  const derived = report.derivedMetrics ?? []
  if (derived.length === 0) return ''
  const shown = derived.slice(0, 20).map(({ name, formula, value, reason }) => {
    const figure = value === null ? `no value: ${reason ?? ''}` : String(Number(value.toPrecision(6)))
    return `| ${inertCell(name, 80)} | ${inertCell(figure, 120)} | ${inertCell(formula, 120)} |`
  })
  const more = derived.length > shown.length ? [`| …and ${derived.length - shown.length} more | | |`] : []
  return ['| derived metric | value | formula |', '| --- | ---: | --- |', ...shown, ...more].join('\n')
}

function footer(report: RunReport): string {
  const parts = [batchList(report.batchIds)]
  if (report.batchDurationMs !== null) parts.push(`took ${formatDuration(report.batchDurationMs)}`)
  if (report.unexpectedCustomIds.length > 0) {
    parts.push(
      `unexpected results for: ${inertCell(report.unexpectedCustomIds.slice(0, 10).join(', '), 300)}`,
    )
  }
  if (report.runUrl) parts.push(link('workflow run', report.runUrl))
  return parts.join(' · ')
}
