import type { ToolUnion } from '@anthropic-ai/sdk/resources/messages/messages'
import { compileError, grade, text, thinking, timeTool, toolUse, weatherTool } from './fixtures.js'

const tools = [weatherTool, timeTool]

describe('is-valid-tool-call', () => {
  it('passes when every tool_use names a declared tool and its input matches the input_schema', async () => {
    const content = [
      thinking('need weather'),
      text('Let me check.'),
      toolUse('get_weather', { city: 'Paris' }),
    ]
    expect(await grade({ type: 'is-valid-tool-call' }, content, { tools })).toMatchObject({
      pass: true,
      score: 1,
      reason: 'the message makes 1 valid tool call ("get_weather")',
    })
    const two = [
      toolUse('get_weather', { city: 'Paris', unit: 'celsius' }),
      toolUse('get_time', {}, 'toolu_2'),
    ]
    expect((await grade({ type: 'is-valid-tool-call' }, two, { tools })).pass).toBe(true)
  })

  it.each([
    [[text('It is sunny.')], tools, 'expected valid tool calls: the message calls no tool'],
    [
      [toolUse('get_weather', { town: 'Paris' })],
      tools,
      "expected valid tool calls: 'get_weather' input does not match its input_schema: must have required property 'city'",
    ],
    [
      [toolUse('get_weather', { city: 'Paris', unit: 'kelvin' })],
      tools,
      "expected valid tool calls: 'get_weather' input does not match its input_schema: /unit must be equal to one of the allowed values",
    ],
    [
      [toolUse('get_weather', { city: 'Paris' }), toolUse('book_flight', {}, 'toolu_2')],
      tools,
      "expected valid tool calls: 'book_flight' is not a declared tool (declared: get_weather, get_time)",
    ],
    [
      [toolUse('get_weather', { city: 'Paris' })],
      undefined,
      "expected valid tool calls: 'get_weather' was called but the request declares no tools",
    ],
  ])('fails %#: %s', async (content, declared, reason) => {
    const result = await grade({ type: 'is-valid-tool-call' }, content, { tools: declared })
    expect(result).toMatchObject({ pass: false, score: 0, reason })
  })

  it('with a value, also requires the named tools to be called', async () => {
    const content = [toolUse('get_weather', { city: 'Paris' })]
    expect((await grade({ type: 'is-valid-tool-call', value: 'get_weather' }, content, { tools })).pass).toBe(
      true,
    )
    expect(
      await grade({ type: 'is-valid-tool-call', value: ['get_weather', 'get_time'] }, content, { tools }),
    ).toMatchObject({
      pass: false,
      reason: 'expected valid tool calls: "get_time" not called (called: "get_weather")',
    })
  })

  it('accepts Anthropic-defined client tools, which carry no schema in the request', async () => {
    const bash: ToolUnion = { type: 'bash_20250124', name: 'bash' }
    const result = await grade({ type: 'is-valid-tool-call' }, [toolUse('bash', { command: 'ls' })], {
      tools: [bash],
    })
    expect(result.pass).toBe(true)
  })

  it('inverts as not-is-valid-tool-call', async () => {
    expect(await grade({ type: 'not-is-valid-tool-call' }, 'Just text.', { tools })).toMatchObject({
      pass: true,
      score: 1,
      reason: 'no valid tool call: the message calls no tool',
    })
    expect((await grade({ type: 'not-is-valid-tool-call' }, [toolUse('get_time', {})], { tools })).pass).toBe(
      false,
    )
  })

  it('refuses a transform, which it would ignore', async () => {
    expect(await compileError({ type: 'is-valid-tool-call', transform: 'output.trim()' })).toEqual({
      key: 'transform',
      path: ['transform'],
      message:
        "is-valid-tool-call does not read the output text (it looks at the message's tool calls), so a 'transform' has no effect; remove it",
    })
  })
})

