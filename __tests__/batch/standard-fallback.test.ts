import type { MessageBatchIndividualResponse } from '@anthropic-ai/sdk/resources/messages/batches'
import { createAnthropicClient } from '../../src/batch/client.js'
import { sendStandard } from '../../src/batch/standard-fallback.js'
import { costOf, priceTierOf } from '../../src/cost/pricing.js'
import type { BatchRequest } from '../../src/model.js'
import { startBatchEmulator, type BatchEmulator } from '../../test-servers/batch-emulator.js'

const request = (i: number, model = 'claude-sonnet-4-5'): BatchRequest => ({
  custom_id: `t${i}`,
  params: { model, max_tokens: 50, messages: [{ role: 'user', content: `Question ${i}?` }] },
})

let emulator: BatchEmulator
afterEach(() => emulator?.close())

async function send(requests: BatchRequest[], options: Parameters<typeof startBatchEmulator>[0] = {}) {
  emulator ??= await startBatchEmulator({ onWarning: () => {}, ...options })
  const lines: MessageBatchIndividualResponse[] = []
  const sink = {
    add: async (line: MessageBatchIndividualResponse) => void lines.push(line),
    retryableCustomIds: () => [],
  }
  const client = createAnthropicClient({ apiKey: 'k', baseURL: emulator.url })
  const outcome = await sendStandard(requests, sink, { client, log: () => {}, concurrency: 3 })
  return { lines, outcome }
}

describe('sendStandard', () => {
  beforeEach(() => (emulator = undefined as unknown as BatchEmulator))

  it('answers each request through POST /v1/messages, at most `concurrency` at a time, priced at standard', async () => {
    emulator = await startBatchEmulator({
      onWarning: () => {},
      messagesDelayMs: 20,
      replies: { 'Question 1?': 'One.' },
    })
    const { lines, outcome } = await send(Array.from({ length: 10 }, (_, i) => request(i)))
    expect(outcome).toEqual({ succeeded: 10, errored: 0, notSent: 0 })
    expect(lines.map((line) => line.custom_id).sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => `t${i}`).sort(),
    )
    expect(emulator.peakMessagesInFlight()).toBe(3)
    expect(emulator.calls.filter((call) => call.path === '/v1/messages')).toHaveLength(10)
    const one = lines.find((line) => line.custom_id === 't1')
    if (one?.result.type !== 'succeeded') throw new Error('t1 did not succeed')
    expect(one.result.message.content).toEqual([expect.objectContaining({ type: 'text', text: 'One.' })])
    const usage = one.result.message.usage
    expect(priceTierOf(usage)).toBe('standard')
    const cost = costOf('claude-sonnet-4-5', usage)
    if (!('cost' in cost)) throw new Error('unpriced')
    expect(cost.cost.batch).toBe(cost.cost.standard)
    expect(cost.cost.standard).toBeGreaterThan(0n)
  })

  it('retries a 429 as the SDK does (honouring retry-after) and gets the answer', async () => {
    emulator = await startBatchEmulator({ onWarning: () => {} })
    emulator.failNext('POST', /^\/v1\/messages$/, 'rate_limit_error', 2, { retryAfterSeconds: 0 })
    const { outcome } = await send([request(1)])
    expect(outcome).toEqual({ succeeded: 1, errored: 0, notSent: 0 })
    expect(emulator.calls.filter((call) => call.path === '/v1/messages')).toHaveLength(3)
  })

  it('honours the rate limit: the 429s it meets are retried after their retry-after, and every request is answered', async () => {
    emulator = await startBatchEmulator({
      onWarning: () => {},
      messagesRateLimit: { requests: 3, windowMs: 300 },
    })
    const client = createAnthropicClient({ apiKey: 'k', baseURL: emulator.url })
    const lines: MessageBatchIndividualResponse[] = []
    const sink = {
      add: async (l: MessageBatchIndividualResponse) => void lines.push(l),
      retryableCustomIds: () => [],
    }
    const requests = Array.from({ length: 6 }, (_, i) => request(i))
    const outcome = await sendStandard(requests, sink, { client, log: () => {}, concurrency: 6 })

    expect(outcome).toEqual({ succeeded: 6, errored: 0, notSent: 0 })
    expect(lines.map((line) => line.result.type)).toEqual(Array(6).fill('succeeded'))
    // Six at once against three a window: at least three were refused, and each refusal was tried again.
    const refused = emulator.rateLimitedMessages()
    expect(refused).toBeGreaterThanOrEqual(3)
    expect(emulator.calls.filter((call) => call.path === '/v1/messages')).toHaveLength(6 + refused)
  })

  it('turns a refused request into an errored line with the API error, and stops at an aborted signal', async () => {
    emulator = await startBatchEmulator({ onWarning: () => {} })
    const refused = { custom_id: 'bad', params: { model: 'claude-sonnet-4-5', max_tokens: 10, messages: [] } }
    const { lines, outcome } = await send([refused])
    expect(outcome.errored).toBe(1)
    const line = lines[0]
    if (line?.result.type !== 'errored') throw new Error('not errored')
    expect(line.result.error.error.type).toBe('invalid_request_error')

    const client = createAnthropicClient({ apiKey: 'k', baseURL: emulator.url })
    const aborted: MessageBatchIndividualResponse[] = []
    const sink = {
      add: async (l: MessageBatchIndividualResponse) => void aborted.push(l),
      retryableCustomIds: () => [],
    }
    const result = await sendStandard([request(2), request(3)], sink, {
      client,
      log: () => {},
      signal: AbortSignal.abort(),
    })
    expect(result).toEqual({ succeeded: 0, errored: 0, notSent: 2 })
    expect(aborted.map((l) => l.result.type)).toEqual(['canceled', 'canceled'])
  })
})
