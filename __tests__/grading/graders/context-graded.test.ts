import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages/messages'
import { DEFAULT_JUDGE_PROMPTS, judgeTypeOf } from '../../../src/grading/graders/index.js'
import { contextUnits } from '../../../src/grading/graders/context-graded.js'
import { standInJudgeReply } from '../../../test-servers/stand-in-judge.js'
import { compileError, grade, scriptedJudge, tempDir } from './fixtures.js'

const OUTPUT = 'Paris is the capital of France. It has 40 million residents.'
const CONTEXT = 'Paris is the capital and largest city of France.'
const VARS = { query: 'What is the capital of France?', context: CONTEXT }

async function judged(
  raw: Record<string, unknown>,
  reply: string | undefined,
  vars: Record<string, unknown> = VARS,
  output = OUTPUT,
  baseDir?: string,
) {
  const judge = scriptedJudge(reply)
  const result = await grade(raw, output, { judge, vars }, baseDir)
  return { result, asked: judge.asked }
}

const userText = (params: MessageCreateParamsNonStreaming) => params.messages[0].content as string

const claims = (...supported: boolean[]) =>
  JSON.stringify({
    claims: supported.map((flag, i) => ({ claim: `claim ${i + 1}`, supported: flag })),
    reason: 'checked each claim',
  })

