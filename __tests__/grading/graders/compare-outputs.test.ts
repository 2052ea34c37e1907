/** select-best and max-score: compiling them, and each output's result from the test's outputs together. */
import { BASE_DIR, grade, io } from './fixtures.js'
import {
  compareOutputs,
  compileAssertion,
  needsJudge,
  selectBestRequest,
  type Candidate,
  type Judge,
  type JudgeAnswer,
} from '../../../src/grading/graders/index.js'
import type { AssertionResult, CompiledAssertion } from '../../../src/model.js'
import { standInJudgeReply } from '../../../test-servers/stand-in-judge.js'

const compile = (raw: Record<string, unknown>) => compileAssertion(raw, BASE_DIR, io)

const scored = (type: string, score: number): AssertionResult => ({
  type,
  value: 'x',
  weight: 1,
  pass: score === 1,
  score,
  reason: '',
})

const candidate = (label: string, output: string, ...results: AssertionResult[]): Candidate => ({
  label,
  output,
  results,
})

/** A judge that answers every request with `answer`, and keeps what it was asked. */
function judgeAnswering(answer: JudgeAnswer): Judge & { asked: unknown[] } {
  const asked: unknown[] = []
  return {
    asked,
    answer(params) {
      asked.push(params)
      return answer
    },
  }
}

const reasons = (results: AssertionResult[] | 'pending') =>
  results === 'pending' ? results : results.map((r) => [r.pass, r.reason])

describe('compiling select-best and max-score', () => {
  it.each([
    [{ type: 'select-best' }, "select-best needs a 'value': the criteria the judge model chooses"],
    [{ type: 'not-select-best', value: 'short' }, 'select-best cannot be negated'],
    [{ type: 'not-max-score' }, 'max-score cannot be negated'],
    [{ type: 'max-score', value: 'average' }, 'max-score has value "average"'],
    [{ type: 'max-score', value: { method: 'median' } }, 'max-score has method "median"'],
    [{ type: 'max-score', value: { weights: { contains: -1 } } }, 'max-score weighs contains -1'],
    [{ type: 'max-score', value: { threshold: '1' } }, 'max-score has threshold "1"'],
    [{ type: 'max-score', value: { top: 1 } }, "max-score has an unknown option 'top'"],
    [
      { type: 'select-best', value: 'short', transform: 'output.trim()' },
      "select-best does not read the output text (it looks at the test's outputs side by side)",
    ],
  ])('refuses %j before anything is billed', async (raw, message) => {
    await expect(compile(raw)).rejects.toThrow(message)
  })

  it('is an errored grade inside an assert-set, which compares nothing', async () => {
    const result = await grade(
      { type: 'assert-set', assert: [{ type: 'select-best', value: 'short' }] },
      'Hi.',
    )
    expect(result.results?.[0]).toMatchObject({
      pass: false,
      errored: true,
      reason:
        "select-best compares the test's outputs with one another: list it in the test's assert, not in an assert-set",
    })
  })
})

describe('the judge they need', () => {
  it('is counted for select-best, which asks one, and not for max-score, which does not', async () => {
    expect(needsJudge([await compile({ type: 'select-best', value: 'short' })])).toBe(true)
    expect(needsJudge([await compile({ type: 'max-score' })])).toBe(false)
  })
})

describe('max-score', () => {
  let assertion: CompiledAssertion
  beforeAll(async () => {
    assertion = await compile({ type: 'max-score' })
  })

  it('chooses the first of equal highest averages, as promptfoo does', () => {
    const results = compareOutputs(
      assertion,
      [
        candidate('a', '', scored('contains', 0), scored('regex', 1)),
        candidate('b', '', scored('contains', 1), scored('regex', 0)),
        candidate('c', '', scored('contains', 0), scored('regex', 0)),
      ],
      0,
      undefined,
    )
    expect(reasons(results)).toEqual([
      [true, "chosen: the highest average of the other assertions' scores of 3 outputs, 0.500"],
      [
        false,
        "not chosen: average of the other assertions' scores 0.500, against 0.500 for a, which comes first",
      ],
      [false, "not chosen: average of the other assertions' scores 0.000, against 0.500 for a"],
    ])
    expect(results !== 'pending' && results.map((r) => r.score)).toEqual([1, 0, 0])
  })

  it('weighs by assertion type as written', async () => {
    const weighted = await compile({ type: 'max-score', value: { weights: { 'not-contains': 0 } } })
    const results = compareOutputs(
      weighted,
      [
        candidate('a', '', scored('contains', 0), scored('not-contains', 1)),
        candidate('b', '', scored('contains', 1), scored('not-contains', 0)),
      ],
      0,
      undefined,
    )
    expect(reasons(results)).toEqual([
      [false, "not chosen: average of the other assertions' scores 0.000, against 1.000 for b"],
      [true, "chosen: the highest average of the other assertions' scores of 2 outputs, 1.000"],
    ])
  })

  it('is an errored grade without other assertions to take scores from', () => {
    const results = compareOutputs(assertion, [candidate('a', ''), candidate('b', '')], 0, undefined)
    expect(results).toEqual([
      expect.objectContaining({
        pass: false,
        errored: true,
        reason: expect.stringMatching(/^max-score needs other/),
      }),
      expect.objectContaining({ pass: false, errored: true }),
    ])
  })

  it('keeps the metric it is given', async () => {
    const named = await compile({ type: 'max-score', metric: 'best' })
    const results = compareOutputs(
      named,
      [candidate('a', '', scored('contains', 1)), candidate('b', '', scored('contains', 0))],
      0,
      undefined,
    )
    expect(results).toEqual([
      expect.objectContaining({ type: 'max-score', metric: 'best', pass: true, score: 1 }),
      expect.objectContaining({ metric: 'best', pass: false, score: 0 }),
    ])
  })
})

