import { cacheSentence, cacheSummaryOf } from '../../src/report/cache-summary.js'
import { NO_TOKENS } from '../../src/cost/pricing.js'
import type { ModelCost } from '../../src/report/report.js'

const FEMTO = 10n ** 15n
const row = (more: Partial<ModelCost>): ModelCost => ({
  model: 'claude-haiku-4-5',
  role: 'outputs',
  tests: 10,
  tokens: NO_TOKENS,
  cost: { standard: 0n, batch: 0n },
  unpricedTests: 0,
  unpricedReason: null,
  cacheSaving: { standard: 0n, batch: 0n },
  cacheRequests: { marked: 0, hits: 0 },
  ...more,
})

describe('cacheSummaryOf', () => {
  it('is null when no request wrote or read the cache', () => {
    expect(cacheSummaryOf([row({ tokens: { ...NO_TOKENS, input: 500 } })])).toBeNull()
  })

  it('sums the models: the hit rate over marked requests, the cached share of input, the saving', () => {
    const summary = cacheSummaryOf([
      row({
        tokens: { ...NO_TOKENS, input: 1_000, cacheWrite1h: 4_000, cacheRead: 12_000 },
        cacheRequests: { marked: 4, hits: 3 },
        cacheSaving: { standard: 8n * FEMTO, batch: 4n * FEMTO },
      }),
      row({
        model: 'claude-sonnet-4-5',
        tokens: { ...NO_TOKENS, input: 1_000, cacheWrite5m: 2_000 },
        cacheRequests: { marked: 1, hits: 0 },
        cacheSaving: { standard: -2n * FEMTO, batch: -FEMTO },
      }),
    ])
    expect(summary).toEqual({
      markedRequests: 5,
      hitRequests: 3,
      hitRate: 0.6,
      cachedInputShare: 12_000 / 20_000,
      readTokens: 12_000,
      writeTokens: 6_000,
      saving: { standard: 6n * FEMTO, batch: 3n * FEMTO },
    })
    if (!summary) throw new Error('expected a summary')
    expect(cacheSentence(summary)).toBe(
      'Prompt caching: 3 of 5 marked requests (60%) read their prefix from the cache; 60% of input tokens were ' +
        'cache reads (12,000 read, 6,000 written); caching saved $3.00 at batch prices against cache: off.',
    )
  })

  it('says what caching cost when its writes outweighed its reads, emphasized, never as a negative saving', () => {
    const summary = cacheSummaryOf([
      row({
        tokens: { ...NO_TOKENS, input: 100, cacheWrite1h: 9_000, cacheRead: 900 },
        cacheRequests: { marked: 10, hits: 1 },
        cacheSaving: { standard: -FEMTO / 100n, batch: -FEMTO / 200n },
      }),
    ])
    if (!summary) throw new Error('expected a summary')
    expect(summary.hitRate).toBe(0.1)
    const sentence = cacheSentence(summary, (text) => `**${text}**`)
    expect(sentence).toContain('**caching cost $0.005 more** at batch prices than cache: off')
    expect(sentence).not.toContain('$-')
  })
})
