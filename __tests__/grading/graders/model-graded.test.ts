import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages/messages'
import {
  compileAssertion,
  DEFAULT_JUDGE_MAX_TOKENS,
  DEFAULT_JUDGE_MODEL,
  DEFAULT_JUDGE_PROMPTS,
  gradeTest,
  judgeTypeOf,
  type Judge,
  type JudgeAnswer,
  type JudgeType,
} from '../../../src/grading/graders/index.js'
import { parseProviderOverride } from '../../../src/suite/providers.js'
import { loadRun, write } from '../../suite/suite-workspace.js'
import { BASE_DIR, compileError, grade, gradeAll, gradingInput, io, tempDir } from './fixtures.js'

/** A first-pass judge: records what it is asked and answers pending. */
function recordingJudge(): Judge & { asked: MessageCreateParamsNonStreaming[] } {
  const asked: MessageCreateParamsNonStreaming[] = []
  return {
    asked,
    answer(params) {
      asked.push(params)
      return { state: 'pending' }
    },
  }
}

/** A second-pass judge that gives every request the same answer (a string is an answered reply). */
function answering(answer: string | JudgeAnswer): Judge & { asked: MessageCreateParamsNonStreaming[] } {
  const asked: MessageCreateParamsNonStreaming[] = []
  return {
    asked,
    answer(params) {
      asked.push(params)
      return typeof answer === 'string' ? { state: 'answered', text: answer } : answer
    },
  }
}

const OUTPUT = 'The capital of France is Paris.'

async function judged(raw: Record<string, unknown>, reply: string | JudgeAnswer, output = OUTPUT) {
  return grade(raw, output, { judge: answering(reply) })
}

async function askedFor(raw: Record<string, unknown>, output = OUTPUT, vars?: Record<string, unknown>) {
  const judge = recordingJudge()
  await grade(raw, output, { judge, ...(vars && { vars }) })
  return judge.asked
}

const userText = (params: MessageCreateParamsNonStreaming) => params.messages[0].content as string

