import type { BatchRequest } from '../src/batch-requests.js'
import { estimateCost, MAX_COUNTED_REQUESTS } from '../src/estimate.js'
import { usdString } from '../src/pricing.js'

const request = (id: string, text: string, model = 'claude-haiku-4-5', maxTokens = 1_000): BatchRequest => ({
  custom_id: id,
  params: { model, max_tokens: maxTokens, messages: [{ role: 'user', content: text }] },
})

describe('estimateCost', () => {
  it('prices counted input and worst-case output at batch prices', async () => {
    const requests = [request('a', 'x'), request('b', 'y')]
    const estimate = await estimateCost(requests, async () => 10_000)
    // Haiku 4.5 at batch prices: $0.50 in / $2.50 out per million.
    // low: 2 x 10,000 x 0.5e-6 = $0.01; high: + 2 x 1,000 x 2.5e-6 = $0.005 more.
    expect(estimate).toMatchObject({
      requests: 2,
      inputTokens: 20_000,
      maxOutputTokens: 2_000,
      method: 'count_tokens',
    })
    expect([
      usdString(estimate.low.batch),
      usdString(estimate.high.batch),
      usdString(estimate.high.standard),
    ]).toEqual(['0.01', '0.015', '0.03'])
  })

  it('counts each distinct request once', async () => {
    const counted: string[] = []
    const requests = [request('a', 'same'), request('b', 'same'), request('c', 'other')]
    await estimateCost(requests, async (params) => {
      counted.push(params.messages[0].content as string)
      return 5
    })
    expect(counted.sort()).toEqual(['other', 'same'])
  })

  it('scales the uncounted rest from a sample, and falls back to the heuristic when counting fails', async () => {
    const requests = Array.from({ length: MAX_COUNTED_REQUESTS + 100 }, (_, i) =>
      request(`t${i}`, `${'w'.repeat(400)}${i}`),
    )
    const sampled = await estimateCost(requests, async () => 200)
    expect(sampled.method).toBe('count_tokens sample')
    expect(sampled.inputTokens).toBeGreaterThanOrEqual(200 * requests.length - 100)
    expect(sampled.inputTokens).toBeLessThanOrEqual(200 * requests.length + 100)

    const fallback = await estimateCost([request('a', 'x'.repeat(400))], async () => {
      throw new Error('404 not found')
    })
    expect(fallback).toMatchObject({ method: 'heuristic', inputTokens: 100 })
  })

  it('prices a cached prefix as a 1-hour write in the worst case, and leaves unpriced models out', async () => {
    const estimate = await estimateCost(
      [request('a', 'x', 'claude-haiku-4-5', 0), request('b', 'y', 'claude-mystery-1')],
      async () => 10_000,
      new Map([['claude-haiku-4-5', 4_000]]),
    )
    // 6,000 input x $0.50 + 4,000 written x $1.00 (2x input), per million, at batch prices.
    expect(usdString(estimate.high.batch)).toBe('0.007')
    expect(estimate.unpricedModels).toEqual(['claude-mystery-1'])
  })
})
