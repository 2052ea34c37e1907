import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages/messages'
import {
  DEFAULT_JUDGE_MODEL,
  DEFAULT_JUDGE_PROMPTS,
  gradeTest,
  judgeTypeOf,
} from '../../../src/grading/graders/index.js'
import { MODERATION_CATEGORIES } from '../../../src/grading/graders/classification.js'
import { standInJudgeReply } from '../../../test-servers/stand-in-judge.js'
import { loadRun, write } from '../../suite/suite-workspace.js'
import { compileError, grade, gradingInput, scriptedJudge } from './fixtures.js'

const OUTPUT = 'I will hurt you if you come back.'

async function judged(raw: Record<string, unknown>, reply: string | undefined, output = OUTPUT) {
  const judge = scriptedJudge(reply)
  const result = await grade(raw, output, { judge })
  return { result, asked: judge.asked }
}

const userText = (params: MessageCreateParamsNonStreaming) => params.messages[0].content as string

const flags = (...flagged: [string, number][]) =>
  JSON.stringify({
    flagged: flagged.map(([category, score]) => ({ category, score })),
    reason: 'it threatens the reader',
  })

describe('moderation', () => {
  it("asks the judge about OpenAI's categories by default, under its marked default prompt", async () => {
    const { asked } = await judged({ type: 'moderation' }, undefined)
    expect(asked).toHaveLength(1)
    expect(asked[0].model).toBe(DEFAULT_JUDGE_MODEL)
    expect(judgeTypeOf(asked[0])).toBe('moderation')
    expect(asked[0].system).toBe(DEFAULT_JUDGE_PROMPTS.moderation.system)
    const text = userText(asked[0])
    expect(text).toContain(`- harassment/threatening: ${MODERATION_CATEGORIES['harassment/threatening']}`)
    expect(text.match(/^- /gm)).toHaveLength(Object.keys(MODERATION_CATEGORIES).length)
    expect(text.endsWith(`<output>\n${OUTPUT}\n</output>`)).toBe(true)
  })

  it("asks about the value's categories only, describing OpenAI's and naming others", async () => {
    const { asked } = await judged({ type: 'moderation', value: ['violence', 'profanity'] }, undefined)
    expect(userText(asked[0])).toBe(
      `<categories>\n- violence: ${MODERATION_CATEGORIES.violence}\n- profanity\n</categories>\n\n<output>\n${OUTPUT}\n</output>`,
    )
  })

  it('passes with score 1 when nothing is flagged, and fails with score 0 naming each flag', async () => {
    const clean = await judged({ type: 'moderation', value: ['violence'] }, flags())
    expect(clean.result).toMatchObject({
      pass: true,
      score: 1,
      reason: 'the judge flags none of violence: it threatens the reader',
    })
    const { result } = await judged(
      { type: 'moderation' },
      flags(['violence', 0.6], ['harassment/threatening', 0.9], ['violence', 0.8]),
    )
    expect(result).toMatchObject({
      pass: false,
      score: 0,
      reason: 'the judge flags violence (0.80), harassment/threatening (0.90): it threatens the reader',
    })
    expect((await judged({ type: 'not-moderation' }, flags(['violence', 0.6]))).result.pass).toBe(true)
  })

  it.each([
    ['a category it was not asked about', flags(['hate', 0.7]), 'has "flagged": [{"category":"hate"'],
    ['a score out of range', flags(['violence', 7]), 'has "flagged"'],
    ['no list', '{"reason": "fine"}', 'has no "flagged"'],
    ['prose', 'Looks safe to me.', 'holds no JSON object'],
  ])('is an errored grade for a reply with %s', async (_, reply, why) => {
    const { result } = await judged({ type: 'moderation', value: ['violence'] }, reply)
    expect(result).toMatchObject({ pass: false, score: 0 })
    expect(result.reason).toContain(`the judge's reply ${why}`)
    expect(result.reason).toContain('expected one JSON object {"flagged": [{"category": one of violence')
  })

  it('refuses a value that is not a list of names', async () => {
    expect(await compileError({ type: 'moderation', value: { violence: true } })).toMatchObject({
      key: 'value',
      message: expect.stringContaining('a list (or a comma-separated string) of moderation category names'),
    })
  })
})

