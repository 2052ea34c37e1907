import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Usage } from '@anthropic-ai/sdk/resources/messages/messages'
import { usage as baseUsage } from '../fixtures/messages.js'
import {
  addCosts,
  costOf,
  createPricer,
  isPriced,
  loadPriceOverrides,
  NO_COST,
  PRICE_TABLE_DATE,
  PricingFileError,
  setPricer,
  unpricedModelReason,
  type Pricer,
} from '../../src/cost/pricing.js'
import { formatUsd, usdString } from '../../src/cost/usd.js'
import type { Cost } from '../../src/model.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')

/** Usage with no tokens but those given. */
const usage = (parts: Partial<Usage>) => baseUsage({ input_tokens: 0, output_tokens: 0, ...parts })

/** Cache writes of both TTLs, as the API reports them (the total and the split). */
const writes = (fiveMinutes: number, oneHour: number): Partial<Usage> => ({
  cache_creation_input_tokens: fiveMinutes + oneHour,
  cache_creation: { ephemeral_5m_input_tokens: fiveMinutes, ephemeral_1h_input_tokens: oneHour },
})

const tools = (web_search_requests: number, web_fetch_requests = 0): Partial<Usage> => ({
  server_tool_use: { web_search_requests, web_fetch_requests },
})

const everyKind = usage({
  input_tokens: 1000,
  output_tokens: 500,
  ...writes(2000, 1000),
  cache_read_input_tokens: 10_000,
})

function dollars(model: string, u: Usage, pricer?: Pricer): { standard: string; batch: string } {
  const priced = (pricer ?? { costOf }).costOf(model, u)
  if (!('cost' in priced)) throw new Error(priced.unknown)
  return { standard: usdString(priced.cost.standard), batch: usdString(priced.cost.batch) }
}

const pricerWith = (text: string, file = 'prices.yml') => createPricer(loadPriceOverrides(text, file))

describe('costOf: token kinds', () => {
  it('prices plain input and output', () => {
    // Haiku 4.5: 1000 x $1 + 500 x $5 = $3,500 per million tokens = $0.0035; batch half
    expect(dollars('claude-haiku-4-5', usage({ input_tokens: 1000, output_tokens: 500 }))).toEqual({
      standard: '0.0035',
      batch: '0.00175',
    })
  })

  it('prices 5-minute cache writes at 1.25x the input price', () => {
    // Sonnet 4.6: 100 x $3 + 2000 x $3.75 = $300 + $7,500 = $7,800 per million = $0.0078
    expect(dollars('claude-sonnet-4-6', usage({ input_tokens: 100, ...writes(2000, 0) }))).toEqual({
      standard: '0.0078',
      batch: '0.0039',
    })
  })

  it('prices 1-hour cache writes at 2x the input price', () => {
    // Sonnet 4.6: 100 x $3 + 1000 x $6 = $300 + $6,000 per million = $0.0063
    expect(dollars('claude-sonnet-4-6', usage({ input_tokens: 100, ...writes(0, 1000) }))).toEqual({
      standard: '0.0063',
      batch: '0.00315',
    })
  })

  it('prices cache reads at 0.1x the input price', () => {
    // Sonnet 4.6: 100 x $3 + 10,000 x $0.30 + 200 x $15 = $300 + $3,000 + $3,000 per million = $0.0063
    const u = usage({ input_tokens: 100, cache_read_input_tokens: 10_000, output_tokens: 200 })
    expect(dollars('claude-sonnet-4-6', u)).toEqual({ standard: '0.0063', batch: '0.00315' })
  })

  it('prices every token kind together, and batch at half', () => {
    // Haiku 4.5: 1000 x $1 + 2000 x $1.25 + 1000 x $2 + 10,000 x $0.10 + 500 x $5 = $9,000 per million
    expect(dollars('claude-haiku-4-5', everyKind)).toEqual({ standard: '0.009', batch: '0.0045' })
  })

  it('uses the cache prices a model lists instead of the multipliers', () => {
    // Opus 5.5: 1000 x $4 + 2000 x $5 + 1000 x $8 + 10,000 x $0.20 + 500 x $20 = $34,000 per million
    expect(dollars('claude-opus-5-5', everyKind)).toEqual({ standard: '0.034', batch: '0.017' })
    const reads = usage({ cache_read_input_tokens: 10_000 })
    // Fable 5.1 cache hits at 0.025x: 10,000 x $0.25 = $2,500 per million
    expect(dollars('claude-fable-5-1', reads)).toEqual({ standard: '0.0025', batch: '0.00125' })
    // Sonnet 5.5 cache hits at 0.05x: 10,000 x $0.10 = $1,000 per million
    expect(dollars('claude-sonnet-5-5', reads)).toEqual({ standard: '0.001', batch: '0.0005' })
    // Claude 3 Haiku's own cache prices: 1000 x $0.30 + 1000 x $0.50 + 1000 x $0.03 = $830 per million
    const haiku3 = usage({ ...writes(1000, 1000), cache_read_input_tokens: 1000 })
    expect(dollars('claude-3-haiku', haiku3)).toEqual({ standard: '0.00083', batch: '0.000415' })
  })

  it('counts cache writes without a TTL split as 5-minute writes', () => {
    // Haiku 4.5: 1000 x $1.25 = $1,250 per million
    const u = usage({ cache_creation_input_tokens: 1000, cache_creation: null })
    expect(dollars('claude-haiku-4-5', u)).toEqual({ standard: '0.00125', batch: '0.000625' })
  })

  it('prices aliases and dated snapshot ids as their model', () => {
    const u = usage({ input_tokens: 1_234_567, output_tokens: 7 })
    // Haiku 3.5: 1,234,567 x $0.80 + 7 x $4 = $987,653.6 + $28 per million = $0.9876816
    expect(dollars('claude-3-5-haiku-20241022', u)).toEqual({ standard: '0.9876816', batch: '0.4938408' })
    expect(dollars('claude-3-5-haiku-latest', u)).toEqual(dollars('claude-3-5-haiku', u))
    expect(dollars('claude-sonnet-4-20250514', u)).toEqual(dollars('claude-sonnet-4-0', u))
    expect(dollars('claude-opus-4', u)).toEqual(dollars('claude-opus-4-0', u))
    expect(dollars('claude-haiku-4-5-20251001', everyKind)).toEqual(dollars('claude-haiku-4-5', everyKind))
    // A snapshot the table does not list still prices as its undated id.
    expect(dollars('claude-opus-5-5-20270101', everyKind)).toEqual(dollars('claude-opus-5-5', everyKind))
  })
})