describe('judge requests', () => {
  it('are asked with the default judge model and prompt, holding the output, rubric and prompt', async () => {
    const [params, ...more] = await askedFor({ type: 'llm-rubric', value: 'names the capital' })
    expect(more).toEqual([])
    expect(params).toEqual({
      model: DEFAULT_JUDGE_MODEL,
      max_tokens: DEFAULT_JUDGE_MAX_TOKENS,
      system: DEFAULT_JUDGE_PROMPTS['llm-rubric'].system,
      messages: [
        { role: 'user', content: `<Output>\n${OUTPUT}\n</Output>\n<Rubric>\nnames the capital\n</Rubric>` },
      ],
    })
    expect(DEFAULT_JUDGE_MODEL).toBe('claude-sonnet-4-6')
    expect(params).not.toHaveProperty('temperature')
    const closedqa = userText((await askedFor({ type: 'model-graded-closedqa', value: 'is short' }))[0])
    expect(closedqa).toContain('[Task]: What is the capital of France?')
    expect(closedqa).toContain(`[Submission]: ${OUTPUT}`)
    expect(closedqa).toContain('[Criterion]: is short')
  })

  it('are the same params every time the same output of the same test is graded', async () => {
    for (const raw of [
      { type: 'llm-rubric', value: 'names the capital', threshold: 0.5 },
      { type: 'factuality', value: 'Paris is the capital of France' },
      { type: 'g-eval', value: ['is concise', 'is correct'] },
      { type: 'not-answer-relevance', rubricPrompt: [{ role: 'user', content: '{{output}} / {{city}}' }] },
    ]) {
      const first = await askedFor(raw)
      const second = await askedFor(raw)
      expect(first.length).toBeGreaterThan(0)
      expect(JSON.stringify(second)).toBe(JSON.stringify(first))
      expect(await askedFor(raw, 'Lyon')).not.toEqual(first)
    }
  })

  it('mark each default prompt with its type, and a custom prompt with none', async () => {
    const types: [string, JudgeType][] = [
      ['llm-rubric', 'llm-rubric'],
      ['model-graded-closedqa', 'model-graded-closedqa'],
      ['factuality', 'factuality'],
      ['model-graded-factuality', 'factuality'],
      ['g-eval', 'g-eval'],
    ]
    for (const [type, judgeType] of types) {
      const [params] = await askedFor({ type, value: 'x' })
      expect(judgeTypeOf(params)).toBe(judgeType)
      expect((params.system as string).split('\n')[0]).toBe(
        `You are grading an AI model's output for an automated evaluation (claude-batch-evals judge: ${judgeType}).`,
      )
    }
    expect(judgeTypeOf((await askedFor({ type: 'answer-relevance' }))[0])).toBe('answer-relevance')
    expect(
      judgeTypeOf({ system: [{ type: 'text', text: DEFAULT_JUDGE_PROMPTS['g-eval'].system as string }] }),
    ).toBe('g-eval')
    expect(judgeTypeOf({ system: 'You are a judge (claude-batch-evals judge: pi).' })).toBeUndefined()
    expect(judgeTypeOf({})).toBeUndefined()
    const [custom] = await askedFor({ type: 'llm-rubric', value: 'x', rubricPrompt: 'Grade {{output}}' })
    expect(judgeTypeOf(custom)).toBeUndefined()
  })

  it('take the judge model and max_tokens from the provider', async () => {
    const [byId] = await askedFor({
      type: 'llm-rubric',
      value: 'x',
      provider: 'anthropic:messages:claude-haiku-4-5',
    })
    expect(byId).toMatchObject({ model: 'claude-haiku-4-5', max_tokens: DEFAULT_JUDGE_MAX_TOKENS })
    const [byObject] = await askedFor({
      type: 'g-eval',
      value: 'x',
      provider: { id: 'anthropic:claude-opus-4-1', label: 'judge', config: { max_tokens: 300 } },
    })
    expect(byObject).toMatchObject({ model: 'claude-opus-4-1', max_tokens: 300 })
  })

  it('render a rubricPrompt: messages with the output, the value, the prompt and the vars; system ones as system', async () => {
    const rubricPrompt = [
      { role: 'system', content: 'Judge strictly.' },
      { role: 'user', content: 'Q: {{ input }}\nA: {{ output }}\nC: {{ rubric }} in {{ city }}' },
      { role: 'assistant', content: '{' },
    ]
    const [params] = await askedFor({ type: 'llm-rubric', value: 'is right', rubricPrompt }, OUTPUT, {
      city: 'Lyon',
      output: 'not this',
    })
    expect(params).toEqual({
      model: DEFAULT_JUDGE_MODEL,
      max_tokens: DEFAULT_JUDGE_MAX_TOKENS,
      system: 'Judge strictly.',
      messages: [
        { role: 'user', content: `Q: What is the capital of France?\nA: ${OUTPUT}\nC: is right in Lyon` },
        { role: 'assistant', content: '{' },
      ],
    })
  })

  it('take a rubricPrompt as text, as a JSON string, or from a file', async () => {
    const [text] = await askedFor({
      type: 'model-graded-closedqa',
      value: 'c',
      rubricPrompt: '{{criteria}}: {{completion}}',
    })
    expect(text).toEqual({
      model: DEFAULT_JUDGE_MODEL,
      max_tokens: DEFAULT_JUDGE_MAX_TOKENS,
      messages: [{ role: 'user', content: `c: ${OUTPUT}` }],
    })
    const json = JSON.stringify([
      { role: 'system', content: 'S' },
      { role: 'user', content: 'Expert: {{ideal}}\nSubmitted: {{output}}' },
    ])
    const [fromJson] = await askedFor({ type: 'factuality', value: 'Paris', rubricPrompt: json })
    expect(fromJson).toMatchObject({
      system: 'S',
      messages: [{ role: 'user', content: `Expert: Paris\nSubmitted: ${OUTPUT}` }],
    })
    const dir = tempDir({
      'judge.yaml': '- role: user\n  content: "Rate {{ output }} out of {{ maxScore }}"\n',
    })
    const judge = recordingJudge()
    await grade({ type: 'g-eval', value: 'x', rubricPrompt: 'file://judge.yaml' }, OUTPUT, { judge }, dir)
    expect(judge.asked).toEqual([
      {
        model: DEFAULT_JUDGE_MODEL,
        max_tokens: DEFAULT_JUDGE_MAX_TOKENS,
        messages: [{ role: 'user', content: `Rate ${OUTPUT} out of 10` }],
      },
    ])
  })

  it('ask answer-relevance about the query var, or else the prompt', async () => {
    expect(userText((await askedFor({ type: 'answer-relevance' }))[0])).toContain(
      '<question>\nWhat is the capital of France?\n</question>',
    )
    const [withQuery] = await askedFor({ type: 'answer-relevance' }, OUTPUT, { query: 'Capital of France?' })
    expect(userText(withQuery)).toContain('<question>\nCapital of France?\n</question>')
  })

  it('ask once per g-eval criterion', async () => {
    const asked = await askedFor({ type: 'g-eval', value: ['is concise', 'is correct'] })
    expect(asked.map((params) => userText(params).split('\n')[1])).toEqual(['is concise', 'is correct'])
  })
})

