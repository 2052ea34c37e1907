import type {
  MessageBatchIndividualResponse,
  MessageBatchResult,
} from '@anthropic-ai/sdk/resources/messages/batches'
import type { Message } from '@anthropic-ai/sdk/resources/messages/messages'
import { message, text } from './fixtures/messages.js'
import { compileAssertion, outputText } from '../src/graders/index.js'
import { gradeResult, gradeResults } from '../src/grading.js'
import { fileSystemSuiteIO } from '../src/suite-files.js'
import {
  COMMENT_SURFACE,
  inertCell,
  renderReport,
  SUMMARY_SURFACE,
  type RenderOptions,
} from '../src/markdown.js'
import { buildReport, percent, type RunReport } from '../src/report.js'
import type { EvalCase } from '../src/suite.js'

async function evalCase(
  id: string,
  model = 'claude-haiku-4-5',
  asserts: [string, string][] = [['contains', 'Paris']],
): Promise<EvalCase> {
  return {
    id,
    description: `about ${id}`,
    file: 'evals/geo.yml',
    line: 7,
    vars: {},
    prompt: 'Capital of France?',
    params: { model, max_tokens: 100, messages: [{ role: 'user', content: 'Capital of France?' }] },
    assertions: await Promise.all(
      asserts.map(([type, value]) => compileAssertion({ type, value }, '/', fileSystemSuiteIO)),
    ),
    threshold: undefined,
    transform: undefined,
  }
}

const usageOfEach = { input_tokens: 100_000, output_tokens: 10_000 }
const succeeded = (reply: string): MessageBatchResult => ({
  type: 'succeeded',
  message: message([text(reply)], usageOfEach),
})
const overloaded: MessageBatchResult = {
  type: 'errored',
  error: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' }, request_id: 'req_1' },
}

async function* stream(lines: MessageBatchIndividualResponse[]) {
  yield* lines
}

describe('grading', () => {
  it('grades the text blocks only, ignoring thinking and tool use', async () => {
    const m = message([
      { type: 'thinking', thinking: 'Lyon? no, Paris', signature: 's' },
      text('It is '),
      { type: 'tool_use', id: 't', name: 'lookup', input: {}, caller: { type: 'direct' } },
      text('Paris.'),
    ] as Message['content'])
    expect(outputText(m)).toBe('It is Paris.')
    const outcome = await gradeResult(
      await evalCase('a', 'claude-haiku-4-5', [['not-contains', 'Lyon']]),
      'a',
      {
        type: 'succeeded',
        message: m,
      },
    )
    expect(outcome.status).toBe('passed')
  })

  it('treats errored, canceled, expired and missing results as errored, with the reason and no cost', async () => {
    const c = await evalCase('a')
    expect(await gradeResult(c, 'a', overloaded)).toMatchObject({
      status: 'errored',
      resultType: 'errored',
      error: { type: 'overloaded_error', message: 'Overloaded' },
      cost: { standard: 0n, batch: 0n },
    })
    expect(await gradeResult(c, 'a', { type: 'canceled' })).toMatchObject({
      status: 'errored',
      error: { type: 'canceled' },
    })
    expect(await gradeResult(c, 'a', { type: 'expired' })).toMatchObject({
      status: 'errored',
      error: { type: 'expired' },
    })
    expect(await gradeResult(c, 'a', undefined)).toMatchObject({
      status: 'errored',
      resultType: 'missing',
      error: { type: 'missing_result' },
    })
  })

  it('joins results by custom_id whatever their order, and reports strangers and gaps', async () => {
    const cases = new Map([
      ['a', await evalCase('a')],
      ['b', await evalCase('b')],
      ['c', await evalCase('c')],
    ])
    const graded = await gradeResults(
      cases,
      stream([
        { custom_id: 'c', result: succeeded('Lyon') },
        { custom_id: 'zzz', result: succeeded('?') },
        { custom_id: 'a', result: succeeded('Paris') },
      ]),
    )
    expect(graded.outcomes.map((o) => [o.evalCase.id, o.status, o.resultType])).toEqual([
      ['a', 'passed', 'succeeded'],
      ['b', 'errored', 'missing'],
      ['c', 'failed', 'succeeded'],
    ])
    expect(graded.unexpectedCustomIds).toEqual(['zzz'])
  })
})

const render = (report: RunReport, options: Partial<RenderOptions> = {}) =>
  renderReport(report, { surface: SUMMARY_SURFACE, remainderAt: 'the results file', ...options })

