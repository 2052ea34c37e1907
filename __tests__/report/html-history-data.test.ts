/** The run history as the HTML report charts it: the last runs with this one, and the tests flipping over time. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { writeRun, type WrittenRun } from '../fixtures/html-report-runs.js'
import { withThisRun, type HistoryRecord, type PastHistory } from '../../src/report/history.js'
import { historyChart, htmlReportData, MAX_FLIPS } from '../../src/report/html-report-data.js'

let dir: string
let run: WrittenRun
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'html-history-'))
  // test-0 passes, test-1 fails.
  run = await writeRun(dir, 'run', [{ text: 'Paris' }, { text: 'Lyon' }])
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const record = (n: number, tests: HistoryRecord['tests'] = {}): HistoryRecord => ({
  time: `2026-04-${String(n).padStart(2, '0')}T03:00:00.000Z`,
  commit: `${n}`.repeat(40).slice(0, 40),
  run: String(n),
  total: 2,
  passed: 2,
  failed: 0,
  errored: 0,
  passRate: 1,
  costUsd: n / 100,
  cacheHitRate: null,
  tests,
})

const past = (records: HistoryRecord[]): PastHistory => ({
  records,
  location: 'eval-history:geo-1a2b3c4d.jsonl',
  commit: 'c'.repeat(40),
  run: '812',
})
const END = new Date('2026-05-01T03:00:00Z')

describe('withThisRun', () => {
  it("appends the run's record, ended at the time given, as the history file will hold it", () => {
    const records = withThisRun(past([record(1)]), run.report, END)
    expect(records).toHaveLength(2)
    expect(records[1]).toMatchObject({
      time: '2026-05-01T03:00:00.000Z',
      commit: 'c'.repeat(40),
      run: '812',
      total: 2,
      passed: 1,
      passRate: 0.5,
      tests: { 'test-0': 'p', 'test-1': 'f' },
    })
  })
})

describe('htmlReportData: history', () => {
  it('charts the last 30 runs, this one last, with their labels', () => {
    const earlier = Array.from({ length: 29 }, (_, i) => record(i + 1))
    const data = htmlReportData(run.report, undefined, {
      location: 'eval-history:geo-1a2b3c4d.jsonl',
      records: withThisRun(past([record(0), ...earlier]), run.report, END),
    })
    const history = data.history
    expect(history?.location).toBe('eval-history:geo-1a2b3c4d.jsonl')
    expect(history?.runs).toHaveLength(30)
    expect(history?.runs[0]).toEqual({
      label: '04-01 #1',
      time: '2026-04-01T03:00:00.000Z',
      commit: '1'.repeat(40),
      run: '1',
      total: 2,
      passRate: 1,
      costUsd: 0.01,
    })
    expect(history?.runs[29]).toMatchObject({ label: '05-01 #812', passRate: 0.5, run: '812' })
    expect(history?.runs[29].costUsd).toBeGreaterThan(0)
    expect(history?.flips).toEqual([])
  })

  it('lists the tests flipping over the last 10 runs, this one included', () => {
    const tests = (letter: 'p' | 'f') => ({ 'test-1': letter, '<b>id</b>': letter })
    const records = withThisRun(
      past([record(1, tests('f')), record(2, tests('p')), record(3, { 'test-1': 'p' })]),
      run.report,
      END,
    )
    const history = historyChart('eval-history:x.jsonl', records)
    expect(history.flipRuns).toBe(4)
    expect(history.flips).toEqual([{ id: 'test-1', flips: 2, statuses: ['f', 'p', 'p', 'f'] }])
    expect(history.moreFlips).toBe(0)
  })

  it(`lists at most ${MAX_FLIPS} flipping tests and counts the rest`, () => {
    const ids = Array.from({ length: MAX_FLIPS + 50 }, (_, i) => `t${String(i).padStart(3, '0')}`)
    const tests = (letter: 'p' | 'f') => Object.fromEntries(ids.map((id) => [id, letter]))
    const history = historyChart('h:x.jsonl', [
      record(1, tests('p')),
      record(2, tests('f')),
      record(3, tests('p')),
    ])
    expect(history.flips).toHaveLength(MAX_FLIPS)
    expect(history.flips[0].id).toBe('t000')
    expect(history.moreFlips).toBe(50)
  })

  it('is null without a history', () => {
    expect(htmlReportData(run.report).history).toBeNull()
  })
})