describe('compiling model-graded assertions', () => {
  it('refuses a provider that is not an Anthropic model, saying what to write', async () => {
    expect(await compileError({ type: 'llm-rubric', value: 'x', provider: 'openai:gpt-4o' })).toEqual({
      key: 'provider',
      path: ['provider'],
      message:
        "llm-rubric: the judge's provider 'openai:gpt-4o' cannot run in an Anthropic Message Batch; use anthropic:messages:<model> (for example anthropic:messages:claude-sonnet-4-5), or run other providers with promptfoo itself",
    })
    expect(
      (await compileError({ type: 'g-eval', value: 'x', provider: { id: 'vertex:gemini' } })).message,
    ).toMatch(
      /provider 'vertex:gemini' cannot run in an Anthropic Message Batch; use anthropic:messages:<model>/,
    )
  })

  it.each([
    [42, "llm-rubric: 'provider' is the judge model: anthropic:messages:<model>"],
    [{ config: {} }, "llm-rubric: 'provider' is the judge model"],
    [{ id: 'anthropic:claude-haiku-4-5', text: {} }, "llm-rubric: unknown key 'text' in 'provider'"],
    [{ id: 'anthropic:claude-haiku-4-5', config: 'x' }, "llm-rubric: the judge's 'config' is a mapping"],
    [
      { id: 'anthropic:claude-haiku-4-5', config: { temperature: 0 } },
      "llm-rubric: the judge's temperature is refused",
    ],
    [{ id: 'anthropic:claude-haiku-4-5', config: { top_k: 5 } }, "llm-rubric: the judge's top_k is refused"],
    [
      { id: 'anthropic:claude-haiku-4-5', config: { system: 'x' } },
      "llm-rubric: the judge's config takes only max_tokens; remove 'system'",
    ],
    [
      { id: 'anthropic:claude-haiku-4-5', config: { max_tokens: 0 } },
      "llm-rubric: the judge's max_tokens is a whole number, 1 or more",
    ],
  ])('refuses provider %j', async (provider, message) => {
    const error = await compileError({ type: 'llm-rubric', value: 'x', provider })
    expect(error.key).toBe('provider')
    expect(error.message.startsWith(message)).toBe(true)
  })

  it.each([
    [{}, [], "'rubricPrompt' is {}"],
    ['', [], "'rubricPrompt' is empty"],
    ['[{"role": "user", "content": }]', [], "'rubricPrompt' starts with [ but is not a JSON list"],
    [[{ role: 'tool', content: 'x' }], [0, 'role'], 'message 1 of \'rubricPrompt\' has role "tool"'],
    [[{ role: 'user', content: '' }], [0, 'content'], "message 1 of 'rubricPrompt' needs a 'content'"],
    [
      [{ role: 'user', content: 'x', name: 'n' }],
      [0, 'name'],
      "message 1 of 'rubricPrompt' has an unknown key 'name'",
    ],
    [['x'], [0], "message 1 of 'rubricPrompt' is not a {role, content} mapping"],
    [[{ role: 'system', content: 'x' }], [], 'must start with a user message'],
    [
      [
        { role: 'assistant', content: 'x' },
        { role: 'user', content: 'y' },
      ],
      [],
      'must start with a user message',
    ],
  ])('refuses rubricPrompt %j', async (rubricPrompt, path, message) => {
    const error = await compileError({ type: 'llm-rubric', value: 'x', rubricPrompt })
    expect(error.key).toBe('rubricPrompt')
    expect(error.path).toEqual(['rubricPrompt', ...path])
    expect(error.message).toContain(message)
    expect(error.message).toContain(
      "'rubricPrompt' is the judge's prompt: a string (one user message), or a list",
    )
  })

  it('refuses a rubricPrompt template that reaches for code, before anything is billed', async () => {
    for (const rubricPrompt of [
      '{{ range.constructor("return process.env")() }}',
      [
        { role: 'system', content: '{{ __proto__ }}' },
        { role: 'user', content: 'Grade {{ output }}' },
      ],
    ]) {
      expect(await compileError({ type: 'llm-rubric', value: 'x', rubricPrompt })).toMatchObject({
        key: 'rubricPrompt',
        message: expect.stringMatching(/^llm-rubric: 'rubricPrompt': .*leads to JavaScript code, not data/),
      })
    }
  })

  it("refuses g-eval's two-prompt form, and a missing rubricPrompt file", async () => {
    expect(
      (await compileError({ type: 'g-eval', value: 'x', rubricPrompt: { steps: 'a', evaluate: 'b' } }))
        .message,
    ).toContain("g-eval's {steps, evaluate} prompts do not apply here")
    expect(
      await compileError({ type: 'g-eval', value: 'x', rubricPrompt: 'file://missing.txt' }),
    ).toMatchObject({
      key: 'rubricPrompt',
      message: expect.stringMatching(/^cannot read .*missing\.txt: no such file$/),
    })
  })

  it('checks the values, thresholds and config of each type', async () => {
    expect(await compileError({ type: 'llm-rubric' })).toMatchObject({
      key: 'value',
      message:
        "llm-rubric needs a 'value' (the rubric the judge model checks the output for), or a 'rubricPrompt' that holds the criteria",
    })
    expect((await compileError({ type: 'answer-relevance', value: 'x' })).key).toBe('value')
    expect((await compileError({ type: 'g-eval', value: [] })).message).toContain(
      "has an empty list in 'value'",
    )
    expect((await compileError({ type: 'g-eval', value: 'x', threshold: 7 })).key).toBe('threshold')
    // factuality passes by its categories: a threshold is dropped with a warning, as promptfoo ignores it.
    const warnings: unknown[] = []
    const factuality = { type: 'factuality', value: 'x', threshold: 0.5 }
    expect(
      (await compileAssertion(factuality, BASE_DIR, io, (w) => warnings.push(w))).threshold,
    ).toBeUndefined()
    expect(warnings).toEqual([{ kind: 'ignored-threshold', type: 'factuality', path: ['threshold'] }])
    expect((await compileError({ type: 'llm-rubric', value: 'x', config: {} })).key).toBe('config')
    expect(await compileError({ type: 'factuality', value: 'x', config: { disagre: 0 } })).toMatchObject({
      key: 'config',
      message:
        "unknown key 'disagre' in 'config'; factuality's 'config' scores the categories, each between 0 and 1 (0 fails it): subset, superset, agree, disagree, differButFactual",
    })
    expect((await compileError({ type: 'factuality', value: 'x', config: { subset: 2 } })).key).toBe('config')
    expect((await compileError({ type: 'llm-rubric', value: 'x', rubricPromt: 'y' })).message).toContain(
      "(did you mean 'rubricPrompt'?)",
    )
  })
})