describe('tool-call-f1', () => {
  const called = (...names: string[]) => names.map((name, i) => toolUse(name, {}, `toolu_${i}`))

  it.each([
    [['get_weather', 'get_time'], called('get_weather', 'get_time'), 1, true],
    [['get_weather', 'get_time'], called('get_time', 'get_weather', 'get_weather'), 1, true],
    [['get_weather', 'get_time'], called('get_weather'), 2 / 3, false],
    [['get_weather'], called('get_weather', 'get_time'), 2 / 3, false],
    [['get_weather'], [text('no calls')], 0, false],
    ['get_weather, get_time', called('get_time'), 2 / 3, false],
  ])('expected %j, called %#: F1 %d', async (value, content, f1, pass) => {
    const result = await grade({ type: 'tool-call-f1', value }, content)
    expect(result.score).toBeCloseTo(f1, 10)
    expect(result.pass).toBe(pass)
  })

  it('passes at the threshold (default 1) and explains precision and recall', async () => {
    const content = called('get_weather')
    expect(await grade({ type: 'tool-call-f1', value: ['get_weather', 'get_time'] }, content)).toMatchObject({
      pass: false,
      reason:
        'expected tool-call F1 to reach threshold; F1 0.667 < threshold 1 (precision 1.000, recall 0.500): ' +
        'expected [get_time, get_weather], called [get_weather]',
    })
    const lenient = await grade(
      { type: 'tool-call-f1', value: ['get_weather', 'get_time'], threshold: 0.6 },
      content,
    )
    expect(lenient).toMatchObject({ pass: true, score: 2 / 3 })
    // Precision 3/5, recall 1: F1 0.75, 0.7499999999999999 in floating point.
    const three = ['get_weather', 'get_time', 'get_date']
    const five = called('get_weather', 'get_time', 'get_date', 'get_news', 'get_stocks')
    expect((await grade({ type: 'tool-call-f1', value: three, threshold: 0.75 }, five)).pass).toBe(true)
    const inverse = await grade({ type: 'not-tool-call-f1', value: ['get_weather', 'get_time'] }, content)
    expect(inverse.pass).toBe(true)
    expect(inverse.score).toBeCloseTo(1 / 3, 10)
  })

  it('needs expected tool names and a threshold between 0 and 1', async () => {
    expect((await compileError({ type: 'tool-call-f1' })).message).toBe(
      "tool-call-f1 needs a 'value': the expected tool names: a list, or a comma-separated string",
    )
    expect(await compileError({ type: 'tool-call-f1', value: 'a', threshold: 2 })).toMatchObject({
      key: 'threshold',
      message:
        "tool-call-f1 has an invalid 'threshold' 2: the lowest F1 that passes, between 0 and 1 (default 1)",
    })
  })
})

describe("promptfoo's OpenAI-named tool call checks", () => {
  const types = ['is-valid-openai-tools-call', 'is-valid-openai-function-call', 'is-valid-function-call']

  it.each(types)('%s grades the tool_use blocks against the request tools', async (type) => {
    const valid = await grade({ type }, [toolUse('get_weather', { city: 'Paris' })], { tools })
    expect(valid).toMatchObject({ pass: true, reason: 'the message makes 1 valid tool call ("get_weather")' })
    const invalid = await grade({ type }, [toolUse('get_weather', { town: 'Paris' })], { tools })
    expect(invalid).toMatchObject({
      pass: false,
      reason:
        "expected valid tool calls: 'get_weather' input does not match its input_schema: must have required property 'city'",
    })
    expect((await grade({ type: `not-${type}` }, 'No call.', { tools })).pass).toBe(true)
  })

  it.each(types)('%s takes no value, as promptfoo reads none', async (type) => {
    expect(await compileError({ type, value: 'get_weather' })).toMatchObject({
      key: 'value',
      message: `${type} takes no 'value': the message's tool_use blocks are checked against the request's tools`,
    })
  })
})
