import {
  estimateCost,
  estimateSummary,
  MAX_COUNTED_REQUESTS,
  type CostEstimate,
} from '../../src/cost/estimate.js'
import { renderEstimate } from '../../src/report/markdown.js'
import type { CachePlan } from '../../src/batch/prompt-cache.js'
import { usdString } from '../../src/cost/usd.js'
import type { BatchRequest } from '../../src/model.js'

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
    expect(fallback).toMatchObject({
      method: 'heuristic',
      inputTokens: 100,
      inputTokensRange: { low: 70, high: 130 },
      heuristicReason: 'count_tokens failed: 404 not found',
    })
  })

  it("widens a heuristic's input by its band at both ends, so the worst case covers it", async () => {
    // 40,000 characters: 10,000 tokens by the heuristic, 7,000 to 13,000 with the band.
    const requests = [request('a', 'x'.repeat(40_000))]
    const counted = await estimateCost(requests, async () => 10_000)
    const guessed = await estimateCost(requests, { notCounted: 'no API key was given' })
    expect(guessed).toMatchObject({
      method: 'heuristic',
      inputTokens: 10_000,
      inputTokensRange: { low: 7_000, high: 13_000 },
      heuristicReason: 'no API key was given',
    })
    expect(counted.inputTokensRange).toEqual({ low: 10_000, high: 10_000 })
    // Haiku 4.5 at batch prices, $0.50 in and $2.50 out per million: 13,000 in + 1,000 out at most.
    expect(usdString(guessed.high.batch)).toBe('0.009')
    expect(usdString(guessed.low.batch)).toBe('0.0035')
    expect(usdString(counted.high.batch)).toBe('0.0075')
  })

  it('bands only the requests scaled from a sample, not the counted ones', async () => {
    const requests = Array.from({ length: MAX_COUNTED_REQUESTS + 10 }, (_, i) =>
      request(`t${i}`, `${'w'.repeat(400)}${i}`),
    )
    const sampled = await estimateCost(requests, async () => 100)
    expect(sampled.countedRequests).toBe(MAX_COUNTED_REQUESTS)
    expect(sampled.inputTokensRange.low).toBe(sampled.inputTokens - 10 * 30)
    expect(sampled.inputTokensRange.high).toBe(sampled.inputTokens + 10 * 30)
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
    expect(estimate.pricedRequests).toBe(1)
    expect(estimate.unpriced).toEqual([
      {
        model: 'claude-mystery-1',
        requests: 1,
        reason: expect.stringMatching(/^model 'claude-mystery-1' is not in the price table/),
      },
    ])
  })

  it('reads every cached prefix from the cache at the low end, so that it bounds the run from below', async () => {
    // Four requests of 10,000 tokens sharing an 8,000-token prefix that cache: auto marked.
    const requests = ['a', 'b', 'c', 'd'].map((id) => request(id, id))
    const estimate = await estimateCost(requests, async () => 10_000, new Map([['claude-haiku-4-5', 8_000]]))
    // Haiku 4.5 at batch prices, per million: input $0.50, cache read $0.05, 1-hour write $1.00.
    // Low: 4 x (2,000 x 0.50 + 8,000 x 0.05) = $0.0056. A cold run without output costs one write and three
    // reads, 4 x 2,000 x 0.50 + 8,000 x 1.00 + 3 x 8,000 x 0.05 = $0.0132; a warm cache, the low end.
    expect(usdString(estimate.low.batch)).toBe('0.0056')
    expect(usdString(estimate.high.batch)).toBe(usdString(4n * (1_000n + 8_000n + 2_500n) * 10n ** 9n))
  })
})

describe('estimateSummary', () => {
  const estimateOf = (requests: BatchRequest[]) => estimateCost(requests, async () => 10_000)

  it('gives the range when every request is priced', async () => {
    const estimate = await estimateOf([request('a', 'x'), request('b', 'y')])
    expect(estimateSummary(estimate, 2)).toBe(
      'Estimated cost at batch prices (input tokens by count_tokens): $0.01 to $0.015, not counting the judge' +
        "'s requests for 2 test(s) with model-graded assertions.",
    )
  })

  it('says the cost is unknown, never $0, when no request is priced', async () => {
    const estimate = await estimateOf([
      request('a', 'x', 'claude-unknown-9'),
      request('b', 'y', 'claude-unknown-9'),
    ])
    const line = estimateSummary(estimate)
    expect(line).toMatch(
      /^Estimated cost at batch prices \(input tokens by count_tokens\): unknown\. 2 requests to claude-unknown-9 are not priced: model 'claude-unknown-9' is not in the price table \([^)]+\)[^$]*\.$/,
    )
    expect(line).not.toContain('$')
  })

  it('gives the priced requests their figures as theirs, and a floor for the run, when some are unpriced', async () => {
    const estimate = await estimateOf([request('a', 'x'), request('b', 'y', 'claude-unknown-9')])
    expect(estimateSummary(estimate)).toMatch(
      /^Estimated cost at batch prices \(input tokens by count_tokens\): unknown\. 1 request to claude-unknown-9 is not priced: .+\. The other request costs \$0\.005 to \$0\.0075, so the run costs at least \$0\.005\.$/,
    )
  })
})

