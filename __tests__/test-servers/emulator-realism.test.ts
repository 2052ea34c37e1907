import Anthropic from '@anthropic-ai/sdk'
import type { MessageBatchResult } from '@anthropic-ai/sdk/resources/messages/batches'
import type { Usage } from '@anthropic-ai/sdk/resources/messages/messages'
import {
  startBatchEmulator,
  type BatchEmulator,
  type BatchEmulatorOptions,
} from '../../test-servers/batch-emulator.js'
import { manualClock, type ManualClock } from '../../test-servers/manual-clock.js'

/** 4,100 tokens of system prompt: over Haiku 4.5's shortest cacheable prefix (4,096). */
const LONG_SYSTEM = 'You answer questions about the Acme router manual. '.repeat(400).slice(0, 16_400)
const ONE_HOUR = { type: 'ephemeral', ttl: '1h' } as const

function request(customId: string, cached = false) {
  return {
    custom_id: customId,
    params: {
      model: 'claude-haiku-4-5',
      max_tokens: 10,
      messages: [{ role: 'user' as const, content: `Question ${customId}?` }],
      ...(cached && { system: [{ type: 'text' as const, text: LONG_SYSTEM, cache_control: ONE_HOUR }] }),
    },
  }
}

const ids = (n: number, prefix = 'r') => Array.from({ length: n }, (_, i) => `${prefix}${i}`)

