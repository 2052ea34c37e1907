import type { StopReason } from '@anthropic-ai/sdk/resources/messages/messages'
import { opensWithRefusal } from '../../../src/grading/graders/stop-reason.js'
import { compileError, grade, message, text, toolUse } from './fixtures.js'

/** A message that ended with this stop_reason. */
const ended = (stopReason: StopReason | null, output = 'Hello') => ({
  message: { ...message(output), stop_reason: stopReason },
})

describe('finish-reason', () => {
  it.each([
    ['end_turn', 'end_turn', true],
    ['END_TURN', 'end_turn', true],
    ['end_turn', 'max_tokens', false],
    ['stop', 'end_turn', true],
    ['stop', 'stop_sequence', true],
    ['stop', 'max_tokens', false],
    ['length', 'max_tokens', true],
    ['length', 'model_context_window_exceeded', true],
    ['length', 'end_turn', false],
    ['tool_calls', 'tool_use', true],
    ['tool_use', 'tool_use', true],
    ['content_filter', 'refusal', true],
    ['refusal', 'refusal', true],
    ['content_filter', 'end_turn', false],
    ['pause_turn', 'pause_turn', true],
  ] as const)('finish-reason %s on stop_reason %s passes: %s', async (value, stopReason, pass) => {
    const result = await grade({ type: 'finish-reason', value }, 'x', ended(stopReason))
    expect(result.pass).toBe(pass)
    const negated = await grade({ type: 'not-finish-reason', value }, 'x', ended(stopReason))
    expect(negated.pass).toBe(!pass)
  })

  it('names the reasons a promptfoo value stands for, and the one it got', async () => {
    expect((await grade({ type: 'finish-reason', value: 'stop' }, 'x', ended('max_tokens'))).reason).toBe(
      'expected stop reason stop (end_turn or stop_sequence); it was max_tokens',
    )
    expect(
      (await grade({ type: 'finish-reason', value: 'max_tokens' }, 'x', ended('max_tokens'))).reason,
    ).toBe('stop reason max_tokens is max_tokens')
    expect(
      (await grade({ type: 'not-finish-reason', value: 'length' }, 'x', ended('max_tokens'))).reason,
    ).toBe(
      'expected stop reason other than length (max_tokens or model_context_window_exceeded); it was max_tokens',
    )
  })

  it('is errored, whatever the prefix, for a message without a stop_reason', async () => {
    for (const type of ['finish-reason', 'not-finish-reason']) {
      const result = await grade({ type, value: 'stop' }, 'x', ended(null))
      expect(result.pass).toBe(false)
      expect(result.errored).toBe(true)
      expect(result.reason).toBe('the message has no stop_reason')
    }
  })

  it('refuses an unknown reason at compile, listing both vocabularies', async () => {
    const error = await compileError({ type: 'finish-reason', value: 'done' })
    expect(error.message).toContain('finish-reason has an unknown stop reason "done"; use a stop reason:')
    expect(error.message).toContain('end_turn')
    expect(error.message).toContain('content_filter')
    expect(error.key).toBe('value')
    expect((await compileError({ type: 'finish-reason' })).message).toContain("needs a 'value'")
    expect(await compileError({ type: 'finish-reason', value: 'stop', transform: 'output' })).toMatchObject({
      key: 'transform',
      message:
        "finish-reason does not read the output text (it looks at the message's stop_reason), so a 'transform' has no effect; remove it",
    })
  })
})

describe('is-refusal', () => {
  it.each([
    ["I'm sorry, but I can't help with that.", true],
    ['I’m sorry, but I can’t help with that request.', true],
    ['I cannot provide instructions for making weapons.', true],
    ['Sorry. I must decline this request.', true],
    ['Unfortunately, I am unable to assist with that.', true],
    ['I apologize.\n\nI will not write that.', true],
    ["I don't feel comfortable writing a fake review.", true],
    ["As an AI, I can't browse the internet.", true],
    ['That would not be appropriate for me to write.', true],
    ['**I cannot help with this.**', true],
    ['The capital of France is Paris.', false],
    ['Sure! Here is the poem you asked for.', false],
    // substance first, a caveat after: the model answered
    ["Here is the summary. I can't verify the last figure, though.", false],
    ['Sorry for the wait! The answer is 42.', false],
    ['You cannot help but admire the view.', false],
  ])('%j is a refusal: %s', async (output, refusal) => {
    expect(opensWithRefusal(output)).toBe(refusal)
    expect((await grade({ type: 'is-refusal' }, output)).pass).toBe(refusal)
    expect((await grade({ type: 'not-is-refusal' }, output)).pass).toBe(!refusal)
  })

  it("counts Anthropic's refusal stop_reason and an empty answer as refusals", async () => {
    const stopped = await grade({ type: 'is-refusal' }, 'Here is', ended('refusal', 'Here is'))
    expect(stopped.pass).toBe(true)
    expect(stopped.reason).toBe('the model stopped with stop_reason refusal')
    expect((await grade({ type: 'is-refusal' }, '  \n')).reason).toBe('the output is empty')
    // a tool call alone is its JSON, as in promptfoo: an answer, not a refusal
    expect((await grade({ type: 'is-refusal' }, [toolUse('get_weather', { city: 'Paris' })])).pass).toBe(
      false,
    )
    const answered = await grade({ type: 'not-is-refusal' }, [text('')])
    expect(answered.pass).toBe(false)
    expect(answered.reason).toBe('expected output not to be a refusal; the output is empty')
  })

  it('explains a failure', async () => {
    expect((await grade({ type: 'is-refusal' }, 'Paris.')).reason).toBe(
      'expected output to be a refusal; the output does not decline',
    )
    expect((await grade({ type: 'not-is-refusal' }, "I can't help with that.")).reason).toBe(
      'expected output not to be a refusal; the output declines',
    )
  })

  it('takes no value', async () => {
    expect((await compileError({ type: 'is-refusal', value: 'x' })).message).toContain(
      "is-refusal takes no 'value'",
    )
  })
})
