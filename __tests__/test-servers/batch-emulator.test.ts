/**
 * The Batch API emulator, driven by the real `@anthropic-ai/sdk` client over real HTTP (no mocks).
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Anthropic, {
  APIConnectionError,
  APIError,
  AuthenticationError,
  BadRequestError,
  ContentTooLargeError,
  NotFoundError,
  RateLimitError,
} from '@anthropic-ai/sdk'
import type {
  MessageBatch,
  MessageBatchIndividualResponse,
  MessageBatchResult,
} from '@anthropic-ai/sdk/resources/messages/batches'
import type {
  MessageCountTokensParams,
  MessageCreateParamsNonStreaming,
  Usage,
} from '@anthropic-ai/sdk/resources/messages/messages'
import {
  inputTokensOf,
  loadReplies,
  minCacheableTokens,
  startBatchEmulator,
  type BatchEmulator,
  type BatchEmulatorOptions,
} from '../../test-servers/batch-emulator.js'
import { manualClock, type ManualClock } from '../../test-servers/manual-clock.js'
import { unmatchedReply } from '../../test-servers/scripted-replies.js'

const MODEL = 'claude-haiku-4-5'

function clientFor(emulator: { url: string }): Anthropic {
  return new Anthropic({ apiKey: 'test-key', baseURL: emulator.url, maxRetries: 0 })
}

/** A client with the SDK's default retries (2), to prove that it recovers from a fault. */
function retryingClientFor(emulator: { url: string }): Anthropic {
  return new Anthropic({ apiKey: 'test-key', baseURL: emulator.url })
}

/**
 * Each test's clock. The emulators of these tests run on it, so their batches progress only when a test
 * moves it on: nothing depends on how fast the machine is.
 */
let clock: ManualClock
beforeEach(() => {
  clock = manualClock()
})

/** An emulator on the test's clock. */
function startOnClock(options: BatchEmulatorOptions = {}): Promise<BatchEmulator> {
  return startBatchEmulator({ clock: clock.now, ...options })
}

function request(customId: string, prompt: string, extra: Record<string, unknown> = {}) {
  const params = { model: MODEL, max_tokens: 256, messages: [{ role: 'user', content: prompt }], ...extra }
  return { custom_id: customId, params: params as MessageCreateParamsNonStreaming }
}

/** What passes between two polls: the test's clock moves on (the default), or real time (another process). */
type Pause = (ms: number) => Promise<void>
const onTheClock: Pause = (ms) => clock.sleep(ms)
const realTime: Pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls a batch every 10 ms until it has ended. */
async function waitUntilEnded(client: Anthropic, id: string, pause = onTheClock): Promise<MessageBatch> {
  for (let polls = 0; polls < 10_000; polls++) {
    const batch = await client.messages.batches.retrieve(id)
    if (batch.processing_status === 'ended') return batch
    await pause(10)
  }
  throw new Error(`batch ${id} has not ended after 10,000 polls`)
}

async function allResults(client: Anthropic, id: string): Promise<MessageBatchIndividualResponse[]> {
  const lines: MessageBatchIndividualResponse[] = []
  for await (const line of await client.messages.batches.results(id)) lines.push(line)
  return lines
}

/** Creates a batch, waits for its end, and returns its results by custom_id. */
async function runBatch(client: Anthropic, requests: ReturnType<typeof request>[], pause = onTheClock) {
  const created = await client.messages.batches.create({ requests })
  const ended = await waitUntilEnded(client, created.id, pause)
  const results = new Map((await allResults(client, created.id)).map((r) => [r.custom_id, r.result]))
  return { created, ended, results }
}

function succeeded(result: MessageBatchResult | undefined) {
  if (result?.type !== 'succeeded') throw new Error(`expected succeeded, got ${JSON.stringify(result)}`)
  return result.message
}

function errored(result: MessageBatchResult | undefined) {
  if (result?.type !== 'errored') throw new Error(`expected errored, got ${JSON.stringify(result)}`)
  return result.error
}

/**
 * A body that broke off: Node's fetch (undici) fails the stream with `TypeError: terminated`, caused by a
 * socket error. (It comes from Node's own realm, so `toBeInstanceOf(Error)` cannot be used under jest.)
 */
function expectBrokenConnection(error: unknown) {
  expect(error).toMatchObject({ name: 'TypeError', cause: { code: 'UND_ERR_SOCKET' } })
}

/**
 * Runs `body`, and records the delays it gave `setTimeout` (the SDK's sleeps between retries, and not its
 * request timeouts of minutes): to see what it waits without timing it.
 */
async function timersAskedFor<T>(body: () => Promise<T>): Promise<{ result: T; waits: number[] }> {
  const realSetTimeout = globalThis.setTimeout
  const waits: number[] = []
  const recording = (handler: () => void, ms?: number) => {
    if (ms !== undefined && ms < 60_000) waits.push(ms)
    return realSetTimeout(handler, ms)
  }
  globalThis.setTimeout = recording as typeof setTimeout
  try {
    return { result: await body(), waits }
  } finally {
    globalThis.setTimeout = realSetTimeout
  }
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (e) {
    return e
  }
  throw new Error('expected the call to fail')
}

