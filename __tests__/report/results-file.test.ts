import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { MessageBatchResult } from '@anthropic-ai/sdk/resources/messages/batches'
import { message, text, usage, once, onceEach } from '../fixtures/messages.js'
import { resultsChunks, writtenText } from '../fixtures/results.js'
import { compileAssertion } from '../../src/grading/graders/index.js'
import { gradeResult, RunGrader } from '../../src/grading/run-grader.js'
import { buildReport } from '../../src/report/report.js'
import { EntrySpool, resultsDocument, writeResultsFile } from '../../src/report/results-file.js'
import { fileSystemSuiteIO } from '../../src/suite/file-system.js'
import type { EvalCase, TestOutcome } from '../../src/model.js'

async function evalCase(id: string, model = 'claude-haiku-4-5'): Promise<EvalCase> {
  return {
    id,
    description: id.startsWith('d') ? `about ${id}` : undefined,
    file: 'evals/geo.yml',
    line: 7,
    vars: { city: 'Paris', n: 3 },
    prompt: 'Capital of France?\n"quoted" and multi-line',
    params: { model, max_tokens: 100, messages: [{ role: 'user', content: 'Capital of France?' }] },
    assertions: [
      await compileAssertion({ type: 'contains', value: 'Paris' }, '/', fileSystemSuiteIO),
      await compileAssertion(
        { type: 'assert-set', metric: 'geo', assert: [{ type: 'icontains', value: 'france' }] },
        '/',
        fileSystemSuiteIO,
      ),
    ],
    threshold: undefined,
    transform: undefined,
  }
}

const succeeded = (reply: string): MessageBatchResult => ({
  type: 'succeeded',
  message: message([text(reply)], usage({ input_tokens: 12, output_tokens: 7 })),
})

/** Passed, failed, errored and missing outcomes, with newlines, quotes and non-ASCII text in them. */
async function outcomes(count: number): Promise<TestOutcome[]> {
  const results: (MessageBatchResult | undefined)[] = [
    succeeded('Paris, France.\n\tThe "capital" — é'),
    succeeded('Lyon'),
    {
      type: 'errored',
      error: { type: 'error', error: { type: 'api_error', message: 'boom' }, request_id: 'r' },
    },
    undefined,
    succeeded('Paris is in France'),
  ]
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const model = i % 7 === 6 ? 'claude-mystery-9' : 'claude-haiku-4-5'
      const graded = await gradeResult(
        once(await evalCase(`${i % 2 ? 'd' : 't'}${i}`, model)),
        `c${i}`,
        results[i % results.length],
      )
      return graded.outcome
    }),
  )
}

const context = { minPassRate: 0.5, batchIds: ['msgbatch_1'], batchDurationMs: 1000, runUrl: undefined }
const at = new Date('2026-01-02T03:04:05.678Z')

