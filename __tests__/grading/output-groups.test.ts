/**
 * select-best and max-score through the grading pipeline: a suite loaded as the action loads it (several
 * prompts, a list var, repeats), its results fed to a RunGrader as the batches feed it, the judge's batch
 * answered through the JudgeBook, and the report and results file that show which output won and why.
 */
import type { MessageBatchResult } from '@anthropic-ai/sdk/resources/messages/batches'
import { buildBatchRequests } from '../../src/batch/requests.js'
import { selectBestRequest } from '../../src/grading/graders/index.js'
import { JudgeBook, judgeCustomId } from '../../src/grading/judging.js'
import { RunGrader } from '../../src/grading/run-grader.js'
import { renderReport, SUMMARY_SURFACE } from '../../src/report/markdown.js'
import { buildReport } from '../../src/report/report.js'
import { resultsDocument } from '../../src/report/results-file.js'
import { message, text, whole } from '../fixtures/messages.js'
import { loadText } from '../suite/suite-workspace.js'
import type { Sample, TestOutcome } from '../../src/model.js'

const succeeded = (reply: string): MessageBatchResult => ({
  type: 'succeeded',
  message: message([text(reply)], { input_tokens: 10, output_tokens: 5 }),
})

/** The suite's samples, and a grader with a judge, fed the replies by custom_id (a missing one is not sent). */
async function graderFor(suite: string, repeat = 1) {
  const cases = await loadText(suite)
  const { sampleByCustomId } = buildBatchRequests(cases, repeat)
  const judge = new JudgeBook()
  const grader = new RunGrader(sampleByCustomId, judge)
  const feed = async (reply: (sample: Sample) => string | MessageBatchResult | undefined) => {
    for (const [customId, sample] of sampleByCustomId) {
      const answer = reply(sample)
      if (answer === undefined) continue
      await grader.add({
        custom_id: customId,
        result: typeof answer === 'string' ? succeeded(answer) : answer,
      })
    }
  }
  return { grader, judge, feed, sampleByCustomId }
}

const byId = (outcomes: TestOutcome[]) => Object.fromEntries(outcomes.map((o) => [o.evalCase.id, o]))

const THREE_PROMPTS = `
prompts:
  - {raw: 'Answer: {{q}}', label: plain}
  - {raw: 'Answer briefly: {{q}}', label: brief}
  - {raw: 'Answer in detail: {{q}}', label: detailed}
providers: [anthropic:messages:claude-haiku-4-5]
tests:
  - id: capital
    vars: {q: 'Capital of France?'}
    assert:
      - type: contains
        value: Paris
      - type: select-best
        value: the shortest correct answer
`

