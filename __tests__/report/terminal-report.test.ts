import type { MessageBatchResult } from '@anthropic-ai/sdk/resources/messages/batches'
import type { Usage } from '@anthropic-ai/sdk/resources/messages/messages'
import { message, text } from '../fixtures/messages.js'
import { compileAssertion } from '../../src/grading/graders/index.js'
import { gradeResult } from '../../src/grading/run-grader.js'
import { fileSystemSuiteIO } from '../../src/suite/file-system.js'
import { buildReport, type RunReport } from '../../src/report/report.js'
import { readBaseline, type Baseline } from '../../src/report/baseline.js'
import { resultsDocument } from '../../src/report/results-file.js'
import { terminalReport, type TerminalReportOptions } from '../../src/report/terminal-report.js'
import { addSecret, clearSecrets } from '../../src/common/redaction.js'
import type { EvalCase, TestOutcome } from '../../src/model.js'

type Assert = { type: string; value?: unknown }

interface Test {
  id: string
  asserts: Assert[]
  /** Each sample's reply text, or null for an errored result. */
  replies: (string | null)[]
  model?: string
  description?: string
  usage?: Partial<Usage>
}

const overloaded: MessageBatchResult = {
  type: 'errored',
  error: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' }, request_id: 'req_1' },
}

async function graded(tests: Test[]): Promise<TestOutcome[]> {
  let position = 0
  const outcomes: TestOutcome[] = []
  for (const [index, test] of tests.entries()) {
    const evalCase: EvalCase = {
      id: test.id,
      description: test.description,
      file: 'evals/geo.yml',
      line: 10 + index,
      vars: {},
      prompt: 'Capital of France?',
      params: {
        model: test.model ?? 'claude-haiku-4-5',
        max_tokens: 100,
        messages: [{ role: 'user', content: 'Capital of France?' }],
      },
      assertions: await Promise.all(test.asserts.map((a) => compileAssertion(a, '/', fileSystemSuiteIO))),
      threshold: undefined,
      transform: undefined,
    }
    for (const [sample, reply] of test.replies.entries()) {
      const result: MessageBatchResult =
        reply === null
          ? overloaded
          : {
              type: 'succeeded',
              message: message([text(reply)], test.usage ?? { input_tokens: 1000, output_tokens: 100 }),
            }
      const of = test.replies.length
      const customId = of === 1 ? test.id : `${test.id}_r${sample + 1}`
      const graded = await gradeResult(
        { evalCase, index: sample + 1, of, position: position++ },
        customId,
        result,
      )
      outcomes.push(graded.outcome as TestOutcome)
    }
  }
  return outcomes
}

function reportOf(
  outcomes: TestOutcome[],
  extra: { baseline?: Baseline; minPassRate?: number } = {},
): RunReport {
  return buildReport(
    { outcomes, unexpectedCustomIds: [], unexpectedCalls: [] },
    {
      minPassRate: extra.minPassRate ?? 1,
      batchIds: ['msgbatch_01'],
      batchDurationMs: 125_000,
      runUrl: undefined,
      baseline: extra.baseline,
    },
  )
}

async function runReport(
  tests: Test[],
  extra: { baseline?: Baseline; minPassRate?: number } = {},
): Promise<RunReport> {
  return reportOf(await graded(tests), extra)
}

const plainText: TerminalReportOptions = { color: false, width: 100 }
const lines = (report: RunReport, options = plainText) => terminalReport(report, options)

