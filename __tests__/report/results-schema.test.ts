import { readFileSync } from 'node:fs'
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type {
  MessageBatchIndividualResponse,
  MessageBatchResult,
} from '@anthropic-ai/sdk/resources/messages/batches'
import { Ajv } from 'ajv'
import addFormats from 'ajv-formats'
import { message, text, usage, onceEach, whole } from '../fixtures/messages.js'
import { gradeAll } from '../fixtures/grading.js'
import { writtenText } from '../fixtures/results.js'
import { readBaseline } from '../../src/report/baseline.js'
import { buildBatchRequests } from '../../src/batch/requests.js'
import { compileAssertion } from '../../src/grading/graders/index.js'
import { RunGrader } from '../../src/grading/run-grader.js'
import { JudgeBook } from '../../src/grading/judging.js'
import { buildReport, type RunReport } from '../../src/report/report.js'
import { resultsDocument } from '../../src/report/results-file.js'
import { fileSystemSuiteIO } from '../../src/suite/file-system.js'
import { PROJECT_ROOT, runAction } from '../../test-servers/action-runner.js'
import { loadReplies, startBatchEmulator } from '../../test-servers/batch-emulator.js'
import type { EvalCase, SampleOutcome } from '../../src/model.js'

const schema = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'schema/results.schema.json'), 'utf8'))
// Strict: the schema must be clean for standard tools, not only accepted by a lenient validator.
const ajv = new Ajv({ allErrors: true, strict: true })
addFormats.default(ajv)
const validate = ajv.compile(schema)

