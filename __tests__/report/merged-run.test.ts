/** A merge: the results files of a suite's shards read back as one run, equal to the run of the whole. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import { findShardFiles, type MergeSettings } from '../../src/pipeline/merge.js'
import { writeRun } from '../fixtures/html-report-runs.js'
import { mergeShards } from '../../src/report/merged-run.js'
import { buildReport } from '../../src/report/report.js'
import { writeResultsFile } from '../../src/report/results-file.js'
import { readStoredRun } from '../../src/report/stored-run.js'
import { shardOfId } from '../../src/suite/shards.js'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'merged-run-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

/** The whole run's results file split into `count` shards' files, as shard runs write them. */
async function shardsOf(resultsPath: string, count: number, suiteKey = 'suite-a') {
  const whole = readStoredRun(readFileSync(resultsPath, 'utf8'), 'whole.json')
  const files = []
  for (let index = 1; index <= count; index++) {
    const outcomes = whole.outcomes.filter((o) => shardOfId(o.evalCase.id, count) === index)
    const report = buildReport(
      { outcomes, unexpectedCustomIds: [], unexpectedCalls: [] },
      { minPassRate: 1, batchIds: [`batch-${index}`], batchDurationMs: index, runUrl: undefined },
    )
    report.shard = { index, count, suiteTests: whole.report.total, suiteKey }
    const file = await writeResultsFile(path.join(dir, `shard-${index}.json`), report, outcomes)
    files.push({ file: `shard-${index}.json`, text: readFileSync(file, 'utf8') })
  }
  return { whole, files }
}

describe('mergeShards', () => {
  const replies = [{ text: 'Paris' }, [{ text: 'Paris' }, { text: 'Lyon' }], { text: 'Lyon' }, { text: null }]

  it("rebuilds the whole run's verdict, counts and costs from its shards", async () => {
    const run = await writeRun(dir, 'whole', replies)
    const { whole, files } = await shardsOf(run.resultsPath, 3)
    const merged = mergeShards(files, { minPassRate: 1 })
    const { report } = merged
    expect(merged.shards).toBe(3)
    expect([
      report.status,
      report.total,
      report.passed,
      report.failed,
      report.errored,
      report.samples,
    ]).toEqual([
      whole.report.status,
      whole.report.total,
      whole.report.passed,
      whole.report.failed,
      whole.report.errored,
      whole.report.samples,
    ])
    expect(report.totalCost).toEqual(whole.report.totalCost)
    expect(report.costByModel).toEqual(whole.report.costByModel)
    expect(report.verdicts.map((v) => [v.evalCase.id, v.status]).sort()).toEqual(
      whole.report.verdicts.map((v) => [v.evalCase.id, v.status]).sort(),
    )
    expect(report.batchIds).toEqual(['batch-1', 'batch-2', 'batch-3'])
    expect(merged.entries).toHaveLength(whole.report.samples)
  })

  it('names a missing shard, a shard given twice and a shard of another suite', async () => {
    const run = await writeRun(dir, 'whole', replies)
    const { files } = await shardsOf(run.resultsPath, 3)
    expect(() => mergeShards([files[0], files[2]], {})).toThrow('merge lacks shard 2 of 3 (it has 1, 3)')
    expect(() => mergeShards([files[0], files[0], files[1]], {})).toThrow(
      'shard-1.json and shard-1.json are both shard 1 of 3',
    )
    const other = (await shardsOf(run.resultsPath, 3, 'suite-b')).files
    expect(() => mergeShards([files[0], other[1], files[2]], {})).toThrow('another suite')
    expect(() =>
      mergeShards([{ file: 'whole.json', text: readFileSync(run.resultsPath, 'utf8') }], {}),
    ).toThrow('whole.json is not the results file of a shard')
  })

  it("reads the shards' files the merge input's glob matches, gzipped or not", async () => {
    const run = await writeRun(dir, 'whole', replies)
    const { whole, files } = await shardsOf(run.resultsPath, 3)
    mkdirSync(path.join(dir, 'shards'))
    files.forEach(({ text }, i) =>
      writeFileSync(
        path.join(dir, 'shards', `shard-${i + 1}.json${i === 1 ? '.gz' : ''}`),
        i === 1 ? gzipSync(text) : text,
      ),
    )
    const settings = { workspace: dir, allowedPaths: [], mergePatterns: ['shards/*'] }
    const found = await findShardFiles(settings as unknown as MergeSettings)
    expect(found.map((shard) => shard.file).sort()).toEqual([
      'shards/shard-1.json',
      'shards/shard-2.json.gz',
      'shards/shard-3.json',
    ])
    expect(found.map((shard) => shard.text).sort()).toEqual(files.map((shard) => shard.text).sort())
    expect(mergeShards(found, { minPassRate: 1 }).report.total).toBe(whole.report.total)
  })
})
