import type { Usage } from '@anthropic-ai/sdk/resources/messages/messages'
import { usage as baseUsage } from './fixtures/messages.js'
import { addCosts, costOf, formatUsd, NO_COST, usdString, type Cost } from '../src/pricing.js'

/** Usage with no tokens but those given. */
const usage = (parts: Partial<Usage>) => baseUsage({ input_tokens: 0, output_tokens: 0, ...parts })

const everyKind = usage({
  input_tokens: 1000,
  output_tokens: 500,
  cache_creation_input_tokens: 3000,
  cache_creation: { ephemeral_5m_input_tokens: 2000, ephemeral_1h_input_tokens: 1000 },
  cache_read_input_tokens: 10_000,
})

function dollars(model: string, u: Usage): { standard: string; batch: string } {
  const priced = costOf(model, u)
  if (!('cost' in priced)) throw new Error(priced.unknown)
  return { standard: usdString(priced.cost.standard), batch: usdString(priced.cost.batch) }
}

describe('costOf', () => {
  it('prices every token kind with the cache multipliers, and batch at half', () => {
    // 1000x$1 + 2000x$1.25 + 1000x$2 + 10000x$0.10 + 500x$5, per million tokens
    expect(dollars('claude-haiku-4-5', everyKind)).toEqual({ standard: '0.009', batch: '0.0045' })
  })

  it('uses the cache prices a model lists instead of the multipliers', () => {
    // Opus 5.5: 1000x$4 + 2000x$5 + 1000x$8 + 10000x$0.20 + 500x$20
    expect(dollars('claude-opus-5-5', everyKind)).toEqual({ standard: '0.034', batch: '0.017' })
  })

  it('prices dated snapshot ids as their alias', () => {
    const u = usage({ input_tokens: 1_234_567, output_tokens: 7 })
    expect(dollars('claude-3-5-haiku-20241022', u)).toEqual({ standard: '0.9876816', batch: '0.4938408' })
    expect(dollars('claude-sonnet-4-20250514', u)).toEqual(dollars('claude-sonnet-4-0', u))
    expect(dollars('claude-haiku-4-5-20251001', everyKind)).toEqual(dollars('claude-haiku-4-5', everyKind))
  })

  it('counts cache writes without a TTL split as 5-minute writes', () => {
    const u = usage({ cache_creation_input_tokens: 1000, cache_creation: null })
    expect(dollars('claude-haiku-4-5', u)).toEqual({ standard: '0.00125', batch: '0.000625' })
  })

  it('says why a cost is unknown instead of guessing', () => {
    expect(costOf('claude-mystery-9', everyKind)).toEqual({
      unknown: expect.stringMatching(
        /^model 'claude-mystery-9' is not in the price table \(\d{4}-\d{2}-\d{2}\)$/,
      ),
    })
    const webSearch = usage({
      input_tokens: 10,
      server_tool_use: { web_search_requests: 1, web_fetch_requests: 0 },
    })
    expect(costOf('claude-haiku-4-5', webSearch)).toEqual({
      unknown: expect.stringContaining('server tool fees'),
    })
  })

  it('sums 100,000 small costs without drift', () => {
    const one = costOf('claude-3-haiku', usage({ input_tokens: 13, output_tokens: 7 }))
    if (!('cost' in one)) throw new Error('unpriced')
    let total: Cost = NO_COST
    for (let i = 0; i < 100_000; i++) total = addCosts(total, one.cost)
    // (13 x 0.25 + 7 x 1.25) / 1e6 = 0.000012 per test
    expect(usdString(total.standard)).toBe('1.2')
    expect(usdString(total.batch)).toBe('0.6')
  })
})

describe('money formats', () => {
  it.each([
    [0n, '0'],
    [1n, '0.000000000000001'],
    [4_500_000_000_000n, '0.0045'],
    [12n * 10n ** 15n, '12'],
    [-5n * 10n ** 14n, '-0.5'],
  ])('usdString(%s) = %s', (femto, text) => expect(usdString(femto)).toBe(text))

  it.each([
    [0n, '$0'],
    [4_500_000_000_000n, '$0.0045'],
    [123_456_000_000_000n, '$0.1235'],
    [12_345n * 10n ** 13n, '$123.45'],
    [31_234_000_000n, '$0.00003123'],
  ])('formatUsd(%s) = %s', (femto, text) => expect(formatUsd(femto)).toBe(text))
})