describe('batch emulator', () => {
  let emulator: BatchEmulator
  let client: Anthropic

  beforeEach(async () => {
    emulator = await startOnClock({
      processingMs: 100,
      replies: {
        'What is 2+2?': '4',
        'Overload me': { error: { type: 'overloaded_error', message: 'Overloaded' } },
        'Say a lot': 'abcdefghij'.repeat(10),
      },
    })
    client = clientFor(emulator)
  })

  afterEach(async () => {
    await emulator.close()
  })

  it('listens on 127.0.0.1 with no trailing slash', () => {
    expect(emulator.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
  })

  it('runs a batch: in_progress, then ended with counts, an absolute results_url, and shuffled results', async () => {
    const slow = await startOnClock({ processingMs: 1000 })
    const slowClient = clientFor(slow)
    try {
      const ids = ['case-a', 'case-b', 'case-c', 'case-d', 'case-e', 'case-f']
      const created = await slowClient.messages.batches.create({
        requests: ids.map((id) => request(id, `prompt ${id}`)),
      })

      expect(created.id).toMatch(/^msgbatch_[A-Za-z0-9]+$/)
      expect(created.type).toBe('message_batch')
      expect(created.processing_status).toBe('in_progress')
      expect(created.request_counts).toEqual({
        processing: 6,
        succeeded: 0,
        errored: 0,
        canceled: 0,
        expired: 0,
      })
      expect(created.ended_at).toBeNull()
      expect(created.results_url).toBeNull()
      expect(created.cancel_initiated_at).toBeNull()
      expect(created.archived_at).toBeNull()
      expect(Date.parse(created.expires_at) - Date.parse(created.created_at)).toBe(24 * 60 * 60 * 1000)

      const polled = await slowClient.messages.batches.retrieve(created.id)
      expect(polled.processing_status).toBe('in_progress')
      expect(polled.request_counts.processing).toBe(6)
      await expect(allResults(slowClient, created.id)).rejects.toThrow(/results_url/)
      const early = await fetch(`${slow.url}/v1/messages/batches/${created.id}/results`, {
        headers: { 'x-api-key': 'test-key' },
      })
      expect(early.status).toBe(400)
      expect(await early.json()).toMatchObject({ error: { type: 'invalid_request_error' } })

      clock.advance(999)
      expect((await slowClient.messages.batches.retrieve(created.id)).processing_status).toBe('in_progress')
      clock.advance(1)
      const ended = await slowClient.messages.batches.retrieve(created.id)
      expect(ended.processing_status).toBe('ended')
      expect(ended.request_counts).toEqual({
        processing: 0,
        succeeded: 6,
        errored: 0,
        canceled: 0,
        expired: 0,
      })
      expect(ended.ended_at).not.toBeNull()
      expect(Date.parse(ended.ended_at ?? '') - Date.parse(created.created_at)).toBe(1000)
      expect(ended.results_url).toBe(`${slow.url}/v1/messages/batches/${created.id}/results`)

      const lines = await allResults(slowClient, created.id)
      const order = lines.map((l) => l.custom_id)
      expect([...order].sort()).toEqual(ids)
      expect(order).not.toEqual(ids)
      for (const line of lines) {
        expect(succeeded(line.result).content).toEqual([
          { type: 'text', text: unmatchedReply(`prompt ${line.custom_id}`), citations: null },
        ])
      }
      // Results are decided once: a second download is identical, message ids included.
      expect(await allResults(slowClient, created.id)).toEqual(lines)
    } finally {
      await slow.close()
    }
  })

  it('streams the results as JSONL, one line per request', async () => {
    const { created } = await runBatch(client, [request('one', 'What is 2+2?'), request('two', 'Hi')])
    const res = await fetch(`${emulator.url}/v1/messages/batches/${created.id}/results`, {
      headers: { 'x-api-key': 'test-key' },
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('request-id')).toMatch(/^req_/)
    const text = await res.text()
    const lines = text.split('\n')
    expect(lines).toHaveLength(3)
    expect(lines[2]).toBe('')
    expect(
      lines
        .slice(0, 2)
        .map((l) => (JSON.parse(l) as MessageBatchIndividualResponse).custom_id)
        .sort(),
    ).toEqual(['one', 'two'])
  })

  it('answers from the replies table, with the default reply and realistic usage', async () => {
    const { results, ended } = await runBatch(client, [
      request('scripted', 'What is 2+2?'),
      request('default', 'Tell me a joke'),
      request('long', 'x'.repeat(300)),
      {
        custom_id: 'multi-turn',
        params: {
          model: 'claude-sonnet-4-6',
          max_tokens: 100,
          system: 'You are terse.',
          messages: [
            { role: 'user', content: 'first' },
            { role: 'assistant', content: 'ok' },
            {
              role: 'user',
              content: [
                { type: 'text', text: 'What is ' },
                { type: 'text', text: '2+2?' },
              ],
            },
          ],
        },
      },
      request('cut', 'Say a lot', { max_tokens: 5 }),
    ])
    expect(ended.request_counts.succeeded).toBe(5)

    const scripted = succeeded(results.get('scripted'))
    expect(scripted.id).toMatch(/^msg_/)
    expect(scripted.type).toBe('message')
    expect(scripted.role).toBe('assistant')
    expect(scripted.model).toBe(MODEL)
    expect(scripted.content).toEqual([{ type: 'text', text: '4', citations: null }])
    expect(scripted.stop_reason).toBe('end_turn')
    expect(scripted.stop_sequence).toBeNull()
    expect(scripted.usage).toEqual({
      input_tokens: 3, // 'What is 2+2?' = 12 chars
      output_tokens: 1,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
      inference_geo: null,
      output_tokens_details: null,
      server_tool_use: null,
      service_tier: 'batch',
      speed: null,
    })

    const byDefault = succeeded(results.get('default'))
    expect(byDefault.content).toEqual([
      { type: 'text', text: unmatchedReply('Tell me a joke'), citations: null },
    ])
    expect(byDefault.usage.input_tokens).toBe(4) // 14 chars
    expect(byDefault.usage.output_tokens).toBe(Math.ceil(unmatchedReply('Tell me a joke').length / 4))

    const long = succeeded(results.get('long'))
    expect(long.content).toEqual([{ type: 'text', text: unmatchedReply('x'.repeat(200)), citations: null }])
    expect(long.usage.input_tokens).toBe(75)

    // The key is the last user message with its text blocks joined; system and all turns count as input.
    const multiTurn = succeeded(results.get('multi-turn'))
    expect(multiTurn.model).toBe('claude-sonnet-4-6')
    expect(multiTurn.content).toEqual([{ type: 'text', text: '4', citations: null }])
    expect(multiTurn.usage.input_tokens).toBe(9) // 14 + 5 + 2 + 12 = 33 chars

    const cut = succeeded(results.get('cut'))
    expect(cut.stop_reason).toBe('max_tokens')
    expect(cut.content).toEqual([{ type: 'text', text: 'abcdefghij'.repeat(2), citations: null }])
    expect(cut.usage.output_tokens).toBe(5)
  })

  it('writes the line of a text reply as the JSON of its result typed with the SDK', async () => {
    const cached = {
      system: [{ type: 'text', text: 'x'.repeat(20_000), cache_control: { type: 'ephemeral', ttl: '1h' } }],
    }
    // The write in a batch of its own: requests of one batch run concurrently, so only a later one reads it.
    const writing = await runBatch(client, [request('cache-write', 'first', cached)])
    const { created } = await runBatch(client, [
      request('default', 'Escape "this" \\ and\nthat \u0001 \u2028 é 😀 \ud800'),
      request('scripted', 'What is 2+2?'),
      request('cut', 'Say a lot', { max_tokens: 5 }),
      ...['second', 'third', 'fourth'].map((prompt) => request(`cache-${prompt}`, prompt, cached)),
    ])
    const lines: string[] = []
    for (const batch of [writing.created, created]) {
      const res = await fetch(`${emulator.url}/v1/messages/batches/${batch.id}/results`, {
        headers: { 'x-api-key': 'test-key' },
      })
      lines.push(...(await res.text()).trimEnd().split('\n'))
    }
    expect(lines).toHaveLength(7)
    for (const line of lines) {
      const { custom_id, result } = JSON.parse(line) as MessageBatchIndividualResponse
      const { id, model, content, stop_reason, usage } = succeeded(result)
      const [block] = content
      if (block?.type !== 'text') throw new Error(`expected a text block, got ${JSON.stringify(block)}`)
      const typed: MessageBatchIndividualResponse = {
        custom_id,
        result: {
          type: 'succeeded',
          message: {
            id,
            type: 'message',
            role: 'assistant',
            model,
            content: [{ type: 'text', text: block.text, citations: null }],
            stop_reason,
            stop_sequence: null,
            stop_details: null,
            container: null,
            diagnostics: null,
            usage: {
              input_tokens: usage.input_tokens,
              output_tokens: usage.output_tokens,
              cache_creation_input_tokens: usage.cache_creation_input_tokens,
              cache_read_input_tokens: usage.cache_read_input_tokens,
              cache_creation: {
                ephemeral_5m_input_tokens: usage.cache_creation?.ephemeral_5m_input_tokens ?? 0,
                ephemeral_1h_input_tokens: usage.cache_creation?.ephemeral_1h_input_tokens ?? 0,
              },
              inference_geo: null,
              output_tokens_details: null,
              server_tool_use: null,
              service_tier: 'batch',
              speed: null,
            },
          },
        },
      }
      expect(line).toBe(JSON.stringify(typed))
    }
    const usages = lines.map((l) => succeeded((JSON.parse(l) as MessageBatchIndividualResponse).result).usage)
    expect(usages.some((u) => (u.cache_creation?.ephemeral_1h_input_tokens ?? 0) > 0)).toBe(true)
    expect(usages.some((u) => (u.cache_read_input_tokens ?? 0) > 0)).toBe(true)
  })

  it('returns a scripted error reply as an errored result', async () => {
    const { results, ended } = await runBatch(client, [
      request('bad', 'Overload me'),
      request('good', 'What is 2+2?'),
    ])
    expect(ended.request_counts).toEqual({ processing: 0, succeeded: 1, errored: 1, canceled: 0, expired: 0 })
    const error = errored(results.get('bad'))
    expect(error.type).toBe('error')
    expect(error.error).toEqual({ type: 'overloaded_error', message: 'Overloaded' })
    expect(error.request_id).toMatch(/^req_/)
  })

  it('errors requests whose params the API refuses, naming the field', async () => {
    const { results, ended } = await runBatch(client, [
      request('temperature', 'hi', { temperature: 0.2 }),
      request('top-p', 'hi', { top_p: 0.9 }),
      request('top-k', 'hi', { top_k: 5 }),
      request('zero-tokens', 'hi', { max_tokens: 0 }),
      request('no-tokens', 'hi', { max_tokens: undefined }),
      request('stream', 'hi', { stream: true }),
      request('speed', 'hi', { speed: 'fast' }),
      request('no-model', 'hi', { model: undefined }),
      request('fine', 'hi', { stream: false, speed: null }),
    ])
    expect(ended.request_counts).toEqual({ processing: 0, succeeded: 1, errored: 8, canceled: 0, expired: 0 })
    const expected: Record<string, RegExp> = {
      temperature: /^temperature: /,
      'top-p': /^top_p: /,
      'top-k': /^top_k: /,
      'zero-tokens': /^max_tokens: .*greater than or equal to 1/,
      'no-tokens': /^max_tokens: Field required/,
      stream: /^stream: /,
      speed: /^speed: /,
      'no-model': /^model: Field required/,
    }
    for (const [customId, message] of Object.entries(expected)) {
      const error = errored(results.get(customId))
      expect(error.error.type).toBe('invalid_request_error')
      expect(error.error.message).toMatch(message)
    }
    expect(results.get('fine')?.type).toBe('succeeded')
  })

  it('refuses an invalid custom_id at create time, naming it', async () => {
    for (const customId of ['has space', 'x'.repeat(65), '', 'dot.ted']) {
      const error = await rejection(
        client.messages.batches.create({ requests: [request('ok', 'hi'), request(customId, 'hi')] }),
      )
      expect(error).toBeInstanceOf(BadRequestError)
      const apiError = error as BadRequestError
      expect(apiError.status).toBe(400)
      expect(apiError.requestID).toMatch(/^req_/)
      expect(apiError.error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } })
      expect(apiError.type).toBe('invalid_request_error')
      expect(apiError.apiMessage).toContain('requests.1.custom_id')
      expect(apiError.apiMessage).toContain(JSON.stringify(customId))
    }
    // 64 characters is the maximum, and fine.
    const ok = await client.messages.batches.create({ requests: [request('x'.repeat(64), 'hi')] })
    expect(ok.processing_status).toBe('in_progress')
    expect(emulator.createdBatches().map((b) => b.id)).toEqual([ok.id])
  })

  it('refuses a duplicate custom_id', async () => {
    const error = await rejection(
      client.messages.batches.create({
        requests: [request('a', '1'), request('dup', '2'), request('dup', '3')],
      }),
    )
    expect(error).toBeInstanceOf(BadRequestError)
    expect((error as BadRequestError).apiMessage).toContain('requests.2.custom_id: Duplicate custom_id "dup"')
    expect((error as BadRequestError).apiMessage).toContain('also used by requests.1')
    expect(emulator.createdBatches()).toEqual([])
  })

  it('refuses a batch of 0 requests and a body that is not JSON', async () => {
    const error = await rejection(client.messages.batches.create({ requests: [] }))
    expect(error).toBeInstanceOf(BadRequestError)
    expect((error as BadRequestError).apiMessage).toMatch(/^requests: .*at least 1/)

    const res = await fetch(`${emulator.url}/v1/messages/batches`, {
      method: 'POST',
      headers: { 'x-api-key': 'k', 'content-type': 'application/json' },
      body: '{"requests": [',
    })
    expect(res.status).toBe(400)
    const body = (await res.json()) as { type: string; error: { type: string; message: string } }
    expect(body.type).toBe('error')
    expect(body.error.type).toBe('invalid_request_error')
    expect(body.error.message).toMatch(/not valid JSON/)
    expect(emulator.createdBatches()).toEqual([])
  })

  it('answers 413 request_too_large above the body limit', async () => {
    const small = await startOnClock({ maxBodyBytes: 2000 })
    try {
      const error = await rejection(
        clientFor(small).messages.batches.create({ requests: [request('big', 'y'.repeat(5000))] }),
      )
      expect(error).toBeInstanceOf(ContentTooLargeError)
      expect((error as APIError).status).toBe(413)
      expect((error as APIError).error).toMatchObject({ type: 'error', error: { type: 'request_too_large' } })
      expect(small.createdBatches()).toEqual([])
    } finally {
      await small.close()
    }
  })

  it('requires an API key', async () => {
    const anonymous = new Anthropic({
      apiKey: 'unused',
      baseURL: emulator.url,
      maxRetries: 0,
      defaultHeaders: { Authorization: null },
    })
    const error = await rejection(anonymous.messages.batches.list())
    expect(error).toBeInstanceOf(AuthenticationError)
    expect((error as AuthenticationError).status).toBe(401)
    expect((error as AuthenticationError).error).toMatchObject({
      type: 'error',
      error: { type: 'authentication_error' },
    })

    const res = await fetch(`${emulator.url}/v1/messages/batches`)
    expect(res.status).toBe(401)
    expect(res.headers.get('request-id')).toMatch(/^req_/)
    const body = (await res.json()) as { request_id: string }
    expect(body.request_id).toBe(res.headers.get('request-id'))
    // x-api-key is accepted as well as `Authorization: Bearer`.
    expect(
      (await fetch(`${emulator.url}/v1/messages/batches`, { headers: { 'x-api-key': 'k' } })).status,
    ).toBe(200)
    expect(
      (await fetch(`${emulator.url}/v1/messages/batches`, { headers: { authorization: 'Bearer k' } })).status,
    ).toBe(200)
  })

  it('answers 404 for an unknown batch', async () => {
    for (const call of [
      () => client.messages.batches.retrieve('msgbatch_nope'),
      () => client.messages.batches.cancel('msgbatch_nope'),
      () => client.messages.batches.delete('msgbatch_nope'),
      () => client.messages.batches.results('msgbatch_nope'),
    ]) {
      const error = await rejection(call())
      expect(error).toBeInstanceOf(NotFoundError)
      expect((error as NotFoundError).error).toMatchObject({ error: { type: 'not_found_error' } })
    }
  })

  it('lists batches newest first over several pages', async () => {
    const ids: string[] = []
    for (let i = 0; i < 5; i++) {
      ids.push((await client.messages.batches.create({ requests: [request(`r${i}`, `p${i}`)] })).id)
    }
    const newestFirst = [...ids].reverse()

    const first = await client.messages.batches.list({ limit: 2 })
    expect(first.data.map((b) => b.id)).toEqual(newestFirst.slice(0, 2))
    expect(first.has_more).toBe(true)
    expect(first.first_id).toBe(newestFirst[0])
    expect(first.last_id).toBe(newestFirst[1])

    const listCallsBefore = emulator.calls.filter(
      (c) => c.method === 'GET' && c.path === '/v1/messages/batches',
    )
    const seen: string[] = []
    for await (const batch of client.messages.batches.list({ limit: 2 })) seen.push(batch.id)
    expect(seen).toEqual(newestFirst)
    const listCalls = emulator.calls
      .filter((c) => c.method === 'GET' && c.path === '/v1/messages/batches')
      .slice(listCallsBefore.length)
    expect(listCalls.map((c) => new URLSearchParams(c.query).get('after_id'))).toEqual([
      null,
      newestFirst[1],
      newestFirst[3],
    ])

    const before = await client.messages.batches.list({ limit: 2, before_id: newestFirst[3] })
    expect(before.data.map((b) => b.id)).toEqual(newestFirst.slice(1, 3))
    expect(before.has_more).toBe(true)

    const all = await client.messages.batches.list({ limit: 1000 })
    expect(all.data.map((b) => b.id)).toEqual(newestFirst)
    expect(all.has_more).toBe(false)

    await expect(client.messages.batches.list({ limit: 0 })).rejects.toBeInstanceOf(BadRequestError)
  })

  it('cancels an in-progress batch, then deletes it once ended', async () => {
    const slow = await startOnClock({ processingMs: 60_000 })
    const slowClient = clientFor(slow)
    try {
      const created = await slowClient.messages.batches.create({
        requests: [request('c1', 'a'), request('c2', 'b'), request('c3', 'c')],
      })
      await expect(slowClient.messages.batches.delete(created.id)).rejects.toBeInstanceOf(BadRequestError)

      const canceling = await slowClient.messages.batches.cancel(created.id)
      expect(canceling.processing_status).toBe('canceling')
      expect(canceling.cancel_initiated_at).not.toBeNull()
      expect(canceling.request_counts.processing).toBe(3)

      // Canceling lasts three polls (cancelingPolls), however long they take.
      clock.advance(100)
      expect((await slowClient.messages.batches.retrieve(created.id)).processing_status).toBe('canceling')
      clock.advance(100)
      expect((await slowClient.messages.batches.retrieve(created.id)).processing_status).toBe('canceling')
      clock.advance(100)
      const ended = await slowClient.messages.batches.retrieve(created.id)
      expect(ended.request_counts).toEqual({
        processing: 0,
        succeeded: 0,
        errored: 0,
        canceled: 3,
        expired: 0,
      })
      expect(ended.cancel_initiated_at).toBe(canceling.cancel_initiated_at)
      expect(Date.parse(ended.ended_at ?? '') - Date.parse(canceling.cancel_initiated_at ?? '')).toBe(300)

      const lines = await allResults(slowClient, created.id)
      expect(lines.map((l) => l.custom_id).sort()).toEqual(['c1', 'c2', 'c3'])
      expect(lines.map((l) => l.result)).toEqual([
        { type: 'canceled' },
        { type: 'canceled' },
        { type: 'canceled' },
      ])

      // Canceling an ended batch changes nothing.
      expect(await slowClient.messages.batches.cancel(created.id)).toEqual(ended)

      expect(await slowClient.messages.batches.delete(created.id)).toEqual({
        id: created.id,
        type: 'message_batch_deleted',
      })
      await expect(slowClient.messages.batches.retrieve(created.id)).rejects.toBeInstanceOf(NotFoundError)
      expect((await slowClient.messages.batches.list()).data).toEqual([])
    } finally {
      await slow.close()
    }
  })

  it('records every call it receives, in order', async () => {
    const { created } = await runBatch(client, [request('only', 'What is 2+2?')])
    const batchPath = `/v1/messages/batches/${created.id}`
    const calls = emulator.calls.map((c) => `${c.method} ${c.path}`)
    expect(calls[0]).toBe('POST /v1/messages/batches')
    expect(calls.slice(-2)).toEqual([`GET ${batchPath}`, `GET ${batchPath}/results`])
    expect(calls.slice(1, -2).every((c) => c === `GET ${batchPath}`)).toBe(true)
    expect(calls.filter((c) => c.startsWith('POST'))).toHaveLength(1)

    expect(emulator.createdBatches()).toEqual([
      {
        id: created.id,
        requests: [
          {
            custom_id: 'only',
            params: { model: MODEL, max_tokens: 256, messages: [{ role: 'user', content: 'What is 2+2?' }] },
          },
        ],
      },
    ])
  })
})