describe('llm-rubric', () => {
  const rubric = { type: 'llm-rubric', value: 'names the capital' }

  it('passes and fails as the judge says, with its score and reason', async () => {
    expect(await judged(rubric, '{"reason": "names Paris", "pass": true, "score": 0.9}')).toMatchObject({
      pass: true,
      score: 0.9,
      reason: 'the judge finds the rubric met (score 0.90): names Paris',
      judge: { model: DEFAULT_JUDGE_MODEL, reply: '{"reason": "names Paris", "pass": true, "score": 0.9}' },
    })
    expect(await judged(rubric, '{"reason": "no city", "pass": false}')).toMatchObject({
      pass: false,
      score: 0,
      reason: 'the judge finds the rubric not met (score 0.00): no city',
    })
    expect((await judged(rubric, '{"reason": "ok", "pass": true}')).score).toBe(1)
  })

  it('takes a reply without pass as passing, as promptfoo does, leaving a threshold to judge the score', async () => {
    expect(await judged(rubric, '{"reason": "names Paris", "score": 0}')).toMatchObject({
      pass: true,
      score: 0,
      reason: 'the judge gives no pass or fail, so the rubric counts as met (score 0.00): names Paris',
    })
    expect(await judged(rubric, '{"reason": "names Paris"}')).toMatchObject({ pass: true, score: 1 })
    // promptfoo's advice for a 0/1 rubric: a threshold.
    const binary = { ...rubric, threshold: 1 }
    expect(await judged(binary, '{"reason": "no city", "score": 0}')).toMatchObject({
      pass: false,
      score: 0,
      reason:
        'the judge gives no pass or fail, so the rubric counts as met (score 0.00 < threshold 1): no city',
    })
    expect((await judged(binary, '{"reason": "names Paris", "score": 1}')).pass).toBe(true)
    const negated = await judged({ ...rubric, type: 'not-llm-rubric' }, '{"reason": "names Paris"}')
    expect(negated).toMatchObject({ pass: false, score: 0 })
    expect(negated).not.toHaveProperty('errored')
  })

  it('takes no value when its rubricPrompt holds the criteria, as promptfoo does, rendering the rubric empty', async () => {
    const raw = {
      type: 'llm-rubric',
      rubricPrompt: 'Is {{ output }} about {{ city }}? Rubric: "{{ rubric }}"',
    }
    const [params] = await askedFor(raw)
    expect(params.messages).toEqual([{ role: 'user', content: `Is ${OUTPUT} about Paris? Rubric: ""` }])
    expect(await judged(raw, '{"reason": "about Paris", "pass": false, "score": 0.2}')).toMatchObject({
      pass: false,
      score: 0.2,
      reason: 'the judge finds the rubric not met (score 0.20): about Paris',
    })
  })

  it('takes the one JSON object of a reply, fenced or in prose', async () => {
    const fenced = 'Here is my grade:\n```json\n{"reason": "ok", "pass": true, "score": 1}\n```\nDone.'
    expect((await judged(rubric, fenced)).pass).toBe(true)
  })

  it('needs pass and the score to reach a threshold', async () => {
    const withThreshold = { ...rubric, threshold: 0.8 }
    expect(await judged(withThreshold, '{"reason": "r", "pass": true, "score": 0.6}')).toMatchObject({
      pass: false,
      score: 0.6,
      reason: 'the judge finds the rubric met (score 0.60 < threshold 0.8): r',
    })
    expect((await judged(withThreshold, '{"reason": "r", "pass": true, "score": 0.8}')).pass).toBe(true)
    expect((await judged(withThreshold, '{"reason": "r", "pass": false, "score": 0.9}')).pass).toBe(false)
  })

  it.each([
    ['It passes.', 'holds no JSON object'],
    ['{"reason": "a", "pass": true} or {"reason": "b", "pass": false}', 'holds 2 JSON objects, not one'],
    ['{"reason": "r", "pass": "yes"}', 'has "pass": "yes", not true or false'],
    ['{"reason": "r", "pass": null}', 'has "pass": null, not true or false'],
    ['{"pass": true}', 'has no "reason"'],
    ['{"reason": "r", "pass": true, "score": 7}', 'has "score": 7, not a number 0..1'],
  ])('is errored, in both forms, for the reply %j', async (reply, detail) => {
    for (const type of ['llm-rubric', 'not-llm-rubric']) {
      const result = await judged({ type, value: 'x' }, reply)
      expect(result).toMatchObject({ pass: false, score: 0, judge: { reply } })
      expect(result.reason).toBe(
        `the judge's reply ${detail}; expected one JSON object {"reason": string, "pass": boolean (optional, default true), "score": number 0..1 (optional)}; it starts ${JSON.stringify(reply)}`,
      )
    }
  })

  it('quotes only the start of a long unparseable reply', async () => {
    const reply = `I think ${'so '.repeat(100)}`
    expect((await judged(rubric, reply)).reason).toMatch(/it starts "I think so so .{60,}…"$/)
  })

  it('inverts pass and score in its not- form', async () => {
    expect(
      await judged(
        { type: 'not-llm-rubric', value: 'apologises' },
        '{"reason": "no apology", "pass": false, "score": 0.2}',
      ),
    ).toMatchObject({
      pass: true,
      score: 0.8,
      reason: 'the judge finds the rubric not met (score 0.20): no apology',
    })
    expect(
      (await judged({ type: 'not-llm-rubric', value: 'apologises' }, '{"reason": "sorry", "pass": true}'))
        .pass,
    ).toBe(false)
  })
})