describe('costOf: long context', () => {
  it('prices a request at the threshold at the standard prices', () => {
    // Sonnet 4.5, 150,000 input + 50,000 cache reads = 200,000, not above 200,000:
    // 150,000 x $3 + 50,000 x $0.30 + 1000 x $15 = $450,000 + $15,000 + $15,000 per million = $0.48
    const u = usage({ input_tokens: 150_000, cache_read_input_tokens: 50_000, output_tokens: 1000 })
    expect(dollars('claude-sonnet-4-5', u)).toEqual({ standard: '0.48', batch: '0.24' })
  })

  it('prices every token of a request above the threshold at the long-context prices', () => {
    // Sonnet 4.5, 150,001 + 50,000 = 200,001 input tokens, above 200,000:
    // 150,001 x $6 + 50,000 x $0.60 + 1000 x $22.50 = $900,006 + $30,000 + $22,500 per million = $0.952506
    const u = usage({ input_tokens: 150_001, cache_read_input_tokens: 50_000, output_tokens: 1000 })
    expect(dollars('claude-sonnet-4-5', u)).toEqual({ standard: '0.952506', batch: '0.476253' })
  })

  it('counts cache writes toward the threshold', () => {
    // Sonnet 4.5, 100 input + 200,000 5-minute writes = 200,100, above 200,000:
    // 100 x $6 + 200,000 x $7.50 (1.25 x $6) = $600 + $1,500,000 per million = $1.5006
    const u = usage({ input_tokens: 100, ...writes(200_000, 0) })
    expect(dollars('claude-sonnet-4-5', u)).toEqual({ standard: '1.5006', batch: '0.7503' })
  })

  it('prices the 1M window of Claude 4.6 and later models at the standard prices', () => {
    // Sonnet 4.6: 900,000 x $3 = $2.70
    expect(dollars('claude-sonnet-4-6', usage({ input_tokens: 900_000 }))).toEqual({
      standard: '2.7',
      batch: '1.35',
    })
  })

  it("prices Haiku 5.5's prompts up to 100,000 tokens at the lower tier", () => {
    // 60,000 input + 30,000 writes + 10,000 reads = 100,000, not over 100,000:
    // 60,000 x $0.10 + 20,000 x $0.125 + 10,000 x $0.20 + 10,000 x $0.01 + 2000 x $0.50
    // = $6,000 + $2,500 + $2,000 + $100 + $1,000 per million = $0.0116
    const u = usage({
      input_tokens: 60_000,
      ...writes(20_000, 10_000),
      cache_read_input_tokens: 10_000,
      output_tokens: 2000,
    })
    expect(dollars('claude-haiku-5-5', u)).toEqual({ standard: '0.0116', batch: '0.0058' })
  })

  it("prices Haiku 5.5's prompts over 100,000 tokens at the higher tier, output included", () => {
    // 60,001 + 30,000 + 10,000 = 100,001 input tokens, over 100,000:
    // 60,001 x $0.50 + 20,000 x $0.625 + 10,000 x $1 + 10,000 x $0.05 + 2000 x $2.50
    // = $30,000.5 + $12,500 + $10,000 + $500 + $5,000 per million = $0.0580005
    const u = usage({
      input_tokens: 60_001,
      ...writes(20_000, 10_000),
      cache_read_input_tokens: 10_000,
      output_tokens: 2000,
    })
    expect(dollars('claude-haiku-5-5', u)).toEqual({ standard: '0.0580005', batch: '0.02900025' })
  })
})

