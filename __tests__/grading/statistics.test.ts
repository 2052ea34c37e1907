import { mcnemarExactP, passAtK, passHatK, wilsonInterval } from '../../src/grading/statistics.js'

/** C(n, k) as an exact integer. */
function binomial(n: number, k: number): bigint {
  let result = 1n
  for (let i = 0; i < k; i++) result = (result * BigInt(n - i)) / BigInt(i + 1)
  return result
}

/** The exact McNemar p-value from integers, for comparison. */
function exactMcnemar(b: number, c: number): number {
  const n = b + c
  let tail = 0n
  let term = 1n // C(n, i)
  for (let i = 0; i <= Math.min(b, c); i++) {
    tail += term
    term = (term * BigInt(n - i)) / BigInt(i + 1)
  }
  // 2 tail / 2^n from the top 64 bits of the tail, so that tiny p-values keep their precision too.
  const shift = Math.max(0, tail.toString(2).length - 64)
  return Math.min(1, Number(tail >> BigInt(shift)) * 2 ** (shift + 1 - n))
}

describe('wilsonInterval', () => {
  test('8 of 10, by hand: center (0.8 + 1.96²/20) / (1 + 1.96²/10), half-width 0.22658', () => {
    const { low, high } = wilsonInterval(8, 10)
    expect(low).toBeCloseTo(0.490157, 6)
    expect(high).toBeCloseTo(0.943319, 6)
  })

  test('stays inside [0, 1] at the edges and is not zero-width there', () => {
    expect(wilsonInterval(0, 10)).toEqual({ low: 0, high: expect.closeTo(0.27754, 5) })
    expect(wilsonInterval(10, 10)).toEqual({ low: expect.closeTo(0.72246, 5), high: 1 })
  })

  test('is symmetric around one half and narrows as trials grow', () => {
    const { low, high } = wilsonInterval(1, 2)
    expect(low).toBeCloseTo(0.094529, 6)
    expect(low + high).toBeCloseTo(1, 12)
    const wide = wilsonInterval(50, 100)
    const narrow = wilsonInterval(5000, 10000)
    expect(narrow.high - narrow.low).toBeLessThan((wide.high - wide.low) / 5)
  })

  test('a wider z gives a wider interval', () => {
    const at95 = wilsonInterval(8, 10)
    const at99 = wilsonInterval(8, 10, 2.576)
    expect(at99.low).toBeLessThan(at95.low)
    expect(at99.high).toBeGreaterThan(at95.high)
  })

  test('no trials: nothing is known', () => {
    expect(wilsonInterval(0, 0)).toEqual({ low: 0, high: 1 })
  })

  test('rejects impossible counts', () => {
    expect(() => wilsonInterval(11, 10)).toThrow('successes must be an integer from 0 to 10, got 11')
    expect(() => wilsonInterval(-1, 10)).toThrow('successes must be an integer from 0 to 10, got -1')
    expect(() => wilsonInterval(1.5, 10)).toThrow('successes must be an integer')
    expect(() => wilsonInterval(0, -1)).toThrow('trials must be an integer')
  })
})