describe('model-graded-closedqa', () => {
  const criterion = { type: 'model-graded-closedqa', value: 'names a city' }

  it('reads the final Y or N line, after the reasoning', async () => {
    expect(await judged(criterion, 'The answer names Paris.\nIt is a city.\nY')).toMatchObject({
      pass: true,
      score: 1,
      reason: 'the judge finds the criterion met: The answer names Paris. It is a city.',
    })
    expect(await judged(criterion, 'No city is named.\nN\nN\n')).toMatchObject({
      pass: false,
      score: 0,
      reason: 'the judge finds the criterion not met: No city is named.',
    })
    expect((await judged({ ...criterion, type: 'not-model-graded-closedqa' }, 'No city.\nN')).pass).toBe(true)
  })

  it.each([
    ['Yes, it does.', 'ends with "Yes, it does.", not a line Y or N'],
    ['Reasoning.\nY.', 'ends with "Y.", not a line Y or N'],
    ['Reasoning.\nY\nN', 'ends with both Y and N'],
    ['', 'ends with "", not a line Y or N'],
  ])('is errored for the reply %j', async (reply, detail) => {
    for (const type of ['model-graded-closedqa', 'not-model-graded-closedqa']) {
      const result = await judged({ type, value: 'x' }, reply)
      expect(result.pass).toBe(false)
      expect(result.reason).toContain(
        `the judge's reply ${detail}; expected reasoning, then a last line that is only Y or N`,
      )
    }
  })
})