describe('costOf: inference_geo', () => {
  const plain = { input_tokens: 1000, output_tokens: 100 }

  it('multiplies every token price by 1.1 for US-only inference on Claude 4.6 and later models', () => {
    // Opus 4.6: (1000 x $5 + 100 x $25) x 1.1 = $7,500 x 1.1 = $8,250 per million = $0.00825
    expect(dollars('claude-opus-4-6', usage({ ...plain, inference_geo: 'us' }))).toEqual({
      standard: '0.00825',
      batch: '0.004125',
    })
    expect(dollars('claude-opus-4-6', usage({ ...plain, inference_geo: 'global' }))).toEqual({
      standard: '0.0075',
      batch: '0.00375',
    })
  })

  it('stacks with a long-context tier', () => {
    // Haiku 5.5 over 100,000 (as above, $0.0580005) x 1.1 = $0.06380055
    const u = usage({
      input_tokens: 60_001,
      ...writes(20_000, 10_000),
      cache_read_input_tokens: 10_000,
      output_tokens: 2000,
      inference_geo: 'us',
    })
    expect(dollars('claude-haiku-5-5', u)).toEqual({ standard: '0.06380055', batch: '0.031900275' })
  })

  it('leaves earlier models at their standard prices', () => {
    // Haiku 4.5 has no US-only price: 1000 x $1 + 100 x $5 = $1,500 per million
    expect(dollars('claude-haiku-4-5', usage({ ...plain, inference_geo: 'us' }))).toEqual({
      standard: '0.0015',
      batch: '0.00075',
    })
  })

  it('says so for a geo the model has no price for', () => {
    expect(costOf('claude-opus-4-6', usage({ ...plain, inference_geo: 'eu' }))).toEqual({
      unknown: "model 'claude-opus-4-6' has no price for inference_geo 'eu'",
    })
  })
})