const CREATE_PATH = /^\/v1\/messages\/batches$/
const BATCH_PATH = /^\/v1\/messages\/batches\/[^/]+$/
const CANCEL_PATH = /^\/v1\/messages\/batches\/[^/]+\/cancel$/

describe('batch emulator: scripted faults and lifecycle', () => {
  let emulator: BatchEmulator
  let client: Anthropic

  beforeEach(async () => {
    emulator = await startOnClock({
      processingMs: 100,
      replies: { 'Overload me': { error: { type: 'overloaded_error', message: 'Overloaded' } } },
    })
    client = clientFor(emulator)
  })

  afterEach(async () => {
    await emulator.close()
  })

  const posts = () => emulator.calls.filter((c) => c.method === 'POST' && c.path === '/v1/messages/batches')

  it('answers a scripted error with retry-after, and the retrying SDK waits as told and recovers', async () => {
    emulator.failNext('POST', CREATE_PATH, 'rate_limit_error', 1, { retryAfterSeconds: 0.05 })
    const limited = await rejection(client.messages.batches.create({ requests: [request('a', 'hi')] }))
    expect(limited).toBeInstanceOf(RateLimitError)
    expect((limited as RateLimitError).status).toBe(429)
    expect((limited as RateLimitError).headers.get('retry-after')).toBe('0.05')
    expect((limited as RateLimitError).error).toMatchObject({
      type: 'error',
      error: { type: 'rate_limit_error' },
    })

    // Without the option there is no retry-after.
    emulator.failNext('POST', CREATE_PATH, 'api_error')
    const failed = await rejection(client.messages.batches.create({ requests: [request('a', 'hi')] }))
    expect((failed as APIError).status).toBe(500)
    expect((failed as APIError).headers?.get('retry-after')).toBeNull()
    expect(emulator.createdBatches()).toEqual([])

    // A 429 then a 500, each asking for 100 ms: the SDK's third attempt succeeds.
    emulator.failNext('POST', CREATE_PATH, 'rate_limit_error', 1, { retryAfterSeconds: 0.1 })
    emulator.failNext('POST', CREATE_PATH, 'api_error', 1, { retryAfterSeconds: 0.1 })
    const { result: created, waits } = await timersAskedFor(() =>
      retryingClientFor(emulator).messages.batches.create({ requests: [request('a', 'hi')] }),
    )
    expect(created.processing_status).toBe('in_progress')
    expect(emulator.createdBatches().map((b) => b.id)).toEqual([created.id])
    expect(posts()).toHaveLength(5)
    // It waited the 2 x 100 ms it was told, not its own backoff (0.5 s, then 1 s, less jitter).
    expect(waits).toEqual([100, 100])
  })

  it('resets the connection: APIConnectionError without retries, no batch created, recovery with retries', async () => {
    const created = await client.messages.batches.create({ requests: [request('a', 'hi')] })
    emulator.resetNext('GET', BATCH_PATH)
    expect(await rejection(client.messages.batches.retrieve(created.id))).toBeInstanceOf(APIConnectionError)
    expect((await client.messages.batches.retrieve(created.id)).id).toBe(created.id)

    emulator.resetNext('POST', CREATE_PATH)
    const reset = await rejection(client.messages.batches.create({ requests: [request('b', 'hi')] }))
    expect(reset).toBeInstanceOf(APIConnectionError)
    expect(emulator.createdBatches().map((b) => b.id)).toEqual([created.id])
    expect(posts()).toHaveLength(2)

    emulator.resetNext('POST', CREATE_PATH)
    const retried = await retryingClientFor(emulator).messages.batches.create({
      requests: [request('c', 'hi')],
    })
    expect(posts()).toHaveLength(4)
    expect(emulator.createdBatches().map((b) => b.id)).toEqual([created.id, retried.id])
    expect(emulator.createdBatches()[1]?.requests.map((r) => r.custom_id)).toEqual(['c'])
  })

  it('resets after commit: the batch exists though its create failed, and a retried create double-bills', async () => {
    emulator.resetNext('POST', CREATE_PATH, 1, { afterCommit: true })
    const lost = await rejection(
      client.messages.batches.create({ requests: [request('a', 'hi'), request('b', 'hi')] }),
    )
    expect(lost).toBeInstanceOf(APIConnectionError)
    const [orphan] = emulator.createdBatches()
    expect(orphan?.requests.map((r) => r.custom_id)).toEqual(['a', 'b'])
    const listed = await client.messages.batches.list()
    expect(listed.data.map((b) => b.id)).toEqual([orphan?.id])
    expect(listed.data[0]?.processing_status).toBe('in_progress')
    expect(listed.data[0]?.request_counts.processing).toBe(2)

    // The SDK's retry of a create whose answer was lost makes a second batch of the same requests.
    emulator.resetNext('POST', CREATE_PATH, 1, { afterCommit: true })
    const retried = await retryingClientFor(emulator).messages.batches.create({
      requests: [request('c', 'hi')],
    })
    const batches = emulator.createdBatches()
    expect(batches).toHaveLength(3)
    expect(batches[2]?.id).toBe(retried.id)
    expect(batches.slice(1).map((b) => b.requests.map((r) => r.custom_id))).toEqual([['c'], ['c']])

    // After commit on a cancel: the answer is lost, the cancel took effect.
    emulator.resetNext('POST', CANCEL_PATH, 1, { afterCommit: true })
    expect(await rejection(client.messages.batches.cancel(retried.id))).toBeInstanceOf(APIConnectionError)
    const canceled = await client.messages.batches.retrieve(retried.id)
    expect(canceled.processing_status).toBe('canceling')
    expect(canceled.cancel_initiated_at).not.toBeNull()
  })

  it('cuts a results download after N lines; the next download has every line', async () => {
    const ids = ['r0', 'r1', 'r2', 'r3', 'r4']
    const created = await client.messages.batches.create({ requests: ids.map((id) => request(id, id)) })
    await waitUntilEnded(client, created.id)

    emulator.cutResultsAfter(2)
    const partial: MessageBatchIndividualResponse[] = []
    const cut = await rejection(
      (async () => {
        for await (const line of await client.messages.batches.results(created.id)) partial.push(line)
      })(),
    )
    expectBrokenConnection(cut)
    expect(partial).toHaveLength(2)

    const whole = await allResults(client, created.id)
    expect(whole.map((l) => l.custom_id).sort()).toEqual(ids)
    expect(whole.slice(0, 2)).toEqual(partial)

    // A cut at 0 lines: the download starts (200) and breaks before the first line; twice.
    emulator.cutResultsAfter(0, 2)
    for (let i = 0; i < 2; i++) {
      const lines: MessageBatchIndividualResponse[] = []
      const error = await rejection(
        (async () => {
          for await (const line of await client.messages.batches.results(created.id)) lines.push(line)
        })(),
      )
      expectBrokenConnection(error)
      expect(lines).toEqual([])
    }
    expect(await allResults(client, created.id)).toEqual(whole)
  })

  it('streams results larger than one write, whole or cut mid-way', async () => {
    const n = 2000
    const requests = Array.from({ length: n }, (_, i) =>
      request(`req-${i}`, `prompt ${i} ${'z'.repeat(100)}`),
    )
    const created = await client.messages.batches.create({ requests })
    await waitUntilEnded(client, created.id)

    const res = await fetch(`${emulator.url}/v1/messages/batches/${created.id}/results`, {
      headers: { 'x-api-key': 'test-key' },
    })
    const text = await res.text()
    expect(text.length).toBeGreaterThan(3 * 64 * 1024)
    const lines = text.split('\n')
    expect(lines.pop()).toBe('')
    const ids = lines.map((l) => (JSON.parse(l) as MessageBatchIndividualResponse).custom_id)
    expect(new Set(ids).size).toBe(n)

    emulator.cutResultsAfter(1500)
    const partial: string[] = []
    const error = await rejection(
      (async () => {
        for await (const line of await client.messages.batches.results(created.id))
          partial.push(line.custom_id)
      })(),
    )
    expectBrokenConnection(error)
    expect(partial).toEqual(ids.slice(0, 1500))
  })

  it('refuses a create over the queue limit with 429 and retry-after, and accepts it once batches end', async () => {
    const limited = await startOnClock({
      processingMs: 300,
      maxQueuedRequests: 5,
      queueRetryAfterSeconds: 0.35,
    })
    try {
      const limitedClient = clientFor(limited)
      const three = (prefix: string) => [0, 1, 2].map((i) => request(`${prefix}${i}`, 'hi'))
      const first = await limitedClient.messages.batches.create({ requests: three('a') })

      const refused = await rejection(limitedClient.messages.batches.create({ requests: three('b') }))
      expect(refused).toBeInstanceOf(RateLimitError)
      expect((refused as RateLimitError).status).toBe(429)
      expect((refused as RateLimitError).headers.get('retry-after')).toBe('0.35')
      expect((refused as RateLimitError).type).toBe('rate_limit_error')
      expect((refused as RateLimitError).apiMessage).toContain('limit of 5')
      expect((refused as RateLimitError).apiMessage).toContain(
        '3 queued in unfinished batches + 3 in this batch',
      )
      expect(limited.createdBatches().map((b) => b.id)).toEqual([first.id])

      // Up to the limit is fine: 3 + 2 = 5.
      const second = await limitedClient.messages.batches.create({
        requests: [request('c0', 'hi'), request('c1', 'hi')],
      })
      await expect(
        limitedClient.messages.batches.create({ requests: [request('d0', 'hi')] }),
      ).rejects.toBeInstanceOf(RateLimitError)

      // 350 ms later, as the 429 asked, both batches (300 ms) have ended.
      clock.advance(350)
      const third = await limitedClient.messages.batches.create({ requests: three('e') })
      expect(limited.createdBatches().map((b) => b.id)).toEqual([first.id, second.id, third.id])
      expect((await limitedClient.messages.batches.retrieve(first.id)).processing_status).toBe('ended')
    } finally {
      await limited.close()
    }

    // The default retry-after is 1 second; a batch bigger than the limit on its own is always refused.
    const tiny = await startOnClock({ maxQueuedRequests: 1 })
    try {
      const refused = await rejection(
        clientFor(tiny).messages.batches.create({ requests: [request('x', 'hi'), request('y', 'hi')] }),
      )
      expect((refused as RateLimitError).headers.get('retry-after')).toBe('1')
    } finally {
      await tiny.close()
    }
  })

  it('cancels partway: requests done by the end of canceling keep their results, the rest are canceled', async () => {
    const slow = await startOnClock({
      processingMs: 1000,
      concurrent: false,
      replies: { 'Overload me': { error: { type: 'overloaded_error', message: 'Overloaded' } } },
    })
    try {
      const slowClient = clientFor(slow)
      const n = 10
      const requests = Array.from({ length: n }, (_, i) =>
        request(`r${i}`, i === 0 ? 'Overload me' : `p${i}`),
      )
      const created = await slowClient.messages.batches.create({ requests })
      clock.advance(350)
      const canceling = await slowClient.messages.batches.cancel(created.id)
      expect(canceling.processing_status).toBe('canceling')
      expect(canceling.request_counts).toEqual({
        processing: n,
        succeeded: 0,
        errored: 0,
        canceled: 0,
        expired: 0,
      })

      const cancelAt = Date.parse(canceling.cancel_initiated_at ?? '')
      expect(cancelAt - Date.parse(created.created_at)).toBe(350)
      // It stays canceling for three polls, 100 ms apart, with every request still counted as processing.
      for (let poll = 1; poll <= 2; poll++) {
        clock.advance(100)
        const polled = await slowClient.messages.batches.retrieve(created.id)
        expect(polled.processing_status).toBe('canceling')
        expect(polled.request_counts.processing).toBe(n)
      }
      clock.advance(100)
      const ended = await slowClient.messages.batches.retrieve(created.id)
      // Request i completes at created + 1000 ms * (i + 1) / 10: by the end of canceling at 650 ms, r0 to
      // r5 have (r3 to r5 while it was canceling).
      const done = 6
      expect(ended.request_counts).toEqual({
        processing: 0,
        succeeded: 5,
        errored: 1,
        canceled: 4,
        expired: 0,
      })
      expect(Date.parse(ended.ended_at ?? '')).toBe(cancelAt + 300)

      const results = new Map((await allResults(slowClient, created.id)).map((l) => [l.custom_id, l.result]))
      expect(results.size).toBe(n)
      expect(errored(results.get('r0')).error.type).toBe('overloaded_error')
      for (let i = 1; i < n; i++) {
        expect(results.get(`r${i}`)?.type).toBe(i < done ? 'succeeded' : 'canceled')
      }
    } finally {
      await slow.close()
    }
  })

  it('expires partway: a batch not done by its expiry ends then, the rest of its requests expired', async () => {
    const expiring = await startOnClock({
      processingMs: 500,
      expiresAfterMs: 200,
      concurrent: false,
      replies: { 'Overload me': { error: { type: 'overloaded_error', message: 'Overloaded' } } },
    })
    try {
      const expiringClient = clientFor(expiring)
      const requests = ['p0', 'Overload me', 'p2', 'p3', 'p4'].map((prompt, i) => request(`r${i}`, prompt))
      const created = await expiringClient.messages.batches.create({ requests })
      const createdAt = Date.parse(created.created_at)
      expect(Date.parse(created.expires_at) - createdAt).toBe(200)
      expect(created.request_counts.processing).toBe(5)

      // Requests complete every 100 ms: r0 and r1 by the expiry at 200 ms, r2 to r4 not.
      clock.advance(199)
      expect((await expiringClient.messages.batches.retrieve(created.id)).processing_status).toBe(
        'in_progress',
      )
      clock.advance(1)
      const ended = await expiringClient.messages.batches.retrieve(created.id)
      expect(ended.request_counts).toEqual({
        processing: 0,
        succeeded: 1,
        errored: 1,
        canceled: 0,
        expired: 3,
      })
      expect(ended.ended_at).toBe(created.expires_at)
      expect(ended.cancel_initiated_at).toBeNull()

      const results = new Map(
        (await allResults(expiringClient, created.id)).map((l) => [l.custom_id, l.result]),
      )
      expect(succeeded(results.get('r0')).content).toEqual([
        { type: 'text', text: unmatchedReply('p0'), citations: null },
      ])
      expect(errored(results.get('r1')).error.type).toBe('overloaded_error')
      for (const id of ['r2', 'r3', 'r4']) expect(results.get(id)).toEqual({ type: 'expired' })
    } finally {
      await expiring.close()
    }
  })

  it('setProcessingMs changes the processing time of the batches created afterwards', async () => {
    const slow = await startOnClock({ processingMs: 60_000 })
    try {
      const slowClient = clientFor(slow)
      const first = await slowClient.messages.batches.create({ requests: [request('slow', 'hi')] })
      slow.setProcessingMs(50)
      const second = await slowClient.messages.batches.create({
        requests: [request('fast-1', 'hi'), request('fast-2', 'hi')],
      })
      clock.advance(50)
      const ended = await slowClient.messages.batches.retrieve(second.id)
      expect(ended.processing_status).toBe('ended')
      expect(Date.parse(ended.ended_at ?? '') - Date.parse(ended.created_at)).toBe(50)
      expect(ended.request_counts).toEqual({
        processing: 0,
        succeeded: 2,
        errored: 0,
        canceled: 0,
        expired: 0,
      })
      const still = await slowClient.messages.batches.retrieve(first.id)
      expect(still.processing_status).toBe('in_progress')
      expect(still.request_counts.processing).toBe(1)
    } finally {
      await slow.close()
    }
  })

  it('scripts batches that progress by events, never by time: processed, endAfterPolls, endBatch, cancel', async () => {
    const three = (prefix: string) =>
      ['Overload me', 'b', 'c'].map((prompt, i) => request(`${prefix}${i}`, prompt))
    const counts = async (id: string) => {
      const { processing_status, request_counts } = await client.messages.batches.retrieve(id)
      return { processing_status, ...request_counts }
    }
    emulator.scriptNextBatches({ processed: 1 }, { endAfterPolls: 2 })
    emulator.scriptNextBatches({ processed: 2 })
    const [canceled, polled, ended, timed] = [
      await client.messages.batches.create({ requests: three('c') }),
      await client.messages.batches.create({ requests: three('p') }),
      await client.messages.batches.create({ requests: three('e') }),
      // The scripts are used up: this one follows the time model (100 ms).
      await client.messages.batches.create({ requests: three('t') }),
    ]
    // Time does not end a scripted batch, not even its expiry.
    clock.advance(2 * 24 * 60 * 60 * 1000)
    expect((await client.messages.batches.list()).data.map((b) => b.processing_status)).toEqual([
      'ended',
      'in_progress',
      'in_progress',
      'in_progress',
    ])

    // A cancel: canceling in its answer and for two retrievals more, ended at the third (cancelingPolls);
    // its unprocessed requests canceled.
    expect((await client.messages.batches.cancel(canceled.id)).processing_status).toBe('canceling')
    expect((await counts(canceled.id)).processing_status).toBe('canceling')
    expect((await counts(canceled.id)).processing_status).toBe('canceling')
    expect(await counts(canceled.id)).toEqual({
      processing_status: 'ended',
      processing: 0,
      succeeded: 0,
      errored: 1,
      canceled: 2,
      expired: 0,
    })

    // endAfterPolls: 2: the second retrieval sees it ended (a list is no retrieval).
    expect((await counts(polled.id)).processing_status).toBe('in_progress')
    expect((await counts(polled.id)).processing_status).toBe('ended')
    expect(await counts(polled.id)).toMatchObject({ succeeded: 2, errored: 1, expired: 0 })

    // endBatch: ended now, with its 2 processed requests; the third expired.
    expect((await counts(ended.id)).processing_status).toBe('in_progress')
    emulator.endBatch(ended.id)
    const byEndBatch = await client.messages.batches.retrieve(ended.id)
    expect(byEndBatch.request_counts).toMatchObject({ succeeded: 1, errored: 1, expired: 1 })
    expect(byEndBatch.ended_at).toBe(new Date(clock.now()).toISOString())
    const results = new Map((await allResults(client, ended.id)).map((l) => [l.custom_id, l.result]))
    expect(results.get('e2')).toEqual({ type: 'expired' })
    emulator.endBatch(ended.id) // ending an ended batch changes nothing
    expect(await client.messages.batches.retrieve(ended.id)).toEqual(byEndBatch)

    expect(() => emulator.endBatch(timed.id)).toThrow(
      /time model \(processingMs\); script it with scriptNextBatches/,
    )
    expect(() => emulator.endBatch('msgbatch_nope')).toThrow(/no batch msgbatch_nope/)
  })

  it('refuses nonsensical scripts', () => {
    expect(() => emulator.scriptNextBatches({ processed: -1 })).toThrow(/processed/)
    expect(() => emulator.scriptNextBatches({ endAfterPolls: 0 })).toThrow(/endAfterPolls/)
    expect(() => emulator.failNext('GET', BATCH_PATH, 'api_error', 0)).toThrow(/times/)
    expect(() => emulator.resetNext('GET', BATCH_PATH, 1.5)).toThrow(/times/)
    expect(() => emulator.cutResultsAfter(-1)).toThrow(/lines/)
    expect(() => emulator.failNext('GET', BATCH_PATH, 'api_error', 1, { retryAfterSeconds: -1 })).toThrow(
      /retryAfterSeconds/,
    )
    expect(() => emulator.setProcessingMs(Number.NaN)).toThrow(/processingMs/)
  })
})

