/** A stored run: a results file read back into the report it was written from. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { usage } from '../fixtures/messages.js'
import { writeRun } from '../fixtures/html-report-runs.js'
import { billedCall } from '../../src/cost/pricing.js'
import { readBaseline } from '../../src/report/baseline.js'
import { buildReport, type RunReport } from '../../src/report/report.js'
import { writeResultsFile } from '../../src/report/results-file.js'
import { readStoredRun, storedEntries } from '../../src/report/stored-run.js'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'stored-run-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

/** What the surfaces show of a report, with each test named by its id. */
function shown(report: RunReport) {
  const ids = (verdicts: { evalCase: { id: string } }[]) => verdicts.map((v) => v.evalCase.id)
  return {
    status: report.status,
    failureReasons: report.failureReasons,
    counts: [report.total, report.passed, report.failed, report.errored, report.samples],
    passRate: report.passRate,
    minPassRate: report.minPassRate,
    verdicts: report.verdicts.map((v) => [v.evalCase.id, v.status, v.passes, v.samples, v.needed]),
    repeats: report.repeats && { ...report.repeats, flaky: ids(report.repeats.flaky) },
    baseline: report.baseline,
    batchIds: report.batchIds,
    batchDurationMs: report.batchDurationMs,
    costByModel: report.costByModel,
    totalCost: report.totalCost,
    knownCost: report.knownCost,
    metrics: report.metrics,
    problems: report.problems.map((p) => [p.customId, p.status, p.output, p.reason, p.assertions]),
    unexpectedCustomIds: report.unexpectedCustomIds,
  }
}

const read = (file: string) => readFileSync(file, 'utf8')

describe('readStoredRun', () => {
  it('rebuilds the report of a run with repeats, failures, errors and a baseline', async () => {
    const before = await writeRun(dir, 'before', [{ text: 'Paris' }, { text: 'Paris' }, { text: 'Lyon' }])
    const after = await writeRun(
      dir,
      'after',
      [
        { text: 'Lyon', usage: { input_tokens: 120, cache_read_input_tokens: 900 } },
        [{ text: 'Paris' }, { text: 'Lyon' }, { text: null }],
        { text: 'Paris', model: 'claude-sonnet-4-5', usage: { cache_creation_input_tokens: 50 } },
        { text: null },
      ],
      before,
    )
    const baseline = readBaseline(read(before.resultsPath), 'baseline.json')
    const stored = readStoredRun(read(after.resultsPath), 'after.json', { baseline })
    expect(stored.gate).toBe('recomputed')
    expect(shown(stored.report)).toEqual(shown(after.report))
    expect(after.report.baseline?.regressions.length).toBeGreaterThan(0)
    expect(after.report.repeats?.flaky).toHaveLength(1)
    expect(stored.outcomes).toHaveLength(6)

    // Without options, the recorded verdict stands and no comparison is made.
    const recorded = readStoredRun(read(after.resultsPath), 'after.json')
    expect(recorded.gate).toBe('recorded')
    expect(recorded.report.baseline).toBeNull()
    expect(recorded.recordedStatus).toBe('failed')
    expect(recorded.recordedBaseline).toEqual({
      file: 'baseline.json',
      regressions: after.report.baseline?.regressions.map((flip) => flip.id),
      fixes: after.report.baseline?.fixes.map((flip) => flip.id),
      significance: after.report.baseline?.significance,
    })
    expect(recorded.report.status).toBe('failed')
    expect(recorded.report.failureReasons).toEqual(after.report.failureReasons)
    // Recomputed with a lower bar, the errored test still fails it.
    const lenient = readStoredRun(read(after.resultsPath), 'after.json', { minPassRate: 0 })
    expect(lenient.report.failureReasons).toEqual(['1 test errored (no output to grade)'])
  })

  it("gives back the judge's cost and results for unknown custom_ids, equal to the stored rows", async () => {
    const run = await writeRun(dir, 'plain', [{ text: 'Paris' }, { text: 'Paris' }])
    const { outcomes } = readStoredRun(read(run.resultsPath), 'plain.json')
    const report = buildReport(
      {
        outcomes,
        unexpectedCustomIds: ['stray'],
        unexpectedCalls: [billedCall('claude-haiku-4-5', usage({ input_tokens: 7, output_tokens: 3 }))],
      },
      {
        minPassRate: 0.5,
        batchIds: ['msgbatch_01', 'msgbatch_02'],
        batchDurationMs: null,
        runUrl: undefined,
        loadWarnings: ['a provider was mapped'],
        judgeCalls: [
          billedCall('claude-sonnet-4-5', usage({ input_tokens: 300, output_tokens: 40 })),
          billedCall('claude-sonnet-4-5', usage({ input_tokens: 200, cache_read_input_tokens: 1000 })),
          billedCall('claude-unknown-judge', usage()),
        ],
      },
    )
    const file = await writeResultsFile(path.join(dir, 'judged.json'), report, outcomes)
    const stored = readStoredRun(read(file), 'judged.json')
    expect(shown(stored.report)).toEqual(shown(report))
    expect(stored.report.loadWarnings).toEqual(['a provider was mapped'])
    expect(stored.report.costByModel.map((row) => [row.role, row.model, row.tests])).toEqual([
      ['outputs', 'claude-haiku-4-5', 3],
      ['judge', 'claude-sonnet-4-5', 2],
      ['judge', 'claude-unknown-judge', 1],
    ])
    expect(stored.report.totalCost).toBeNull()
  })

  it('finds the repeat-min-pass the stored verdicts were given with', async () => {
    const run = await writeRun(dir, 'min', [[{ text: 'Paris' }, { text: 'Lyon' }, { text: 'Paris' }]])
    const text = read(run.resultsPath).replaceAll('"verdict":"failed"', '"verdict":"passed"')
    const { report } = readStoredRun(text, 'min.json', { minPassRate: 1 })
    expect(report.verdicts.map((v) => [v.status, v.needed])).toEqual([['passed', 2]])
  })
})