describe('costOf: server tools', () => {
  const plain = { input_tokens: 1000, output_tokens: 500 }

  it('adds $10 per 1,000 web searches, and says the batch cost is unknown while its discount is unconfirmed', () => {
    const result = costOf('claude-haiku-4-5', usage({ ...plain, ...tools(3) }))
    expect(result).toEqual({ unknown: expect.stringContaining('web search fees') })
    expect(result).toEqual({ unknown: expect.stringContaining('server_tool_batch_multiplier') })
  })

  it('prices web searches at batch prices once the pricing file says what the Batch API charges of them', () => {
    // Haiku 4.5: 1000 x $1 + 500 x $5 = $0.0035, + 3 x $0.01 = $0.0335;
    // batch: $0.0035 / 2 + 3 x $0.01 x 0.5 = $0.00175 + $0.015 = $0.01675
    const halved = pricerWith('server_tool_batch_multiplier: 0.5\nmodels: {}\n')
    expect(dollars('claude-haiku-4-5', usage({ ...plain, ...tools(3) }), halved)).toEqual({
      standard: '0.0335',
      batch: '0.01675',
    })
    // batch at full fee: $0.00175 + $0.03 = $0.03175
    const full = pricerWith('server_tool_batch_multiplier: 1\nmodels: {}\n')
    expect(dollars('claude-haiku-4-5', usage({ ...plain, ...tools(3) }), full)).toEqual({
      standard: '0.0335',
      batch: '0.03175',
    })
  })

  it('does not apply the US-only multiplier to tool fees', () => {
    // Opus 4.6: (1000 x $5 + 500 x $25) x 1.1 = $0.01925, + 1 x $0.01 = $0.02925;
    // batch: $0.01925 / 2 + $0.01 x 0.5 = $0.009625 + $0.005 = $0.014625
    const halved = pricerWith('server_tool_batch_multiplier: 0.5\nmodels: {}\n')
    const u = usage({ ...plain, ...tools(1), inference_geo: 'us' })
    expect(dollars('claude-opus-4-6', u, halved)).toEqual({ standard: '0.02925', batch: '0.014625' })
  })

  it('charges nothing for web fetch beyond its tokens', () => {
    // Haiku 4.5: 25,000 x $1 + 500 x $5 = $27,500 per million, 2 fetches at $0
    const u = usage({ input_tokens: 25_000, output_tokens: 500, ...tools(0, 2) })
    expect(dollars('claude-haiku-4-5', u)).toEqual({ standard: '0.0275', batch: '0.01375' })
  })

  it('says so for a server tool the table has no price for', () => {
    const u = usage({ ...plain, server_tool_use: { code_execution_requests: 1 } as never })
    expect(costOf('claude-haiku-4-5', u)).toEqual({
      unknown: "server tool usage 'code_execution_requests' has no price in the price table",
    })
  })
})