describe('select-best through the grading pipeline', () => {
  it("asks the judge once for the test's outputs, and passes the one it chose with its reason", async () => {
    const { grader, judge, feed } = await graderFor(THREE_PROMPTS)
    const replies: Record<string, string> = {
      plain: 'The capital of France is Paris.',
      brief: 'Paris.',
      detailed: 'Lyon, or so I think.',
    }
    await feed(({ evalCase }) => replies[evalCase.id.match(/\[(\w+)\]/)?.[1] as string])
    expect(grader.awaitsJudge).toBe(false)

    await grader.gradeAcrossOutputs()
    expect(grader.awaitsJudge).toBe(true)
    const asked = judge.unanswered()
    expect(asked).toHaveLength(1)
    expect(asked[0].params).toEqual(
      selectBestRequest('the shortest correct answer', [replies.plain, replies.brief, replies.detailed]),
    )
    const content = asked[0].params.messages[0].content as string
    expect(content).toContain('<output number="2">\nParis.\n</output>')

    const reply = '{"best": 2, "reason": "one word, and right"}'
    await judge.add({ custom_id: asked[0].custom_id, result: succeeded(reply) })
    judge.close()
    await grader.regradeWithJudge()
    expect(grader.awaitsJudge).toBe(false)

    const graded = await grader.finish()
    const outcomes = byId(whole(graded.outcomes))
    const brief = outcomes['capital [brief]']
    expect(brief.status).toBe('passed')
    expect(brief.assertions.map((a) => [a.type, a.pass])).toEqual([
      ['contains', true],
      ['select-best', true],
    ])
    expect(brief.assertions[1]).toMatchObject({
      score: 1,
      reason: 'chosen by the judge (claude-sonnet-4-6), output 2 of 3: one word, and right',
      judge: { model: 'claude-sonnet-4-6', reply },
    })
    const plain = outcomes['capital [plain]']
    expect(plain).toMatchObject({
      status: 'failed',
      score: 0,
      reason:
        'select-best: not chosen: the judge (claude-sonnet-4-6) chose output 2 of 3, capital [brief]: one word, and right',
    })
    // Its own assertion failed first: that stays its reason.
    expect(outcomes['capital [detailed]']).toMatchObject({ status: 'failed', score: 0 })
    expect(outcomes['capital [detailed]'].reason).toMatch(/^contains: /)

    const report = buildReport(graded, {
      minPassRate: 1,
      batchIds: [],
      batchDurationMs: null,
      runUrl: undefined,
    })
    const markdown = renderReport(report, { surface: SUMMARY_SURFACE, remainderAt: 'the results file' })
    // The chosen output passed; each other one names it, and why, in the list of failing tests.
    expect(markdown).toContain('chose output 2 of 3, capital \\[brief\\]: one word, and right')
    const document = resultsDocument(report, whole(graded.outcomes), new Date(0))
    const entry = document.tests.find((t: { custom_id: string }) => t.custom_id === brief.customId)
    expect(entry).toMatchObject({ status: 'passed', output: 'Paris.' })
    expect(JSON.stringify(entry)).toContain('chosen by the judge (claude-sonnet-4-6), output 2 of 3')
  })

  it('compares only the outputs that came back, and gives a test with one output an errored grade', async () => {
    const { grader, judge, feed } = await graderFor(THREE_PROMPTS)
    await feed(({ evalCase }) => (evalCase.id.endsWith('[brief]') ? 'Paris.' : undefined))
    await grader.gradeAcrossOutputs()
    expect(judge.unanswered()).toEqual([])
    const outcomes = byId(whole((await grader.finish()).outcomes))
    expect(outcomes['capital [brief]']).toMatchObject({ status: 'failed', score: 0 })
    expect(outcomes['capital [brief]'].assertions[1]).toMatchObject({
      errored: true,
      reason:
        "select-best compares a test's outputs, and this test has one to compare; 2 of its outputs are missing: " +
        'cross the test with several prompts or providers (promptfoo stops with an error on a test with one output)',
    })
    expect(outcomes['capital [plain]'].resultType).toBe('missing')
  })

  it("is an errored grade for every output when the judge's reply does not name one of them", async () => {
    const { grader, judge, feed } = await graderFor(THREE_PROMPTS)
    await feed(() => 'Paris.')
    await grader.gradeAcrossOutputs()
    const [asked] = judge.unanswered()
    await judge.add({ custom_id: asked.custom_id, result: succeeded('{"best": 4, "reason": "the fourth"}') })
    await grader.regradeWithJudge()
    for (const outcome of whole((await grader.finish()).outcomes)) {
      expect(outcome.status).toBe('failed')
      expect(outcome.assertions[1]).toMatchObject({ pass: false, errored: true })
      expect(outcome.assertions[1].reason).toMatch(
        /^the judge's reply has "best": 4, not a whole number 1..3;/,
      )
    }
  })

  it('groups by test and combination of vars, and a repeated test by sample', async () => {
    const suite = `
prompts: ['A {{x}}', 'B {{x}}']
providers: [anthropic:messages:claude-haiku-4-5]
tests:
  - vars: {x: [one, two]}
    assert: [{type: select-best, value: best}]
`
    const { grader, judge, feed, sampleByCustomId } = await graderFor(suite, 2)
    expect(sampleByCustomId.size).toBe(8)
    await feed(({ evalCase, index }) => `${evalCase.prompt} #${index}`)
    await grader.gradeAcrossOutputs()
    const compared = judge
      .unanswered()
      .map(({ params }) => (params.messages[0].content as string).match(/\n([AB] .*)\n/g))
    expect(compared).toEqual([
      ['\nA one #1\n', '\nB one #1\n'],
      ['\nA one #2\n', '\nB one #2\n'],
      ['\nA two #1\n', '\nB two #1\n'],
      ['\nA two #2\n', '\nB two #2\n'],
    ])
  })

  it('spools a passed output only once its comparison is made, and compares a retried one', async () => {
    const cases = await loadText(THREE_PROMPTS)
    const { sampleByCustomId } = buildBatchRequests(cases, 1)
    const spooled: TestOutcome[] = []
    const judge = new JudgeBook()
    const grader = new RunGrader(sampleByCustomId, judge, { keep: (_, outcome) => spooled.push(outcome) })
    const ids = [...sampleByCustomId.keys()]
    const overloaded: MessageBatchResult = {
      type: 'errored',
      error: { type: 'error', error: { type: 'overloaded_error', message: 'busy' }, request_id: 'req_1' },
    }
    await grader.add({ custom_id: ids[0], result: succeeded('Paris!') })
    await grader.add({ custom_id: ids[1], result: overloaded })
    await grader.add({ custom_id: ids[2], result: succeeded('Paris.') })
    expect(grader.retryableCustomIds()).toEqual([ids[1]])
    await grader.add({ custom_id: ids[1], result: succeeded('Paris, France.') })
    expect(spooled).toEqual([])

    await grader.gradeAcrossOutputs()
    const [asked] = judge.unanswered()
    expect((asked.params.messages[0].content as string).match(/<output number="\d">/g)).toHaveLength(3)
    await judge.add({ custom_id: asked.custom_id, result: succeeded('{"best": 3, "reason": "shortest"}') })
    await grader.regradeWithJudge()
    expect(spooled.map((o) => [o.customId, o.status])).toEqual([[ids[2], 'passed']])
    expect((await grader.finish()).outcomes.map((o) => o.status)).toEqual(['failed', 'failed', 'passed'])
  })

  it('asks for the same request again when graded again, so that a collected judge batch answers it', async () => {
    const { grader, judge, feed } = await graderFor(THREE_PROMPTS)
    await feed(() => 'Paris.')
    await grader.gradeAcrossOutputs()
    const [asked] = judge.unanswered()
    expect(asked.custom_id).toBe(judgeCustomId(asked.params))
    await grader.gradeAcrossOutputs()
    expect(judge.unanswered()).toHaveLength(1)
  })
})

