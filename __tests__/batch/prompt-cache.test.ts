import {
  applyPromptCache,
  cachePlanLine,
  minCacheableTokens,
  type CacheOptions,
} from '../../src/batch/prompt-cache.js'
import type { BatchRequest } from '../../src/model.js'

const forced1h: CacheOptions = { choice: '1h', hitRate: () => ({ rate: 0, from: 'default' }) }
const auto = (rate: number): CacheOptions => ({ choice: 'auto', hitRate: () => ({ rate, from: 'baseline' }) })

const LONG = 'You are a meticulous support agent. '.repeat(600) // about 5,400 tokens at 4 characters a token
const request = (id: string, params: Partial<BatchRequest['params']>): BatchRequest => ({
  custom_id: id,
  params: {
    model: 'claude-haiku-4-5',
    max_tokens: 100,
    messages: [{ role: 'user', content: `question ${id}` }],
    ...params,
  },
})
const breakpoint = { type: 'ephemeral', ttl: '1h' }

describe('applyPromptCache', () => {
  it('marks a long shared system prompt with the same 1-hour breakpoint in every request', () => {
    const requests = ['a', 'b', 'c'].map((id) => request(id, { system: LONG }))
    const { requests: marked, plans } = applyPromptCache(requests, forced1h)
    for (const r of marked)
      expect(r.params.system).toEqual([{ type: 'text', text: LONG, cache_control: breakpoint }])
    expect(marked.map((r) => r.params.messages)).toEqual(requests.map((r) => r.params.messages))
    expect(plans).toEqual([
      {
        model: 'claude-haiku-4-5',
        prefix: 'system',
        prefixTokens: Math.ceil(LONG.length / 4),
        requests: 3,
        ttl: '1h',
        why: 'as cache: 1h asks (it pays above a 53% hit rate)',
      },
    ])
    expect(requests[0].params.system).toBe(LONG)
  })

  it('marks nothing when the shared prefix is shorter than the model caches', () => {
    const requests = ['a', 'b', 'c'].map((id) => request(id, { system: 'Be brief.' }))
    expect(applyPromptCache(requests, forced1h)).toEqual({ requests, plans: [] })
  })

  it('marks nothing when requests differ in their prefix, or the author placed breakpoints', () => {
    const different = [
      request('a', { system: LONG }),
      request('b', { system: LONG }),
      request('c', { system: `${LONG}!` }),
    ]
    expect(applyPromptCache(different, forced1h).plans).toEqual([])
    const authored = ['a', 'b', 'c'].map((id) =>
      request(id, { system: [{ type: 'text', text: LONG, cache_control: { type: 'ephemeral' } }] }),
    )
    expect(applyPromptCache(authored, forced1h)).toEqual({ requests: authored, plans: [] })
  })

  it('extends the prefix over shared leading messages, and groups requests by model', () => {
    const turns = (last: string): BatchRequest['params']['messages'] => [
      { role: 'user', content: LONG },
      { role: 'assistant', content: 'Understood.' },
      { role: 'user', content: last },
    ]
    const requests = [
      request('a', { messages: turns('one') }),
      request('b', { messages: turns('two') }),
      request('c', { model: 'claude-sonnet-4-5', messages: turns('three') }),
      request('d', { messages: turns('four') }),
    ]
    const { requests: marked, plans } = applyPromptCache(requests, forced1h)
    expect(plans).toEqual([
      expect.objectContaining({ model: 'claude-haiku-4-5', prefix: '2 message(s)', requests: 3 }),
    ])
    expect(marked[0].params.messages[1]).toEqual({
      role: 'assistant',
      content: [{ type: 'text', text: 'Understood.', cache_control: breakpoint }],
    })
    expect(marked[0].params.messages[2]).toEqual({ role: 'user', content: 'one' })
    expect(marked[2]).toBe(requests[2])
  })

  it('auto marks where the expected hit rate pays, with the cheaper lifetime, and says why', () => {
    const requests = Array.from({ length: 480 }, (_, i) => request(`r${i}`, { system: LONG }))
    const hour = applyPromptCache(requests, auto(0.62))
    expect(hour.requests[0].params.system).toEqual([{ type: 'text', text: LONG, cache_control: breakpoint }])
    expect(cachePlanLine(hour.plans[0])).toBe(
      'claude-haiku-4-5: 1h cache on the system (about 5,400 tokens) shared by 480 requests: pays above a 53% ' +
        'hit rate; expected 62% from the baseline.',
    )
    const fiveMinutes = applyPromptCache(requests, auto(0.5))
    expect(fiveMinutes.requests[0].params.system).toEqual([
      { type: 'text', text: LONG, cache_control: { type: 'ephemeral', ttl: '5m' } },
    ])
    const unmarked = applyPromptCache(requests, {
      choice: 'auto',
      hitRate: () => ({ rate: 0.3, from: 'default' }),
    })
    expect(unmarked.requests).toEqual(requests)
    expect(cachePlanLine(unmarked.plans[0])).toBe(
      'claude-haiku-4-5: not marked, the system (about 5,400 tokens) shared by 480 requests: expected 30% by ' +
        'default, without a baseline < break-even 53% for 1h writes, and 15% < 22% for 5m writes (5-minute ' +
        'entries expire in a long batch).',
    )
  })

  it('marks nothing for a lone request, and auto nothing for a group its first wave would all miss', () => {
    const one = [request('a', { system: LONG })]
    expect(applyPromptCache(one, forced1h)).toEqual({ requests: one, plans: [] })
    const four = ['a', 'b', 'c', 'd'].map((id) => request(id, { system: LONG }))
    const { requests: sent, plans } = applyPromptCache(four, auto(0.98))
    expect(sent).toEqual(four)
    expect(plans[0]).toMatchObject({ ttl: null, requests: 4 })
    expect(plans[0].why).toContain(
      'expected 0% from the baseline, as all 4 requests would start together and miss',
    )
    expect(applyPromptCache(four, forced1h).plans[0].ttl).toBe('1h')
  })

  it('knows the minimum cacheable length by model, erring high', () => {
    expect(minCacheableTokens('claude-sonnet-4-5')).toBe(1_024)
    expect(minCacheableTokens('claude-3-5-haiku-20241022')).toBe(2_048)
    expect(minCacheableTokens('claude-haiku-4-5')).toBe(4_096)
    expect(minCacheableTokens('claude-unknown')).toBe(4_096)
    expect(minCacheableTokens('claude-3-7-sonnet-20250219')).toBe(1_024)
    expect(minCacheableTokens('claude-sonnet-4-6')).toBe(2_048)
    expect(minCacheableTokens('claude-opus-4-5')).toBe(4_096)
    expect(minCacheableTokens('claude-fable-5-2')).toBe(512)
  })
})