describe('mcnemarExactP', () => {
  test('hand-computed values', () => {
    expect(mcnemarExactP(0, 6)).toBe(0.03125) // 2 / 2^6
    expect(mcnemarExactP(6, 0)).toBe(0.03125)
    expect(mcnemarExactP(1, 9)).toBeCloseTo(22 / 1024, 15) // 2 (1 + 10) / 2^10
    expect(mcnemarExactP(2, 8)).toBeCloseTo(112 / 1024, 15) // 2 (1 + 10 + 45) / 2^10
    expect(mcnemarExactP(3, 3)).toBe(1)
    expect(mcnemarExactP(0, 1)).toBe(1)
  })

  test('no discordant pairs: 1', () => {
    expect(mcnemarExactP(0, 0)).toBe(1)
  })

  test('is symmetric in regressions and fixes', () => {
    expect(mcnemarExactP(17, 40)).toBe(mcnemarExactP(40, 17))
  })

  test('matches exact integer arithmetic', () => {
    for (const [b, c] of [
      [10, 20],
      [4, 30],
      [480, 520],
      [4900, 5100],
      [4800, 5200],
      [100, 1300], // about 1e-265
    ]) {
      expect(Math.abs(mcnemarExactP(b, c) / exactMcnemar(b, c) - 1)).toBeLessThan(1e-12)
    }
  })

  test('stays exact and finite at 100,000 discordant pairs', () => {
    // Reference values from exact rational arithmetic (Python's integers).
    expect(Math.abs(mcnemarExactP(49_000, 51_000) / 2.588716038346898e-10 - 1)).toBeLessThan(1e-12)
    expect(Math.abs(mcnemarExactP(49_800, 50_200) / 0.20703897176422484 - 1)).toBeLessThan(1e-12)
    expect(mcnemarExactP(50_000, 50_000)).toBe(1)
    expect(mcnemarExactP(0, 100_000)).toBe(0) // 2 / 2^100000 is below the smallest double
  })

  test('rejects counts that are not counts', () => {
    expect(() => mcnemarExactP(-1, 2)).toThrow('regressions must be an integer from 0')
    expect(() => mcnemarExactP(1, 0.5)).toThrow('fixes must be an integer from 0')
  })
})

describe('passAtK', () => {
  test('hand-computed values', () => {
    expect(passAtK(3, 2, 1)).toBeCloseTo(2 / 3, 15) // 1 - C(1,1)/C(3,1)
    expect(passAtK(5, 1, 2)).toBeCloseTo(0.4, 15) // 1 - C(4,2)/C(5,2) = 1 - 6/10
    expect(passAtK(10, 3, 5)).toBeCloseTo(1 - 21 / 252, 15) // 1 - C(7,5)/C(10,5)
  })

  test('is 1 when k samples cannot all fail, 0 when none passed', () => {
    expect(passAtK(3, 2, 2)).toBe(1)
    expect(passAtK(3, 0, 3)).toBe(0)
  })

  test('pass@1 is the pass rate', () => {
    expect(passAtK(200, 37, 1)).toBeCloseTo(37 / 200, 15)
  })

  test('does not overflow for many samples', () => {
    expect(passAtK(1000, 10, 100)).toBeCloseTo(
      1 - Number((binomial(990, 100) * 10n ** 18n) / binomial(1000, 100)) / 1e18,
      12,
    )
  })

  test('rejects arguments out of range', () => {
    expect(() => passAtK(3, 2, 0)).toThrow('k must be an integer from 1 to 3, got 0')
    expect(() => passAtK(3, 2, 4)).toThrow('k must be an integer from 1 to 3, got 4')
    expect(() => passAtK(3, 4, 1)).toThrow('c (passing samples) must be an integer from 0 to 3, got 4')
    expect(() => passAtK(0, 0, 1)).toThrow('n (samples) must be an integer from 1')
  })
})

describe('passHatK', () => {
  test('hand-computed values', () => {
    expect(passHatK(3, 2, 3)).toBe(0) // C(2,3) = 0
    expect(passHatK(3, 2, 2)).toBeCloseTo(1 / 3, 15) // C(2,2)/C(3,2)
    expect(passHatK(3, 2, 1)).toBeCloseTo(2 / 3, 15)
    expect(passHatK(10, 8, 4)).toBeCloseTo(70 / 210, 15) // C(8,4)/C(10,4)
    expect(passHatK(4, 4, 4)).toBe(1)
  })

  test('never exceeds pass@k', () => {
    for (let c = 0; c <= 8; c++) {
      for (let k = 1; k <= 8; k++) expect(passHatK(8, c, k)).toBeLessThanOrEqual(passAtK(8, c, k) + 1e-15)
    }
  })

  test('rejects arguments out of range', () => {
    expect(() => passHatK(3, 2, 5)).toThrow('k must be an integer from 1 to 3, got 5')
    expect(() => passHatK(3, -1, 1)).toThrow('c (passing samples) must be an integer from 0 to 3, got -1')
  })
})
