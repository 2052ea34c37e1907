import { readFile } from 'node:fs/promises'
import {
  compareWithBaseline,
  readBaseline,
  type Baseline,
  type CurrentRun,
} from '../../src/report/baseline.js'
import { usdString } from '../../src/cost/usd.js'
import { wilsonInterval } from '../../src/grading/statistics.js'
import type { TestStatus } from '../../src/model.js'

const fixture = (name: string) => new URL(`../fixtures/baselines/${name}`, import.meta.url)

async function readFixture(name: string): Promise<Baseline> {
  return readBaseline(await readFile(fixture(name), 'utf8'), `baselines/${name}`)
}

type Entry = Record<string, unknown>

function entry(id: string, status: TestStatus, extra: Entry = {}): Entry {
  return { id, custom_id: id, description: `about ${id}`, status, ...extra }
}

/** A results file's text with these tests; `header` replaces top-level fields (`tests` too). */
function resultsFile(tests: unknown[], header: Entry = {}): string {
  return JSON.stringify({
    schema_version: 1,
    generated_at: '2025-06-01T03:04:05.678Z',
    status: 'passed',
    summary: { total: tests.length, pass_rate: 1 },
    cost: { total_usd: { batch: '0.5', standard: '1', savings: '0.5' } },
    tests,
    ...header,
  })
}

/** A baseline with these statuses, by id. */
function baselineOf(statuses: Record<string, TestStatus>, totalUsd: Entry | null = null): Baseline {
  const tests = Object.entries(statuses).map(([id, status]) => entry(id, status))
  return readBaseline(resultsFile(tests, { cost: { total_usd: totalUsd } }), 'baseline.json')
}

function currentOf(statuses: Record<string, TestStatus>, costBatch: bigint | null = null): CurrentRun {
  return {
    tests: Object.entries(statuses).map(([id, status]) => ({ id, description: `now ${id}`, status })),
    costBatch,
  }
}

/** n tests named t0, t1, ... with the given status. */
function many(n: number, status: TestStatus, from = 0): Record<string, TestStatus> {
  return Object.fromEntries(Array.from({ length: n }, (_, i) => [`t${from + i}`, status]))
}

