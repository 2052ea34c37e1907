/**
 * A merge: the results files of a suite's shards (the `shard` input, one job of a matrix each) read back as
 * the report of one run over the whole suite, after checking that they are every shard of one suite, each
 * once. The outcomes, costs and judge's costs are the shards' as stored; the gate is applied to the whole.
 */
import {
  ResultsFileError,
  readStoredDocument,
  reportOfStored,
  type StoredEntry,
  type StoredRunOptions,
} from './stored-run.js'
import type { RunReport } from './report.js'
import type { TestOutcome } from '../model.js'

/** A shard's results file: its name (for errors) and text. */
export interface ShardFile {
  file: string
  text: string
}

export interface MergedRun {
  report: RunReport
  outcomes: TestOutcome[]
  /** The shards' entries as their files have them, in the order of the report's outcomes. */
  entries: unknown[]
  shards: number
}

const FIX = 'give the results files of every shard of one run (the jobs of one matrix, with the same suite)'

interface ShardOf {
  file: string
  index: number
  count: number
  suiteTests: number
  suiteKey: string
}

function shardOf(file: string, shard: unknown): ShardOf {
  const record = shard as Record<string, unknown> | undefined
  const whole = (value: unknown) => typeof value === 'number' && Number.isInteger(value) && value >= 0
  if (
    typeof record !== 'object' ||
    record === null ||
    !whole(record.index) ||
    !whole(record.count) ||
    !whole(record.suite_tests) ||
    typeof record.suite_key !== 'string'
  ) {
    throw new ResultsFileError(file, 'is not the results file of a shard (it has no shard)', FIX)
  }
  return {
    file,
    index: record.index as number,
    count: record.count as number,
    suiteTests: record.suite_tests as number,
    suiteKey: record.suite_key,
  }
}

/** The shards' files merged into one run; a UserError names a missing, repeated or foreign shard. */
export function mergeShards(files: ShardFile[], options: StoredRunOptions): MergedRun {
  if (files.length === 0) throw new ResultsFileError('merge', 'matched no results file', FIX)
  const read = files.map(({ file, text }) => {
    const { document, entries } = readStoredDocument(text, file)
    return { shard: shardOf(file, document.shard), document, entries }
  })
  const [first] = read.map((part) => part.shard)
  const byIndex = new Map<number, ShardOf>()
  for (const { shard } of read) {
    if (shard.count !== first.count || shard.suiteKey !== first.suiteKey) {
      throw new ResultsFileError(
        shard.file,
        `is shard ${shard.index} of ${shard.count} of a suite of ${shard.suiteTests} tests, but ${first.file} ` +
          `is shard ${first.index} of ${first.count} of ${shard.suiteKey === first.suiteKey ? 'the same suite' : `another suite (of ${first.suiteTests} tests)`}: they are not shards of one run`,
        FIX,
      )
    }
    const twin = byIndex.get(shard.index)
    if (twin) {
      throw new ResultsFileError(
        shard.file,
        `and ${twin.file} are both shard ${shard.index} of ${shard.count}`,
        FIX,
      )
    }
    byIndex.set(shard.index, shard)
  }
  const missing = Array.from({ length: first.count }, (_, i) => i + 1).filter((index) => !byIndex.has(index))
  if (missing.length > 0) {
    throw new ResultsFileError(
      'merge',
      `lacks shard ${missing.join(', ')} of ${first.count} (it has ${[...byIndex.keys()].sort((a, b) => a - b).join(', ')})`,
      "check that each shard's job succeeded and uploaded its results file, and that merge's glob matches it",
    )
  }
  read.sort((a, b) => a.shard.index - b.shard.index)
  const entries = suiteOrdered(read.map(({ shard, entries }) => ({ file: shard.file, entries })))
  const tests = new Set(entries.map((entry) => entry.id)).size
  if (tests !== first.suiteTests) {
    throw new ResultsFileError(
      'merge',
      `has ${tests} tests in its ${first.count} shards, but their suite has ${first.suiteTests}`,
      FIX,
    )
  }
  const { report, outcomes } = reportOfStored(
    read.map((part) => part.document),
    entries,
    options,
  )
  return { report, outcomes, entries: entries.map((entry) => entry.raw), shards: first.count }
}

/**
 * The shards' entries as one list: each test's samples together, the tests by file and line (as the suite
 * lists them, but for tests of one line, which stay in their shard's order). A test in two shards is an error.
 */
function suiteOrdered(shards: { file: string; entries: StoredEntry[] }[]): StoredEntry[] {
  const tests: StoredEntry[][] = []
  const shardOfTest = new Map<string, string>()
  for (const { file, entries } of shards) {
    let last: string | undefined
    for (const entry of entries) {
      if (entry.id !== last) {
        const other = shardOfTest.get(entry.id)
        if (other !== undefined) {
          throw new ResultsFileError(file, `and ${other} both have the test '${entry.id}'`, FIX)
        }
        shardOfTest.set(entry.id, file)
        tests.push([])
        last = entry.id
      }
      tests[tests.length - 1].push(entry)
    }
  }
  const at = (test: StoredEntry[]) => test[0]
  tests.sort((a, b) => (at(a).file < at(b).file ? -1 : at(a).file > at(b).file ? 1 : at(a).line - at(b).line))
  return tests.flat()
}