describe('factuality', () => {
  const reference = { type: 'factuality', value: 'Paris is the capital of France' }

  it.each([
    ['A', true, 1],
    ['B', true, 1],
    ['c', true, 1],
    ['D', false, 0],
    ['E', true, 1],
  ])('category %s passes: %s', async (category, pass, score) => {
    const result = await judged(reference, `{"category": "${category}", "reason": "why"}`)
    expect(result).toMatchObject({ pass, score })
    expect(result.reason).toMatch(
      new RegExp(`^the judge finds category ${category.toUpperCase()}, the output .*: why$`),
    )
  })

  it('scores categories as its config says, a 0 failing', async () => {
    const scored = {
      ...reference,
      type: 'model-graded-factuality',
      config: { subset: 0.5, differButFactual: 0 },
    }
    expect(await judged(scored, '{"category": "A", "reason": "r"}')).toMatchObject({ pass: true, score: 0.5 })
    expect(await judged(scored, '{"category": "E", "reason": "r"}')).toMatchObject({ pass: false, score: 0 })
    expect(
      await judged({ ...scored, type: 'not-factuality' }, '{"category": "E", "reason": "r"}'),
    ).toMatchObject({
      pass: true,
      score: 1,
    })
  })

  it.each([
    ['(C) same details', 'holds no JSON object'],
    ['{"category": "F", "reason": "r"}', 'has "category": "F", not a letter A to E'],
    ['{"category": "C"}', 'has no "reason"'],
  ])('is errored for the reply %j', async (reply, detail) => {
    expect((await judged(reference, reply)).reason).toContain(
      `the judge's reply ${detail}; expected one JSON object {"category"`,
    )
  })
})

