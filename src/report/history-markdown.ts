/**
 * The run history in the job summary: pass rate and cost over the last runs as Mermaid `xychart-beta` charts
 * (GitHub renders them in Markdown), and the tests whose verdict flips from run to run.
 */
import { formatUsd } from '../cost/usd.js'
import type { HistoryRecord, StatusLetter } from './history.js'
import { inertCell } from './inert-text.js'
import { percent } from './report.js'

/** What the summary shows of the history, read from the branch with this run's record appended. */
export interface HistoryView {
  records: readonly HistoryRecord[]
  /** `eval-history:support-bot-1a2b3c4d.jsonl`: where the records are (a checked branch name and a slug). */
  location: string
  /** Said under the charts: a record that could not be saved, lines skipped. */
  notes: string[]
}

/** Runs the charts show. */
export const CHART_RUNS = 30
/** Runs in which a test's flips are counted. */
export const FLIP_RUNS = 10

/** The records a chart shows: the last `runs`. */
export function chartedRuns<T>(records: readonly T[], runs = CHART_RUNS): T[] {
  return records.slice(-runs)
}

export interface StatusFlip {
  id: string
  /** Changes of verdict between consecutive runs that both had the test. */
  flips: number
  /** The test's verdicts over the window, oldest first; null where a run did not have it. */
  statuses: (StatusLetter | null)[]
}

/**
 * Tests whose verdict changed at least twice over the last `runs` records (once is a regression or a fix,
 * which the baseline reports): most flips first, then by id.
 */
export function statusFlips(records: readonly HistoryRecord[], runs = FLIP_RUNS): StatusFlip[] {
  const window = records.slice(-runs).filter((record) => record.tests !== undefined)
  const ids = new Set(window.flatMap((record) => Object.keys(record.tests ?? {})))
  const flips: StatusFlip[] = []
  for (const id of ids) {
    const statuses = window.map((record) => record.tests?.[id] ?? null)
    let count = 0
    let previous: StatusLetter | null = null
    for (const status of statuses) {
      if (status === null) continue
      if (previous !== null && status !== previous) count++
      previous = status
    }
    if (count >= 2) flips.push({ id, flips: count, statuses })
  }
  return flips.sort((a, b) => b.flips - a.flips || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}

/** A point's label on the x axis: the run's day (UTC) and number, e.g. `05-01 #812`. */
export function pointLabel(record: Pick<HistoryRecord, 'time' | 'run'>): string {
  const day = record.time.slice(5, 10)
  return /^\d+$/.test(record.run) ? `${day} #${record.run}` : day
}

const round = (value: number, digits: number) => Number(value.toFixed(digits))

/** The two charts of the last `runs` records: pass rate on 0-100%, and cost at batch prices on its own scale. */
export function trendCharts(records: readonly HistoryRecord[], runs = CHART_RUNS): string {
  const shown = chartedRuns(records, runs)
  const xAxis = `  x-axis [${shown.map((record) => `"${pointLabel(record)}"`).join(', ')}]`
  const chart = (lines: string[]) => ['```mermaid', 'xychart-beta', ...lines, '```'].join('\n')
  const passRate = chart([
    `  title "Pass rate, last ${shown.length} run${shown.length === 1 ? '' : 's'} (%)"`,
    xAxis,
    '  y-axis "Pass rate (%)" 0 --> 100',
    `  line [${shown.map((record) => round(record.passRate * 100, 1)).join(', ')}]`,
  ])
  const costs = shown.map((record) => record.costUsd ?? 0)
  const top = Math.max(...costs)
  const cost = chart([
    '  title "Cost at batch prices (USD)"',
    xAxis,
    // A scale of its own: cost and pass rate on one axis would flatten one of them.
    `  y-axis "USD" 0 --> ${top > 0 ? round(top * 1.1, 6) : 1}`,
    `  bar [${costs.map((value) => round(value, 6)).join(', ')}]`,
  ])
  const unpriced = shown.filter((record) => record.costUsd === null).length
  const unpricedNote =
    unpriced > 0
      ? `\n\n${unpriced} run${unpriced === 1 ? ' has' : 's have'} no cost (an unpriced model): shown as 0.`
      : ''
  return `${passRate}\n\n${cost}${unpricedNote}`
}

const SYMBOL: Record<StatusLetter, string> = { p: '✅', f: '❌', e: '⚠️' }

/** The summary's history section: the latest runs in a sentence, the charts, the flipping tests. */
export function historySection(view: HistoryView | undefined, listItems: number): string {
  if (!view || view.records.length === 0) return ''
  const { records } = view
  const latest = records[records.length - 1]
  const previous = records.length > 1 ? records[records.length - 2] : undefined
  const change = previous
    ? ` (${percent(previous.passRate)} the run before${
        latest.costUsd !== null && previous.costUsd !== null
          ? `; cost ${formatUsd(latest.costUsd)} against ${formatUsd(previous.costUsd)}`
          : ''
      })`
    : ''
  const parts = [
    `### History\n\n${records.length} run${records.length === 1 ? '' : 's'} recorded in \`${view.location}\`; ` +
      `this one passed ${percent(latest.passRate)}${change}.`,
    trendCharts(records),
  ]
  const flips = statusFlips(records)
  if (flips.length > 0) {
    const window = Math.min(FLIP_RUNS, records.length)
    const rows = flips
      .slice(0, listItems)
      .map(
        (flip) =>
          `| ${inertCell(flip.id, 150)} | ${flip.flips} | ${flip.statuses.map((s) => (s ? SYMBOL[s] : '·')).join('')} |`,
      )
    const more = flips.length > rows.length ? `\n\n${flips.length - rows.length} more are left out here.` : ''
    parts.push(
      `**Flipping over time**: ${flips.length} test${flips.length === 1 ? '' : 's'} changed verdict at least twice ` +
        `in the last ${window} runs.\n\n| test | flips | last ${window} runs, oldest first |\n| --- | ---: | --- |\n` +
        rows.join('\n') +
        more,
    )
  }
  for (const note of view.notes) parts.push(`> ${inertCell(note, 500)}`)
  return parts.join('\n\n')
}