describe('the method, first', () => {
  const requests = [request('a', 'x'.repeat(40_000))]

  it('starts the log line with a heuristic and why, and gives the banded range', async () => {
    const estimate = await estimateCost(requests, async () => {
      throw new Error('401 {"type":"error","error":{"message":"invalid x-api-key"}}')
    })
    expect(estimateSummary(estimate)).toBe(
      'Estimated cost at batch prices (input tokens by heuristic (4 characters a token, ±30%), because ' +
        'count_tokens failed: 401 {"type":"error","error":{"message":"invalid x-api-key"}}): $0.0035 to $0.009.',
    )
  })

  it('opens the dry-run report with the heuristic in bold, before the figures', async () => {
    const estimate = await estimateCost(requests, { notCounted: 'no API key was given' })
    const lines = renderEstimate({ estimate, plans: [], maxCostUsd: undefined, judgedTests: 0 }, 'dry run')
      .split('\n')
      .filter((line) => line !== '')
    expect(lines[1]).toBe(
      '**Estimated by heuristic, not counted**: Input tokens by heuristic (4 characters a token, ±30%), ' +
        'because no API key was given. Both ends of the range below take the band.',
    )
    expect(lines[2]).toBe(
      '1 requests · about 10,000 input tokens (7,000 to 13,000) · up to 1,000 output tokens.',
    )
  })

  it('says count_tokens first when it counted, with no band', async () => {
    const estimate = await estimateCost(requests, async () => 10_000)
    const lines = renderEstimate({ estimate, plans: [], maxCostUsd: undefined, judgedTests: 0 }, 'dry run')
      .split('\n')
      .filter((line) => line !== '')
    expect(lines[1]).toBe('Input tokens by count_tokens.')
    expect(lines[2]).toContain('10,000 input tokens ·')
  })
})

describe('renderEstimate', () => {
  const view = (estimate: CostEstimate, plans: CachePlan[] = []) => ({
    estimate,
    plans,
    maxCostUsd: 1,
    judgedTests: 0,
  })

  it('says the cost is unknown, not $0 to $0, for a model with no price', async () => {
    const estimate = await estimateCost([request('a', 'x', 'claude-unknown-9')], async () => 10_000)
    const markdown = renderEstimate(view(estimate), 'dry run')
    expect(markdown).toContain(
      "**Estimated cost at batch prices: unknown.** 1 request to claude-unknown-9 is not priced: model 'claude-unknown-9' is not in the price table",
    )
    expect(markdown).not.toMatch(/\$0 to \$0|The low end/)
    expect(markdown).toContain(
      'Budget (max-cost): $1 · **not checkable**: the cost of the unpriced requests is unknown.',
    )
  })

  it('gives the priced requests their range as theirs, and the run a floor, when some are unpriced', async () => {
    const estimate = await estimateCost(
      [request('a', 'x'), request('b', 'y', 'claude-unknown-9'), request('c', 'z', 'claude-unknown-9')],
      async () => 10_000,
    )
    expect(renderEstimate(view(estimate), 'dry run')).toContain(
      '**Estimated cost at batch prices: unknown.** 2 requests to claude-unknown-9 are not priced: model ' +
        "'claude-unknown-9' is not in the price table",
    )
    expect(renderEstimate(view(estimate), 'dry run')).toContain(
      'The other request costs $0.005 to $0.0075 at batch prices (standard prices: $0.01 to $0.015), so the ' +
        'run costs at least $0.005. The low end has no output; the high end has every output at max_tokens.',
    )
  })

  it("lists the suite load's warnings, inert, before anything is billed", async () => {
    const estimate = await estimateCost([request('a', 'x')], async () => 10)
    const warnings = [
      'temperature is set by 3 tests (e.g. evals/x.yml:4) and is not sent',
      'Skipped: <b>@team</b>',
    ]
    const markdown = renderEstimate({ ...view(estimate), warnings }, 'dry run')
    expect(markdown).toContain(
      '**Warnings**\n\n- temperature is set by 3 tests (e.g. evals/x.yml:4) and is not sent\n- Skipped: ',
    )
    expect(markdown).not.toContain('<b>')
    expect(markdown).not.toContain('@team')
    expect(renderEstimate(view(estimate), 'dry run')).not.toContain('Warnings')
  })

  it('says the low end reads every cached prefix from the cache', async () => {
    const requests = ['a', 'b', 'c'].map((id) => request(id, id))
    const plan = {
      model: 'claude-haiku-4-5',
      prefix: 'system',
      prefixTokens: 8_000,
      requests: 3,
      ttl: '1h' as const,
      why: 'as cache: 1h asks',
    }
    const estimate = await estimateCost(
      requests,
      async () => 10_000,
      new Map([[plan.model, plan.prefixTokens]]),
    )
    expect(renderEstimate(view(estimate, [plan]), 'dry run')).toContain(
      '**Estimated cost at batch prices: $0.0042 to $0.0345** (standard prices: $0.0084 to $0.069). The low end ' +
        'has no output and every cached prefix read from the cache (as when an earlier run wrote it within the ' +
        'hour); the high end has every output at max_tokens and every cached prefix written at the 1-hour price.',
    )
  })
})