describe('report', () => {
  const context = {
    minPassRate: 0.5,
    batchIds: ['msgbatch_1'],
    batchDurationMs: 192_000,
    runUrl: 'https://github.com/o/r/actions/runs/1',
  }

  it('passes at the threshold, and sums cost per model', async () => {
    const graded = await gradeResults(
      new Map([
        ['a', await evalCase('a')],
        ['b', await evalCase('b', 'claude-sonnet-4-5')],
      ]),
      stream([
        { custom_id: 'a', result: succeeded('Paris') },
        { custom_id: 'b', result: succeeded('Lyon') },
      ]),
    )
    const report = buildReport(graded, context)
    expect(report).toMatchObject({
      status: 'passed',
      total: 2,
      passed: 1,
      failed: 1,
      errored: 0,
      passRate: 0.5,
      failureReasons: [],
    })
    // Each: 100k input + 10k output tokens. Haiku 4.5: $0.10 + $0.05; Sonnet 4.5: $0.30 + $0.15.
    expect(report.costByModel.map((r) => [r.model, r.cost.standard, r.cost.batch])).toEqual([
      ['claude-haiku-4-5', 150_000_000_000_000n, 75_000_000_000_000n],
      ['claude-sonnet-4-5', 450_000_000_000_000n, 225_000_000_000_000n],
    ])
    expect(report.totalCost).toEqual({ standard: 6n * 10n ** 14n, batch: 3n * 10n ** 14n })
    const markdown = render(report)
    expect(markdown).toContain('## ✅ Claude Batch Evals: passed')
    expect(markdown).toContain(
      '| claude-haiku-4-5 | 1 | 100,000 | 0 | 0 | 10,000 | $0.075 | $0.15 | $0.075 (50%) |',
    )
    expect(markdown).toContain('| **total** | 2 | 200,000 | 0 | 0 | 20,000 | $0.3 | $0.6 | $0.3 (50%) |')
    expect(markdown).toContain(
      'Batch `msgbatch_1` · took 3m 12s · [workflow run](https://github.com/o/r/actions/runs/1)',
    )
  })

  it('fails below the threshold or on any errored test, and lists problems errored first', async () => {
    const graded = await gradeResults(
      new Map([
        ['a', await evalCase('a')],
        ['b', await evalCase('b')],
        ['c', await evalCase('c')],
      ]),
      stream([
        { custom_id: 'a', result: succeeded('Lyon') },
        { custom_id: 'b', result: overloaded },
        { custom_id: 'c', result: succeeded('Paris') },
      ]),
    )
    const report = buildReport(graded, { ...context, minPassRate: 0.95 })
    expect(report.status).toBe('failed')
    expect(report.failureReasons).toEqual([
      'pass rate 33.3% is below the minimum of 95%',
      '1 test errored (no output to grade)',
    ])
    expect(report.problems.map((o) => o.evalCase.id)).toEqual(['b', 'a'])
    const markdown = render(report)
    expect(markdown).toContain('**1 of 3 tests passed (33.3%)** · minimum 95% · 1 failed · 1 errored')
    expect(markdown).toContain(
      '### Failing and errored tests (2)\n\nErrored tests first.\n\n' +
        '**⚠️ errored: b** — about b · evals/geo.yml:7\n' +
        '- overloaded\\_error: Overloaded\n\n' +
        '**❌ failed: a** — about a · evals/geo.yml:7\n' +
        '- contains: expected output to contain "Paris"\n\n' +
        '<details><summary>Output (4 characters)</summary>\n\n<pre>Lyon</pre>\n\n</details>',
    )
    const linked = render(report, {
      title: 'Geography',
      annotated: 2,
      sourceUrl: (file, line) => `https://github.com/o/r/blob/abc/${file}#L${line}`,
    })
    expect(linked).toContain('## ❌ Claude Batch Evals · Geography: failed')
    expect(linked).toContain('Errored tests first. The first 2 are annotated at their suite lines.')
    expect(linked).toContain(
      '**❌ failed: a** — about a · [evals/geo.yml:7](https://github.com/o/r/blob/abc/evals/geo.yml#L7)',
    )
  })

  it('says a cost is unknown rather than guessing, and keeps the known part', async () => {
    const graded = await gradeResults(
      new Map([
        ['a', await evalCase('a')],
        ['b', await evalCase('b', 'claude-mystery-9')],
      ]),
      stream([
        { custom_id: 'a', result: succeeded('Paris') },
        { custom_id: 'b', result: succeeded('Paris') },
      ]),
    )
    const report = buildReport(graded, context)
    expect(report.totalCost).toBeNull()
    expect(report.knownCost.batch).toBe(75_000_000_000_000n)
    const markdown = render(report)
    expect(markdown).toContain(
      '| claude-mystery-9 | 1 | 100,000 | 0 | 0 | 10,000 | unknown | unknown | unknown |',
    )
    expect(markdown).toContain(
      "Cost unknown for 1 test(s) on claude-mystery-9: model 'claude-mystery-9' is not in the price table",
    )
    expect(markdown).toContain('The known part of the run costs $0.075 at batch price.')
  })

  it('stays within the limits of GitHub whatever the size, and says where the rest are', async () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => `t${i}`)
    const cases = new Map(await Promise.all(ids.map(async (id) => [id, await evalCase(id)] as const)))
    const graded = await gradeResults(
      cases,
      stream(
        [...cases.keys()].map((id) => ({
          custom_id: id,
          result: succeeded(`Rome ${'x'.repeat(5_000)} @team`),
        })),
      ),
    )
    const report = buildReport(graded, context)
    const comment = render(report, { surface: COMMENT_SURFACE, remainderAt: 'the job summary' })
    const summary = render(report)
    expect(comment.length).toBeLessThanOrEqual(COMMENT_SURFACE.budget)
    expect(Buffer.byteLength(summary)).toBeLessThanOrEqual(SUMMARY_SURFACE.budget)
    for (const [markdown, surface] of [
      [comment, COMMENT_SURFACE],
      [summary, SUMMARY_SURFACE],
    ] as const) {
      const shown = markdown.match(/❌ failed: /g)?.length ?? 0
      expect(shown).toBeGreaterThan(5)
      expect(markdown).toContain(
        `${20_000 - shown} more failing or errored tests are left out here for space: see `,
      )
      expect(markdown).toContain(`<pre>Rome ${'x'.repeat(surface.outputChars - 5)}…</pre>`)
      expect(markdown).toContain('### Cost')
    }
  })

  it('rounds pass rates down', () => {
    expect(percent(0.9996)).toBe('99.9%')
    expect(percent(0.58)).toBe('58%')
    expect(percent(1)).toBe('100%')
  })
})