describe('context-faithfulness', () => {
  it('asks the judge with the query, the context var and the output, under its marked default prompt', async () => {
    const { asked } = await judged({ type: 'context-faithfulness' }, undefined)
    expect(asked).toHaveLength(1)
    expect(judgeTypeOf(asked[0])).toBe('context-faithfulness')
    expect(asked[0].system).toBe(DEFAULT_JUDGE_PROMPTS['context-faithfulness'].system)
    expect(userText(asked[0])).toBe(
      `<question>\n${VARS.query}\n</question>\n\n<context>\n${CONTEXT}\n</context>\n\n<answer>\n${OUTPUT}\n</answer>`,
    )
  })

  it('scores the share of claims the context supports, passing at any score by default as promptfoo', async () => {
    const { result } = await judged({ type: 'context-faithfulness' }, claims(true, false))
    expect(result).toMatchObject({
      pass: true,
      score: 0.5,
      reason:
        'the judge finds 1 of 2 claims supported by the context (faithfulness 0.50 >= threshold 0): checked each claim',
    })
    const strict = await judged({ type: 'context-faithfulness', threshold: 0.9 }, claims(true, false))
    expect(strict.result).toMatchObject({ pass: false, score: 0.5 })
    expect(strict.result.reason).toContain('(faithfulness 0.50 < threshold 0.9)')
    const negated = await judged({ type: 'not-context-faithfulness', threshold: 0.9 }, claims(true, false))
    expect(negated.result).toMatchObject({ pass: true, score: 0.5 })
  })

  it('joins a context given as a list of chunks with blank lines', async () => {
    const { asked } = await judged({ type: 'context-faithfulness' }, undefined, {
      ...VARS,
      context: ['Paris is the capital.', 'France is in Europe.'],
    })
    expect(userText(asked[0])).toContain(
      '<context>\nParis is the capital.\n\nFrance is in Europe.\n</context>',
    )
  })

  it('finds the context in the model text with a contextTransform, given the vars as context', async () => {
    const output = JSON.stringify({ answer: 'Paris.', context: 'Paris is the capital of France.' })
    const { asked } = await judged(
      {
        type: 'context-faithfulness',
        transform: 'JSON.parse(output).answer',
        contextTransform: 'JSON.parse(output).context + " (" + context.vars.query + ")"',
      },
      undefined,
      { query: 'Capital?' },
      output,
    )
    expect(userText(asked[0])).toBe(
      '<question>\nCapital?\n</question>\n\n<context>\nParis is the capital of France. (Capital?)\n</context>\n\n<answer>\nParis.\n</answer>',
    )
    const dir = tempDir({ 'context.mjs': 'export default (output) => [output.slice(0, 5), "chunk two"]\n' })
    const fromFile = await judged(
      { type: 'context-faithfulness', contextTransform: 'file://context.mjs' },
      undefined,
      VARS,
      OUTPUT,
      dir,
    )
    expect(userText(fromFile.asked[0])).toContain('<context>\nParis\n\nchunk two\n</context>')
  })

  it.each([
    [
      {},
      { context: CONTEXT },
      "context-faithfulness needs the test's 'query' var: the question the output answers",
    ],
    [
      {},
      { query: 'Q?' },
      "context-faithfulness needs a context: give the test a 'context' var, or the assertion a contextTransform that finds it in the output",
    ],
    [
      {},
      { query: 'Q?', context: 42 },
      "context-faithfulness needs a context, and the test's 'context' var is 42: give a non-empty string or list of strings",
    ],
    [
      { contextTransform: 'output.length' },
      VARS,
      'contextTransform "output.length" returned 60; it must return the context, a string or a list of strings',
    ],
    [
      { contextTransform: 'null.x' },
      VARS,
      `contextTransform "null.x" threw TypeError: Cannot read properties of null (reading 'x')`,
    ],
    [{ contextTransform: '`  `' }, VARS, 'contextTransform "`  `" returned an empty context'],
  ])(
    'is an errored grade, asking no judge, when %j with vars %j cannot find its inputs',
    async (extra, vars, reason) => {
      for (const type of ['context-faithfulness', 'not-context-faithfulness']) {
        const { result, asked } = await judged({ type, ...extra }, claims(true), vars)
        expect(asked).toEqual([])
        expect(result).toMatchObject({ pass: false, score: 0 })
        expect(result.reason).toBe(reason.replace('context-faithfulness', type))
      }
    },
  )

  it.each([
    ['no claims', '{"claims": [], "reason": "none"}', 'has "claims": [], not a non-empty list'],
    ['a claim without its flag', '{"claims": [{"claim": "x"}], "reason": "r"}', 'has "claims"'],
    ['no reason', '{"claims": [{"claim": "x", "supported": true}]}', 'has no "reason"'],
    ['prose', 'All claims hold.', 'holds no JSON object'],
  ])('is an errored grade for a reply with %s, in both forms', async (_, reply, why) => {
    for (const type of ['context-faithfulness', 'not-context-faithfulness']) {
      const { result } = await judged({ type }, reply)
      expect(result).toMatchObject({ pass: false, score: 0 })
      expect(result.reason).toContain(`the judge's reply ${why}`)
      expect(result.reason).toContain(
        'expected one JSON object {"claims": [{"claim": string, "supported": boolean}',
      )
    }
  })

  it("refuses promptfoo's two-prompt rubricPrompt and a value before anything is billed", async () => {
    expect(
      (await compileError({ type: 'context-faithfulness', rubricPrompt: ['claims: {{answer}}', 'verdicts'] }))
        .message,
    ).toContain("context-faithfulness's two prompts (claims, then verdicts) do not apply here")
    expect((await compileError({ type: 'context-faithfulness', value: 'x' })).key).toBe('value')
    expect((await compileError({ type: 'context-faithfulness', threshold: 2 })).key).toBe('threshold')
    expect((await compileError({ type: 'context-recall', value: 'x', contextTransform: '' })).key).toBe(
      'contextTransform',
    )
    expect(await compileError({ type: 'contains', value: 'x', contextTransform: 'output' })).toMatchObject({
      key: 'contextTransform',
      message:
        "'contextTransform' is read by context-faithfulness, context-recall and context-relevance only; remove it from contains",
    })
  })

  it('renders a custom rubricPrompt with the context names', async () => {
    const rubricPrompt = '{{ question }} | {{ context }} | {{ answer }} | {{ city }}'
    const { asked } = await judged({ type: 'context-faithfulness', rubricPrompt }, undefined, {
      ...VARS,
      city: 'Lyon',
    })
    expect(userText(asked[0])).toBe(`${VARS.query} | ${CONTEXT} | ${OUTPUT} | Lyon`)
    expect(judgeTypeOf(asked[0])).toBeUndefined()
  })
})

describe('context-recall', () => {
  const recall = { type: 'context-recall', value: 'Paris is the capital. It was founded by Romans.' }
  const statements = (...attributed: boolean[]) =>
    JSON.stringify({
      statements: attributed.map((flag, i) => ({ statement: `s${i}`, attributed: flag })),
      reason: 'compared',
    })

  it('asks whether the context holds the value, scoring the share of its statements', async () => {
    const { asked, result } = await judged(recall, statements(true, false, true, true))
    expect(judgeTypeOf(asked[0])).toBe('context-recall')
    expect(userText(asked[0])).toBe(
      `<context>\n${CONTEXT}\n</context>\n\n<reference_answer>\n${recall.value}\n</reference_answer>`,
    )
    expect(result).toMatchObject({
      pass: true,
      score: 0.75,
      reason:
        'the judge finds 3 of 4 statements of the value in the context (recall 0.75 >= threshold 0): compared',
    })
    expect((await judged({ ...recall, threshold: 1 }, statements(true, false))).result.pass).toBe(false)
  })

  it('falls back to the prompt for its context, and needs no query', async () => {
    const { asked } = await judged(recall, undefined, {})
    expect(userText(asked[0])).toContain('<context>\nWhat is the capital of France?\n</context>')
  })

  it('needs a value', async () => {
    expect(await compileError({ type: 'context-recall' })).toMatchObject({ key: 'value' })
  })

  it('is an errored grade for an empty list of statements', async () => {
    const { result } = await judged(recall, '{"statements": [], "reason": "r"}')
    expect(result).toMatchObject({ pass: false, score: 0 })
    expect(result.reason).toContain(`the judge's reply has "statements": [], not a non-empty list`)
  })
})