/** The count_tokens params of a batch request's params: all but max_tokens. */
function countParams(params: MessageCreateParamsNonStreaming): MessageCountTokensParams {
  const { model, messages, system, tools } = params
  return { model, messages, ...(system !== undefined && { system }), ...(tools !== undefined && { tools }) }
}

/** The input side of a usage. */
function inputUsage(usage: Usage) {
  const { input_tokens, cache_creation_input_tokens, cache_read_input_tokens, cache_creation } = usage
  return { input_tokens, cache_creation_input_tokens, cache_read_input_tokens, cache_creation }
}

function uncached(inputTokens: number) {
  return {
    input_tokens: inputTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
  }
}

const WEATHER_TOOL = {
  name: 'get_weather',
  description: 'The weather in a city',
  input_schema: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] },
}
/** A 1 x 1 PNG. */
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='
/** 4,100 tokens of system prompt (16,400 characters): over Haiku 4.5's minimum cacheable prefix of 4,096. */
const LONG_SYSTEM = 'You answer questions about the Acme router manual. '.repeat(400).slice(0, 16_400)

describe('batch emulator: count_tokens', () => {
  let emulator: BatchEmulator
  let client: Anthropic

  beforeEach(async () => {
    emulator = await startOnClock({ processingMs: 50 })
    client = clientFor(emulator)
  })

  afterEach(async () => {
    await emulator.close()
  })

  it('counts exactly what the batch bills as input, for text, system, tools, tool turns and images', async () => {
    const cases: [string, MessageCreateParamsNonStreaming, number][] = [
      // 'What is 2+2?' = 12 chars
      ['text', request('x', 'What is 2+2?').params, 3],
      [
        // 14 + 5 + 2 + 12 = 33 chars
        'system',
        {
          model: 'claude-sonnet-4-6',
          max_tokens: 100,
          system: 'You are terse.',
          messages: [
            { role: 'user', content: 'first' },
            { role: 'assistant', content: 'ok' },
            { role: 'user', content: 'What is 2+2?' },
          ],
        },
        9,
      ],
      // JSON.stringify([tool]) = 155 chars, + 17
      ['tools', request('x', 'Weather in Paris?', { tools: [WEATHER_TOOL] }).params, 43],
      [
        // 155 + 17 + the tool_use block's JSON (81) + the tool_result block's JSON (71) = 324 chars
        'tool-turns',
        {
          model: MODEL,
          max_tokens: 100,
          tools: [WEATHER_TOOL],
          messages: [
            { role: 'user', content: 'Weather in Paris?' },
            {
              role: 'assistant',
              content: [{ type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: { city: 'Paris' } }],
            },
            {
              role: 'user',
              content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: 'Sunny, 24 C' }],
            },
          ],
        },
        81,
      ],
      [
        // An image is 1,600 tokens whatever its size, + 'Describe it.' = 12 chars
        'image',
        {
          model: MODEL,
          max_tokens: 100,
          messages: [
            {
              role: 'user',
              content: [
                { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
                { type: 'text', text: 'Describe it.' },
              ],
            },
          ],
        },
        1603,
      ],
      [
        // A breakpoint on a prefix too short to cache changes nothing: 14 + 12 = 26 chars
        'short-breakpoint',
        request('x', 'What is 2+2?', {
          system: [{ type: 'text', text: 'You are terse.', cache_control: { type: 'ephemeral' } }],
        }).params,
        7,
      ],
    ]
    const counted: Record<string, number> = {}
    for (const [name, params] of cases) {
      counted[name] = (await client.messages.countTokens(countParams(params))).input_tokens
    }
    expect(counted).toEqual(Object.fromEntries(cases.map(([name, , tokens]) => [name, tokens])))
    for (const [, params, tokens] of cases) expect(inputTokensOf(params)).toBe(tokens)

    const { results } = await runBatch(
      client,
      cases.map(([name, params]) => ({ custom_id: name, params })),
    )
    for (const [name, , tokens] of cases) {
      expect([name, inputUsage(succeeded(results.get(name)).usage)]).toEqual([name, uncached(tokens)])
    }
    expect(emulator.calls.filter((c) => c.path === '/v1/messages/count_tokens')).toEqual(
      Array(cases.length).fill({ method: 'POST', path: '/v1/messages/count_tokens', query: '' }),
    )
  })

  it('refuses what the API refuses with 400 invalid_request_error, naming the field', async () => {
    const refused: [unknown, RegExp][] = [
      [{ model: MODEL }, /^messages: Field required/],
      [{ messages: [{ role: 'user', content: 'hi' }] }, /^model: Field required/],
      [{ model: MODEL, messages: [] }, /^messages: at least one message/],
      [{ model: MODEL, messages: 'hi' }, /^messages: Input should be a valid list/],
      [
        { model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] },
        /^max_tokens: Extra inputs are not permitted/,
      ],
      [
        {
          model: MODEL,
          messages: [{ role: 'user', content: 'hi' }],
          system: Array.from({ length: 5 }, (_, i) => ({
            type: 'text',
            text: `part ${i}`,
            cache_control: { type: 'ephemeral' },
          })),
        },
        /A maximum of 4 blocks with cache_control/,
      ],
    ]
    for (const [body, message] of refused) {
      const error = await rejection(client.messages.countTokens(body as MessageCountTokensParams))
      expect(error).toBeInstanceOf(BadRequestError)
      expect((error as BadRequestError).type).toBe('invalid_request_error')
      expect((error as BadRequestError).apiMessage).toMatch(message)
    }
    const res = await fetch(`${emulator.url}/v1/messages/count_tokens`, {
      method: 'POST',
      headers: { 'x-api-key': 'test-key', 'content-type': 'application/json' },
      body: '{not json',
    })
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ error: { type: 'invalid_request_error' } })
  })

  it('answers 404 when made unavailable, and scripted errors on request', async () => {
    const params = countParams(request('x', 'What is 2+2?').params)
    const unavailable = await startOnClock({ countTokensUnavailable: true })
    try {
      const error = await rejection(clientFor(unavailable).messages.countTokens(params))
      expect(error).toBeInstanceOf(NotFoundError)
      expect((error as NotFoundError).type).toBe('not_found_error')
      expect(unavailable.calls).toEqual([{ method: 'POST', path: '/v1/messages/count_tokens', query: '' }])
    } finally {
      await unavailable.close()
    }

    emulator.setCountTokensUnavailable(true)
    await expect(client.messages.countTokens(params)).rejects.toBeInstanceOf(NotFoundError)
    emulator.setCountTokensUnavailable(false)
    expect(await client.messages.countTokens(params)).toEqual({ input_tokens: 3 })

    // A scripted error, twice: the client without retries fails, the retrying one waits as told and recovers.
    emulator.failNext('POST', /^\/v1\/messages\/count_tokens$/, 'rate_limit_error', 2, {
      retryAfterSeconds: 0.05,
    })
    await expect(client.messages.countTokens(params)).rejects.toBeInstanceOf(RateLimitError)
    expect(await retryingClientFor(emulator).messages.countTokens(params)).toEqual({ input_tokens: 3 })
    expect(emulator.calls.map((c) => c.path)).toEqual(Array(5).fill('/v1/messages/count_tokens'))
  })
})

