import type { MessageBatchResult } from '@anthropic-ai/sdk/resources/messages/batches'
import type { Message } from '@anthropic-ai/sdk/resources/messages/messages'
import { message, once, onceEach, text, whole } from '../fixtures/messages.js'
import { gradeAll } from '../fixtures/grading.js'
import { compileAssertion, outputText } from '../../src/grading/graders/index.js'
import { buildBatchRequests } from '../../src/batch/requests.js'
import { gradeResult } from '../../src/grading/run-grader.js'
import { fileSystemSuiteIO } from '../../src/suite/file-system.js'
import {
  COMMENT_SURFACE,
  renderReport,
  SUMMARY_SURFACE,
  type RenderOptions,
} from '../../src/report/markdown.js'
import { buildReport, percent, type RunReport } from '../../src/report/report.js'
import { createPricer, loadPriceOverrides, setPricer } from '../../src/cost/pricing.js'
import { readBaseline } from '../../src/report/baseline.js'
import { resultsDocument } from '../../src/report/results-file.js'
import type { EvalCase, Sample } from '../../src/model.js'

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

describe('grading', () => {
  it('grades the text blocks and the tool calls as JSON, ignoring thinking', async () => {
    const m = message([
      { type: 'thinking', thinking: 'Lyon? no, Paris', signature: 's' },
      text('It is '),
      { type: 'tool_use', id: 't', name: 'lookup', input: {}, caller: { type: 'direct' } },
      text('Paris.'),
    ] as Message['content'])
    expect(outputText(m)).toBe(
      'It is \n\n{"type":"tool_use","id":"t","name":"lookup","input":{},"caller":{"type":"direct"}}\n\nParis.',
    )
    const { outcome } = await gradeResult(
      once(await evalCase('a', 'claude-haiku-4-5', [['not-contains', 'Lyon']])),
      'a',
      {
        type: 'succeeded',
        message: m,
      },
    )
    expect(outcome.status).toBe('passed')
  })

  it('treats errored, canceled, expired and missing results as errored, with the reason and no cost', async () => {
    const c = once(await evalCase('a'))
    const outcomeOf = async (result: MessageBatchResult | undefined) =>
      (await gradeResult(c, 'a', result)).outcome
    expect(await outcomeOf(overloaded)).toMatchObject({
      status: 'errored',
      resultType: 'errored',
      error: { type: 'overloaded_error', message: 'Overloaded' },
      cost: { standard: 0n, batch: 0n },
    })
    expect(await outcomeOf({ type: 'canceled' })).toMatchObject({
      status: 'errored',
      error: { type: 'canceled' },
    })
    expect(await outcomeOf({ type: 'expired' })).toMatchObject({
      status: 'errored',
      error: { type: 'expired' },
    })
    expect(await outcomeOf(undefined)).toMatchObject({
      status: 'errored',
      resultType: 'missing',
      error: { type: 'missing_result' },
    })
  })

  it('joins results by custom_id whatever their order, and reports strangers and gaps', async () => {
    const cases = onceEach([await evalCase('a'), await evalCase('b'), await evalCase('c')])
    const graded = await gradeAll(cases, [
      { custom_id: 'c', result: succeeded('Lyon') },
      { custom_id: 'zzz', result: succeeded('?') },
      { custom_id: 'a', result: succeeded('Paris') },
    ])
    expect(graded.outcomes.map((o) => [o.evalCase.id, o.status, o.resultType])).toEqual([
      ['a', 'passed', 'succeeded'],
      ['b', 'errored', 'missing'],
      ['c', 'failed', 'succeeded'],
    ])
    expect(graded.unexpectedCustomIds).toEqual(['zzz'])
    // The stranger was billed all the same: the run's cost counts it (3 x $0.075 at batch prices).
    const report = buildReport(graded, {
      minPassRate: 0,
      batchIds: [],
      batchDurationMs: 0,
      runUrl: undefined,
    })
    expect(report.totalCost).toEqual({ standard: 3n * 150_000_000_000_000n, batch: 3n * 75_000_000_000_000n })
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
    const graded = await gradeAll(onceEach([await evalCase('a'), await evalCase('b', 'claude-sonnet-4-5')]), [
      { custom_id: 'a', result: succeeded('Paris') },
      { custom_id: 'b', result: succeeded('Lyon') },
    ])
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

  it("repeats the suite load's warnings after the failing tests, and in the results file", async () => {
    const graded = await gradeAll(onceEach([await evalCase('a')]), [
      { custom_id: 'a', result: succeeded('Lyon') },
    ])
    const warning = 'Skipped: openai:gpt-4o (2 tests (e.g. evals/x.yml:4)), not an Anthropic provider.'
    const report = buildReport(graded, { ...context, loadWarnings: [warning] })
    const markdown = render(report)
    expect(markdown).toContain(`**Warnings**\n\n- ${warning}`)
    expect(markdown.indexOf('**Warnings**')).toBeGreaterThan(markdown.indexOf('Lyon'))
    expect(resultsDocument(report, whole(graded.outcomes), new Date(0)).load_warnings).toEqual([warning])
    const quiet = buildReport(graded, context)
    expect(render(quiet)).not.toContain('**Warnings**')
    expect(resultsDocument(quiet, whole(graded.outcomes), new Date(0)).load_warnings).toEqual([])
  })

  it('says what the batch price is when a pricing file changes it from half', async () => {
    const previous = setPricer(
      createPricer(loadPriceOverrides('models: {}\nbatch_multiplier: 0.75\n', 'p.yml')),
    )
    try {
      const graded = await gradeAll(onceEach([await evalCase('a')]), [
        { custom_id: 'a', result: succeeded('Paris') },
      ])
      const markdown = render(buildReport(graded, context))
      expect(markdown).toContain('| $0.1125 | $0.15 | $0.0375 (25%) |')
      expect(markdown).toContain('Batch price is 0.75x the standard price for every kind of token')
      expect(markdown).toMatch(/Prices from the table of [\d-]+ and the pricing file;/)
    } finally {
      setPricer(previous)
    }
  })

  it('says why a test failed with every assertion passing: it fell short of its threshold', async () => {
    const shortOfThreshold = {
      ...(await evalCase('a', 'claude-haiku-4-5', [
        ['javascript', '0.5'],
        ['javascript', '0.5'],
      ])),
      threshold: 0.8,
    }
    const graded = await gradeAll(onceEach([shortOfThreshold]), [
      { custom_id: 'a', result: succeeded('Paris') },
    ])
    expect(render(buildReport(graded, context))).toContain(
      '**❌ failed: a** — about a · evals/geo.yml:7\n- weighted score 0.50 &lt; threshold 0.8\n\n<details>',
    )
  })

  it('fails below the threshold or on any errored test, and lists problems errored first', async () => {
    const graded = await gradeAll(onceEach([await evalCase('a'), await evalCase('b'), await evalCase('c')]), [
      { custom_id: 'a', result: succeeded('Lyon') },
      { custom_id: 'b', result: overloaded },
      { custom_id: 'c', result: succeeded('Paris') },
    ])
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
    expect(linked).toContain('Errored tests first. The first 2 tests are annotated at their suite lines.')
    expect(linked).toContain(
      '**❌ failed: a** — about a · [evals/geo.yml:7](https://github.com/o/r/blob/abc/evals/geo.yml#L7)',
    )
  })

  it('says a cost is unknown rather than guessing, and keeps the known part', async () => {
    const graded = await gradeAll(onceEach([await evalCase('a'), await evalCase('b', 'claude-mystery-9')]), [
      { custom_id: 'a', result: succeeded('Paris') },
      { custom_id: 'b', result: succeeded('Paris') },
    ])
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
    // The unpriced model's test keeps its verdict and tokens, the other model its cost; the note says how to fix it.
    expect([report.total, report.passed, report.failed]).toEqual([2, 2, 0])
    const [haiku, mystery] = ['claude-haiku-4-5', 'claude-mystery-9'].map((model) =>
      report.costByModel.find((row) => row.model === model),
    )
    expect(haiku).toMatchObject({ unpricedTests: 0, cost: { batch: 75_000_000_000_000n } })
    expect(mystery).toMatchObject({ unpricedTests: 1, tokens: { input: 100_000, output: 10_000 } })
    expect(markdown).toContain(
      'give its prices with the pricing input (--pricing), as in examples/pricing.json',
    )
  })

  it('says what prompt caching saved, or what it cost when its writes outweighed its reads', async () => {
    const cachedRun = async (cacheUsage: { write: number; read: number }[]) => {
      const cases = await Promise.all(cacheUsage.map((_, i) => evalCase(`t${i}`)))
      return gradeAll(
        onceEach(cases),
        cacheUsage.map(({ write, read }, i) => ({
          custom_id: `t${i}`,
          result: {
            type: 'succeeded' as const,
            message: message([text('Paris')], {
              input_tokens: 10,
              output_tokens: 0,
              cache_creation_input_tokens: write,
              cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: write },
              cache_read_input_tokens: read,
            }),
          },
        })),
      )
    }
    // Haiku 4.5 at batch prices, per million: input $0.50, 1-hour write $1.00, read $0.05.
    const lost = render(buildReport(await cachedRun([{ write: 5_000, read: 0 }]), context))
    expect(lost).toContain(
      'Prompt caching: 0 of 1 marked requests (0%) read their prefix from the cache; 0% of input tokens were ' +
        'cache reads (0 read, 5,000 written); **caching cost $0.0025 more** at batch prices than cache: off: its ' +
        'writes cost more than its reads saved.',
    )
    expect(lost).not.toContain('$-')
    const saved = render(
      buildReport(
        await cachedRun([
          { write: 5_000, read: 0 },
          { write: 0, read: 5_000 },
          { write: 0, read: 5_000 },
        ]),
        context,
      ),
    )
    // 2 x 5,000 x (0.50 - 0.05) - 5,000 x (1.00 - 0.50) = 4,500 - 2,500: $0.002 saved.
    expect(saved).toContain(
      'Prompt caching: 2 of 3 marked requests (66.6%) read their prefix from the cache; 66.5% of input tokens ' +
        'were cache reads (10,000 read, 5,000 written); caching saved $0.002 at batch prices against cache: off.',
    )
  })

  it('stays within the limits of GitHub whatever the size, and says where the rest are', async () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => `t${i}`)
    const cases = onceEach(await Promise.all(ids.map((id) => evalCase(id))))
    const graded = await gradeAll(
      cases,
      [...cases.keys()].map((id) => ({
        custom_id: id,
        result: succeeded(`Rome ${'x'.repeat(5_000)} @team`),
      })),
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

  it('cuts a metrics table too long for the surface to its lowest scores, and says where the rest are', async () => {
    /** `count` failing tests, each with a metric of its own, whose names sort in the order of their scores. */
    async function runWithMetrics(count: number) {
      const metricOf = (i: number) => `metric-${String(i).padStart(5, '0')}-${'m'.repeat(56)}`
      const withMetric = (type: string, i: number) =>
        compileAssertion({ type, value: 'Paris', metric: metricOf(i) }, '/', fileSystemSuiteIO)
      const cases = await Promise.all(
        Array.from({ length: count }, async (_, i) => ({
          ...(await evalCase(`t${i}`)),
          // Test i scores 0.5 on its metric when i is even (one of two assertions passes), 0 when odd.
          assertions: await Promise.all(
            i % 2 === 0
              ? [withMetric('contains', i), withMetric('not-contains', i)]
              : [withMetric('contains', i)],
          ),
        })),
      )
      const sampleByCustomId = onceEach(cases)
      return gradeAll(
        sampleByCustomId,
        cases.map((c) => ({ custom_id: c.id, result: succeeded('Lyon') })),
      )
    }
    const options = { surface: COMMENT_SURFACE, remainderAt: 'the job summary' }

    const comment = renderReport(buildReport(await runWithMetrics(800), context), options)
    expect(comment.length).toBeLessThanOrEqual(COMMENT_SURFACE.budget)
    const rows = comment.match(/^\| metric-\d+-m+ \|/gm) ?? []
    expect(rows.length).toBeGreaterThan(50)
    expect(comment).toContain(`### Metrics (800)\n\nLowest mean scores first.`)
    expect(comment).toContain(
      `${800 - rows.length} more metrics are left out here for space: see the job summary.`,
    )
    // Odd tests score 0 and come first.
    expect(comment).toContain('| metric-00001-')
    expect(comment).not.toContain('| metric-00000-')
    expect(comment).toContain('### Failing and errored tests (800)')
    expect(comment).toContain('### Cost')

    const summary = render(buildReport(await runWithMetrics(13_000), context))
    expect(Buffer.byteLength(summary)).toBeLessThanOrEqual(SUMMARY_SURFACE.budget)
    expect(summary).toMatch(/^\d+ more metrics are left out here for space: see the results file\.$/m)

    // A table that fits is whole, by name.
    const few = render(buildReport(await runWithMetrics(3), context))
    expect(few).toContain(
      '### Metrics\n\n| metric | tests | mean score |\n| --- | ---: | ---: |\n| metric-00000-',
    )
    expect(few).not.toContain('left out here for space')
  })

  describe('repeats', () => {
    /** Tests sent three times each; `replies` per test, one per sample, in order. */
    async function repeated(replies: Record<string, (string | null)[]>) {
      const { requests, sampleByCustomId } = buildBatchRequests(
        await Promise.all(Object.keys(replies).map((id) => evalCase(id))),
        3,
      )
      const lines = requests.map(({ custom_id }) => {
        const { evalCase: test, index } = sampleByCustomId.get(custom_id) as Sample
        const reply = replies[test.id][index - 1]
        return { custom_id, result: reply === null ? overloaded : succeeded(reply) }
      })
      return gradeAll(sampleByCustomId, lines.reverse())
    }

    it('gives each test a verdict over its samples, so one dropping to 2 of 3 fails', async () => {
      const graded = await repeated({
        steady: ['Paris', 'Paris', 'Paris'],
        wobbly: ['Paris', 'Lyon', 'Paris'],
        broken: ['Lyon', 'Lyon', 'Lyon'],
        unlucky: ['Paris', null, 'Paris'],
      })
      expect(graded.outcomes.map((o) => `${o.evalCase.id}#${o.sample}/${o.samples}:${o.status}`)).toEqual([
        'steady#1/3:passed',
        'steady#2/3:passed',
        'steady#3/3:passed',
        'wobbly#1/3:passed',
        'wobbly#2/3:failed',
        'wobbly#3/3:passed',
        'broken#1/3:failed',
        'broken#2/3:failed',
        'broken#3/3:failed',
        'unlucky#1/3:passed',
        'unlucky#2/3:errored',
        'unlucky#3/3:passed',
      ])
      const report = buildReport(graded, { ...context, minPassRate: 0.25 })
      expect(report.verdicts.map((v) => [v.evalCase.id, v.status, v.passes, v.flaky])).toEqual([
        ['steady', 'passed', 3, false],
        ['wobbly', 'failed', 2, true],
        ['broken', 'failed', 0, false],
        ['unlucky', 'errored', 2, false],
      ])
      expect(report).toMatchObject({
        total: 4,
        passed: 1,
        failed: 2,
        errored: 1,
        samples: 12,
        passRate: 0.25,
      })
      expect(report.repeats).toMatchObject({ tests: 4, k: 3, passAtK: 0.75, passHatK: 0.25 })
      expect(report.repeats?.passAt1).toBeCloseTo(7 / 12)
      expect(report.repeats?.flaky.map((v) => v.evalCase.id)).toEqual(['wobbly'])
      // The problems are the failing samples of the tests that did not pass.
      expect(report.problems.map((o) => `${o.evalCase.id}#${o.sample}`)).toEqual([
        'unlucky#2',
        'wobbly#2',
        'broken#1',
        'broken#2',
        'broken#3',
      ])
      const markdown = renderReport(report, { surface: COMMENT_SURFACE, remainderAt: 'the results file' })
      expect(markdown).toContain('### Repeats')
      expect(markdown).toContain('pass@3 75% (at least one of 3 passes), pass^3 25% (all 3 pass)')
      expect(markdown).toContain(
        '4 tests ran several times (12 requests in all), 1 of them passing every sample.',
      )
      expect(markdown).toContain(
        '**Repeated tests that missed a sample (3), 1 of them flaky: passed and failed across samples**',
      )
      expect(markdown).toContain('| wobbly — about wobbly · 🔀 flaky | 2 of 3 | 100% | 0% | failed |')
      expect(markdown).toContain('| broken — about broken | 0 of 3 | 0% | 0% | failed |')
      expect(markdown).toContain('| unlucky — about unlucky | 2 of 3 | 100% | 0% | errored |')
      expect(markdown).toContain('**❌ failed: wobbly** (sample 2 of 3)')
      expect(markdown).toContain('### Failing and errored tests (3; 5 samples)')
    })

    it('lets repeat-min-pass accept k of N samples', async () => {
      const graded = await repeated({ wobbly: ['Paris', 'Lyon', 'Paris'], broken: ['Lyon', 'Paris', 'Lyon'] })
      const report = buildReport(graded, { ...context, repeatMinPass: 2 })
      expect(report.verdicts.map((v) => [v.evalCase.id, v.status, v.needed])).toEqual([
        ['wobbly', 'passed', 2],
        ['broken', 'failed', 2],
      ])
      const markdown = renderReport(report, { surface: COMMENT_SURFACE, remainderAt: 'the results file' })
      expect(markdown).toContain(
        '| wobbly — about wobbly · 🔀 flaky | 2 of 3, needs 2 | 100% | 0% | passed |',
      )
      expect(report.problems.map((o) => `${o.evalCase.id}#${o.sample}`)).toEqual(['broken#1', 'broken#3'])
    })

    it('counts the requests of the repeated tests only', async () => {
      const { requests, sampleByCustomId } = buildBatchRequests(
        [await evalCase('thrice'), { ...(await evalCase('once')), repeat: 1 }],
        3,
      )
      const graded = await gradeAll(
        sampleByCustomId,
        requests.map(({ custom_id }) => ({ custom_id, result: succeeded('Paris') })),
      )
      const markdown = renderReport(buildReport(graded, context), {
        surface: COMMENT_SURFACE,
        remainderAt: 'the results file',
      })
      expect(markdown).toContain('1 test ran several times (3 requests in all)')
    })

    it('has no repeats section when every test ran once', async () => {
      const graded = await gradeAll(onceEach([await evalCase('a')]), [
        { custom_id: 'a', result: succeeded('Paris') },
      ])
      const report = buildReport(graded, context)
      expect(report.repeats).toBeNull()
      expect(renderReport(report, { surface: COMMENT_SURFACE, remainderAt: 'x' })).not.toContain('Repeats')
    })
  })

  describe('baseline', () => {
    /** A run of tests `a`.. with these replies ('Paris' passes), through the real grading path. */
    async function run(replies: Record<string, string>) {
      const cases = await Promise.all(Object.keys(replies).map((id) => evalCase(id)))
      return gradeAll(
        onceEach(cases),
        Object.entries(replies).map(([custom_id, reply]) => ({ custom_id, result: succeeded(reply) })),
      )
    }

    /** The results file an earlier run wrote, read back as a baseline. */
    async function baselineOf(replies: Record<string, string>) {
      const graded = await run(replies)
      const document = resultsDocument(
        buildReport(graded, context),
        whole(graded.outcomes),
        new Date('2026-11-28T03:00:00Z'),
      )
      return readBaseline(JSON.stringify(document), 'baseline/eval-results.json')
    }

    const before = { kept: 'Paris', regressed: 'Paris', fixed: 'Lyon', removed: 'Paris' }
    const after = { kept: 'Paris', regressed: 'Lyon', fixed: 'Paris', added: 'Paris' }

    it('lists flips, new and removed tests, with deltas and a significance note', async () => {
      const report = buildReport(await run(after), {
        ...context,
        minPassRate: 0.5,
        baseline: await baselineOf(before),
      })
      const comparison = report.baseline
      expect(comparison?.regressions.map((t) => [t.id, t.before, t.after])).toEqual([
        ['regressed', 'passed', 'failed'],
      ])
      expect(comparison?.fixes.map((t) => t.id)).toEqual(['fixed'])
      expect(comparison?.newTests.map((t) => t.id)).toEqual(['added'])
      expect(comparison?.removedTests.map((t) => t.id)).toEqual(['removed'])
      expect(comparison?.passRateDelta).toBeCloseTo(0)
      expect(comparison?.costDelta).toBe(0n)
      // Threshold is the default gate: 75% passes 50%, whatever the regression.
      expect(report.status).toBe('passed')

      const markdown = renderReport(report, { surface: COMMENT_SURFACE, remainderAt: 'the results file' })
      expect(markdown).toContain('### Compared with the baseline')
      expect(markdown).toContain('**🔻 Regressions: passed on the baseline, not now (1)**')
      expect(markdown).toContain('- regressed — about regressed (passed → failed)')
      expect(markdown).toContain('**🔺 Fixes: failed on the baseline, pass now (1)**')
      expect(markdown).toContain('**New tests (1)**')
      expect(markdown).toContain('**Removed tests (1)**')
      expect(markdown).toContain(comparison?.significance)
      expect(markdown).toContain('**±0 points**')
    })

    it('keeps the job summary within 1 MiB when long labels fill the lists of flips', async () => {
      const report = buildReport(await run(after), { ...context, baseline: await baselineOf(before) })
      const comparison = report.baseline as NonNullable<RunReport['baseline']>
      // 500 tests in each list, each with 150 characters of id and 200 of description, 3 bytes each.
      const many = (offset: number) =>
        Array.from({ length: 500 }, (_, i) => ({
          ...comparison.regressions[0],
          id: `テスト${offset + i}`.padEnd(150, '日'),
          description: '説明'.repeat(100),
        }))
      const long = { ...comparison, regressions: many(0), fixes: many(1000), newTests: many(2000) }
      const markdown = render({ ...report, baseline: { ...long, removedTests: many(3000) } })
      expect(Buffer.byteLength(markdown)).toBeLessThanOrEqual(SUMMARY_SURFACE.budget)
      expect(markdown).toContain('**🔻 Regressions: passed on the baseline, not now (500)**')
    })

    it.each([
      ['threshold', 0.5, 'passed'],
      ['threshold', 0.9, 'failed'],
      ['regression', 0.9, 'failed'],
      ['regression', 0.5, 'failed'],
      ['both', 0.5, 'failed'],
    ] as const)('fail-on %s with min-pass-rate %s: %s', async (failOn, minPassRate, status) => {
      const report = buildReport(await run(after), {
        ...context,
        minPassRate,
        failOn,
        baseline: await baselineOf(before),
      })
      expect(report.status).toBe(status)
      expect(report.failureReasons.some((r) => r.includes('regressed against the baseline'))).toBe(
        failOn !== 'threshold',
      )
    })

    it('fail-on regression passes a run that regressed nothing, even below min-pass-rate', async () => {
      const report = buildReport(await run({ kept: 'Paris', other: 'Lyon' }), {
        ...context,
        minPassRate: 1,
        failOn: 'regression',
        baseline: await baselineOf({ kept: 'Paris', other: 'Lyon' }),
      })
      expect(report.status).toBe('passed')
      expect(report.baseline?.significance).toMatch(/^No flips among 2 paired tests/)
    })

    it('fail-on regression gates on the pass rate when the baseline shares no test, and says so', async () => {
      const report = buildReport(await run({ a: 'Lyon', b: 'Paris' }), {
        ...context,
        minPassRate: 0.9,
        failOn: 'regression',
        baseline: await baselineOf({ x: 'Paris', y: 'Paris', z: 'Paris' }),
      })
      expect(report.status).toBe('failed')
      expect(report.failureReasons).toEqual(['pass rate 50% is below the minimum of 90%'])
      const markdown = render(report)
      expect(markdown).toContain(
        "**The baseline shares no tests with this run**: none of this run's 2 tests is among the baseline's " +
          "3 tests, so nothing is compared. Is the baseline another suite's, or were the tests renamed? With " +
          'nothing to regress from, `fail-on: regression` gates on the pass rate instead.',
      )
      expect(markdown).toContain('Baseline: `baseline/eval-results.json`, written 2026-11-28T03:00:00')
      expect(markdown).not.toMatch(/points\*\*|New tests|Removed tests|paired/)
    })

    it('fail-on regression without a baseline gates on the pass rate instead', async () => {
      const report = buildReport(await run({ a: 'Lyon' }), { ...context, failOn: 'regression' })
      expect(report.status).toBe('failed')
      expect(report.failureReasons[0]).toMatch(/^pass rate 0% is below/)
    })
  })

  it('rounds pass rates down', () => {
    expect(percent(0.9996)).toBe('99.9%')
    expect(percent(0.58)).toBe('58%')
    expect(percent(1)).toBe('100%')
  })
})

describe('untrusted text in the rendered report', () => {
  it('keeps a hostile output inert in the report: no HTML, no fence breaks, no mentions, no fake marker', async () => {
    const hostile =
      '</pre><img src=x onerror=alert(1)>\n```\n# Heading\n@octocat fixes #12\n<!-- claude-batch-evals:report -->\n</details>'
    const graded = await gradeAll(onceEach([await evalCase('a')]), [
      { custom_id: 'a', result: succeeded(hostile) },
    ])
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

  it('keeps text with lone carriage returns from starting a heading or a table row in the report', async () => {
    const hostile = 'Overloaded\r# Owned\r| fake | row |'
    const c = await evalCase('a')
    const graded = await gradeAll(onceEach([{ ...c, description: hostile }]), [
      {
        custom_id: 'a',
        result: {
          type: 'errored',
          error: { type: 'error', error: { type: 'api_error', message: hostile }, request_id: 'r' },
        },
      },
    ])
    const report = buildReport(graded, {
      minPassRate: 1,
      batchIds: ['b'],
      batchDurationMs: null,
      runUrl: undefined,
    })
    const markdown = render(report, { title: `Suite\r## Hijacked` })
    const lines = markdown.split(/\r\n|\r|\n/)
    expect(lines.filter((line) => /^#/.test(line))).toEqual([
      '## ❌ Claude Batch Evals · Suite ↵ ## Hijacked: failed',
      '### Failing and errored tests (1)',
      '### Cost',
    ])
    expect(lines.some((line) => line.startsWith('| fake'))).toBe(false)
    expect(markdown).not.toContain('\r')
  })
})