describe('costOf: what it cannot price', () => {
  it('says a model is not in the table instead of guessing', () => {
    expect(costOf('claude-mystery-9', everyKind)).toEqual({
      unknown:
        `model 'claude-mystery-9' is not in the price table (${PRICE_TABLE_DATE}); give its prices with the ` +
        'pricing input (--pricing), as in examples/pricing.json (docs/costs-and-caching.md#unpriced-models)',
    })
    expect(isPriced('claude-mystery-9')).toBe(false)
    expect(unpricedModelReason('claude-mystery-9', PRICE_TABLE_DATE, 'prices.yml')).toMatch(
      /^model 'claude-mystery-9' is not in the price table \(\d{4}-\d{2}-\d{2}\) or in prices\.yml; give its prices/,
    )
  })

  it('points to a docs section and an example file that exist', () => {
    const docs = readFileSync(path.join(ROOT, 'docs/costs-and-caching.md'), 'utf8')
    expect(docs).toMatch(/^### Unpriced models$/m)
    const reason = unpricedModelReason('claude-mystery-9', PRICE_TABLE_DATE)
    expect(reason).toContain('docs/costs-and-caching.md#unpriced-models')
    expect(reason).toContain('examples/pricing.json')
    // The example file prices the models it shows, snapshot ids and -latest included.
    const example = createPricer(
      loadPriceOverrides(readFileSync(path.join(ROOT, 'examples/pricing.json'), 'utf8'), 'pricing.json'),
    )
    const u = usage({ input_tokens: 1_000_000, output_tokens: 100_000 })
    // 1,000,000 x $2 + 100,000 x $10 = $3 at standard prices
    expect(dollars('claude-mystery-9', u, example)).toEqual({ standard: '3', batch: '1.5' })
    expect(dollars('claude-mystery-9-20270101', u, example)).toEqual({ standard: '3', batch: '1.5' })
    expect(dollars('claude-mystery-latest', u, example)).toEqual({ standard: '3', batch: '1.5' })
    expect(example.isPriced('claude-mystery-9-mini')).toBe(true)
  })

  it('prices Claude Fable 5.2 and the retired models users still name', () => {
    const u = usage({
      input_tokens: 1000,
      output_tokens: 500,
      ...writes(2000, 1000),
      cache_read_input_tokens: 10_000,
    })
    // Fable 5.2: 1000 x $8 + 2000 x $10 + 1000 x $16 + 10,000 x $0.20 + 500 x $40 = $66,000 per million
    expect(dollars('claude-fable-5-2', u)).toEqual({ standard: '0.066', batch: '0.033' })
    // Sonnet 3.5: 1000 x $3 + 2000 x $3.75 + 1000 x $6 + 10,000 x $0.30 + 500 x $15 = $27,000 per million
    for (const model of [
      'claude-3-5-sonnet-20241022',
      'claude-3-5-sonnet-latest',
      'claude-3-7-sonnet-latest',
    ]) {
      expect([model, dollars(model, u)]).toEqual([model, { standard: '0.027', batch: '0.0135' }])
    }
    // Opus 3: five times Sonnet 3.5's prices
    expect(dollars('claude-3-opus-20240229', u)).toEqual({ standard: '0.135', batch: '0.0675' })
    expect(dollars('claude-3-opus-latest', u)).toEqual({ standard: '0.135', batch: '0.0675' })
  })

  it('says fast mode is not priced', () => {
    expect(costOf('claude-opus-4-8', usage({ input_tokens: 10, speed: 'fast' }))).toEqual({
      unknown: 'fast mode prices are not in the price table',
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

describe('a pricing file', () => {
  it('changes a model’s prices, for its aliases and dated ids too', () => {
    const pricer = pricerWith('models:\n  claude-haiku-4-5:\n    input: 0.8\n    output: 4\n')
    // 1000 x $0.80 + 2000 x $1 + 1000 x $1.60 + 10,000 x $0.08 + 500 x $4 = $7,200 per million
    expect(dollars('claude-haiku-4-5', everyKind, pricer)).toEqual({ standard: '0.0072', batch: '0.0036' })
    expect(dollars('claude-haiku-4-5-20251001', everyKind, pricer)).toEqual({
      standard: '0.0072',
      batch: '0.0036',
    })
    expect(pricer.overrides).toEqual({ file: 'prices.yml', changed: ['claude-haiku-4-5'], added: [] })
    // The built-in prices are untouched.
    expect(dollars('claude-haiku-4-5', everyKind)).toEqual({ standard: '0.009', batch: '0.0045' })
  })

  it('adds a model and its alias', () => {
    const pricer = pricerWith(
      JSON.stringify({
        models: { 'acme-claude-proxy': { input: 1.5, output: 7.5, cache_read: 0.15 } },
        aliases: { 'acme-latest': 'acme-claude-proxy' },
      }),
      'acme-prices.json',
    )
    // 2000 x $1.50 + 1000 x $0.15 + 400 x $7.50 = $3,000 + $150 + $3,000 per million = $0.00615
    const u = usage({ input_tokens: 2000, cache_read_input_tokens: 1000, output_tokens: 400 })
    expect(dollars('acme-claude-proxy', u, pricer)).toEqual({ standard: '0.00615', batch: '0.003075' })
    expect(dollars('acme-latest', u, pricer)).toEqual({ standard: '0.00615', batch: '0.003075' })
    expect(pricer.overrides).toEqual({ file: 'acme-prices.json', changed: [], added: ['acme-claude-proxy'] })
    expect(pricer.costOf('acme-other', u)).toEqual({
      unknown: unpricedModelReason('acme-other', PRICE_TABLE_DATE, 'acme-prices.json'),
    })
  })

  it('adds a model with a long-context tier and a US-only price, kept exact', () => {
    const pricer = pricerWith(
      [
        'models:',
        '  tiny-model:',
        '    input: 0.000000001', // 1e-9 USD per million tokens: 1 femtodollar a token
        '    output: 0',
        '    long_context: { above_input_tokens: 10, input: 0.000000003, output: 0 }',
        '    inference_geo: { us: 1.5 }',
      ].join('\n'),
    )
    // 10 x 1 femtodollar = 10 femtodollars; batch 5
    expect(dollars('tiny-model', usage({ input_tokens: 10 }), pricer)).toEqual({
      standard: '0.00000000000001',
      batch: '0.000000000000005',
    })
    // 11 tokens, above 10: 11 x 3 femtodollars x 1.5 = 49.5, 50 to the nearest; batch 24.75, 25 to the nearest
    expect(dollars('tiny-model', usage({ input_tokens: 11, inference_geo: 'us' }), pricer)).toEqual({
      standard: '0.00000000000005',
      batch: '0.000000000000025',
    })
  })

  it('becomes the prices of costOf and isPriced once set', () => {
    const previous = setPricer(pricerWith('models:\n  acme-model: { input: 1, output: 2 }\n'))
    try {
      // 1000 x $1 + 1000 x $2 = $3,000 per million
      expect(isPriced('acme-model')).toBe(true)
      expect(dollars('acme-model', usage({ input_tokens: 1000, output_tokens: 1000 }))).toEqual({
        standard: '0.003',
        batch: '0.0015',
      })
    } finally {
      setPricer(previous)
    }
    expect(isPriced('acme-model')).toBe(false)
  })

  it('is refused with every problem, each with its file, line and model', () => {
    const text = [
      'models:',
      '  claude-x:',
      '    input: three',
      '  claude-y:',
      '    input: 1',
      '    outptu: 5',
      'aliases:',
      '  claude-z: claude-nowhere',
    ].join('\n')
    expect(() => loadPriceOverrides(text, 'prices.yml')).toThrow(PricingFileError)
    let message = ''
    try {
      loadPriceOverrides(text, 'prices.yml')
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).toContain(
      `prices.yml:3: model 'claude-x': 'input' must be a number of USD per million tokens`,
    )
    expect(message).toContain(`prices.yml:2: model 'claude-x': 'output' is missing`)
    expect(message).toContain(`prices.yml:4: model 'claude-y': 'output' is missing`)
    expect(message).toContain(`prices.yml:6: model 'claude-y': unknown key 'outptu' (did you mean 'output'?)`)
    expect(message).toContain(`prices.yml:8: alias 'claude-z' names 'claude-nowhere', which is not a model`)
    expect(message).toMatch(/^The pricing file has 5 problems; nothing was submitted\./)
  })
})

describe('money formats', () => {
  it.each([
    [0n, '0'],
    [1n, '0.000000000000001'],
    [4_500_000_000_000n, '0.0045'],
    [12n * 10n ** 15n, '12'],
    [-5n * 10n ** 14n, '-0.5'],
    [-1n, '-0.000000000000001'],
    [10n, '0.00000000000001'],
    [123_456_789_012_345n, '0.123456789012345'],
    [999_999_999_999_999n, '0.999999999999999'],
    [1_000_000_000_000_001n, '1.000000000000001'],
    [1_500_000_000_000_000n, '1.5'],
    [10n ** 16n, '10'],
    [9_007_199_254_740_991n, '9.007199254740991'],
    // Above Number.MAX_SAFE_INTEGER: as a number, 2^53 + 1 would round to 2^53.
    [9_007_199_254_740_993n, '9.007199254740993'],
    [-9_007_199_254_740_993n, '-9.007199254740993'],
    [123_456_789n * 10n ** 12n, '123456.789'],
    [-(10n ** 20n), '-100000'],
    [10n ** 30n + 7n, '1000000000000000.000000000000007'],
  ])('usdString(%s) = %s', (femto, text) => expect(usdString(femto)).toBe(text))

  it('usdString agrees with placing the decimal point in the digits, at every magnitude', () => {
    const byDigits = (femto: bigint) => {
      const digits = (femto < 0n ? -femto : femto).toString().padStart(16, '0')
      const text = `${digits.slice(0, -15)}.${digits.slice(-15)}`.replace(/\.?0+$/, '')
      return femto < 0n ? `-${text}` : text
    }
    for (let power = 0n; power <= 30n; power++) {
      for (const femto of [10n ** power, 10n ** power - 1n, 3n ** power * 7n, 2n ** (power * 2n) + 1n]) {
        expect(usdString(femto)).toBe(byDigits(femto))
        expect(usdString(-femto)).toBe(byDigits(-femto))
      }
    }
  })

  it.each([
    [0n, '$0'],
    [4_500_000_000_000n, '$0.0045'],
    [123_456_000_000_000n, '$0.1235'],
    [12_345n * 10n ** 13n, '$123.45'],
    [31_234_000_000n, '$0.00003123'],
    [1n, '$0.000000000000001'],
    // Rounding that carries to the next power of ten keeps the form of the rounded amount.
    [999_950_000_000_000n, '$1.00'],
    [999_999_999_999_999n, '$1.00'],
    [999_949_999_999_999n, '$0.9999'],
    [99_996_000_000_000n, '$0.1'],
    [9_999_600_000_000n, '$0.01'],
    [9_999_960_000_000_000n, '$10.00'],
    [9_994_999_999_999_999n, '$9.99'],
    [-999_960_000_000_000n, '$-1.00'],
    [-99_996_000_000_000n, '$-0.1'],
  ])('formatUsd(%s) = %s', (femto, text) => expect(formatUsd(femto)).toBe(text))

  it('formatUsd never leaves a bare decimal point, at any power of ten', () => {
    for (let power = 0n; power <= 20n; power++) {
      for (const femto of [10n ** power - 1n, 10n ** power, 10n ** power - 10n ** (power / 2n)]) {
        expect(formatUsd(femto)).toMatch(/^\$(0|[1-9]\d*)(\.\d*[1-9]|\.\d\d)?$/)
      }
    }
  })
})