describe('batch emulator realism (the defaults, seeded)', () => {
  let clock: ManualClock
  const emulators: BatchEmulator[] = []
  afterEach(async () => {
    await Promise.all(emulators.splice(0).map((e) => e.close()))
  })

  async function start(options: BatchEmulatorOptions = {}): Promise<Anthropic> {
    clock = manualClock()
    const emulator = await startBatchEmulator({ processingMs: 1000, clock: clock.now, ...options })
    emulators.push(emulator)
    return new Anthropic({ apiKey: 'k', baseURL: emulator.url, maxRetries: 0 })
  }

  /** Creates a batch, lets its processing time pass, and returns its results in download order. */
  async function run(client: Anthropic, requests: ReturnType<typeof request>[]) {
    const created = await client.messages.batches.create({ requests })
    clock.advance(1000)
    const ended = await client.messages.batches.retrieve(created.id)
    expect(ended.processing_status).toBe('ended')
    const lines: { custom_id: string; result: MessageBatchResult }[] = []
    for await (const line of await client.messages.batches.results(created.id)) lines.push(line)
    return lines
  }

  const usageOf = (result: MessageBatchResult): Usage => {
    if (result.type !== 'succeeded') throw new Error(`expected a success, got ${result.type}`)
    return result.message.usage
  }

  it('processes requests concurrently: a cancel leaves finished requests that are not the first submitted', async () => {
    const client = await start({ cancelingPolls: 1 })
    const created = await client.messages.batches.create({ requests: ids(40).map((id) => request(id)) })
    clock.advance(500)
    await client.messages.batches.cancel(created.id)
    const ended = await client.messages.batches.retrieve(created.id)
    expect(ended.processing_status).toBe('ended')
    const succeeded = new Set<string>()
    for await (const line of await client.messages.batches.results(created.id))
      if (line.result.type === 'succeeded') succeeded.add(line.custom_id)
    // Some finished by the cancel, some not, and the finished ones are not a prefix of submission order.
    expect(succeeded.size).toBeGreaterThan(0)
    expect(succeeded.size).toBeLessThan(40)
    const prefix = ids(succeeded.size)
    expect(prefix.every((id) => succeeded.has(id))).toBe(false)
  })

  it('counts every request as processing until the batch ends, as the API does', async () => {
    const client = await start()
    const created = await client.messages.batches.create({ requests: ids(5).map((id) => request(id)) })
    clock.advance(900)
    expect((await client.messages.batches.retrieve(created.id)).request_counts).toEqual({
      processing: 5,
      succeeded: 0,
      errored: 0,
      canceled: 0,
      expired: 0,
    })
    clock.advance(100)
    expect((await client.messages.batches.retrieve(created.id)).request_counts).toMatchObject({
      processing: 0,
      succeeded: 5,
    })
  })

  it('keeps results finished while canceling: more succeed after several polls than at the cancel', async () => {
    const client = await start({ cancelingPolls: 3 })
    const succeededAfter = async (pollEveryMs: number) => {
      const created = await client.messages.batches.create({ requests: ids(40).map((id) => request(id)) })
      clock.advance(300)
      await client.messages.batches.cancel(created.id)
      for (let poll = 1; poll <= 3; poll++) {
        clock.advance(pollEveryMs)
        const polled = await client.messages.batches.retrieve(created.id)
        expect(polled.processing_status).toBe(poll < 3 ? 'canceling' : 'ended')
        if (poll === 3) return polled.request_counts
      }
      throw new Error('unreachable')
    }
    const quick = await succeededAfter(0)
    const slow = await succeededAfter(150)
    expect(quick.canceled + quick.succeeded).toBe(40)
    expect(slow.succeeded).toBeGreaterThan(quick.succeeded)
  })

  it('misses a prefix first seen by concurrent requests: several write it, later ones read it', async () => {
    const client = await start({ cacheHitRate: 1 })
    const lines = await run(
      client,
      ids(30).map((id) => request(id, true)),
    )
    const usages = lines.map((l) => usageOf(l.result))
    const writes = usages.filter((u) => u.cache_creation?.ephemeral_1h_input_tokens === 4100)
    const reads = usages.filter((u) => u.cache_read_input_tokens === 4100)
    expect(writes.length).toBeGreaterThan(1)
    expect(reads.length).toBeGreaterThan(0)
    expect(writes.length + reads.length).toBe(30)
  })

  it('reads a cached prefix at about the hit rate, the same for the same seed', async () => {
    const hits = async (options: BatchEmulatorOptions) => {
      const client = await start(options)
      await run(client, [request('warm', true)])
      const lines = await run(
        client,
        ids(200).map((id) => request(id, true)),
      )
      return lines
        .filter((l) => usageOf(l.result).cache_read_input_tokens === 4100)
        .map((l) => l.custom_id)
        .sort()
    }
    const seeded = await hits({ seed: 7 })
    // 0.7 by default: every request started after the warm-up's write, so each reads with that chance.
    expect(seeded.length).toBeGreaterThan(0.6 * 200)
    expect(seeded.length).toBeLessThan(0.8 * 200)
    expect(await hits({ seed: 7 })).toEqual(seeded)
    expect(await hits({ seed: 8 })).not.toEqual(seeded)
    expect(await hits({ seed: 7, cacheHitRate: 0 })).toEqual([])
    expect(await hits({ seed: 7, cacheHitRate: 1 })).toHaveLength(200)
  })

  it('runs requests one after another in submission order with concurrent: false', async () => {
    const client = await start({ concurrent: false, cacheHitRate: 1, cancelingPolls: 1 })
    const lines = await run(
      client,
      ids(5).map((id) => request(id, true)),
    )
    const byId = new Map(lines.map((l) => [l.custom_id, usageOf(l.result)]))
    expect(byId.get('r0')?.cache_creation_input_tokens).toBe(4100)
    for (const id of ['r1', 'r2', 'r3', 'r4']) expect(byId.get(id)?.cache_read_input_tokens).toBe(4100)
  })

  it('refuses a hit rate outside 0 to 1 and canceling of no polls', () => {
    expect(() => startBatchEmulator({ cacheHitRate: 1.5 })).toThrow(
      'cacheHitRate must be from 0 to 1, got 1.5',
    )
    expect(() => startBatchEmulator({ cancelingPolls: 0 })).toThrow(
      'cancelingPolls must be a positive integer, got 0',
    )
  })
})