describe('readBaseline', () => {
  test('reads a results file written before tests had samples', async () => {
    const baseline = await readFixture('nightly-v1.json')
    expect(baseline).toEqual({
      file: 'baselines/nightly-v1.json',
      generatedAt: '2025-06-01T03:04:05.678Z',
      passed: 2,
      total: 4,
      passRate: 0.5,
      costBatch: 12_345_678_901_234n,
      cacheHitRates: new Map(),
      // Each test's cost_usd.batch: the errored one was not billed.
      testCosts: new Map([
        ['capital-france', 10_500_000_000n],
        ['capital-peru', 10_500_000_000n],
        ['capital-chad', 0n],
        ['capital-fiji', 10_500_000_000n],
      ]),
      tests: new Map([
        ['capital-france', { description: 'Capital of France', status: 'passed' }],
        ['capital-peru', { description: undefined, status: 'failed' }],
        ['capital-chad', { description: 'Capital of Chad', status: 'errored' }],
        ['capital-fiji', { description: 'Capital of Fiji', status: 'passed' }],
      ]),
    })
  })

  test("reads each model's realized cache hit rate from its requests' usage, samples included", () => {
    const write = { input_tokens: 10, cache_creation_input_tokens: 5_000, cache_read_input_tokens: 0 }
    const read = { input_tokens: 10, cache_creation_input_tokens: 0, cache_read_input_tokens: 5_000 }
    const plain = { input_tokens: 10, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 }
    const haiku = { model: 'claude-haiku-4-5' }
    const tests = [
      entry('a', 'passed', { ...haiku, sample: 1, usage: write }),
      entry('a', 'passed', { ...haiku, sample: 2, usage: read }),
      entry('b', 'passed', { ...haiku, usage: read }),
      entry('c', 'passed', { ...haiku, usage: write }),
      entry('d', 'errored', { ...haiku, usage: null }),
      entry('e', 'passed', { model: 'claude-sonnet-4-5', usage: plain }),
    ]
    const { cacheHitRates } = readBaseline(resultsFile(tests), 'baseline.json')
    // Two of the four haiku requests that touched the cache read it; sonnet's never did, so it has no rate.
    expect(cacheHitRates).toEqual(new Map([['claude-haiku-4-5', 0.5]]))
  })

  test("counts a test's samples as one test with the test's verdict", async () => {
    const baseline = await readFixture('nightly-samples.json')
    expect(baseline.total).toBe(3)
    expect(baseline.passed).toBe(1)
    expect(baseline.passRate).toBeCloseTo(1 / 3, 15)
    // capital-france's samples passed, failed and passed: its verdict (failed) is what counts.
    expect([...baseline.tests]).toEqual([
      ['capital-france', { description: 'Capital of France', status: 'failed' }],
      ['capital-peru', { description: 'Capital of Peru', status: 'passed' }],
      ['capital-chad', { description: 'Capital of Chad', status: 'failed' }],
    ])
  })

  test('an unknown cost stays unknown', async () => {
    expect((await readFixture('nightly-samples.json')).costBatch).toBeNull()
  })

  test('reads decimal USD exactly, in femtodollars', () => {
    for (const usd of ['0', '12.5', '0.000000000000001', '123456789.123456789012345', '-0.25']) {
      const text = resultsFile([], { cost: { total_usd: { batch: usd, standard: usd, savings: '0' } } })
      const { costBatch } = readBaseline(text, 'b.json')
      expect(costBatch === null ? null : usdString(costBatch)).toBe(usd)
    }
  })

  test('a run without tests has a pass rate of 0', () => {
    expect(readBaseline(resultsFile([]), 'b.json')).toMatchObject({ total: 0, passed: 0, passRate: 0 })
  })

  describe('explains a file it cannot read, naming it and the fix', () => {
    const fix = 'point baseline at the results-file a run of claude-batch-evals wrote'
    const read = (text: string) => () => readBaseline(text, 'nightly/eval-results.json')

    test('not JSON, with the line when Node gives a position', () => {
      expect(read('{\n  "schema_version": 1,\n}')).toThrow(
        /^baseline nightly\/eval-results\.json is not valid JSON at line 3 \(.+\) — point baseline at the results-file a run of claude-batch-evals wrote, whole \(a cut-off download is not valid JSON\)$/,
      )
      expect(read(resultsFile([entry('a', 'passed')]).slice(0, -20))).toThrow(
        'baseline nightly/eval-results.json is not valid JSON',
      )
      expect(read('')).toThrow('is not valid JSON (Unexpected end of JSON input)')
    })

    test('not a results file', () => {
      const message = `baseline nightly/eval-results.json is not a results file of this action (no schema_version) — ${fix}`
      expect(read('{"description": "a promptfoo config", "tests": []}')).toThrow(message)
      expect(read('[1, 2]')).toThrow(message)
      expect(read('null')).toThrow(message)
    })

    test('a schema_version it does not know', () => {
      expect(read(resultsFile([], { schema_version: 2 }))).toThrow(
        'baseline nightly/eval-results.json has schema_version 2, but this version of the action reads only 1 — ' +
          'a newer version of claude-batch-evals wrote it: use that version here too',
      )
      expect(read(resultsFile([], { schema_version: '1' }))).toThrow(
        `has schema_version "1", but this version of the action reads only 1 — ${fix}`,
      )
    })

    test('missing or malformed fields', () => {
      const unedited = `— ${fix}, unedited`
      const cases: [string, string][] = [
        [resultsFile([], { generated_at: undefined }), 'has no generated_at'],
        [resultsFile([], { cost: {} }), 'has no cost.total_usd'],
        [resultsFile([], { cost: null }), 'has no cost.total_usd'],
        [
          resultsFile([], { cost: { total_usd: { batch: '1e-3' } } }),
          'has a cost.total_usd whose batch is not a decimal USD string ("0.0012345")',
        ],
        [resultsFile([], { cost: { total_usd: { batch: 0.5 } } }), 'has a cost.total_usd whose batch'],
        [resultsFile([], { cost: { total_usd: {} } }), 'has a cost.total_usd whose batch'],
        [resultsFile([], { tests: { a: 1 } }), 'has no tests list'],
        [resultsFile(['a']), 'has tests[0] that is not an object'],
        [resultsFile([entry('a', 'passed'), { status: 'passed' }]), 'has tests[1] without an id'],
        [
          resultsFile([entry('a', 'skipped' as TestStatus)]),
          "has tests[0] (id 'a') without a status of passed",
        ],
        [resultsFile([{ id: 'a' }]), "has tests[0] (id 'a') without a status of passed, failed or errored"],
        [
          resultsFile([entry('a', 'passed', { verdict: 'flaky' })]),
          "has tests[0] (id 'a') with a verdict that is not passed, failed or errored",
        ],
        [
          resultsFile([entry('a', 'passed', { description: 3 })]),
          "has tests[0] (id 'a') with a description that is neither a string nor null",
        ],
      ]
      for (const [text, problem] of cases) {
        expect(read(text)).toThrow(`baseline nightly/eval-results.json ${problem}`)
        expect(read(text)).toThrow(unedited)
      }
    })
  })
})

