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
import { message, text, usage, onceEach } from './fixtures/messages.js'
import { compileAssertion } from '../src/graders/index.js'
import { gradeResults } from '../src/grading.js'
import { buildReport } from '../src/report.js'
import { resultsText } from '../src/results-file.js'
import { fileSystemSuiteIO } from '../src/suite-files.js'
import type { EvalCase } from '../src/suite.js'
import { PROJECT_ROOT, runAction } from '../test-servers/action-runner.js'
import { loadReplies, startBatchEmulator } from '../test-servers/batch-emulator.js'

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

async function* stream(lines: MessageBatchIndividualResponse[]) {
  yield* lines
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
  const run = await gradeResults(
    onceEach(cases),
    stream([
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
    ]),
  )
  const report = buildReport(run, {
    minPassRate: 0.9,
    batchIds: ['msgbatch_1', 'msgbatch_2'],
    batchDurationMs: 12_345,
    runUrl: undefined,
  })
  const written = [...resultsText(report, run.outcomes, new Date('2026-01-02T03:04:05.678Z'))].join('')
  return JSON.parse(written)
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

    expect(errorsOf(document)).toEqual([])
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