describe('g-eval', () => {
  const criteria = { type: 'g-eval', value: 'is concise' }
  const reply = (score: number) => JSON.stringify({ steps: ['Count words'], score, reason: 'short' })

  it('normalises the 0-10 score and passes at 0.7 by default', async () => {
    expect(await judged(criteria, reply(7))).toMatchObject({
      pass: true,
      score: 0.7,
      reason: 'the judge gives score 0.70 >= threshold 0.7: short',
    })
    expect(await judged(criteria, reply(6))).toMatchObject({ pass: false, score: 0.6 })
    expect((await judged({ ...criteria, threshold: 0.5 }, reply(6))).pass).toBe(true)
    expect(await judged({ ...criteria, type: 'not-g-eval' }, reply(2))).toMatchObject({
      pass: true,
      score: 0.8,
    })
  })

  it('averages the scores of several criteria', async () => {
    let n = 0
    const judge: Judge = {
      answer: () => ({ state: 'answered', text: reply([10, 4][n++]) }),
    }
    const result = await grade({ type: 'g-eval', value: ['is concise', 'is formal'] }, OUTPUT, { judge })
    expect(result).toMatchObject({ pass: true, score: 0.7 })
    expect(result.reason).toBe(
      'the judge gives a mean score 0.70 >= threshold 0.7 over 2 criteria: "is concise" 1.00, short; "is formal" 0.40, short',
    )
    expect(result.judge?.reply).toBe(`${reply(10)}\n\n${reply(4)}`)
  })

  it('passes a mean that reaches the threshold but for floating-point rounding', async () => {
    // Three 7s: (0.7 + 0.7 + 0.7) / 3 is 0.6999999999999998 in floating point.
    const result = await judged({ type: 'g-eval', value: ['is concise', 'is formal', 'is kind'] }, reply(7))
    expect(result.pass).toBe(true)
    expect(result.reason).toMatch(/^the judge gives a mean score 0\.70 >= threshold 0\.7 over 3 criteria: /)
  })

  it.each([
    ['{"score": 7, "reason": "r"}', 'has no "steps"'],
    ['{"steps": [], "score": 7, "reason": "r"}', 'has "steps": [], not a list of strings'],
    ['{"steps": ["s"], "score": 11, "reason": "r"}', 'has "score": 11, not a number 0..10'],
    ['{"steps": ["s"], "score": "7", "reason": "r"}', 'has "score": "7", not a number 0..10'],
  ])('is errored for the reply %j', async (text, detail) => {
    expect((await judged(criteria, text)).reason).toContain(
      `the judge's reply ${detail}; expected one JSON object {"steps"`,
    )
  })
})

describe('answer-relevance', () => {
  it('passes when the judged relevance reaches the threshold (default 0.7)', async () => {
    expect(await judged({ type: 'answer-relevance' }, '{"reason": "on topic", "score": 0.9}')).toMatchObject({
      pass: true,
      score: 0.9,
      reason: 'the judge scores the relevance 0.90 >= threshold 0.7: on topic',
    })
    expect((await judged({ type: 'answer-relevance' }, '{"reason": "r", "score": 0.5}')).pass).toBe(false)
    expect(
      (await judged({ type: 'answer-relevance', threshold: 0.4 }, '{"reason": "r", "score": 0.5}')).pass,
    ).toBe(true)
    expect(await judged({ type: 'not-answer-relevance' }, '{"reason": "r", "score": 0.1}')).toMatchObject({
      pass: true,
      score: 0.9,
    })
    expect((await judged({ type: 'answer-relevance' }, '{"reason": "r", "score": 1.5}')).reason).toContain(
      'has "score": 1.5, not a number 0..1',
    )
  })
})

