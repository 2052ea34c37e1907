/** The report as GitHub-flavoured Markdown, for the job summary and the PR comment. */
import type { TestOutcome } from './grading.js'
import { addTokens, formatUsd, NO_TOKENS, type Cost, type TokenCounts } from './pricing.js'
import { percent, type RunReport } from './report.js'
import { formatDuration } from './duration.js'

/** How many failing or errored tests the tables list; the results file has them all. */
export const MAX_LISTED_PROBLEMS = 50
const MAX_OUTPUT_CHARS = 300
const MAX_REASON_CHARS = 300

/**
 * Untrusted text (model output, suite text) made inert inside a table cell: no HTML, no formatting, no
 * line breaks that end the row, no @mentions or #refs that notify anyone. Cut to `max` characters.
 */
export function inertCell(text: string, max: number): string {
  // The first `max` characters (code points, not UTF-16 units), without spreading a long output whole.
  let count = 0
  let end = 0
  for (const char of text) {
    if (count === max) break
    count += 1
    end += char.length
  }
  const cut = end < text.length ? `${text.slice(0, end)}…` : text
  return cut
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]|~])/g, '\\$1')
    .replace(/([@#])(?=\w)/g, '$1\u200b')
    .replace(/\r?\n/g, ' ↵ ')
}

export function renderReport(report: RunReport): string {
  return [
    verdict(report),
    problemsSection(report),
    metricsSection(report),
    costSection(report),
    footer(report),
  ]
    .filter((section) => section !== '')
    .join('\n\n')
    .concat('\n')
}

function verdict(report: RunReport): string {
  const icon = report.status === 'passed' ? '✅' : '❌'
  const counts = [
    `**${report.passed} of ${report.total} tests passed (${percent(report.passRate)})**`,
    `minimum ${percent(report.minPassRate)}`,
    `${report.failed} failed`,
    `${report.errored} errored`,
  ].join(' · ')
  const reasons = report.failureReasons.map((reason) => `- ${reason}`)
  return [
    `## ${icon} Claude Batch Evals: ${report.status}`,
    '',
    counts,
    ...(reasons.length ? ['', ...reasons] : []),
  ].join('\n')
}

function problemsSection(report: RunReport): string {
  if (report.problems.length === 0) return ''
  const listed = report.problems.slice(0, MAX_LISTED_PROBLEMS)
  const lines = [
    '### Failing and errored tests',
    '',
    '| test | result | why | output |',
    '| --- | --- | --- | --- |',
    ...listed.map(problemRow),
  ]
  const rest = report.problems.length - listed.length
  if (rest > 0) lines.push('', `${rest} more failing or errored tests are in the results file.`)
  return lines.join('\n')
}

function problemRow(outcome: TestOutcome): string {
  const { evalCase } = outcome
  const test = [inertCell(evalCase.id, 100), evalCase.description ? inertCell(evalCase.description, 150) : '']
    .filter(Boolean)
    .join('<br>')
  const location = inertCell(`${evalCase.file}:${evalCase.line}`, 200)
  const result = outcome.status === 'errored' ? `⚠️ ${outcome.resultType}` : '❌ failed'
  const why = outcome.error
    ? `${inertCell(outcome.error.type, 60)}: ${inertCell(outcome.error.message, MAX_REASON_CHARS)}`
    : outcome.assertions
        .filter((a) => !a.pass)
        .map((a) => `${inertCell(a.type, 40)}: ${inertCell(a.reason, MAX_REASON_CHARS)}`)
        .join('<br>')
  const output = outcome.output === null ? '' : inertCell(outcome.output, MAX_OUTPUT_CHARS)
  return `| ${test}<br>${location} | ${result} | ${why} | ${output} |`
}

function metricsSection(report: RunReport): string {
  if (report.metrics.length === 0) return ''
  const rows = report.metrics.map(
    (metric) => `| ${inertCell(metric.name, 80)} | ${metric.tests} | ${percent(metric.meanScore)} |`,
  )
  return ['### Metrics', '', '| metric | tests | mean score |', '| --- | ---: | ---: |', ...rows].join('\n')
}

function costSection(report: RunReport): string {
  const header = [
    '### Cost',
    '',
    '| model | tests | input | cache write | cache read | output | batch price | standard price | savings |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ]
  const rows = report.costByModel.map((row) =>
    costRow(inertCell(row.model, 80), row.tests, row.tokens, row.unpricedTests === 0 ? row.cost : null),
  )
  const totalTokens = report.costByModel.reduce((sum, row) => addTokens(sum, row.tokens), NO_TOKENS)
  rows.push(costRow('**total**', report.total, totalTokens, report.totalCost))
  const notes = [
    'Batch price is half the standard price for every kind of token, cache writes and reads included. ' +
      `Prices from the table of ${report.priceTableDate}; errored, canceled and expired requests are not billed.`,
  ]
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

function footer(report: RunReport): string {
  const parts = [`Batch ${report.batchIds.map((id) => `\`${id}\``).join(', ')}`]
  if (report.batchDurationMs !== null) parts.push(`took ${formatDuration(report.batchDurationMs)}`)
  if (report.unexpectedCustomIds.length > 0) {
    parts.push(
      `unexpected results for: ${inertCell(report.unexpectedCustomIds.slice(0, 10).join(', '), 300)}`,
    )
  }
  if (report.runUrl) parts.push(`[workflow run](${report.runUrl})`)
  return parts.join(' · ')
}

/** The comment while the batches run: reviewers see the evals are under way, and where. */
export function renderRunning(batchIds: string[]): string {
  return [
    '## ⏳ Claude Batch Evals: running',
    '',
    `${batchIds.length === 1 ? 'Batch' : 'Batches'} ${batchIds.map((id) => `\`${id}\``).join(', ')} submitted; ` +
      'this comment is updated when the results are in.',
    '',
  ].join('\n')
}

export interface PendingRun {
  batchIds: string[]
  /** Why the run stopped waiting, as a sentence. */
  why: string
  /** Request counts over the batches, as last polled. */
  counts: { processing: number; succeeded: number; errored: number; canceled: number; expired: number }
  /** The step that collects the results: this action's `uses:` and its `suite` input. */
  uses: string
  suitePatterns: string[]
}

/** The report of a run that stopped waiting while its batches still run: where they are and how to collect them. */
export function renderPending(run: PendingRun): string {
  const { processing, succeeded, errored, canceled, expired } = run.counts
  const suite =
    run.suitePatterns.length === 1
      ? ` ${run.suitePatterns[0]}`
      : ` |\n${run.suitePatterns.map((p) => `      ${p}`).join('\n')}`
  return [
    '## ⏳ Claude Batch Evals: still running',
    '',
    `${run.why} The batches keep running, and nothing is lost: their results stay downloadable for 29 days.`,
    '',
    `Batches ${run.batchIds.map((id) => `\`${id}\``).join(', ')}: processing ${processing}, succeeded ${succeeded}, ` +
      `errored ${errored}, canceled ${canceled}, expired ${expired}.`,
    '',
    'Collect, grade and report them, without submitting anything, with a later run of this action (for example in a ' +
      'scheduled or `workflow_dispatch` workflow):',
    '',
    '```yaml',
    `- uses: ${run.uses}`,
    '  with:',
    `    suite:${suite}`,
    '    batch-id: |',
    ...run.batchIds.map((id) => `      ${id}`),
    '```',
    '',
  ].join('\n')
}