describe('terminalReport', () => {
  afterEach(() => clearSecrets())

  it('says the verdict, the counts against the minimum and why the run failed', async () => {
    const report = await runReport([
      { id: 'paris', asserts: [{ type: 'contains', value: 'Paris' }], replies: ['Paris.'] },
      { id: 'lyon', asserts: [{ type: 'contains', value: 'Lyon' }], replies: ['Paris.'] },
      { id: 'down', asserts: [{ type: 'contains', value: 'x' }], replies: [null] },
    ])
    const out = lines(report)
    expect(out[0]).toBe('FAILED 1 of 3 tests passed (33.3%; minimum 100%) · 1 failed · 1 errored')
    expect(out).toContain('  - pass rate 33.3% is below the minimum of 100%')
    expect(out).toContain('  - 1 test errored (no output to grade)')
    const passed = lines(
      await runReport([{ id: 'p', asserts: [{ type: 'contains', value: 'a' }], replies: ['a'] }]),
    )
    expect(passed[0]).toBe('PASSED 1 of 1 tests passed (100%; minimum 100%) · 0 failed · 0 errored')
    expect(passed.join('\n')).not.toContain('Failing')
  })

  it('lists each failing test at its file:line with the assertion, what it expected and what it got', async () => {
    const report = await runReport([
      {
        id: 'lyon',
        description: 'the capital',
        asserts: [{ type: 'contains', value: 'Lyon' }],
        replies: ['Paris.'],
      },
      { id: 'never', asserts: [{ type: 'not-icontains', value: 'paris' }], replies: ['PARIS it is'] },
    ])
    const out = lines(report).join('\n')
    expect(out).toContain('Failing and errored tests (2), errored first:')
    expect(out).toContain('✗ failed lyon — the capital  evals/geo.yml:10')
    expect(out).toContain(
      '    contains: expected output to contain "Lyon"\n      expected: Lyon\n      got:      Paris.',
    )
    expect(out).toContain('✗ failed never  evals/geo.yml:11')
    expect(out).toContain('      not:      paris\n      got:      PARIS it is')
  })

  it('diffs an equals by words on one line, and by lines across several', async () => {
    const report = await runReport([
      {
        id: 'word',
        asserts: [{ type: 'equals', value: 'The capital is Paris.' }],
        replies: ['The capital is Lyon.'],
      },
      {
        id: 'lines',
        asserts: [{ type: 'equals', value: 'a\nb\nc\nd\ne\nf\ng\nh' }],
        replies: ['a\nb\nc\nd\ne\nF\ng\nh'],
      },
    ])
    const out = lines(report)
    expect(out).toContain('      diff:     The capital is [-Paris.-]{+Lyon.+}')
    const diff = out.slice(out.indexOf('      diff (- expected, + got):'))
    expect(diff.slice(0, 8)).toEqual([
      '      diff (- expected, + got):',
      '        … 3 unchanged lines',
      '        d',
      '        e',
      '      - f',
      '      + F',
      '        g',
      '        h',
    ])
  })

  it('caps the diff of long texts and says what it did not compare', async () => {
    const expected = Array.from({ length: 500 }, (_, i) => `line ${i}`).join('\n')
    const actual = Array.from({ length: 500 }, (_, i) => `other ${i}`).join('\n')
    const out = lines(
      await runReport([{ id: 'long', asserts: [{ type: 'equals', value: expected }], replies: [actual] }]),
    )
    expect(out).toContain('      … 360 more lines of the diff')
    expect(out).toContain(
      '      … the diff stops there: 300 more lines of the expected text and 300 of the output were not compared',
    )
  })

  it('groups the samples of a test, shows an errored test with its API error, and caps the list', async () => {
    const tests: Test[] = [
      { id: 'flaky', asserts: [{ type: 'contains', value: 'Paris' }], replies: ['Lyon', 'Paris', 'Nice'] },
      { id: 'down', asserts: [{ type: 'contains', value: 'x' }], replies: [null] },
      ...Array.from({ length: 4 }, (_, i) => ({
        id: `t${i}`,
        asserts: [{ type: 'contains', value: 'Paris' }],
        replies: ['no'],
      })),
    ]
    const report = await runReport(tests)
    const out = lines(report, {
      ...plainText,
      maxTests: 3,
      remainderAt: 'eval-results.json',
    })
    const text = out.join('\n')
    expect(text).toContain('Failing and errored tests (6; 7 samples), errored first:')
    expect(text).toContain('! errored down  evals/geo.yml:11\n    overloaded_error: Overloaded')
    expect(text).toContain(
      '✗ failed flaky (2 of 3 samples did not pass)  evals/geo.yml:10\n' +
        '    sample 1 of 3:\n' +
        '    contains: expected output to contain "Paris"',
    )
    expect(text).toContain('    sample 3 of 3: failed: contains: expected output to contain "Paris"')
    expect(text).toContain('… 3 more failing or errored tests in eval-results.json.')
    expect(text).not.toContain('t2')
  })

  it('shows the output of a test that failed an assertion without an expected text', async () => {
    const out = lines(
      await runReport([{ id: 'json', asserts: [{ type: 'is-json' }], replies: ['not json\nat all'] }]),
    ).join('\n')
    expect(out).toContain('      output:   not json\n                at all')
  })

  it('prints the cost at batch and standard prices, and why a cost is unknown', async () => {
    const known = lines(
      await runReport([{ id: 'a', asserts: [{ type: 'contains', value: 'a' }], replies: ['a'] }]),
    )
    expect(known).toContainEqual(
      expect.stringMatching(
        /^Cost: \$[\d.]+ at batch prices; \$[\d.]+ at standard prices, so the batch saved \$[\d.]+ \(50%\)\.$/,
      ),
    )
    const unknown = lines(
      await runReport([
        { id: 'a', asserts: [{ type: 'contains', value: 'a' }], replies: ['a'] },
        { id: 'b', model: 'claude-unpriced-9', asserts: [{ type: 'contains', value: 'a' }], replies: ['a'] },
      ]),
    )
    expect(unknown).toContainEqual(
      expect.stringMatching(/^Cost: unknown\. The known part costs \$[\d.]+ at batch prices/),
    )
    expect(unknown).toContainEqual(
      expect.stringMatching(/^ {2}Unknown for 1 request\(s\) on claude-unpriced-9: .+/),
    )
  })

  it('says what prompt caching saved', async () => {
    const out = lines(
      await runReport([
        {
          id: 'a',
          asserts: [{ type: 'contains', value: 'a' }],
          replies: ['a', 'a'],
          usage: { input_tokens: 10, output_tokens: 10, cache_read_input_tokens: 10_000 },
        },
      ]),
    )
    expect(out).toContainEqual(
      expect.stringMatching(
        /^Prompt caching: 2 of 2 marked requests \(100%\) read their prefix from the cache; 99\.9% of input tokens were cache reads \(20,000 read, 0 written\); caching saved \$[\d.]+ at batch prices against cache: off\.$/,
      ),
    )
  })

  it("counts the baseline's regressions and fixes, and names them", async () => {
    const test = (id: string, reply: string): Test => ({
      id,
      asserts: [{ type: 'contains', value: 'x' }],
      replies: [reply],
    })
    const before = await graded([test('a', 'x'), test('b', 'no')])
    const document = resultsDocument(reportOf(before), before, new Date('2026-11-28T03:00:00Z'))
    const baseline = readBaseline(JSON.stringify(document), 'baseline.json')
    const report = await runReport([test('a', 'no'), test('b', 'x')], { baseline, minPassRate: 0 })
    const out = lines(report)
    expect(out).toContainEqual(
      expect.stringMatching(/^Baseline baseline\.json: 1 regressed, 1 fixed\. 1 regression and 1 fix/),
    )
    expect(out).toContain('  regressed: a (passed → failed)')
    expect(out).toContain('  fixed: b (failed → passed)')
  })

  it('colours only when asked, and never lets a hostile output or id reach the terminal as escapes', async () => {
    const hostile = 'Lyon\x1b[2J\x1b]0;owned\x07\u202e sk-ant-secret-1 end'
    addSecret('sk-ant-secret-1')
    const report = await runReport([
      { id: 'evil\x1b[31m', asserts: [{ type: 'equals', value: 'Paris' }], replies: [hostile] },
    ])
    const plain = lines(report).join('\n')
    expect(plain).not.toContain('\x1b')
    const colored = lines(report, { color: true, width: 100 }).join('\n')
    expect(colored).toContain('\x1b[31m')
    // Every escape character left is one of ours: a colour code.
    // eslint-disable-next-line no-control-regex
    expect(colored.replace(/\x1b\[[0-9;]*m/g, '')).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f\u202e]/)
    expect(colored).toContain('Lyon\\x1b[2J\\x1b]0;owned\\x07\\u202e *** end')
    expect(colored).toContain('evil\\x1b[31m')
    expect(colored).not.toContain('sk-ant-secret-1')
  })

  it('cuts untrusted text to the width', async () => {
    const report = await runReport([
      { id: 'x'.repeat(300), asserts: [{ type: 'contains', value: 'a' }], replies: ['b'] },
    ])
    const header = lines(report, { color: false, width: 60 }).find((line) => line.startsWith('✗'))
    expect([...(header ?? '')].length).toBeLessThanOrEqual(60)
    expect(header).toMatch(/…$/)
  })
})