describe('results file', () => {
  it.each([0, 1, 5, 400])(
    'streams the whole document for %i tests: the header indented, then one test per line',
    async (count) => {
      const list = await outcomes(count)
      const report = buildReport(
        { outcomes: list, unexpectedCustomIds: count ? ['stranger'] : [], unexpectedCalls: [] },
        context,
      )
      const pieces = resultsChunks(report, list, at)
      const text = Buffer.concat(pieces).toString()
      const document = resultsDocument(report, list, at)
      expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(document)))
      const lines = text.split('\n')
      const firstTest = lines.indexOf('  "tests": [') + 1
      const testLines = count === 0 ? [] : lines.slice(firstTest, firstTest + count)
      expect(testLines.map((line) => JSON.parse(line.trim().replace(/,$/, '')))).toEqual(
        JSON.parse(JSON.stringify(document.tests)),
      )
      expect(lines[1]).toBe(`  "schema_version": ${document.schema_version},`)
      // Many tests are handed over in several pieces, none of them the whole text.
      if (count === 400) expect(pieces.length).toBeGreaterThan(2)
    },
  )

  it('writes the same text when passed samples wait in a spool, which keeps only what the report needs of them', async () => {
    const cases = await Promise.all(Array.from({ length: 9 }, (_, i) => evalCase(`t${i}`)))
    const replies = ['Paris, France.\n\t"é"', 'Lyon', 'Paris is in France']
    const results = cases.map((c, i) => ({ custom_id: c.id, result: succeeded(replies[i % replies.length]) }))
    // Results come in any order; the file lists them in suite order.
    const arrival = [...results].reverse()
    const entries = new EntrySpool()
    try {
      const samples = onceEach(cases)
      entries.writeRequestParts(samples)
      const spooling = new RunGrader(samples, undefined, entries)
      const plain = new RunGrader(onceEach(cases))
      for (const line of arrival) {
        await spooling.add(line)
        await plain.add(line)
      }
      const spooled = await spooling.finish()
      const whole = await plain.finish()
      expect(spooled.outcomes.filter((o) => 'spooled' in o)).toHaveLength(6)
      expect(spooled.outcomes[0]).not.toHaveProperty('output')
      const report = buildReport(spooled, context)
      expect(buildReport(whole, context)).toEqual(report)
      await entries.written()
      expect(writtenText(report, spooled.outcomes, at, entries)).toBe(writtenText(report, whole.outcomes, at))
      expect(() => writtenText(report, spooled.outcomes, at)).toThrow(
        'The entry of t0 was spooled, but the spool was not given.',
      )
    } finally {
      await entries.remove()
    }
  })

  it('writes the document with its fields, and leaves nothing else behind', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'results-file-'))
    try {
      const list = await outcomes(5)
      const report = buildReport({ outcomes: list, unexpectedCustomIds: [], unexpectedCalls: [] }, context)
      const written = await writeResultsFile(path.join(dir, 'out', 'eval-results.json'), report, list)
      expect(written).toBe(path.join(dir, 'out', 'eval-results.json'))
      const document = JSON.parse(await readFile(written, 'utf8'))
      expect(document).toMatchObject({
        schema_version: 1,
        status: 'failed',
        summary: { total: 5, passed: 2, failed: 1, errored: 2 },
        batch_ids: ['msgbatch_1'],
      })
      expect(
        document.tests.map((t: { custom_id: string; status: string }) => [t.custom_id, t.status]),
      ).toEqual([
        ['c0', 'passed'],
        ['c1', 'failed'],
        ['c2', 'errored'],
        ['c3', 'errored'],
        ['c4', 'passed'],
      ])
      expect(document.tests[0].assertions[1]).toMatchObject({ type: 'assert-set', metric: 'geo', pass: true })
      expect(await readdir(path.join(dir, 'out'))).toEqual(['eval-results.json'])

      // A file of many chunks, which share one buffer, has each of them as it was made.
      const many = await outcomes(400)
      const manyReport = buildReport(
        { outcomes: many, unexpectedCustomIds: [], unexpectedCalls: [] },
        context,
      )
      const large = await writeResultsFile(path.join(dir, 'large.json'), manyReport, many)
      const { generated_at } = JSON.parse(await readFile(large, 'utf8'))
      expect(await readFile(large, 'utf8')).toBe(writtenText(manyReport, many, new Date(generated_at)))
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('never leaves a truncated file: a write that fails keeps the earlier file and no partial one', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'results-file-'))
    try {
      const file = path.join(dir, 'eval-results.json')
      await writeFile(file, '{"earlier": true}\n')
      const list = await outcomes(300)
      const report = buildReport({ outcomes: list, unexpectedCustomIds: [], unexpectedCalls: [] }, context)
      // A value JSON cannot hold, deep in the list: the failure comes after pieces have been written.
      list[250].evalCase.vars = { big: 1n }
      await expect(writeResultsFile(file, report, list)).rejects.toThrow(/BigInt/)
      expect(await readFile(file, 'utf8')).toBe('{"earlier": true}\n')
      expect(await readdir(dir)).toEqual(['eval-results.json'])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
