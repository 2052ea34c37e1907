/** The report as GitHub-flavoured Markdown, for the job summary and the PR comment. */
import { failureWithoutAssertion, sampleLabel, type TestOutcome } from '../grading/run-grader.js'
import { MAX_COUNTED_REQUESTS, theOthers, unpricedPhrases, type CostEstimate } from '../cost/estimate.js'
import type { CachePlan } from '../batch/prompt-cache.js'
import {
  addCosts,
  addTokens,
  formatUsd,
  NO_COST,
  NO_TOKENS,
  usdNumber,
  type Cost,
  type TokenCounts,
} from '../cost/pricing.js'
import { CHARS_PER_TOKEN } from '../common/token-heuristic.js'
import { percent, type MetricSummary, type RunReport } from './report.js'
import type { BaselineComparison } from './baseline.js'
import { passAtK, passHatK } from '../grading/statistics.js'
import { formatDuration } from '../common/duration.js'
import { visibleText, wellFormed } from '../common/visible-text.js'

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
}

const MAX_REASON_CHARS = 300
/** An error's text in a report (the log has all of it): even escaped, well within a PR comment. */
const MAX_ERROR_CHARS = 10_000

/** The first `max` characters (code points, not UTF-16 units) of `text`, with a marker when cut. */
function cut(text: string, max: number): string {
  let count = 0
  let end = 0
  for (const char of text) {
    if (count === max) break
    count += 1
    end += char.length
  }
  return end < text.length ? `${text.slice(0, end)}…` : text
}