describe('judge answers', () => {
  it('fail both forms when the judge request errored', async () => {
    const errored: JudgeAnswer = {
      state: 'errored',
      message: 'the judge request expired before it was processed',
    }
    for (const type of ['llm-rubric', 'not-llm-rubric']) {
      expect(await judged({ type, value: 'x' }, errored)).toMatchObject({
        pass: false,
        score: 0,
        reason: `the judge (${DEFAULT_JUDGE_MODEL}) gave no answer: the judge request expired before it was processed`,
        judge: { model: DEFAULT_JUDGE_MODEL, reply: null },
      })
    }
  })

  it('fail a model-graded assertion when there is no judge', async () => {
    expect(await grade({ type: 'not-factuality', value: 'x' }, OUTPUT)).toMatchObject({
      pass: false,
      score: 0,
      reason: 'not-factuality needs a judge model, and this grading has none',
    })
  })

  it('fail an assertion whose rubricPrompt uses an unknown name', async () => {
    const result = await judged(
      { type: 'llm-rubric', value: 'x', rubricPrompt: 'Grade {{ answer }}' },
      'unused',
    )
    expect(result.pass).toBe(false)
    expect(result.reason).toMatch(/^'rubricPrompt' does not render: the template uses \{\{ answer \}\}/)
  })

  it('leave the test pending while any assertion awaits the judge, an assert-set one too', async () => {
    const judge = recordingJudge()
    const grade = await gradeAll(
      [
        { type: 'contains', value: 'Paris', metric: 'accuracy' },
        {
          type: 'assert-set',
          assert: [
            { type: 'icontains', value: 'paris' },
            { type: 'g-eval', value: 'is concise' },
          ],
        },
      ],
      OUTPUT,
      { extra: { judge } },
    )
    expect(judge.asked).toHaveLength(1)
    expect(grade).toMatchObject({
      pending: true,
      pass: false,
      metrics: {},
      reason: "awaiting the judge's answer to an assertion",
    })
    expect(grade.results[1].results?.[1]).toMatchObject({
      reason: `awaiting the judge's answer (${DEFAULT_JUDGE_MODEL})`,
      judge: { model: DEFAULT_JUDGE_MODEL, reply: null },
    })
    const twice = await gradeAll(
      [
        { type: 'llm-rubric', value: 'a' },
        { type: 'not-llm-rubric', value: 'b' },
      ],
      OUTPUT,
      { extra: { judge: recordingJudge() } },
    )
    expect(twice).toMatchObject({ pending: true, reason: "awaiting the judge's answer to 2 assertions" })
  })

  it('grade the test once the judge has answered', async () => {
    const grade = await gradeAll(
      [
        { type: 'contains', value: 'Paris' },
        { type: 'assert-set', assert: [{ type: 'llm-rubric', value: 'is concise' }] },
      ],
      OUTPUT,
      { extra: { judge: answering('{"reason": "short", "pass": true, "score": 1}') } },
    )
    expect(grade).toMatchObject({ pending: false, pass: true, score: 1, reason: 'all 2 assertions passed' })
    expect(await gradeAll([{ type: 'contains', value: 'Paris' }], OUTPUT)).toMatchObject({
      pending: false,
      pass: true,
    })
  })
})

describe('a non-Anthropic judge provider, as the loader maps it', () => {
  /** The judge models asked for the loaded suite's one test, whose judge is `provider`. */
  async function judgeModels(provider: string, inputs: Parameters<typeof loadRun>[1]) {
    const files = write({
      'evals/judge.yml': [
        'providers: [anthropic:messages:claude-haiku-4-5]',
        "prompts: ['Say hi']",
        `defaultTest: { options: { provider: ${JSON.stringify(provider)} } }`,
        'tests:',
        "  - assert: [{ type: llm-rubric, value: 'is polite' }]",
      ].join('\n'),
    })
    const { cases } = await loadRun(files, inputs)
    const judge = recordingJudge()
    await gradeTest(cases[0].assertions, gradingInput(OUTPUT, { judge }))
    return judge.asked.map((params) => params.model)
  }

  it('is judged by the model provider-override or the model input maps it to', async () => {
    const override = parseProviderOverride('provider-override', 'openai:gpt-4o=claude-opus-4-1')
    expect(await judgeModels('openai:gpt-4o', { model: undefined, providerOverride: override })).toEqual([
      'claude-opus-4-1',
    ])
    expect(await judgeModels('openai:gpt-4.1-mini', { model: 'claude-haiku-4-5' })).toEqual([
      'claude-haiku-4-5',
    ])
  })

  it('is judged by the default judge when nothing maps it; an Anthropic judge stays', async () => {
    expect(await judgeModels('openai:gpt-4o', { model: undefined })).toEqual([DEFAULT_JUDGE_MODEL])
    expect(
      await judgeModels('anthropic:messages:claude-opus-4-1', {
        model: 'claude-haiku-4-5',
        providerOverride: parseProviderOverride('p', 'claude-haiku-4-5'),
      }),
    ).toEqual(['claude-opus-4-1'])
  })
})
