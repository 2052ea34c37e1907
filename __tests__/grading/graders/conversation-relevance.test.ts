import { DEFAULT_JUDGE_PROMPTS, judgeTypeOf } from '../../../src/grading/graders/index.js'
import { standInJudgeReply } from '../../../test-servers/stand-in-judge.js'
import { compileError, grade, scriptedJudge } from './fixtures.js'

const OUTPUT = 'Paris is the capital of France.'
const PROMPT = 'What is the capital of France?'

async function judged(raw: Record<string, unknown>, reply?: string, vars: Record<string, unknown> = {}) {
  const judge = scriptedJudge(reply)
  const result = await grade(raw, OUTPUT, { judge, vars })
  return { result, asked: judge.asked }
}

const userText = (result: { asked: { messages: { content: unknown }[] }[] }) =>
  result.asked[0].messages[0].content as string

const turns = (...relevant: boolean[]) =>
  JSON.stringify({
    turns: relevant.map((flag, i) => ({ turn: i + 1, relevant: flag })),
    reason: 'compared each response',
  })

const CONVERSATION = [
  { input: 'Hi, I need a recipe.', output: 'Sure: which dish?' },
  { input: 'Pancakes.', output: 'The weather is nice today.' },
]

describe('conversation-relevance', () => {
  it('asks about the prompt and the output as one turn, under its marked default prompt', async () => {
    const asked = await judged({ type: 'conversation-relevance' })
    expect(asked.asked).toHaveLength(1)
    expect(judgeTypeOf(asked.asked[0])).toBe('conversation-relevance')
    expect(userText(asked)).toBe(
      `<conversation>\n<turn number="1">\n<input>\n${PROMPT}\n</input>\n<response>\n${OUTPUT}\n</response>\n</turn>\n</conversation>`,
    )
    expect(asked.asked[0].system).toBe(
      DEFAULT_JUDGE_PROMPTS['conversation-relevance'].system?.replace('{{ windowSize }}', '5'),
    )
  })

  it("takes the turns of the _conversation var, as promptfoo does, and config's windowSize", async () => {
    const asked = await judged({ type: 'conversation-relevance', config: { windowSize: 2 } }, undefined, {
      _conversation: CONVERSATION,
    })
    expect(userText(asked)).toContain(
      '<turn number="2">\n<input>\nPancakes.\n</input>\n<response>\nThe weather is nice today.\n</response>\n</turn>',
    )
    expect(userText(asked)).not.toContain(OUTPUT)
    expect(asked.asked[0].system).toContain('2 turns at most')
  })

  it('scores the share of relevant turns, passing at any score by default as promptfoo', async () => {
    const vars = { _conversation: CONVERSATION }
    const { result } = await judged({ type: 'conversation-relevance' }, turns(true, false), vars)
    expect(result).toMatchObject({
      pass: true,
      score: 0.5,
      reason: 'the judge finds 1 of 2 responses relevant (score 0.50 >= threshold 0): compared each response',
    })
    const strict = await judged({ type: 'conversation-relevance', threshold: 0.8 }, turns(true, false), vars)
    expect(strict.result).toMatchObject({ pass: false, score: 0.5 })
    const negated = await judged({ type: 'not-conversation-relevance', threshold: 0.5 }, turns(false))
    expect(negated.result).toMatchObject({ pass: true, score: 1 })
  })

  it.each([
    ['a turn missing', turns(true), 'judges turns [1], not each of 1..2 once'],
    [
      'a turn twice',
      '{"turns": [{"turn": 1, "relevant": true}, {"turn": 1, "relevant": true}], "reason": "r"}',
      'judges turns [1,1], not each of 1..2 once',
    ],
    ['a turn out of range', turns(true, true, true), 'has "turns": '],
    [
      'no reason',
      '{"turns": [{"turn": 1, "relevant": true}, {"turn": 2, "relevant": true}]}',
      'has no "reason"',
    ],
  ])('is an errored grade for a reply with %s, in both forms', async (_, reply, why) => {
    for (const type of ['conversation-relevance', 'not-conversation-relevance']) {
      const { result } = await judged({ type }, reply, { _conversation: CONVERSATION })
      expect(result).toMatchObject({ pass: false, score: 0 })
      expect(result.reason).toContain(`the judge's reply ${why}`)
    }
  })

  it('is an errored grade, asking no judge, for a _conversation turn without input and output', async () => {
    const { result, asked } = await judged({ type: 'conversation-relevance' }, turns(true), {
      _conversation: [{ input: 'hi' }],
    })
    expect(asked).toEqual([])
    expect(result).toMatchObject({
      pass: false,
      score: 0,
      reason:
        'conversation-relevance reads the test\'s \'_conversation\' var as a list of {input, output}, and its turn 1 is {"input":"hi"}',
    })
  })

  it('checks its config before anything is billed', async () => {
    for (const config of [{ windowSize: 0 }, { windowSize: 2.5 }, { window: 3 }, 'big']) {
      expect(await compileError({ type: 'conversation-relevance', config })).toMatchObject({ key: 'config' })
    }
    expect((await compileError({ type: 'conversation-relevance', value: 'x' })).key).toBe('value')
  })

  it("is answered by the emulator's stand-in judge in its format", async () => {
    const vars = {
      _conversation: [
        { input: 'Name a recipe with pancakes', output: 'Pancakes with syrup is a classic recipe.' },
        { input: 'And the weather?', output: 'I like trains.' },
      ],
    }
    const asked = await judged({ type: 'conversation-relevance' }, undefined, vars)
    const reply = standInJudgeReply(asked.asked[0], userText(asked)) as string
    expect((await judged({ type: 'conversation-relevance' }, reply, vars)).result.score).toBe(0.5)
  })
})
