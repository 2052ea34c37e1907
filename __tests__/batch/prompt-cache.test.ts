import { applyPromptCache, minCacheableTokens } from '../../src/batch/prompt-cache.js'
import type { BatchRequest } from '../../src/model.js'

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
    const { requests: marked, plans } = applyPromptCache(requests)
    for (const r of marked)
      expect(r.params.system).toEqual([{ type: 'text', text: LONG, cache_control: breakpoint }])
    expect(marked.map((r) => r.params.messages)).toEqual(requests.map((r) => r.params.messages))
    expect(plans).toEqual([
      { model: 'claude-haiku-4-5', prefix: 'system', prefixTokens: Math.ceil(LONG.length / 4), requests: 3 },
    ])
    expect(requests[0].params.system).toBe(LONG)
  })

  it('marks nothing when the shared prefix is shorter than the model caches', () => {
    const requests = ['a', 'b', 'c'].map((id) => request(id, { system: 'Be brief.' }))
    expect(applyPromptCache(requests)).toEqual({ requests, plans: [] })
  })

  it('marks nothing when requests differ in their prefix, or the author placed breakpoints', () => {
    const different = [
      request('a', { system: LONG }),
      request('b', { system: LONG }),
      request('c', { system: `${LONG}!` }),
    ]
    expect(applyPromptCache(different).plans).toEqual([])
    const authored = ['a', 'b', 'c'].map((id) =>
      request(id, { system: [{ type: 'text', text: LONG, cache_control: { type: 'ephemeral' } }] }),
    )
    expect(applyPromptCache(authored)).toEqual({ requests: authored, plans: [] })
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
    const { requests: marked, plans } = applyPromptCache(requests)
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

  it('marks nothing for two requests, whose cached prefix would cost more than it saves', () => {
    // One 1-hour write (2x the input price) and one read (0.1x) is 2.1x, against 2x uncached.
    const two = ['a', 'b'].map((id) => request(id, { system: LONG }))
    expect(applyPromptCache(two)).toEqual({ requests: two, plans: [] })
    const three = ['a', 'b', 'c'].map((id) => request(id, { system: LONG }))
    expect(applyPromptCache(three).plans).toEqual([expect.objectContaining({ requests: 3 })])
  })

  it('knows the minimum cacheable length by model, erring high', () => {
    expect(minCacheableTokens('claude-sonnet-4-5')).toBe(1_024)
    expect(minCacheableTokens('claude-3-5-haiku-20241022')).toBe(2_048)
    expect(minCacheableTokens('claude-haiku-4-5')).toBe(4_096)
    expect(minCacheableTokens('claude-unknown')).toBe(4_096)
  })
})
