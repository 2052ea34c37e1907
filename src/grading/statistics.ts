/** Small, exact statistics for pass rates: confidence intervals, paired significance and pass@k. */

function requireCount(name: string, value: number, max: number, min = 0): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${value}`)
  }
}

/**
 * The Wilson score interval of a pass rate (about 95% with the default z): unlike the normal approximation,
 * it stays within [0, 1] and is not zero-width at 0 or n successes. With no trials, all that is known is [0, 1].
 */
export function wilsonInterval(successes: number, trials: number, z = 1.96): { low: number; high: number } {
  requireCount('trials', trials, Number.MAX_SAFE_INTEGER)
  requireCount('successes', successes, trials)
  if (trials === 0) return { low: 0, high: 1 }
  const p = successes / trials
  const z2n = (z * z) / trials
  const center = (p + z2n / 2) / (1 + z2n)
  const half = (z / (1 + z2n)) * Math.sqrt((p * (1 - p)) / trials + z2n / (4 * trials))
  return { low: Math.max(0, center - half), high: Math.min(1, center + half) }
}

/**
 * Two-sided exact McNemar test: the binomial test with p = 1/2 on the discordant pairs (tests that passed on
 * one side only). Returns the p-value; 1 without discordant pairs.
 */
export function mcnemarExactP(regressions: number, fixes: number): number {
  requireCount('regressions', regressions, Number.MAX_SAFE_INTEGER)
  requireCount('fixes', fixes, Number.MAX_SAFE_INTEGER)
  const n = regressions + fixes
  const m = Math.min(regressions, fixes)
  if (n === 0) return 1
  // C(n, m) / 2^n over- and underflows long before n = 100,000, so it is kept as term * 2^exponent, the term
  // scaled down by powers of two (which is exact) as it grows. The terms below it are summed relative to it.
  let term = 1
  let exponent = -n
  for (let j = 1; j <= m; j++) {
    term *= (n - m + j) / j
    if (term > 2 ** 512) {
      term /= 2 ** 512
      exponent += 512
    }
  }
  let ratio = 1
  let tail = 1
  for (let i = m; i > 0 && ratio > tail * Number.EPSILON; i--) {
    ratio *= i / (n - i + 1)
    tail += ratio
  }
  let p = 2 * term * tail
  for (; exponent < -1000; exponent += 1000) p *= 2 ** -1000
  return Math.min(1, p * 2 ** exponent)
}

function requireSamples(n: number, c: number, k: number): void {
  requireCount('n (samples)', n, Number.MAX_SAFE_INTEGER, 1)
  requireCount('c (passing samples)', c, n)
  requireCount('k', k, n, 1)
}

/**
 * pass@k: the chance that at least one of k samples drawn from the n passes, of which c passed; the unbiased
 * estimator 1 - C(n-c, k) / C(n, k) of Chen et al. (2021), as a product so that large n does not overflow.
 */
export function passAtK(n: number, c: number, k: number): number {
  requireSamples(n, c, k)
  if (n - c < k) return 1
  let allFail = 1
  for (let i = n - c + 1; i <= n; i++) allFail *= 1 - k / i
  return 1 - allFail
}

/** pass^k: the chance that k samples drawn from the n all pass, C(c, k) / C(n, k) (tau-bench's estimator). */
export function passHatK(n: number, c: number, k: number): number {
  requireSamples(n, c, k)
  let allPass = 1
  for (let i = 0; i < k; i++) allPass *= (c - i) / (n - i)
  return allPass
}