describe('classifier', () => {
  const score = (value: number) => JSON.stringify({ score: value, reason: 'clearly threatening' })

  it('asks the judge for the probability of the class in value', async () => {
    const { asked } = await judged({ type: 'classifier', value: 'toxic' }, undefined)
    expect(judgeTypeOf(asked[0])).toBe('classifier')
    expect(asked[0].system).toBe(DEFAULT_JUDGE_PROMPTS.classifier.system)
    expect(userText(asked[0])).toBe(`<class>\ntoxic\n</class>\n\n<text>\n${OUTPUT}\n</text>`)
  })

  it('passes at threshold 1 by default, as promptfoo; not-classifier passes below it', async () => {
    const sure = await judged({ type: 'classifier', value: 'toxic' }, score(1))
    expect(sure.result).toMatchObject({
      pass: true,
      score: 1,
      reason: 'the judge scores class "toxic" 1.00 >= threshold 1: clearly threatening',
    })
    const likely = await judged({ type: 'classifier', value: 'toxic' }, score(0.8))
    expect(likely.result).toMatchObject({ pass: false, score: 0.8 })
    expect(likely.result.reason).toContain('0.80 < threshold 1')
    const lenient = await judged({ type: 'classifier', value: 'toxic', threshold: 0.5 }, score(0.8))
    expect(lenient.result.pass).toBe(true)
    const negated = await judged({ type: 'not-classifier', value: 'toxic', threshold: 0.5 }, score(0.2))
    expect(negated.result).toMatchObject({ pass: true, score: 0.8 })
  })

  it('is an errored grade for a score out of range', async () => {
    const { result } = await judged({ type: 'classifier', value: 'toxic' }, score(1.5))
    expect(result).toMatchObject({ pass: false, score: 0 })
    expect(result.reason).toContain(`the judge's reply has "score": 1.5, not a number from 0 to 1`)
  })

  it('needs the class in value', async () => {
    expect(await compileError({ type: 'classifier' })).toMatchObject({ key: 'value' })
  })
})

describe('a moderation or classifier provider that is not a judge', () => {
  it('is graded by the default judge, and the load says so once', async () => {
    const files = write({
      'evals/safety.yml': [
        'providers: [anthropic:messages:claude-haiku-4-5]',
        "prompts: ['Say hi']",
        'tests:',
        '  - assert:',
        '      - { type: moderation, provider: openai:moderation }',
        '      - { type: moderation, provider: openai:moderation, value: [hate] }',
        '      - type: classifier',
        '        provider: huggingface:text-classification:martin-ha/toxic-comment-model',
        '        value: toxic',
      ].join('\n'),
    })
    const { cases, warnings } = await loadRun(files)
    const judge = scriptedJudge()
    await gradeTest(cases[0].assertions, gradingInput(OUTPUT, { judge }))
    expect(judge.asked.map((params) => params.model)).toEqual(Array(3).fill(DEFAULT_JUDGE_MODEL))
    const said = warnings.filter((warning) => warning.includes('nothing maps it'))
    expect(said).toHaveLength(2)
    expect(said[0]).toContain(
      `The judge openai:moderation of model-graded assertions is not an Anthropic provider and nothing maps it: ${DEFAULT_JUDGE_MODEL} judges in its place`,
    )
    expect(said[1]).toContain('huggingface:text-classification:martin-ha/toxic-comment-model')
  })
})

describe("the emulator's stand-in judge", () => {
  const reply = async (raw: Record<string, unknown>, output: string) => {
    const { asked } = await judged(raw, undefined, output)
    return standInJudgeReply(asked[0], userText(asked[0])) as string
  }

  it('flags each category whose name the output contains', async () => {
    const raw = { type: 'moderation', value: ['violence', 'hate'] }
    const flagged = await reply(raw, 'Pure violence.')
    expect((await judged(raw, flagged)).result.reason).toContain('the judge flags violence (0.90)')
    expect((await judged(raw, await reply(raw, 'Hello.'))).result.pass).toBe(true)
    const garbled = await reply(raw, 'x [garbled]')
    expect((await judged(raw, garbled)).result.reason).toContain('holds no JSON object')
  })

  it('scores 1 for a class the output names, else 0', async () => {
    const raw = { type: 'classifier', value: 'positive' }
    expect((await judged(raw, await reply(raw, 'A positive note.'))).result.score).toBe(1)
    expect((await judged(raw, await reply(raw, 'A sad note.'))).result.score).toBe(0)
  })
})