describe('batch emulator: prompt caching', () => {
  let emulator: BatchEmulator
  let client: Anthropic

  beforeEach(async () => {
    // The cache's arithmetic, with the luck taken out: requests one after another, every possible read.
    // Its best-effort behaviour has tests of its own (emulator-realism.test.ts).
    emulator = await startOnClock({
      processingMs: 50,
      concurrent: false,
      cacheHitRate: 1,
      replies: { 'Overload me': { error: { type: 'overloaded_error', message: 'Overloaded' } } },
    })
    client = clientFor(emulator)
  })

  afterEach(async () => {
    await emulator.close()
  })

  /** A request with the long system prompt behind a breakpoint, and its own question. */
  function cachedRequest(customId: string, question: string, cacheControl: object, extra = {}) {
    return request(customId, question, {
      system: [{ type: 'text', text: LONG_SYSTEM, cache_control: cacheControl }],
      ...extra,
    })
  }

  const ONE_HOUR = { type: 'ephemeral', ttl: '1h' }

  it('has the documented minimum cacheable prefixes', () => {
    expect(minCacheableTokens('claude-haiku-4-5')).toBe(4096)
    expect(minCacheableTokens('claude-haiku-4-5-20251001')).toBe(4096)
    expect(minCacheableTokens('claude-opus-4-5')).toBe(4096)
    expect(minCacheableTokens('claude-opus-4-6')).toBe(4096)
    expect(minCacheableTokens('claude-sonnet-4-5')).toBe(1024)
    expect(minCacheableTokens('claude-sonnet-4-6')).toBe(1024)
    expect(minCacheableTokens('claude-opus-4-1')).toBe(1024)
    expect(minCacheableTokens('claude-3-5-haiku-latest')).toBe(2048)
    expect(minCacheableTokens('some-future-model')).toBe(4096)
  })

  it('writes a long prefix with the first request and reads it in the others, across batches too', async () => {
    // 'Question 1?' = 11 chars: 16,411 chars in all = 4,103 tokens, 4,100 of them the system prompt.
    const requests = ['1', '2', '3'].map((n) => cachedRequest(`q${n}`, `Question ${n}?`, ONE_HOUR))
    for (const { params } of requests) {
      expect((await client.messages.countTokens(countParams(params))).input_tokens).toBe(4103)
    }

    const { results } = await runBatch(client, requests)
    expect(inputUsage(succeeded(results.get('q1')).usage)).toEqual({
      input_tokens: 3,
      cache_creation_input_tokens: 4100,
      cache_read_input_tokens: 0,
      cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 4100 },
    })
    const read = {
      input_tokens: 3,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 4100,
      cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
    }
    expect(inputUsage(succeeded(results.get('q2')).usage)).toEqual(read)
    expect(inputUsage(succeeded(results.get('q3')).usage)).toEqual(read)

    // The cache outlives the batch; another model, or a changed prefix, is another entry.
    const next = await runBatch(client, [
      cachedRequest('again', 'Question 4?', ONE_HOUR),
      cachedRequest('sonnet', 'Question 5?', ONE_HOUR, { model: 'claude-sonnet-4-5' }),
      request('changed', 'Question 6?', {
        system: [{ type: 'text', text: `${LONG_SYSTEM.slice(1)}!`, cache_control: ONE_HOUR }],
      }),
    ])
    expect(inputUsage(succeeded(next.results.get('again')).usage)).toEqual(read)
    expect(succeeded(next.results.get('sonnet')).usage.cache_creation_input_tokens).toBe(4100)
    expect(succeeded(next.results.get('changed')).usage.cache_creation_input_tokens).toBe(4100)

    emulator.clearPromptCache()
    const cleared = await runBatch(client, [cachedRequest('cleared', 'Question 7?', ONE_HOUR)])
    expect(succeeded(cleared.results.get('cleared')).usage.cache_creation_input_tokens).toBe(4100)
  })

  it('writes at 5 minutes by default, and not at all for an errored request', async () => {
    const breakpoint = { type: 'ephemeral' }
    const { results } = await runBatch(client, [
      cachedRequest('error', 'Overload me', breakpoint),
      cachedRequest('first', 'Question 1?', breakpoint),
      cachedRequest('second', 'Question 2?', breakpoint),
    ])
    expect(errored(results.get('error')).error.type).toBe('overloaded_error')
    expect(inputUsage(succeeded(results.get('first')).usage)).toEqual({
      input_tokens: 3,
      cache_creation_input_tokens: 4100,
      cache_read_input_tokens: 0,
      cache_creation: { ephemeral_5m_input_tokens: 4100, ephemeral_1h_input_tokens: 0 },
    })
    expect(succeeded(results.get('second')).usage.cache_read_input_tokens).toBe(4100)
  })

  it('silently does not cache a prefix shorter than the model minimum', async () => {
    // 4,095 tokens: one short of Haiku 4.5's 4,096, but over Sonnet 4.5's 1,024.
    const system = [{ type: 'text', text: LONG_SYSTEM.slice(0, 4095 * 4), cache_control: ONE_HOUR }]
    const { results } = await runBatch(client, [
      request('short-1', 'Question 1?', { system }),
      request('short-2', 'Question 2?', { system }),
      request('sonnet-1', 'Question 1?', { system, model: 'claude-sonnet-4-5' }),
      request('sonnet-2', 'Question 2?', { system, model: 'claude-sonnet-4-5' }),
    ])
    expect(inputUsage(succeeded(results.get('short-1')).usage)).toEqual(uncached(4098))
    expect(inputUsage(succeeded(results.get('short-2')).usage)).toEqual(uncached(4098))
    expect(succeeded(results.get('sonnet-1')).usage.cache_creation_input_tokens).toBe(4095)
    expect(succeeded(results.get('sonnet-2')).usage.cache_read_input_tokens).toBe(4095)

    const tiny = await startOnClock({
      processingMs: 50,
      minCacheableTokens: 2,
      concurrent: false,
      cacheHitRate: 1,
    })
    try {
      const short = [{ type: 'text', text: 'You are terse.', cache_control: ONE_HOUR }]
      const { results: tinyResults } = await runBatch(clientFor(tiny), [
        request('a', 'What is 2+2?', { system: short }),
        request('b', 'What is 3+3?', { system: short }),
      ])
      // 'You are terse.' = 14 chars = 4 tokens; 26 chars in all = 7 tokens.
      expect(inputUsage(succeeded(tinyResults.get('b')).usage)).toEqual({
        input_tokens: 3,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 4,
        cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
      })
    } finally {
      await tiny.close()
    }
  })

  it('reads the longest cached prefix and writes the rest, with several breakpoints in tools -> system -> messages order', async () => {
    // The tool (155 chars) and the system prompt (16,400) behind a 1-hour breakpoint: 4,139 tokens; then each
    // request's own 4,400-character document behind a 5-minute one (1,100 tokens more); then 11 chars.
    const doc = (n: string) => `Document ${n}: ${'lorem ipsum '.repeat(400)}`.slice(0, 4400)
    const withDoc = (customId: string, n: string) =>
      request(customId, 'Question 1?', {
        tools: [WEATHER_TOOL],
        system: [{ type: 'text', text: LONG_SYSTEM, cache_control: ONE_HOUR }],
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: doc(n), cache_control: { type: 'ephemeral', ttl: '5m' } },
              { type: 'text', text: 'Question 1?' },
            ],
          },
        ],
      })
    const requests = [withDoc('a', 'A'), withDoc('b', 'B'), withDoc('a-again', 'A')]
    const total = 4139 + 1100 + 3
    for (const r of requests) {
      expect((await client.messages.countTokens(countParams(r.params))).input_tokens).toBe(total)
    }
    const { results } = await runBatch(client, requests)
    expect(inputUsage(succeeded(results.get('a')).usage)).toEqual({
      input_tokens: 3,
      cache_creation_input_tokens: 4139 + 1100,
      cache_read_input_tokens: 0,
      cache_creation: { ephemeral_5m_input_tokens: 1100, ephemeral_1h_input_tokens: 4139 },
    })
    expect(inputUsage(succeeded(results.get('b')).usage)).toEqual({
      input_tokens: 3,
      cache_creation_input_tokens: 1100,
      cache_read_input_tokens: 4139,
      cache_creation: { ephemeral_5m_input_tokens: 1100, ephemeral_1h_input_tokens: 0 },
    })
    expect(inputUsage(succeeded(results.get('a-again')).usage)).toEqual({
      input_tokens: 3,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 4139 + 1100,
      cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
    })
  })

  it('takes a top-level cache_control as a breakpoint on the last block', async () => {
    // 16,400 + 11 chars = 4,103 tokens, all of them before the breakpoint.
    const params = { system: LONG_SYSTEM, cache_control: ONE_HOUR }
    const { results } = await runBatch(client, [
      request('first', 'Question 1?', params),
      request('same', 'Question 1?', params),
    ])
    expect(succeeded(results.get('first')).usage.cache_creation_input_tokens).toBe(4103)
    expect(inputUsage(succeeded(results.get('same')).usage)).toEqual({
      input_tokens: 0,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 4103,
      cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
    })
  })

  it('sees the writes of a batch that ended before another started, whichever is downloaded first', async () => {
    const first = await client.messages.batches.create({
      requests: [cachedRequest('early', 'Question 1?', ONE_HOUR)],
    })
    clock.advance(50)
    const second = await client.messages.batches.create({
      requests: [cachedRequest('late', 'Question 2?', ONE_HOUR)],
    })
    // The first batch ended as the second was created, but is not looked at until the second's results are read.
    await waitUntilEnded(client, second.id)
    const [late] = await allResults(client, second.id)
    const [early] = await allResults(client, first.id)
    expect(succeeded(early?.result).usage.cache_creation_input_tokens).toBe(4100)
    expect(succeeded(late?.result).usage.cache_read_input_tokens).toBe(4100)
  })

  it('errors a request whose breakpoints the API refuses', async () => {
    const system = (...ttls: (string | undefined)[]) =>
      ttls.map((ttl, i) => ({ type: 'text', text: `part ${i}`, cache_control: { type: 'ephemeral', ttl } }))
    const { results } = await runBatch(client, [
      request('five', 'hi', { system: system('1h', '1h', '1h', '1h', '1h') }),
      request('order', 'hi', { system: system('5m', '1h') }),
      request('ttl', 'hi', { system: system('2h') }),
      request('type', 'hi', { system: [{ type: 'text', text: 'x', cache_control: { type: 'persistent' } }] }),
      request('fine', 'hi', { system: system('1h', '1h', undefined, '5m') }),
    ])
    const expected: Record<string, RegExp> = {
      five: /A maximum of 4 blocks with cache_control may be provided\. Found 5\./,
      order: /ttl='1h' must not come after/,
      ttl: /^cache_control\.ttl: /,
      type: /^cache_control: .*'ephemeral'/,
    }
    for (const [customId, message] of Object.entries(expected)) {
      const error = errored(results.get(customId))
      expect(error.error.type).toBe('invalid_request_error')
      expect(error.error.message).toMatch(message)
    }
    expect(results.get('fine')?.type).toBe('succeeded')
  })
})