describe('context-relevance', () => {
  const relevance = { type: 'context-relevance' }
  const needed = (...units: number[]) =>
    JSON.stringify({ needed: units, reason: 'only the first answers it' })

  it('numbers the context units for the judge and scores the share it needs', async () => {
    const context = 'Paris is the capital. France has wine! The Eiffel Tower is in Paris.'
    const { asked, result } = await judged(relevance, needed(1), { ...VARS, context })
    expect(judgeTypeOf(asked[0])).toBe('context-relevance')
    expect(userText(asked[0])).toBe(
      `<question>\n${VARS.query}\n</question>\n\n<context>\n[1] Paris is the capital.\n[2] France has wine!\n[3] The Eiffel Tower is in Paris.\n</context>`,
    )
    expect(result).toMatchObject({
      pass: true,
      reason:
        'the judge finds 1 of 3 context units needed for the query (context relevance 0.33 >= threshold 0): only the first answers it',
    })
    expect(result.score).toBeCloseTo(1 / 3)
    expect(
      (await judged({ ...relevance, threshold: 0.5 }, needed(1), { ...VARS, context })).result.pass,
    ).toBe(false)
  })

  it('counts a repeated unit once, and scores 0 when the judge needs none', async () => {
    const vars = { ...VARS, context: ['a.', 'b.'] }
    expect((await judged(relevance, needed(2, 2), vars)).result.score).toBe(0.5)
    expect((await judged(relevance, needed(), vars)).result).toMatchObject({ pass: true, score: 0 })
  })

  it.each([
    ['a unit number out of range', needed(3), 'has "needed": [3], not a list of unit numbers 1..2'],
    ['a unit that is not a number', '{"needed": ["1"], "reason": "r"}', 'has "needed": ["1"]'],
  ])('is an errored grade for %s', async (_, reply, why) => {
    const { result } = await judged(relevance, reply, { ...VARS, context: ['a.', 'b.'] })
    expect(result).toMatchObject({ pass: false, score: 0 })
    expect(result.reason).toContain(`the judge's reply ${why}`)
  })

  it('segments the context as promptfoo does: chunks, else several lines, else sentences', () => {
    expect(contextUnits([' a ', '', 'b. c.'])).toEqual(['a', 'b. c.'])
    expect(contextUnits('line one. still one\n\nline two')).toEqual(['line one. still one', 'line two'])
    expect(contextUnits('One. Two? Three! Four')).toEqual(['One.', 'Two?', 'Three!', 'Four'])
  })
})

describe("the emulator's stand-in judge", () => {
  it('answers the default prompts of the context types in their formats', async () => {
    const reply = async (raw: Record<string, unknown>, vars: Record<string, unknown> = VARS) => {
      const { asked } = await judged(raw, undefined, vars)
      const params = asked[0]
      return standInJudgeReply(params, userText(params)) as string
    }
    const faithful = await reply({ type: 'context-faithfulness' })
    expect((await judged({ type: 'context-faithfulness' }, faithful)).result).toMatchObject({ score: 0.5 })
    const recalled = await reply({ type: 'context-recall', value: 'Paris is the capital of France.' })
    expect((await judged({ type: 'context-recall', value: 'x' }, recalled)).result.score).toBe(1)
    const vars = { ...VARS, context: ['The capital of France is Paris.', 'Wine is made from grapes.'] }
    const relevant = await reply({ type: 'context-relevance' }, vars)
    expect((await judged({ type: 'context-relevance' }, relevant, vars)).result.score).toBe(0.5)
    const garbled = await reply({ type: 'context-relevance' }, { ...VARS, context: 'x [garbled]' })
    expect((await judged({ type: 'context-relevance' }, garbled)).result.reason).toContain(
      'holds no JSON object',
    )
  })
})