describe('storedEntries', () => {
  it('yields each stored sample with its request and output', async () => {
    const run = await writeRun(dir, 'run', [[{ text: 'Paris' }, { text: null }]])
    const entries = [...storedEntries(read(run.resultsPath), 'run.json')]
    expect(entries.map((e) => [e.id, e.custom_id, e.sample, e.samples, e.result_type, e.output])).toEqual([
      ['test-0', 'test-0_r1', 1, 2, 'succeeded', 'Paris'],
      ['test-0', 'test-0_r2', 2, 2, 'errored', null],
    ])
    expect(entries[0].request.messages).toEqual([{ role: 'user', content: 'What is the capital? (0)' }])
    expect(entries[1].error).toEqual({ type: 'api_error', message: 'overloaded' })
  })

  it('refuses a file that is not a results file, a cut-off one and a newer one, naming the file', async () => {
    const run = await writeRun(dir, 'run', [{ text: 'Paris' }])
    const text = read(run.resultsPath)
    const entries = (content: string) => () => [...storedEntries(content, 'r.json')]
    expect(entries('{"suites": []}')).toThrow(
      'r.json is not a results file of claude-batch-evals (it has no schema_version)',
    )
    expect(entries(text.slice(0, text.length / 2))).toThrow(
      /^r\.json is not valid JSON .* a cut-off download/,
    )
    expect(entries(text.replace('"schema_version": 1', '"schema_version": 2'))).toThrow(
      'r.json has schema_version 2, but this version of claude-batch-evals reads only 1 — a newer ' +
        'claude-batch-evals wrote it: read it with that version',
    )
    expect(entries(text.replace('"custom_id":"test-0",', ''))).toThrow(
      "r.json has tests[0] (id 'test-0') that has no custom_id",
    )
  })
})