describe('select-best', () => {
  let assertion: CompiledAssertion
  beforeAll(async () => {
    assertion = await compile({ type: 'select-best', value: 'the most polite' })
  })
  const two = [candidate('t [a]', 'Go away.'), candidate('t [b]', 'Happy to help!')]

  it('asks for the outputs numbered from 1, and waits for the answer', () => {
    const judge = judgeAnswering({ state: 'pending' })
    expect(compareOutputs(assertion, two, 0, judge)).toBe('pending')
    expect(judge.asked).toEqual([selectBestRequest('the most polite', ['Go away.', 'Happy to help!'])])
    const request = selectBestRequest('the most polite', ['Go away.', 'Happy to help!'])
    expect(request.system).toMatch(/\(claude-batch-evals judge: select-best\)\.\n/)
    expect(request.messages[0].content).toBe(
      '<criteria>\nthe most polite\n</criteria>\n\n2 outputs:\n\n' +
        '<output number="1">\nGo away.\n</output>\n\n<output number="2">\nHappy to help!\n</output>',
    )
  })

  it('passes the chosen output and fails the others, each with the judge and its reply', () => {
    const reply = 'Here: {"best": 2, "reason": "it offers help"}'
    const results = compareOutputs(assertion, two, 0, judgeAnswering({ state: 'answered', text: reply }))
    expect(reasons(results)).toEqual([
      [false, 'not chosen: the judge (claude-sonnet-4-6) chose output 2 of 2, t [b]: it offers help'],
      [true, 'chosen by the judge (claude-sonnet-4-6), output 2 of 2: it offers help'],
    ])
    expect(results !== 'pending' && results.map((r) => r.judge)).toEqual([
      { model: 'claude-sonnet-4-6', reply },
      { model: 'claude-sonnet-4-6', reply },
    ])
  })

  it.each([
    ['2', 'holds no JSON object'],
    ['{"best": 1, "reason": "a"} {"best": 2, "reason": "b"}', 'holds 2 JSON objects, not one'],
    ['{"best": 0, "reason": "none"}', 'has "best": 0, not a whole number 1..2'],
    ['{"best": 1.5, "reason": "both"}', 'has "best": 1.5, not a whole number 1..2'],
    ['{"best": 1}', 'has no "reason"'],
  ])('is an errored grade for every output when the reply is %j', (reply, why) => {
    const results = compareOutputs(assertion, two, 0, judgeAnswering({ state: 'answered', text: reply }))
    expect(results).toHaveLength(2)
    for (const result of results as AssertionResult[]) {
      expect(result).toMatchObject({ pass: false, score: 0, errored: true })
      expect(result.reason).toContain(
        `the judge's reply ${why}; expected one JSON object {"best": number 1..2`,
      )
    }
  })

  it('is an errored grade when the judge request failed, or there is no judge', () => {
    const failed = compareOutputs(
      assertion,
      two,
      0,
      judgeAnswering({ state: 'errored', message: 'it expired' }),
    )
    expect(reasons(failed)).toEqual([
      [false, 'the judge (claude-sonnet-4-6) gave no answer: it expired'],
      [false, 'the judge (claude-sonnet-4-6) gave no answer: it expired'],
    ])
    expect(reasons(compareOutputs(assertion, two, 0, undefined))).toEqual([
      [false, 'select-best needs a judge model, and this grading has none'],
      [false, 'select-best needs a judge model, and this grading has none'],
    ])
  })

  it("is answered by the emulator's stand-in judge in its reply format, or garbled on request", async () => {
    const standIn = (criteria: string, outputs: string[]) => {
      const params = selectBestRequest(criteria, outputs)
      const reply = standInJudgeReply(params, params.messages[0].content as string) as string
      return compareOutputs(
        assertion,
        outputs.map((output, i) => candidate(`t [${i + 1}]`, output)),
        0,
        judgeAnswering({ state: 'answered', text: reply }),
      ) as AssertionResult[]
    }
    expect(standIn('"Paris"', ['Lyon.', 'Paris.', 'Paris!']).map((r) => r.pass)).toEqual([false, true, false])
    expect(standIn('[garbled]', ['Lyon.', 'Paris.'])[0]).toMatchObject({ errored: true })
  })

  it('asks nothing for a test with one output, and says why it has no grade', () => {
    const judge = judgeAnswering({ state: 'pending' })
    expect(reasons(compareOutputs(assertion, [two[0]], 1, judge))).toEqual([
      [
        false,
        "select-best compares a test's outputs, and this test has one to compare; its other output is missing: " +
          'cross the test with several prompts or providers (promptfoo stops with an error on a test with one output)',
      ],
    ])
    expect(judge.asked).toEqual([])
  })
})