describe('inertCell', () => {
  it('renders hostile output as plain text on one row', () => {
    const hostile =
      '<img src=x onerror=alert(1)> | col\n@octocat see #12 **bold** `code` <!-- claude-batch-evals:report -->'
    const cell = inertCell(hostile, 500)
    expect(cell).not.toMatch(/<|\n|(?<!\\)\||@octocat|#12|(?<!\\)\*\*|(?<!\\)`/)
    expect(cell).toContain(
      '&lt;img src=x onerror=alert(1)&gt; \\| col ↵ @\u200boctocat see #\u200b12 \\*\\*bold\\*\\* \\`code\\`',
    )
  })

  it('keeps a hostile output inert in the report: no HTML, no fence breaks, no mentions, no fake marker', async () => {
    const hostile =
      '</pre><img src=x onerror=alert(1)>\n```\n# Heading\n@octocat fixes #12\n<!-- claude-batch-evals:report -->\n</details>'
    const graded = await gradeResults(
      new Map([['a', await evalCase('a')]]),
      stream([{ custom_id: 'a', result: succeeded(hostile) }]),
    )
    const markdown = render(
      buildReport(graded, { minPassRate: 1, batchIds: ['b'], batchDurationMs: null, runUrl: undefined }),
    )
    const output = /<pre>([\s\S]*?)<\/pre>/.exec(markdown)?.[1]
    expect(output).toBe(
      '&lt;/pre&gt;&lt;img src=x onerror=alert(1)&gt;\n```\n# Heading\n@\u200boctocat fixes #\u200b12\n' +
        '&lt;!-- claude-batch-evals:report --&gt;\n&lt;/details&gt;',
    )
    expect(markdown.match(/<\/details>/g)).toHaveLength(1)
    expect(markdown).not.toContain('<!-- claude-batch-evals')
  })

  it('cuts long text with a marker, counting characters not UTF-16 units', () => {
    expect(inertCell('😀'.repeat(10), 3)).toBe('😀😀😀…')
  })
})
