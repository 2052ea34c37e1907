import type { HistoryRecord, StatusLetter } from '../../src/report/history.js'
import { historySection, statusFlips, trendCharts } from '../../src/report/history-markdown.js'

const record = (
  day: number,
  passRate: number,
  costUsd: number | null,
  tests?: Record<string, StatusLetter>,
): HistoryRecord => ({
  time: new Date(Date.UTC(2026, 4, day, 3)).toISOString(),
  commit: 'abc1234',
  run: String(100 + day),
  total: 4,
  passed: Math.round(passRate * 4),
  failed: 4 - Math.round(passRate * 4),
  errored: 0,
  passRate,
  costUsd,
  cacheHitRate: null,
  ...(tests ? { tests } : {}),
})

describe('trendCharts', () => {
  it('charts pass rate on 0-100 and cost on a scale of its own, one point a run', () => {
    const charts = trendCharts([record(1, 1, 0.5), record(2, 0.75, 1), record(3, 0.5, 0.25)])
    expect(charts).toBe(
      [
        '```mermaid',
        'xychart-beta',
        '  title "Pass rate, last 3 runs (%)"',
        '  x-axis ["05-01 #101", "05-02 #102", "05-03 #103"]',
        '  y-axis "Pass rate (%)" 0 --> 100',
        '  line [100, 75, 50]',
        '```',
        '',
        '```mermaid',
        'xychart-beta',
        '  title "Cost at batch prices (USD)"',
        '  x-axis ["05-01 #101", "05-02 #102", "05-03 #103"]',
        '  y-axis "USD" 0 --> 1.1',
        '  bar [0.5, 1, 0.25]',
        '```',
      ].join('\n'),
    )
  })

  it('shows the last 30 runs, and says which runs have no cost', () => {
    const records = Array.from({ length: 40 }, (_, i) => record(1 + (i % 28), 1, i === 39 ? null : 0.1))
    const charts = trendCharts(records)
    expect(charts).toContain('last 30 runs')
    expect(/line \[([^\]]*)\]/.exec(charts)?.[1].split(', ')).toHaveLength(30)
    expect(charts).toContain('1 run has no cost (an unpriced model): shown as 0.')
  })

  it('gives an all-zero cost chart a range', () => {
    expect(trendCharts([record(1, 1, 0)])).toContain('y-axis "USD" 0 --> 1\n')
  })
})

describe('statusFlips', () => {
  it('lists tests whose verdict changed at least twice, most flips first, across runs missing them', () => {
    const records = [
      record(1, 1, 0.1, { steady: 'p', flaky: 'p', fixed: 'f', wobbly: 'p' }),
      record(2, 1, 0.1, { steady: 'p', flaky: 'f', fixed: 'p', wobbly: 'e' }),
      record(3, 1, 0.1, { steady: 'p', flaky: 'p', fixed: 'p' }),
      record(4, 1, 0.1, { steady: 'p', flaky: 'f', fixed: 'p', wobbly: 'p' }),
      record(5, 1, 0.1),
    ]
    expect(statusFlips(records)).toEqual([
      { id: 'flaky', flips: 3, statuses: ['p', 'f', 'p', 'f'] },
      { id: 'wobbly', flips: 2, statuses: ['p', 'e', null, 'p'] },
    ])
  })

  it('counts only the last runs of its window', () => {
    const records = [
      record(1, 1, 0.1, { t: 'f' }),
      record(2, 1, 0.1, { t: 'p' }),
      record(3, 1, 0.1, { t: 'f' }),
    ]
    expect(statusFlips(records, 3)).toHaveLength(1)
    expect(statusFlips(records, 2)).toEqual([])
  })
})

describe('historySection', () => {
  const view = (records: HistoryRecord[], notes: string[] = []) => ({
    records,
    location: 'eval-history:support-1a2b3c4d.jsonl',
    notes,
  })

  it('is empty without history', () => {
    expect(historySection(undefined, 10)).toBe('')
  })

  it('says where the records are and how this run compares, then the charts, flips and notes', () => {
    const records = [
      record(1, 1, 0.5, { 'a|b': 'p' }),
      record(2, 0.5, 0.25, { 'a|b': 'f' }),
      record(3, 0.75, 0.3, { 'a|b': 'p' }),
    ]
    const section = historySection(view(records, ['Skipped 1 unreadable line <b>']), 10)
    expect(section).toContain(
      '3 runs recorded in `eval-history:support-1a2b3c4d.jsonl`; this one passed 75% (50% the run before; cost $0.3 against $0.25).',
    )
    expect(section).toContain('```mermaid\nxychart-beta')
    expect(section).toContain('| a\\|b | 2 | ✅❌✅ |')
    expect(section).toContain('> Skipped 1 unreadable line &lt;b&gt;')
  })

  it('shows at most listItems flipping tests', () => {
    const tests = (letter: StatusLetter) => Object.fromEntries(['a', 'b', 'c'].map((id) => [id, letter]))
    const records = [
      record(1, 1, 0.1, tests('p')),
      record(2, 0, 0.1, tests('f')),
      record(3, 1, 0.1, tests('p')),
    ]
    const section = historySection(view(records), 2)
    expect(section).toContain('| b | 2 |')
    expect(section).not.toContain('| c | 2 |')
    expect(section).toContain('1 more are left out here.')
  })
})
