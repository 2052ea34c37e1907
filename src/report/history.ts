/**
 * The run history (`history` input): one compact JSON line per run on the default branch, kept in a file on
 * a branch of the user's repository. This module turns a report into its record, reads the file's text
 * (skipping lines it cannot read, never failing on them) and keeps the file within its size limit.
 */
import { createHash } from 'node:crypto'
import { usdString } from '../cost/usd.js'
import type { TestStatus } from '../model.js'
import { cacheSummaryOf } from './cache-summary.js'
import type { RunReport } from './report.js'

/** A test's verdict in a record: passed, failed, errored. */
export type StatusLetter = 'p' | 'f' | 'e'

export interface HistoryRecord {
  /** When the run ended, ISO 8601. */
  time: string
  commit: string
  /** The workflow run's number (GITHUB_RUN_NUMBER), '' when unknown. */
  run: string
  total: number
  passed: number
  failed: number
  errored: number
  passRate: number
  /** The run's cost at batch prices, USD; null when a model was unpriced. */
  costUsd: number | null
  /** Marked requests that read the prompt cache; null when none was marked. */
  cacheHitRate: number | null
  /** Each test's verdict by test id; dropped from older records when the file is compacted. */
  tests?: Record<string, StatusLetter>
}

/** Past this many bytes the file is compacted, down to three quarters of it. */
export const HISTORY_MAX_BYTES = 2_000_000
/** Records that keep their per-test verdicts through a compaction: the window of the flips list and more. */
export const RECORDS_WITH_TESTS = 30

const LETTER: Record<TestStatus, StatusLetter> = { passed: 'p', failed: 'f', errored: 'e' }

export interface RunIdentity {
  time: Date
  commit: string
  run: string
}

/** The history a run starts with, read before it: the records, where they are kept, and the run's identity. */
export interface PastHistory extends Omit<RunIdentity, 'time'> {
  records: readonly HistoryRecord[]
  /** `eval-history:support-bot-1a2b3c4d.jsonl`: the branch and the suite's file. */
  location: string
}

export function historyRecord(report: RunReport, { time, commit, run }: RunIdentity): HistoryRecord {
  const tests: Record<string, StatusLetter> = {}
  for (const verdict of report.verdicts) tests[verdict.evalCase.id] = LETTER[verdict.status]
  return {
    time: time.toISOString(),
    commit,
    run,
    total: report.total,
    passed: report.passed,
    failed: report.failed,
    errored: report.errored,
    passRate: report.passRate,
    costUsd: report.totalCost ? Number(usdString(report.totalCost.batch)) : null,
    cacheHitRate: cacheSummaryOf(report.costByModel)?.hitRate ?? null,
    tests,
  }
}

/** The records of `past` with the run's own appended, ended at `time`: as the file holds them once it is recorded. */
export function withThisRun(past: PastHistory, report: RunReport, time: Date): HistoryRecord[] {
  return [...past.records, historyRecord(report, { time, commit: past.commit, run: past.run })]
}

/**
 * The file that keeps one suite's history on the branch: `comment-header` tells suites apart as it does
 * their comments, else the suite patterns; a readable slug and a hash, so that two names never share a file.
 */
export function historyFileName(commentHeader: string, suitePatterns: readonly string[]): string {
  const identity = commentHeader || suitePatterns.join('\n')
  const slug = identity
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
  const hash = createHash('sha256').update(identity).digest('hex').slice(0, 8)
  return `${slug || 'suite'}-${hash}.jsonl`
}

export interface ParsedHistory {
  records: HistoryRecord[]
  /** Line numbers (1-based) of the lines that are not a record; they are dropped when the file is written. */
  corruptLines: number[]
}

export function parseHistory(text: string): ParsedHistory {
  const records: HistoryRecord[] = []
  const corruptLines: number[] = []
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return
    const record = recordOf(line)
    if (record) records.push(record)
    else corruptLines.push(index + 1)
  })
  return { records, corruptLines }
}