describe('loadReplies and the CLI', () => {
  let dir: string

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'batch-emulator-'))
  })

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true })
  })

  it('loads a replies file and refuses a malformed one', () => {
    const file = join(dir, 'replies.json')
    writeFileSync(
      file,
      JSON.stringify({
        replies: { 'What is 2+2?': '4', Fail: { error: { type: 'api_error', message: 'boom' } } },
      }),
    )
    expect(loadReplies(file)).toEqual({
      'What is 2+2?': '4',
      Fail: { error: { type: 'api_error', message: 'boom' } },
    })

    const bad = join(dir, 'bad.json')
    writeFileSync(bad, JSON.stringify({ replies: { x: { error: { type: 'no_such_error', message: 'm' } } } }))
    expect(() => loadReplies(bad)).toThrow(/reply to "x"/)
    writeFileSync(bad, JSON.stringify({ x: 'y' }))
    expect(() => loadReplies(bad)).toThrow(/"replies"/)
    expect(() => loadReplies(join(dir, 'missing.json'))).toThrow(/Cannot read replies file/)
  })

  it('serves from the command line until SIGTERM', async () => {
    const file = join(dir, 'cli-replies.json')
    writeFileSync(file, JSON.stringify({ replies: { Ping: 'Pong' } }))
    const child = spawn(
      join(process.cwd(), 'node_modules', '.bin', 'tsx'),
      [
        'test-servers/batch-emulator-cli.ts',
        '--port',
        '0',
        '--replies',
        file,
        '--processing-ms',
        '1',
        '--expires-after-ms',
        '60000',
        '--max-queued-requests',
        '10',
        '--min-cacheable-tokens',
        '2',
        '--count-tokens-unavailable',
        '--cache-hit-rate',
        '1',
        '--canceling-polls',
        '2',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    let out = ''
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let err = ''
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString()
          const match =
            /Batch API emulator listening on (http:\/\/127\.0\.0\.1:\d+)\n[^]*count_tokens unavailable/.exec(
              out,
            )
          if (match?.[1] != null) resolve(match[1])
        })
        child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()))
        child.on('exit', (code) => reject(new Error(`CLI exited with ${code}: ${err}`)))
      })
      const cliClient = clientFor({ url })
      // The CLI's emulator runs on the real clock: the test polls until each batch has ended, however long.
      const { results } = await runBatch(cliClient, [request('ping', 'Ping')], realTime)
      expect(succeeded(results.get('ping')).content).toEqual([
        { type: 'text', text: 'Pong', citations: null },
      ])
      expect(out).toContain('batches expire after 60000 ms')
      expect(out).toContain('queue limit 10 requests')
      expect(out).toContain('prompt prefixes of 2 tokens or more are cached, for every model')
      expect(out).toContain('cache hit rate 1; canceling lasts 2 polls')
      await expect(
        cliClient.messages.countTokens({ model: MODEL, messages: [{ role: 'user', content: 'Ping' }] }),
      ).rejects.toBeInstanceOf(NotFoundError)
      const short = [{ type: 'text', text: 'You are terse.', cache_control: { type: 'ephemeral' } }]
      // A later batch reads what an earlier one wrote (with --cache-hit-rate 1, always).
      const writing = await runBatch(cliClient, [request('a', 'Ping', { system: short })], realTime)
      expect(succeeded(writing.results.get('a')).usage.cache_creation_input_tokens).toBe(4)
      const cached = await runBatch(cliClient, [request('b', 'Ping', { system: short })], realTime)
      expect(succeeded(cached.results.get('b')).usage.cache_read_input_tokens).toBe(4)
    } finally {
      child.kill('SIGTERM')
    }
    expect(await exited).toBe(0)
  })
})