describe('compareWithBaseline', () => {
  test('finds flips both ways, new tests and removed tests; errored counts as not passed', () => {
    const baseline = baselineOf({
      kept: 'passed',
      broke: 'passed',
      crashed: 'passed',
      fixed: 'failed',
      recovered: 'errored',
      stillFailing: 'failed',
      failedThenErrored: 'failed',
      gone: 'passed',
    })
    const current = currentOf({
      kept: 'passed',
      broke: 'failed',
      crashed: 'errored',
      fixed: 'passed',
      recovered: 'passed',
      stillFailing: 'failed',
      failedThenErrored: 'errored',
      added: 'failed',
    })
    const comparison = compareWithBaseline(current, baseline)
    expect(comparison.regressions).toEqual([
      { id: 'broke', description: 'now broke', before: 'passed', after: 'failed' },
      { id: 'crashed', description: 'now crashed', before: 'passed', after: 'errored' },
    ])
    expect(comparison.fixes).toEqual([
      { id: 'fixed', description: 'now fixed', before: 'failed', after: 'passed' },
      { id: 'recovered', description: 'now recovered', before: 'errored', after: 'passed' },
    ])
    expect(comparison.newTests).toEqual([{ id: 'added', description: 'now added', after: 'failed' }])
    expect(comparison.removedTests).toEqual([{ id: 'gone', description: 'about gone', before: 'passed' }])
    expect(comparison.paired).toBe(7)
    expect(comparison).toMatchObject({ file: 'baseline.json', generatedAt: '2025-06-01T03:04:05.678Z' })
  })

  test('pass rates are over all tests of each run, with Wilson intervals', () => {
    const comparison = compareWithBaseline(
      currentOf({ ...many(8, 'passed'), ...many(2, 'failed', 8) }),
      baselineOf({ ...many(3, 'passed'), ...many(1, 'errored', 3), gone: 'failed' }),
    )
    expect(comparison.currentPassRate).toBe(0.8)
    expect(comparison.currentInterval).toEqual(wilsonInterval(8, 10))
    expect(comparison.baselinePassRate).toBe(0.6)
    expect(comparison.baselineInterval).toEqual(wilsonInterval(3, 5))
    expect(comparison.passRateDelta).toBeCloseTo(0.2, 15)
  })

  test('a test repeated in the current run counts once', () => {
    const current: CurrentRun = {
      tests: [
        { id: 'a', description: undefined, status: 'failed' },
        { id: 'a', description: undefined, status: 'failed' },
        { id: 'b', description: undefined, status: 'passed' },
      ],
      costBatch: null,
    }
    const comparison = compareWithBaseline(current, baselineOf({ a: 'passed', b: 'passed' }))
    expect(comparison.regressions).toHaveLength(1)
    expect(comparison.paired).toBe(2)
    expect(comparison.currentPassRate).toBe(0.5)
  })

  test('compares with a file whose tests have samples, by verdict', async () => {
    const baseline = await readFixture('nightly-samples.json')
    const comparison = compareWithBaseline(
      {
        tests: [
          { id: 'capital-france', description: 'Capital of France', status: 'passed' },
          { id: 'capital-peru', description: 'Capital of Peru', status: 'passed' },
          { id: 'capital-chad', description: 'Capital of Chad', status: 'failed' },
        ],
        costBatch: null,
      },
      baseline,
    )
    expect(comparison.fixes.map((test) => test.id)).toEqual(['capital-france'])
    expect(comparison.regressions).toEqual([])
    expect(comparison.paired).toBe(3)
  })

  test('compares with a file written before tests had samples', async () => {
    const comparison = compareWithBaseline(
      currentOf({ 'capital-france': 'failed', 'capital-peru': 'passed', 'capital-fiji': 'passed' }),
      await readFixture('nightly-v1.json'),
    )
    expect(comparison.regressions.map((test) => test.id)).toEqual(['capital-france'])
    expect(comparison.fixes.map((test) => test.id)).toEqual(['capital-peru'])
    expect(comparison.removedTests).toEqual([
      { id: 'capital-chad', description: 'Capital of Chad', before: 'errored' },
    ])
  })

  describe('cost', () => {
    const usd = (batch: string) => ({ batch, standard: batch, savings: '0' })

    test('the difference at batch prices, exact', () => {
      const comparison = compareWithBaseline(
        currentOf({ a: 'passed' }, 300_000_000_000_001n),
        baselineOf({ a: 'passed' }, usd('0.5')),
      )
      expect(comparison.costDelta).toBe(-199_999_999_999_999n)
      expect(usdString(comparison.costDelta as bigint)).toBe('-0.199999999999999')
    })

    test('unknown when either run could not price all of it', () => {
      expect(
        compareWithBaseline(currentOf({ a: 'passed' }, 5n), baselineOf({ a: 'passed' })).costDelta,
      ).toBeNull()
      expect(
        compareWithBaseline(currentOf({ a: 'passed' }, null), baselineOf({ a: 'passed' }, usd('1')))
          .costDelta,
      ).toBeNull()
    })
  })

  describe('significance', () => {
    const compare = (current: Record<string, TestStatus>, baseline: Record<string, TestStatus>) =>
      compareWithBaseline(currentOf(current), baselineOf(baseline))

    test('few flips could be noise', () => {
      const comparison = compare(
        { ...many(3, 'failed'), ...many(117, 'passed', 3) },
        { ...many(3, 'passed'), ...many(117, 'passed', 3) },
      )
      expect(comparison.mcnemarP).toBe(0.25)
      expect(comparison.significance).toBe(
        "3 regressions and 0 fixes among 120 paired tests: p = 0.25 (McNemar's exact test), which could be noise.",
      )
    })

    test('many flips one way are unlikely to be noise', () => {
      const comparison = compare(
        { ...many(6, 'failed'), ...many(1, 'passed', 6), ...many(50, 'passed', 7) },
        { ...many(6, 'passed'), ...many(1, 'failed', 6), ...many(50, 'passed', 7) },
      )
      expect(comparison.mcnemarP).toBeCloseTo(16 / 128, 15)
      expect(comparison.significance).toBe(
        "6 regressions and 1 fix among 57 paired tests: p = 0.13 (McNemar's exact test), which could be noise.",
      )
      const clear = compare({ ...many(10, 'failed'), ...many(90, 'passed', 10) }, many(100, 'passed'))
      expect(clear.mcnemarP).toBeCloseTo(2 / 1024, 15)
      expect(clear.significance).toBe(
        "10 regressions and 0 fixes among 100 paired tests: p = 0.002 (McNemar's exact test), unlikely to be noise.",
      )
      const fixes = compare(many(30, 'passed'), many(30, 'failed'))
      expect(fixes.significance).toBe(
        "0 regressions and 30 fixes among 30 paired tests: p < 0.0001 (McNemar's exact test), unlikely to be noise.",
      )
    })

    test('singular wording', () => {
      expect(compare({ a: 'failed', b: 'passed' }, { a: 'passed', b: 'failed' }).significance).toBe(
        "1 regression and 1 fix among 2 paired tests: p = 1 (McNemar's exact test), which could be noise.",
      )
    })

    test('no flips', () => {
      const comparison = compare(
        { a: 'passed', b: 'failed', c: 'errored' },
        { a: 'passed', b: 'errored', c: 'failed' },
      )
      expect(comparison.mcnemarP).toBe(1)
      expect(comparison.significance).toBe(
        'No flips among 3 paired tests: every test has the result it had on the baseline.',
      )
      expect(compare({ a: 'passed' }, { a: 'passed' }).significance).toBe(
        'No flips among 1 paired test: every test has the result it had on the baseline.',
      )
    })

    test('nothing paired', () => {
      const comparison = compare({ a: 'passed' }, { b: 'passed' })
      expect(comparison.paired).toBe(0)
      expect(comparison.significance).toBe('No test is in both runs, so there is nothing to pair.')
    })
  })
})