/** Every character visible, no HTML, and no @mentions or #refs that notify anyone. */
function inertHtml(text: string): string {
  return visibleText(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([@#])(?=\w)/g, '$1\u200b')
}

/**
 * Untrusted text (model output, suite text) made inert on one line: no HTML, no formatting, no line breaks
 * that end a table row or a list item, no @mentions or #refs, no control characters. Cut to `max` characters.
 */
export function inertCell(text: string, max: number): string {
  return (
    inertHtml(cut(text, max))
      .replace(/([\\`*_[\]|~])/g, '\\$1')
      // visibleText has made every line ending (CommonMark's \r\n, \n and lone \r) a \n.
      .replace(/\n/g, ' ↵ ')
  )
}

/** Text percent-encoded as encodeURIComponent does, and also the `!'()*` it leaves as they are. */
export function percentEncoded(text: string): string {
  return encodeURIComponent(wellFormed(text)).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  )
}

/**
 * A link whose destination cannot end early or break: everything but the characters URLs of the action's
 * own need (GitHub's server, repository, commit, an already encoded path, a #L line) percent-encoded, `(`,
 * `)`, `<`, `>`, spaces and `@` included.
 */
function link(text: string, url: string): string {
  return `[${text}](${wellFormed(url).replace(/[^\w\-.~:/?#=&%+]/gu, percentEncoded)})`
}

/** A multi-line output, inert inside a <pre> block (which Markdown leaves alone up to its closing tag). */
function inertBlock(text: string, max: number): string {
  return `<pre>${inertHtml(cut(text, max))}</pre>`
}

/**
 * The sections of fixed content. Their lists of tests (flips, repeated tests) show at most `listItems`
 * each; when long labels make them take more than half the budget, fewer are shown, so that the report
 * stays within its surface whatever the suite.
 */
function fixedSections(report: RunReport, options: RenderOptions): string[] {
  const { measure, budget, listItems } = options.surface
  const sections = [
    verdict(report, options.title),
    baselineSection(report, options),
    repeatsSection(report, options),
    costSection(report),
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
  const [heading, baseline, repeats, cost, end] = fixedSections(report, options)
  // The room the fixed sections leave goes to the two lists that can grow without bound, the failing tests
  // and the metrics: each may take half of it, and what one does not need goes to the other.
  const room = budget - measure([heading, baseline, repeats, cost, end].join('\n\n')) - 1_000
  const metricsNeed = measure(metricsSection(report, options, Infinity))
  const problems = problemsSection(report, options, room - Math.min(metricsNeed, Math.floor(room / 2)))
  const metrics = metricsSection(report, options, room - measure(problems) - 2)
  return [heading, problems, baseline, repeats, metrics, cost, end]
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

function heading(icon: string, status: string, title: string | undefined): string {
  return `## ${icon} Claude Batch Evals${title ? ` · ${inertCell(title, 100)}` : ''}: ${status}`
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

/** Up to `max` items as list lines, and how many more the results file has. */
function listed<T>(items: T[], max: number, line: (item: T) => string): string[] {
  const shown = items.slice(0, max).map(line)
  const left = items.length - shown.length
  return left > 0 ? [...shown, `- … and ${left} more in the results file`] : shown
}

function testLabel({ id, description }: { id: string; description?: string }): string {
  return `${inertCell(id, 150)}${description ? ` — ${inertCell(description, 150)}` : ''}`
}

function baselineSection(report: RunReport, options: RenderOptions): string {
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
  const max = options.surface.listItems
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
        max,
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

function repeatsSection(report: RunReport, options: RenderOptions): string {
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
    const shown = missed.slice(0, options.surface.listItems)
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

/** Each metric by name; when they do not all fit in `room`, the lowest mean scores first, as many as fit. */
function metricsSection(report: RunReport, options: RenderOptions, room: number): string {
  const { metrics } = report
  if (metrics.length === 0) return ''
  const table = '| metric | tests | mean score |\n| --- | ---: | ---: |'
  const row = (metric: MetricSummary) =>
    `| ${inertCell(metric.name, 80)} | ${metric.tests} | ${percent(metric.meanScore)} |`
  const whole = ['### Metrics', '', table, ...metrics.map(row)].join('\n')
  if (options.surface.measure(whole) <= room) return whole
  const fit: Fit<MetricSummary> = {
    head: `### Metrics (${metrics.length})\n\nLowest mean scores first.\n\n${table}`,
    items: [...metrics].sort((a, b) => a.meanScore - b.meanScore || a.name.localeCompare(b.name)),
    render: row,
    separator: '\n',
    noun: 'metric',
  }
  return fitted(fit, room, options)
}

function costSection(report: RunReport): string {
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
  const cached = report.costByModel.reduce(
    (sum, row) => ({
      reads: sum.reads + row.tokens.cacheRead,
      writes: sum.writes + row.tokens.cacheWrite5m + row.tokens.cacheWrite1h,
      saving: addCosts(sum.saving, row.cacheSaving),
    }),
    { reads: 0, writes: 0, saving: NO_COST },
  )
  if (cached.reads + cached.writes > 0) {
    notes.push(
      `Prompt caching: ${percent(cached.reads / (cached.reads + cached.writes))} of cached-prefix tokens were read from ` +
        `the cache (${cached.reads.toLocaleString('en-US')} read, ${cached.writes.toLocaleString('en-US')} written), ` +
        cacheSavingPhrase(cached.saving.batch),
    )
  }
  for (const row of report.costByModel.filter((r) => r.unpricedTests > 0)) {
    notes.push(
      `Cost unknown for ${row.unpricedTests} test(s) on ${inertCell(row.model, 80)}: ${inertCell(row.unpricedReason ?? '', 200)}. ` +
        `The known part of the run costs ${formatUsd(report.knownCost.batch)} at batch price.`,
    )
  }
  return [...header, ...rows, '', ...notes].join('\n')
}

/** What caching saved, or (its writes costing more than its reads saved) what it cost. */
function cacheSavingPhrase(saving: bigint): string {
  return saving >= 0n
    ? `saving ${formatUsd(saving)} at batch prices on top of the batch discount.`
    : `so caching cost ${formatUsd(-saving)} more at batch prices than sending the prefixes uncached would ` +
        'have: its writes cost more than its reads saved.'
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

/** "Batch `a`" or "Batches `a`, `b`". */
function batchList(batchIds: string[]): string {
  return `${batchIds.length === 1 ? 'Batch' : 'Batches'} ${batchIds.map((id) => `\`${id}\``).join(', ')}`
}

/** The comment while the batches run: reviewers see the evals are under way, and where. */
export function renderRunning(batchIds: string[], title?: string): string {
  return [
    heading('⏳', 'running', title),
    '',
    `${batchList(batchIds)} submitted; ` + 'this comment is updated when the results are in.',
    '',
  ].join('\n')
}

/** The report of a run that stopped on an error. */
export function renderError(message: string, title?: string): string {
  return [heading('❌', 'error', title), '', inertBlock(message, MAX_ERROR_CHARS), ''].join('\n')
}

export interface PendingRun {
  batchIds: string[]
  /** Why the run stopped waiting, as a sentence. */
  why: string
  /** The batches the run was waiting for (the judge's, once the outputs' have ended). */
  waitingFor: string[]
  /** Request counts over the batches waited for, as last polled. */
  counts: { processing: number; succeeded: number; errored: number; canceled: number; expired: number }
  /** The step that collects the results: this action's `uses:`, and the inputs the custom_ids depend on. */
  uses: string
  suitePatterns: string[]
  /** The `repeat` input, which the collecting run must give too (the samples' custom_ids carry it). */
  repeat: number
  title?: string
}

/** The report of a run that stopped waiting while its batches still run: where they are and how to collect them. */
export function renderPending(run: PendingRun): string {
  const { processing, succeeded, errored, canceled, expired } = run.counts
  const suite =
    run.suitePatterns.length === 1
      ? ` ${run.suitePatterns[0]}`
      : ` |\n${run.suitePatterns.map((p) => `      ${p}`).join('\n')}`
  return [
    heading('⏳', 'still running', run.title),
    '',
    `${run.why} The batches keep running, and nothing is lost: their results stay downloadable for 29 days.`,
    '',
    `${batchList(run.waitingFor)}: processing ${processing}, succeeded ${succeeded}, ` +
      `errored ${errored}, canceled ${canceled}, expired ${expired}.`,
    '',
    'Collect, grade and report them, without submitting anything, with a later run of this action (for example in a ' +
      'scheduled or `workflow_dispatch` workflow):',
    '',
    '```yaml',
    `- uses: ${run.uses}`,
    '  with:',
    `    suite:${suite}`,
    '    anthropic-api-key: ${{ secrets.ANTHROPIC_API_KEY }}',
    ...(run.repeat > 1 ? [`    repeat: ${run.repeat}`] : []),
    '    batch-id: |',
    ...run.batchIds.map((id) => `      ${id}`),
    '```',
    '',
  ].join('\n')
}

export interface EstimateView {
  estimate: CostEstimate
  plans: CachePlan[]
  maxCostUsd: number | undefined
  /** Tests with model-graded assertions, whose judge requests the estimate cannot include. */
  judgedTests: number
  title?: string
}

const METHODS: Record<CostEstimate['method'], string> = {
  count_tokens: 'input tokens counted with the API’s count_tokens',
  'count_tokens sample': `input tokens counted with count_tokens for ${MAX_COUNTED_REQUESTS} distinct requests and scaled to the rest`,
  heuristic: `input tokens estimated at ${CHARS_PER_TOKEN} characters a token (count_tokens was not reachable)`,
}

/** The estimate before submitting: the dry-run report, and the figures a budget check refers to. */
export function renderEstimate(view: EstimateView, status: string): string {
  const { estimate } = view
  const n = (value: number) => value.toLocaleString('en-US')
  const lines = [
    heading('🧮', status, view.title),
    '',
    `${n(estimate.requests)} requests · ${n(estimate.inputTokens)} input tokens · up to ${n(estimate.maxOutputTokens)} output tokens ` +
      `(${METHODS[estimate.method]}).`,
    '',
    estimatedCost(view),
  ]
  if (view.judgedTests > 0) {
    lines.push(
      '',
      `Not included: the judge's requests for the model-graded assertions of ${n(view.judgedTests)} test(s). They ` +
        'are made from the outputs, so they go out after them, in a batch of their own, and cost what their ' +
        'outputs make them cost.',
    )
  }
  if (view.maxCostUsd !== undefined) {
    const budget =
      estimate.unpriced.length > 0
        ? '**not checkable**: the cost of the unpriced requests is unknown'
        : usdNumber(estimate.high.batch) <= view.maxCostUsd
          ? 'within'
          : '**over**'
    lines.push('', `Budget (max-cost): $${view.maxCostUsd} · ${budget}.`)
  }
  for (const plan of view.plans) {
    lines.push(
      '',
      `Prompt caching: the ${plan.prefix} that ${n(plan.requests)} ${inertCell(plan.model, 80)} requests share ` +
        `(about ${n(plan.prefixTokens)} tokens) carries a 1-hour cache breakpoint.`,
    )
  }
  return lines.join('\n').concat('\n')
}

/** The cost: a range when every request is priced; otherwise unknown, with the priced part as its own. */
function estimatedCost({ estimate, plans }: EstimateView): string {
  const range = (kind: keyof Cost) => `${formatUsd(estimate.low[kind])} to ${formatUsd(estimate.high[kind])}`
  const ends =
    plans.length > 0
      ? 'The low end has no output and every cached prefix read from the cache (as when an earlier run wrote ' +
        'it within the hour); the high end has every output at max_tokens and every cached prefix written at ' +
        'the 1-hour price.'
      : 'The low end has no output; the high end has every output at max_tokens.'
  if (estimate.unpriced.length === 0) {
    return `**Estimated cost at batch prices: ${range('batch')}** (standard prices: ${range('standard')}). ${ends}`
  }
  const unknown = `**Estimated cost at batch prices: unknown.** ${unpricedPhrases(estimate, (text) => inertCell(text, 200)).join('; ')}.`
  if (estimate.pricedRequests === 0) return unknown
  return (
    `${unknown} ${theOthers(estimate.pricedRequests)} ${range('batch')} at batch prices (standard prices: ` +
    `${range('standard')}), so the run costs at least ${formatUsd(estimate.low.batch)}. ${ends}`
  )
}
