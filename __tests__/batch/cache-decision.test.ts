import {
  breakEven,
  decideCache,
  DEFAULT_HIT_RATE,
  markedCost,
  type HitRate,
} from '../../src/batch/cache-decision.js'

const baseline = (rate: number): HitRate => ({ rate, from: 'baseline' })

describe('the break-even of a marked prefix', () => {
  it('is where a marked request costs what an unmarked one does: 22% for 5m writes, 53% for 1h', () => {
    expect(breakEven('5m')).toBeCloseTo(0.25 / 1.15, 12)
    expect(breakEven('1h')).toBeCloseTo(1 / 1.9, 12)
    expect(markedCost('1h', breakEven('1h'))).toBeCloseTo(1, 12)
    expect(markedCost('5m', breakEven('5m'))).toBeCloseTo(1, 12)
    expect(markedCost('1h', 0)).toBe(2)
    expect(markedCost('1h', 1)).toBeCloseTo(0.1, 12)
  })
})

describe('decideCache', () => {
  // 1,000 requests: the first wave (4) barely changes the rate. A 5m entry is assumed to get half the hits.
  it.each([
    [0, null],
    [DEFAULT_HIT_RATE, null], // 1h: 30% < 53%; 5m: 15% < 22%
    [0.43, null], // 5m: 21.5% < 21.7%
    [0.45, '5m'], // 5m: 22.5% pays (0.991 < 1); 1h: 1.145
    [0.55, '5m'], // 1h pays (0.955) but 5m costs less (0.934)
    [0.6, '1h'], // 1h 0.86 < 5m 0.905
    [0.98, '1h'],
  ])('at an expected hit rate of %p chooses %p', (rate, ttl) => {
    expect(decideCache('auto', 1_000, baseline(rate)).ttl).toBe(ttl)
  })

  it('caps the hit rate at the requests after the first wave, which all miss', () => {
    expect(decideCache('auto', 4, baseline(0.98)).ttl).toBeNull()
    // 8 requests: at most 4 of 8 can hit, 50%, below 1h's break-even; 5m's 25% pays.
    expect(decideCache('auto', 8, baseline(0.98))).toEqual({
      ttl: '5m',
      why: 'pays above a 22% hit rate; expected 25% from the baseline, as the first 4 of 8 requests miss',
    })
  })

  it('marks whatever the rate when 5m or 1h is forced', () => {
    expect(decideCache('5m', 2, baseline(0))).toEqual({
      ttl: '5m',
      why: 'as cache: 5m asks (it pays above a 22% hit rate)',
    })
    expect(decideCache('1h', 2, baseline(0)).ttl).toBe('1h')
  })
})
