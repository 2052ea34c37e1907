import {
  appendToHistory,
  compactHistory,
  historyFileName,
  historyRecord,
  parseHistory,
  RECORDS_WITH_TESTS,
  serializeHistory,
  type HistoryRecord,
} from '../../src/report/history.js'
import type { RunReport } from '../../src/report/report.js'

const FEMTO_PER_USD = 10n ** 15n

/** The fields of a report a record is made of. */
function report(
  statuses: Record<string, 'passed' | 'failed' | 'errored'>,
  costUsd: number | null,
): RunReport {
  const verdicts = Object.entries(statuses).map(([id, status]) => ({ evalCase: { id }, status }))
  const count = (status: string) => verdicts.filter((v) => v.status === status).length
  const batch = costUsd === null ? null : (BigInt(Math.round(costUsd * 1e6)) * FEMTO_PER_USD) / 1_000_000n
  return {
    verdicts,
    total: verdicts.length,
    passed: count('passed'),
    failed: count('failed'),
    errored: count('errored'),
    passRate: count('passed') / verdicts.length,
    totalCost: batch === null ? null : { standard: batch * 2n, batch },
    costByModel: [
      {
        cacheRequests: { marked: 4, hits: 3 },
        tokens: { input: 0, output: 0, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0 },
        cacheSaving: { standard: 0n, batch: 0n },
      },
    ],
  } as unknown as RunReport
}

const record = (time: string, tests: Record<string, 'p' | 'f' | 'e'> = {}, passRate = 1): HistoryRecord => ({
  time,
  commit: 'abc1234',
  run: '7',
  total: 2,
  passed: 2,
  failed: 0,
  errored: 0,
  passRate,
  costUsd: 0.25,
  cacheHitRate: null,
  tests,
})

describe('historyRecord', () => {
  it('keeps the counts, the batch cost in USD, the cache hit rate and each test as one letter', () => {
    const made = historyRecord(report({ a: 'passed', b: 'failed', c: 'errored' }, 0.125), {
      time: new Date('2026-05-01T03:00:00Z'),
      commit: 'f00d',
      run: '12',
    })
    expect(made).toEqual({
      time: '2026-05-01T03:00:00.000Z',
      commit: 'f00d',
      run: '12',
      total: 3,
      passed: 1,
      failed: 1,
      errored: 1,
      passRate: 1 / 3,
      costUsd: 0.125,
      cacheHitRate: 0.75,
      tests: { a: 'p', b: 'f', c: 'e' },
    })
  })

  it('has no cost when a model was unpriced', () => {
    const made = historyRecord(report({ a: 'passed' }, null), { time: new Date(0), commit: '', run: '' })
    expect(made.costUsd).toBeNull()
  })
})

describe('historyFileName', () => {
  it('tells suites apart by comment-header, else by their patterns, with a readable slug and a hash', () => {
    const support = historyFileName('Support bot', ['evals/a.yml'])
    expect(support).toMatch(/^support-bot-[0-9a-f]{8}\.jsonl$/)
    expect(historyFileName('', ['evals/a.yml'])).toMatch(/^evals-a-yml-[0-9a-f]{8}\.jsonl$/)
    expect(historyFileName('', ['evals/a.yml'])).not.toBe(historyFileName('', ['evals/b.yml']))
    // Two names with one slug still get two files.
    expect(historyFileName('Support bot!', [])).not.toBe(support)
    expect(historyFileName('☃', [])).toMatch(/^suite-[0-9a-f]{8}\.jsonl$/)
  })
})