describe('select-best and max-score beside a model-graded assertion', () => {
  it("need one judge batch: max-score waits for the rubric's answers, select-best is asked at once", async () => {
    const { grader, judge, feed } = await graderFor(`
prompts: ['{{q}}', 'Briefly: {{q}}']
providers: [anthropic:messages:claude-haiku-4-5]
tests:
  - id: greet
    vars: {q: 'Greet me'}
    assert:
      - {type: llm-rubric, value: is friendly}
      - {type: max-score}
      - {type: select-best, value: the warmest}
`)
    await feed(({ evalCase }) => (evalCase.id.endsWith('[prompt 1]') ? 'Hello there, friend!' : 'Hi.'))
    await grader.gradeAcrossOutputs()
    expect(grader.awaitsJudge).toBe(true)
    const asked = judge.unanswered()
    const selectBest = asked.filter(({ params }) => String(params.system).includes('judge: select-best'))
    expect(selectBest).toHaveLength(1)
    expect(asked).toHaveLength(3)
    for (const { custom_id, params } of asked) {
      const content = params.messages[0].content as string
      const reply =
        params === selectBest[0].params
          ? '{"best": 1, "reason": "calls me friend"}'
          : `{"reason": "ok", "pass": true, "score": ${content.includes('friend!') ? 1 : 0.5}}`
      await judge.add({ custom_id, result: succeeded(reply) })
    }
    judge.close()
    await grader.regradeWithJudge()
    expect(grader.awaitsJudge).toBe(false)
    const [warm, curt] = whole((await grader.finish()).outcomes)
    expect(warm.status).toBe('passed')
    expect(warm.assertions.map((a) => [a.type, a.pass])).toEqual([
      ['llm-rubric', true],
      ['max-score', true],
      ['select-best', true],
    ])
    expect(curt).toMatchObject({
      status: 'failed',
      score: 0,
      reason:
        "max-score: not chosen: average of the other assertions' scores 0.500, against 1.000 for greet [prompt 1]",
    })
  })
})

describe('max-score through the grading pipeline', () => {
  const suite = (value: string) => `
prompts: ['{{q}}', 'Briefly: {{q}}']
providers: [anthropic:messages:claude-haiku-4-5]
tests:
  - id: fruit
    vars: {q: 'Name fruits'}
    assert:
      - type: icontains
        value: apple
      - type: icontains
        value: pear
      - type: not-icontains
        value: potato
      - type: max-score
${value}
`
  const replies = ['apple, potato', 'apple, pear']

  it('passes the output whose other assertions score highest, with no judge', async () => {
    const { grader, judge, feed } = await graderFor(suite(''))
    let n = 0
    await feed(() => replies[n++])
    await grader.gradeAcrossOutputs()
    expect(grader.awaitsJudge).toBe(false)
    expect(judge.unanswered()).toEqual([])
    const [first, second] = whole((await grader.finish()).outcomes)
    expect(second.status).toBe('passed')
    expect(second.assertions[3]).toMatchObject({
      type: 'max-score',
      pass: true,
      reason: "chosen: the highest average of the other assertions' scores of 2 outputs, 1.000",
    })
    expect(first).toMatchObject({
      status: 'failed',
      reason: 'icontains: expected output to contain (ignoring case) "pear" (and 1 more failed)',
    })
    expect(first.assertions[3]).toMatchObject({
      pass: false,
      score: 0,
      reason: "not chosen: average of the other assertions' scores 0.333, against 1.000 for fruit [prompt 2]",
    })
  })

  it('weighs assertion types, sums, and holds the winner to a threshold', async () => {
    const { grader, feed } = await graderFor(
      suite('        value: {method: sum, weights: {not-icontains: 3}, threshold: 5.5}'),
    )
    let n = 0
    await feed(() => replies[n++])
    const [first, second] = whole((await grader.finish()).outcomes)
    expect(first.assertions[3]).toMatchObject({
      pass: false,
      reason:
        "not chosen: no output reaches threshold 5.5; the highest sum of the other assertions' scores, 5.000, is fruit [prompt 2]'s",
    })
    expect(second.assertions[3]).toMatchObject({
      pass: false,
      reason: "not chosen: the highest sum of the other assertions' scores, 5.000, is below threshold 5.5",
    })
  })
})
