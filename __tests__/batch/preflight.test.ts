import { createAnthropicClient, tokenCounter } from '../../src/batch/client.js'
import { preflight, shapeKey } from '../../src/batch/preflight.js'
import { UserError } from '../../src/common/user-error.js'
import { startBatchEmulator, type BatchEmulator } from '../../test-servers/batch-emulator.js'
import type { BatchRequest, EvalCase, Sample } from '../../src/model.js'

const request = (customId: string, params: Record<string, unknown> = {}): BatchRequest => ({
  custom_id: customId,
  params: {
    model: 'claude-haiku-4-5',
    max_tokens: 100,
    messages: [{ role: 'user', content: customId }],
    ...params,
  },
})

/** Each custom id's test: `id` `t-<custom id>` at suite.yml, line 1. */
const samplesOf = (requests: BatchRequest[]) =>
  new Map<string, Sample>(
    requests.map((r) => [
      r.custom_id,
      {
        evalCase: { id: `t-${r.custom_id}`, file: 'suite.yml', line: 1 } as EvalCase,
        index: 1,
        of: 1,
        position: 0,
      },
    ]),
  )

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(UserError)
  return (error as Error).message
}

describe('shapeKey', () => {
  test('requests differing only in text share a shape; a tool, a system prompt or a prefill make another', () => {
    const a = request('a').params
    expect(shapeKey(request('b').params)).toBe(shapeKey(a))
    expect(shapeKey(request('b', { max_tokens: 5 }).params)).toBe(shapeKey(a))
    expect(shapeKey(request('b', { system: 'Be brief' }).params)).not.toBe(shapeKey(a))
    const tools = [{ name: 'f', input_schema: { type: 'object' as const } }]
    expect(shapeKey(request('b', { tools }).params)).not.toBe(shapeKey(a))
    const prefill = [
      { role: 'user', content: 'q' },
      { role: 'assistant', content: '{' },
    ]
    expect(shapeKey(request('b', { messages: prefill }).params)).not.toBe(shapeKey(a))
  })
})

describe('preflight offline', () => {
  test('lists each problem once, with the tests it affects (first five and a count), the reason and the fix', async () => {
    const tooLong = Array.from({ length: 7 }, (_, i) => request(`long${i}`, { max_tokens: 64001 }))
    const requests = [request('ok'), ...tooLong, request('old', { model: 'claude-3-5-sonnet-20241022' })]
    const message = await refusal(preflight(requests, samplesOf(requests), undefined))
    expect(message).toContain('nothing was submitted or billed')
    expect(message).toContain(
      '7 request(s) of t-long0 (suite.yml:1), t-long1 (suite.yml:1), t-long2 (suite.yml:1), t-long3 (suite.yml:1), ' +
        't-long4 (suite.yml:1) and 2 more: the API would answer "max_tokens: 64001 > 64000',
    )
    expect(message).toContain('Fix: set max_tokens to 64000 or less.')
    expect(message).toContain('t-old (suite.yml:1): the API would answer "model: claude-3-5-sonnet-20241022"')
    expect(message).not.toContain('t-ok')
  })

  test('without problems and without a counter it returns nothing counted and no warning', async () => {
    const requests = [request('a'), request('b')]
    expect(await preflight(requests, samplesOf(requests), undefined)).toEqual({
      counted: new Map(),
      warning: undefined,
    })
  })
})

describe('preflight with count_tokens (the real SDK against the emulator)', () => {
  let emulator: BatchEmulator
  beforeEach(async () => (emulator = await startBatchEmulator()))
  afterEach(() => emulator.close())
  const counter = () => tokenCounter(createAnthropicClient({ apiKey: 'k', baseURL: emulator.url }))
  const countCalls = () => emulator.calls.filter((call) => call.path === '/v1/messages/count_tokens').length

  test('one count_tokens call per distinct shape; the counts are kept by custom id', async () => {
    const requests = [request('a'), request('b'), request('c', { system: 'Be brief' })]
    const result = await preflight(requests, samplesOf(requests), counter())
    expect(countCalls()).toBe(2)
    expect([...result.counted.keys()]).toEqual(expect.arrayContaining(['a', 'c']))
    expect(result.counted.size).toBe(2)
    expect(result.warning).toBeUndefined()
  })

  test("count_tokens' refusal stops the run with the API's text and every test of the shape", async () => {
    // A refusal the offline table cannot know: count_tokens (the emulator, as the API) checks the body.
    const system = [{ type: 'text', text: 'x', cache_control: { type: 'bogus' } }]
    const requests = [request('a', { system }), request('b', { system })]
    const message = await refusal(preflight(requests, samplesOf(requests), counter()))
    expect(message).toContain(
      `2 request(s) of t-a (suite.yml:1), t-b (suite.yml:1): the API would answer "cache_control: Input tag "bogus"`,
    )
    expect(message).toContain("Fix: change the request as the API's message says")
    expect(countCalls()).toBe(1)
  })

  test('count_tokens unreachable (a proxy without the endpoint) is a warning, not a refusal', async () => {
    emulator.setCountTokensUnavailable(true)
    const requests = [request('a'), request('b', { system: 'x' })]
    const result = await preflight(requests, samplesOf(requests), counter())
    expect(result.warning).toContain('count_tokens could not check the requests')
    expect(result.counted.size).toBe(0)
  })

  test('the emulator refuses at count_tokens what the table refuses (preflight relies on it)', async () => {
    const client = createAnthropicClient({ apiKey: 'k', baseURL: emulator.url })
    const prefilled = await client.messages
      .countTokens({
        model: 'claude-opus-4-8',
        messages: [
          { role: 'user', content: 'q' },
          { role: 'assistant', content: '{' },
        ],
      })
      .catch((e: unknown) => e)
    expect(prefilled).toMatchObject({ status: 400 })
    expect(String((prefilled as Error).message)).toContain('does not support assistant message prefill')
    const retired = await client.messages
      .countTokens({ model: 'claude-3-5-sonnet-20241022', messages: [{ role: 'user', content: 'q' }] })
      .catch((e: unknown) => e)
    expect(retired).toMatchObject({ status: 404 })
  })
})