describe('parseHistory', () => {
  it('reads each line as a record and skips the ones it cannot read, by line number', () => {
    const good = record('2026-05-01T00:00:00Z', { a: 'p' })
    const text = [
      JSON.stringify(good),
      '{"time": "2026-05-02T00:00:00Z", "trunc',
      '',
      JSON.stringify({ ...good, passRate: 7 }),
      JSON.stringify({ ...good, tests: { a: 'x' } }),
      '[1,2]',
      JSON.stringify({ ...good, time: 'yesterday' }),
      JSON.stringify({ ...good, tests: undefined }),
    ].join('\n')
    const { records, corruptLines } = parseHistory(text)
    expect(records).toEqual([good, { ...good, tests: undefined }].map((r) => JSON.parse(JSON.stringify(r))))
    expect(corruptLines).toEqual([2, 4, 5, 6, 7])
  })

  it('round-trips what it writes', () => {
    const records = [record('2026-05-01T00:00:00Z', { a: 'p', b: 'f' }), record('2026-05-02T00:00:00Z')]
    expect(parseHistory(serializeHistory(records)).records).toEqual(records)
  })
})

describe('compactHistory', () => {
  /** Records of 20 tests each: their verdicts are most of their size. */
  const many = (n: number) =>
    Array.from({ length: n }, (_, i) =>
      record(
        new Date(Date.UTC(2026, 0, 1 + i)).toISOString(),
        Object.fromEntries(Array.from({ length: 20 }, (_, t) => [`test-${t}`, (i + t) % 3 ? 'p' : 'f'])),
      ),
    )

  it('leaves a file within the limit as it is', () => {
    const records = many(5)
    expect(compactHistory(records, 10_000)).toEqual(records)
  })

  it('first drops the per-test verdicts of all but the newest records, then the oldest records', () => {
    const records = many(100)
    const full = Buffer.byteLength(serializeHistory(records))
    const slimOnly = Buffer.byteLength(
      serializeHistory(
        records.map((r, i) => (i < 100 - RECORDS_WITH_TESTS ? { ...r, tests: undefined } : r)),
      ),
    )
    // Over the limit, but the slimmed records fit in three quarters of it: every record stays.
    expect(Math.ceil(slimOnly / 0.75) + 1).toBeLessThan(full)
    const roomy = compactHistory(records, Math.ceil(slimOnly / 0.75) + 1)
    expect(roomy).toHaveLength(100)
    expect(roomy.filter((r) => r.tests !== undefined)).toHaveLength(RECORDS_WITH_TESTS)
    expect(roomy[roomy.length - 1]).toBe(records[records.length - 1])

    const limit = Math.floor(full / 4)
    const tight = compactHistory(records, limit)
    expect(Buffer.byteLength(serializeHistory(tight))).toBeLessThanOrEqual(limit * 0.75)
    expect(tight.length).toBeLessThan(100)
    expect(tight[tight.length - 1]).toBe(records[records.length - 1])
  })

  it('always keeps the newest record, however large', () => {
    const big = record(
      '2026-01-01T00:00:00Z',
      Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`t${i}`, 'p'])),
    )
    expect(compactHistory([record('2025-12-31T00:00:00Z'), big], 100)).toEqual([big])
  })
})

describe('appendToHistory', () => {
  it('starts a file, appends to one, and drops unreadable lines with their numbers', () => {
    const first = appendToHistory(undefined, record('2026-05-01T00:00:00Z'))
    expect(first.text).toBe(`${JSON.stringify(record('2026-05-01T00:00:00Z'))}\n`)
    expect(first.compacted).toBe(false)
    const second = appendToHistory(`${first.text}not json\n`, record('2026-05-02T00:00:00Z'))
    expect(second.records.map((r) => r.time)).toEqual(['2026-05-01T00:00:00Z', '2026-05-02T00:00:00Z'])
    expect(second.corruptLines).toEqual([2])
    expect(second.text).not.toContain('not json')
  })

  it('says when it compacted', () => {
    const text = serializeHistory(
      Array.from({ length: 50 }, (_, i) =>
        record(`2026-01-${String((i % 28) + 1).padStart(2, '0')}T00:00:00Z`),
      ),
    )
    expect(appendToHistory(text, record('2026-02-01T00:00:00Z'), 2_000).compacted).toBe(true)
  })
})