/** Validation errors, for a readable diff when a document does not match: [] when it does. */
function errorsOf(document: unknown) {
  return validate(document)
    ? []
    : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`)
}

async function evalCase(
  id: string,
  asserts: Record<string, unknown>[],
  options: { model?: string; description?: string } = {},
): Promise<EvalCase> {
  return {
    id,
    description: options.description,
    file: 'evals/geo.yml',
    line: 7,
    vars: { city: 'Paris', n: 3, nested: { list: [1, 'two'] } },
    prompt: 'Capital of France?',
    params: {
      model: options.model ?? 'claude-haiku-4-5',
      max_tokens: 100,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'Capital of France?' }],
    },
    assertions: await Promise.all(asserts.map((raw) => compileAssertion(raw, '/', fileSystemSuiteIO))),
    threshold: undefined,
    transform: undefined,
  }
}

const succeeded = (reply: string): MessageBatchResult => ({
  type: 'succeeded',
  message: message(
    [text(reply)],
    usage({
      input_tokens: 1234,
      output_tokens: 56,
      cache_read_input_tokens: 100,
      cache_creation_input_tokens: 30,
      cache_creation: { ephemeral_5m_input_tokens: 10, ephemeral_1h_input_tokens: 20 },
    }),
  ),
})

/** The document as the action writes it, parsed back. */
function writtenDocument(report: RunReport, outcomes: SampleOutcome[]) {
  return JSON.parse(writtenText(report, outcomes, new Date('2026-01-02T03:04:05.678Z')))
}

/** A run with every kind of test, serialized as the action writes it, and parsed back. */
async function mixedDocument() {
  const contains = { type: 'contains', value: 'Paris' }
  const cases = [
    await evalCase(
      'passed',
      [
        contains,
        { type: 'not-icontains', value: 'lyon', metric: 'accuracy' },
        { type: 'cost', threshold: 1 },
        {
          type: 'assert-set',
          metric: 'style',
          weight: 2,
          assert: [
            { type: 'icontains-any', value: ['paris', 'france'] },
            { type: 'levenshtein', value: 'Paris', threshold: 20 },
          ],
        },
      ],
      { description: 'States the capital' },
    ),
    await evalCase('failed', [contains, { type: 'regex', value: '^\\d+$', weight: 0 }]),
    await evalCase('overloaded', [contains]),
    await evalCase('canceled', [contains]),
    await evalCase('expired', [contains]),
    await evalCase('missing', [contains]),
    await evalCase(
      'mystery-model',
      [contains, { type: 'assert-set', metric: 'style', assert: [{ type: 'starts-with', value: 'Paris' }] }],
      { model: 'claude-mystery-9' },
    ),
  ]
  const run = await gradeAll(onceEach(cases), [
    { custom_id: 'passed', result: succeeded('Paris') },
    { custom_id: 'failed', result: succeeded('Lyon') },
    {
      custom_id: 'overloaded',
      result: {
        type: 'errored',
        error: {
          type: 'error',
          error: { type: 'overloaded_error', message: 'Overloaded' },
          request_id: 'r',
        },
      },
    },
    { custom_id: 'canceled', result: { type: 'canceled' } },
    { custom_id: 'expired', result: { type: 'expired' } },
    { custom_id: 'mystery-model', result: succeeded('Paris, France') },
    { custom_id: 'stranger', result: succeeded('?') },
  ])
  const report = buildReport(run, {
    minPassRate: 0.9,
    batchIds: ['msgbatch_1', 'msgbatch_2'],
    batchDurationMs: 12_345,
    runUrl: undefined,
  })
  return writtenDocument(report, run.outcomes)
}

const overloaded: MessageBatchResult = {
  type: 'errored',
  error: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' }, request_id: 'r' },
}

/**
 * An earlier run of the same suite, each test sent once and graded without a judge (so 'judged' failed), as
 * a later run reads it back through the `baseline` input.
 */
async function earlierRun() {
  const contains = { type: 'contains', value: 'Paris' }
  const cases = [
    await evalCase('steady', [contains]),
    await evalCase('flaky', [contains]),
    await evalCase('judged', [contains, { type: 'llm-rubric', value: 'names the capital' }]),
    await evalCase('once', [contains]),
    await evalCase('gone', [contains]),
  ]
  const run = await gradeAll(
    buildBatchRequests(cases).sampleByCustomId,
    cases.map(({ id }) => ({ custom_id: id, result: succeeded('Paris') })),
  )
  const report = buildReport(run, {
    minPassRate: 0.5,
    batchIds: ['msgbatch_0'],
    batchDurationMs: 1,
    runUrl: undefined,
  })
  const text = JSON.stringify(
    resultsDocument(report, whole(run.outcomes), new Date('2026-01-01T00:00:00.000Z')),
  )
  return readBaseline(text, '/workspace/baseline/eval-results.json')
}

/**
 * A run with repeated tests (three samples each, but 'once'), model-graded assertions that a judge batch
 * answers (or fails to), and a baseline to compare with, graded as the action grades it and serialized as
 * it writes it.
 */
async function repeatedDocument() {
  const contains = { type: 'contains', value: 'Paris' }
  const cases = [
    await evalCase('steady', [contains]),
    await evalCase('flaky', [contains]),
    await evalCase('judged', [contains, { type: 'llm-rubric', value: 'names the capital' }]),
    { ...(await evalCase('once', [contains, { type: 'llm-rubric', value: 'is polite' }])), repeat: 1 },
    await evalCase('unreachable', [contains]),
  ]
  const { sampleByCustomId } = buildBatchRequests(cases, 3)
  const judge = new JudgeBook()
  const grader = new RunGrader(sampleByCustomId, judge)
  const lines: MessageBatchIndividualResponse[] = [
    ...[
      'steady_r1',
      'steady_r2',
      'steady_r3',
      'flaky_r1',
      'flaky_r3',
      'judged_r1',
      'judged_r2',
      'judged_r3',
    ].map((id) => ({ custom_id: id, result: succeeded('Paris') })),
    { custom_id: 'flaky_r2', result: succeeded('Lyon') },
    { custom_id: 'once', result: succeeded('Paris') },
    { custom_id: 'unreachable_r1', result: overloaded },
    { custom_id: 'unreachable_r2', result: { type: 'expired' } },
  ]
  for (const line of lines) await grader.add(line)
  // The judge's batch: the samples of 'judged' gave the same output, so they ask one question.
  const asked = judge.unanswered()
  expect(asked.map(({ params }) => JSON.stringify(params).includes('names the capital'))).toEqual([
    true,
    false,
  ])
  await judge.add({
    custom_id: asked[0].custom_id,
    result: {
      type: 'succeeded',
      message: message('{"reason": "names Paris", "pass": true, "score": 0.9}', {
        input_tokens: 900,
        output_tokens: 20,
      }),
    },
  })
  await judge.add({ custom_id: asked[1].custom_id, result: overloaded })
  judge.close()
  await grader.regradeWithJudge()
  const run = await grader.finish()
  run.unexpectedCustomIds.push(...judge.unexpectedCustomIds())

  const report = buildReport(run, {
    minPassRate: 0.5,
    batchIds: ['msgbatch_outputs', 'msgbatch_judge'],
    batchDurationMs: 54_321,
    runUrl: undefined,
    failOn: 'both',
    baseline: await earlierRun(),
    judgeCalls: judge.calls(),
  })
  return writtenDocument(report, run.outcomes)
}

type Json = Record<string | number, unknown>

/** A copy of a document with the value at a path set, or removed when `value` is undefined. */
function edited(document: unknown, at: (string | number)[], value?: unknown): Json {
  const copy = structuredClone(document) as Json
  let parent = copy
  for (const key of at.slice(0, -1)) parent = parent[key] as Json
  const last = at[at.length - 1]
  if (value === undefined) Reflect.deleteProperty(parent, last)
  else parent[last] = value
  return copy
}

interface AssertionEntry extends Json {
  results?: AssertionEntry[]
}

interface Document extends Json {
  summary: Json
  cost: { by_model: Json[] }
  tests: (Json & { assertions: AssertionEntry[] })[]
}

/**
 * A document as files written before repeats, the judge, baselines and tests' reasons were: without the fields
 * they added.
 */
function withoutLaterFields(document: Document): Document {
  const copy = structuredClone(document)
  delete copy.repeats
  delete copy.baseline
  delete copy.summary.samples
  for (const row of copy.cost.by_model) delete row.role
  const strip = (results: AssertionEntry[]) => {
    for (const result of results) {
      delete result.judge
      delete result.errored
      strip(result.results ?? [])
    }
  }
  for (const test of copy.tests) {
    delete test.sample
    delete test.samples
    delete test.verdict
    delete test.reason
    strip(test.assertions)
  }
  return copy
}

describe('schema/results.schema.json', () => {
  it('accepts a run with passed, failed, errored, canceled, expired, missing and unpriced tests', async () => {
    const document = await mixedDocument()
    // The document has what the schema's conditional parts are about, so that they are exercised.
    expect(
      document.tests.map((t: { result_type: string; status: string }) => [t.result_type, t.status]),
    ).toEqual([
      ['succeeded', 'passed'],
      ['succeeded', 'failed'],
      ['errored', 'errored'],
      ['canceled', 'errored'],
      ['expired', 'errored'],
      ['missing', 'errored'],
      ['succeeded', 'passed'],
    ])
    expect(document.cost.total_usd).toBeNull()
    expect(document.cost.by_model.map((m: { cost_usd: unknown }) => m.cost_usd === null)).toEqual([
      false,
      true,
    ])
    expect(document.tests[6]).toMatchObject({ cost_usd: null, cost_unknown_reason: expect.any(String) })
    expect(document.tests[0].assertions[2]).toMatchObject({ type: 'cost', pass: true })
    expect(document.tests[0].assertions[2]).not.toHaveProperty('value')
    expect(document.tests[0].assertions[3]).toMatchObject({ type: 'assert-set', metric: 'style', weight: 2 })
    expect(document.tests[6].assertions[1]).toMatchObject({ type: 'assert-set', results: [{ pass: true }] })
    expect(document.metrics.map((m: { name: string }) => m.name)).toEqual(['accuracy', 'style'])
    expect(document.unexpected_custom_ids).toEqual(['stranger'])
    // Nothing repeated, no baseline: each test is its only sample, and its verdict is that sample's status.
    expect(document).toMatchObject({ repeats: null, baseline: null, summary: { total: 7, samples: 7 } })
    for (const test of document.tests) {
      expect(test).toMatchObject({ sample: 1, samples: 1, verdict: test.status, custom_id: test.id })
    }
    expect(document.cost.by_model.map((m: { role: string }) => m.role)).toEqual(['outputs', 'outputs'])

    expect(errorsOf(document)).toEqual([])
  })

  it('accepts a run with repeated tests, a judge and a baseline, and files written before them', async () => {
    const document = await repeatedDocument()
    // Tests count once each, by verdict; every sample has its own entry.
    expect(document.summary).toMatchObject({
      total: 5,
      passed: 2,
      failed: 2,
      errored: 1,
      pass_rate: 0.4,
      samples: 13,
    })
    expect(document.tests).toHaveLength(13)
    expect(
      document.tests.map((t: Record<string, unknown>) => [
        t.custom_id,
        t.sample,
        t.samples,
        t.status,
        t.verdict,
      ]),
    ).toEqual([
      ['steady_r1', 1, 3, 'passed', 'passed'],
      ['steady_r2', 2, 3, 'passed', 'passed'],
      ['steady_r3', 3, 3, 'passed', 'passed'],
      ['flaky_r1', 1, 3, 'passed', 'failed'],
      ['flaky_r2', 2, 3, 'failed', 'failed'],
      ['flaky_r3', 3, 3, 'passed', 'failed'],
      ['judged_r1', 1, 3, 'passed', 'passed'],
      ['judged_r2', 2, 3, 'passed', 'passed'],
      ['judged_r3', 3, 3, 'passed', 'passed'],
      ['once', 1, 1, 'failed', 'failed'],
      ['unreachable_r1', 1, 3, 'errored', 'errored'],
      ['unreachable_r2', 2, 3, 'errored', 'errored'],
      ['unreachable_r3', 3, 3, 'errored', 'errored'],
    ])
    expect(document.repeats).toEqual({
      tests: 4,
      k: 3,
      pass_at_1: expect.closeTo((1 + 2 / 3 + 1 + 0) / 4, 12),
      pass_at_k: 0.75,
      pass_hat_k: 0.5,
      flaky: [{ id: 'flaky', passes: 2, samples: 3 }],
    })
    // The judge's reply, and a judge request that errored (no reply: the assertion errored, the test failed).
    expect(document.tests[6].assertions[1]).toMatchObject({
      type: 'llm-rubric',
      pass: true,
      score: 0.9,
      judge: { model: 'claude-sonnet-4-6', reply: '{"reason": "names Paris", "pass": true, "score": 0.9}' },
    })
    expect(document.tests[6].assertions[1]).not.toHaveProperty('errored')
    expect(document.tests[9].assertions[1]).toMatchObject({
      type: 'llm-rubric',
      pass: false,
      errored: true,
      judge: { model: 'claude-sonnet-4-6', reply: null },
    })
    // The judge's one answered request has its own cost row, after the outputs'.
    expect(document.cost.by_model.map((m: Record<string, unknown>) => [m.role, m.model, m.tests])).toEqual([
      ['outputs', 'claude-haiku-4-5', 13],
      ['judge', 'claude-sonnet-4-6', 1],
    ])
    expect(document.cost.total_usd).not.toBeNull()
    expect(document.baseline).toEqual({
      file: '/workspace/baseline/eval-results.json',
      pass_rate: 0.8,
      pass_rate_delta: expect.closeTo(-0.4, 12),
      // Eight more output requests and a judge request than the baseline: dearer, by less than a dollar.
      cost_batch_delta_usd: expect.stringMatching(/^0\.\d*[1-9]$/),
      // Two regressions against one fix: as likely as not under noise.
      mcnemar_p: 1,
      significance: expect.stringContaining('2 regressions and 1 fix'),
      regressions: ['flaky', 'once'],
      fixes: ['judged'],
      new_tests: ['unreachable'],
      removed_tests: ['gone'],
      // Without max-cost-increase the comparison is there, and gates nothing.
      cost_comparison: expect.objectContaining({ compared_tests: 4, max_increase: null, exceeded: false }),
    })
    expect(document.status).toBe('failed')
    expect(document.failure_reasons).toEqual([
      'pass rate 40% is below the minimum of 50%',
      '1 test errored (no output to grade)',
      '2 tests regressed against the baseline',
    ])

    expect(errorsOf(document)).toEqual([])
    // Files written before these fields existed are schema_version 1 too, and stay valid.
    expect(errorsOf(withoutLaterFields(document))).toEqual([])
    expect(errorsOf(withoutLaterFields(await mixedDocument()))).toEqual([])
  })

  it('rejects a verdict that contradicts a single sample, half of the sample fields, and malformed new sections', async () => {
    const document = await repeatedDocument()
    const changed = (at: (string | number)[], value?: unknown) => errorsOf(edited(document, at, value))
    // 'once' was sent once: its verdict is its status.
    expect(changed(['tests', 9, 'verdict'], 'passed')).toContainEqual(
      expect.stringMatching(/^\/tests\/9 must match a schema in anyOf/),
    )
    expect(changed(['tests', 9, 'sample'], 2)).toContainEqual(
      expect.stringMatching(/^\/tests\/9\/sample must be equal to constant/),
    )
    expect(changed(['tests', 0, 'verdict'])).toContainEqual(
      expect.stringMatching(
        /^\/tests\/0 must have properties .* when property sample is present .*"missingProperty":"verdict"/,
      ),
    )
    expect(changed(['baseline'])).toContainEqual(
      expect.stringMatching(/^\/ must have property baseline when property repeats is present/),
    )
    expect(changed(['summary', 'samples'])).toContainEqual(
      expect.stringMatching(/^\/summary must have required property 'samples'/),
    )
    expect(changed(['repeats', 'k'], 1)).toContainEqual(expect.stringMatching(/^\/repeats\/k must be >= 2/))
    expect(changed(['baseline', 'cost_batch_delta_usd'], -0.01)).toContainEqual(
      expect.stringMatching(/^\/baseline\/cost_batch_delta_usd must be string/),
    )
    expect(changed(['baseline', 'regressions'], [{ id: 'flaky' }])).toContainEqual(
      expect.stringMatching(/^\/baseline\/regressions\/0 must be string/),
    )
    expect(changed(['cost', 'by_model', 1, 'role'], 'grader')).toContainEqual(
      expect.stringMatching(/^\/cost\/by_model\/1\/role must be equal to one of the allowed values/),
    )
    expect(changed(['tests', 6, 'assertions', 1, 'judge', 'tokens'], 5)).toContainEqual(
      expect.stringMatching(/^\/tests\/6\/assertions\/1\/judge must NOT have additional properties/),
    )
    expect(changed(['tests', 9, 'assertions', 1, 'errored'], false)).toContainEqual(
      expect.stringMatching(/^\/tests\/9\/assertions\/1\/errored must be equal to constant/),
    )
  })

  it("says why a test fell short of its threshold in the sample's reason", async () => {
    const half = { type: 'javascript', value: '0.5' }
    const cases = [
      { ...(await evalCase('short', [half, half])), threshold: 0.8 },
      await evalCase('failed', [{ type: 'contains', value: 'Paris' }]),
      await evalCase('passed', [{ type: 'contains', value: 'Lyon' }]),
      await evalCase('overloaded', [half]),
    ]
    const run = await gradeAll(onceEach(cases), [
      { custom_id: 'short', result: succeeded('Lyon') },
      { custom_id: 'failed', result: succeeded('Lyon') },
      { custom_id: 'passed', result: succeeded('Lyon') },
      { custom_id: 'overloaded', result: overloaded },
    ])
    const report = buildReport(run, {
      minPassRate: 0,
      batchIds: ['b'],
      batchDurationMs: 1,
      runUrl: undefined,
    })
    const document = writtenDocument(report, run.outcomes)
    expect(document.tests.map((t: Json) => [t.id, t.status, t.score, t.reason])).toEqual([
      ['short', 'failed', 0.5, 'weighted score 0.50 < threshold 0.8'],
      ['failed', 'failed', 0, 'contains: expected output to contain "Paris"'],
      ['passed', 'passed', 1, 'the assertion passed'],
      ['overloaded', 'errored', null, null],
    ])
    expect(document.tests[0].assertions.map((a: Json) => a.pass)).toEqual([true, true])
    expect(errorsOf(document)).toEqual([])
    // An entry without an output has no reason of its own (the error says why); a graded one has one.
    const changed = (at: (string | number)[], value?: unknown) => errorsOf(edited(document, at, value))
    expect(changed(['tests', 3, 'reason'], 'overloaded')).toContainEqual(
      expect.stringMatching(/^\/tests\/3\/reason must be null/),
    )
    expect(changed(['tests', 0, 'reason'], null)).toContainEqual(
      expect.stringMatching(/^\/tests\/0\/reason must be string/),
    )
    expect(changed(['tests', 0, 'reason'])).toEqual([])
  })

  it('rejects unknown fields, floats for money, and an errored test with an output', async () => {
    const document = await mixedDocument()
    expect(errorsOf({ ...document, extra: true })).toContainEqual(
      expect.stringMatching(/^\/ must NOT have additional properties .*"additionalProperty":"extra"/),
    )
    const withTests = (change: (tests: Record<string, unknown>[]) => void) => {
      const copy = structuredClone(document)
      change(copy.tests)
      return copy
    }
    expect(
      errorsOf(
        withTests((tests) => {
          tests[0].cost_usd = { batch: 0.0001, standard: 0.0002, savings: 0.0001 }
        }),
      ),
    ).toContainEqual(expect.stringMatching(/^\/tests\/0\/cost_usd\/batch must be string/))
    expect(
      errorsOf(
        withTests((tests) => {
          tests[2].output = 'leaked'
        }),
      ),
    ).toContainEqual(expect.stringMatching(/^\/tests\/2\/output must be null/))
    expect(
      errorsOf(
        withTests((tests) => {
          tests[1].latency_ms = 5
        }),
      ),
    ).toContainEqual(expect.stringMatching(/^\/tests\/1 must NOT have additional properties/))
    expect(errorsOf({ ...document, schema_version: 2 })).toContainEqual(
      expect.stringMatching(/^\/schema_version must be equal to constant/),
    )
  })

  it('accepts the results files that the action, run from dist/ as the runner runs it, writes', async () => {
    const workspace = await mkdtemp(path.join(tmpdir(), 'results-schema-'))
    const emulator = await startBatchEmulator({
      processingMs: 100,
      replies: {
        ...loadReplies(path.join(PROJECT_ROOT, 'examples/replies.json')),
        ...loadReplies(path.join(PROJECT_ROOT, '__tests__/fixtures/suites/everything/replies.json')),
      },
    })
    try {
      await mkdir(path.join(workspace, 'evals'))
      await copyFile(
        path.join(PROJECT_ROOT, 'examples/support.yml'),
        path.join(workspace, 'evals/support.yml'),
      )
      const runs = [
        // The example suite: passed, failed and errored (overloaded, retried twice) tests.
        { workspace, suite: 'evals/support.yml', total: 6 },
        // Every suite feature and grader.
        {
          workspace: path.join(PROJECT_ROOT, '__tests__/fixtures/suites'),
          suite: 'everything/suite.yaml',
          total: 21,
        },
      ]
      for (const [i, { workspace: cwd, suite, total }] of runs.entries()) {
        const resultsFile = path.join(workspace, `results-${i}.json`)
        const result = await runAction({
          workspace: cwd,
          inputs: {
            suite,
            'anthropic-api-key': 'sk-ant-test-0123456789',
            'anthropic-base-url': emulator.url,
            'poll-interval': '100ms',
            'results-file': resultsFile,
            'html-report': path.join(workspace, `report-${i}.html`),
            comment: 'false',
          },
        })
        expect([suite, result.outputs['results-file']]).toEqual([suite, resultsFile])
        const document = JSON.parse(await readFile(resultsFile, 'utf8'))
        expect(document.tests).toHaveLength(total)
        expect([suite, errorsOf(document)]).toEqual([suite, []])
      }
    } finally {
      await Promise.all([emulator.close(), rm(workspace, { recursive: true, force: true })])
    }
  })
})