const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0
const isRate = (value: unknown): value is number => typeof value === 'number' && value >= 0 && value <= 1
const isShortString = (value: unknown): value is string => typeof value === 'string' && value.length <= 200

/** A line as a record, checked field by field (anyone who can push to the branch can write it); else null. */
function recordOf(line: string): HistoryRecord | null {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    return null
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null
  const r = value as Record<string, unknown>
  const ok =
    typeof r.time === 'string' &&
    !Number.isNaN(Date.parse(r.time)) &&
    isShortString(r.commit) &&
    isShortString(r.run) &&
    [r.total, r.passed, r.failed, r.errored].every(isCount) &&
    isRate(r.passRate) &&
    (r.costUsd === null || (typeof r.costUsd === 'number' && Number.isFinite(r.costUsd) && r.costUsd >= 0)) &&
    (r.cacheHitRate === null || isRate(r.cacheHitRate))
  if (!ok) return null
  const record: HistoryRecord = {
    time: r.time as string,
    commit: r.commit as string,
    run: r.run as string,
    total: r.total as number,
    passed: r.passed as number,
    failed: r.failed as number,
    errored: r.errored as number,
    passRate: r.passRate as number,
    costUsd: r.costUsd as number | null,
    cacheHitRate: r.cacheHitRate as number | null,
  }
  if (r.tests === undefined) return record
  if (typeof r.tests !== 'object' || r.tests === null || Array.isArray(r.tests)) return null
  const tests: Record<string, StatusLetter> = {}
  for (const [id, letter] of Object.entries(r.tests)) {
    if (letter !== 'p' && letter !== 'f' && letter !== 'e') return null
    tests[id] = letter
  }
  return { ...record, tests }
}

export function serializeHistory(records: readonly HistoryRecord[]): string {
  return records.map((record) => `${JSON.stringify(record)}\n`).join('')
}

/**
 * Records that fit in `maxBytes` once serialized, newest kept: older records first lose their per-test
 * verdicts (all but the newest RECORDS_WITH_TESTS), then the oldest go, down to three quarters of the limit
 * so that the next runs do not compact again. The newest record is always kept.
 */
export function compactHistory(
  records: readonly HistoryRecord[],
  maxBytes = HISTORY_MAX_BYTES,
): HistoryRecord[] {
  const size = (list: readonly HistoryRecord[]) => Buffer.byteLength(serializeHistory(list))
  if (size(records) <= maxBytes) return [...records]
  const keepTestsFrom = records.length - RECORDS_WITH_TESTS
  const slim = records.map((record, index) => {
    if (index >= keepTestsFrom || record.tests === undefined) return record
    const slimmed: HistoryRecord = { ...record }
    delete slimmed.tests
    return slimmed
  })
  const target = Math.floor(maxBytes * 0.75)
  let total = size(slim)
  let first = 0
  while (total > target && first < slim.length - 1) {
    total -= Buffer.byteLength(`${JSON.stringify(slim[first])}\n`)
    first++
  }
  return slim.slice(first)
}

export interface AppendedHistory {
  /** The file's new text. */
  text: string
  records: HistoryRecord[]
  corruptLines: number[]
  /** Records dropped or slimmed to keep the file within its limit. */
  compacted: boolean
}

/** The file's text (none yet: undefined) with `record` appended, compacted past `maxBytes`. */
export function appendToHistory(
  text: string | undefined,
  record: HistoryRecord,
  maxBytes = HISTORY_MAX_BYTES,
): AppendedHistory {
  const { records: earlier, corruptLines } = parseHistory(text ?? '')
  const all = [...earlier, record]
  const records = compactHistory(all, maxBytes)
  const compacted =
    records.length !== all.length || records.some((r, i) => r !== all[all.length - records.length + i])
  return { text: serializeHistory(records), records, corruptLines, compacted }
}
