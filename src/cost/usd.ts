/** Money as the reports write it: exact decimal USD from femtodollars, and rounded amounts for people. */

/** Amounts are bigint femtodollars (10^-15 USD): exact for every token price. */
export const FEMTO_PER_USD = 10n ** 15n

/** Exact decimal USD, without trailing zeros: 1234500000000n -> "0.0012345". */
export function usdString(femto: bigint): string {
  const value = Number(femto)
  // Number arithmetic is exact up to 2^53 femtodollars (about 9 USD, so every request's cost) and several
  // times faster than bigint's; a run formats three amounts per result.
  if (Number.isSafeInteger(value)) {
    const magnitude = Math.abs(value)
    const fraction = magnitude % 1e15
    return decimal(value < 0, (magnitude - fraction) / 1e15, fraction)
  }
  const magnitude = femto < 0n ? -femto : femto
  return decimal(femto < 0n, magnitude / FEMTO_PER_USD, Number(magnitude % FEMTO_PER_USD))
}

/** Whole dollars and femtodollars below a dollar as a decimal without trailing zeros. */
function decimal(negative: boolean, whole: number | bigint, fraction: number): string {
  const head = negative ? `-${whole}` : `${whole}`
  if (fraction === 0) return head
  // "1" and then the fraction's 15 digits, zero-padded.
  const digits = String(1e15 + fraction)
  let end = digits.length
  while (digits.charCodeAt(end - 1) === 48 /* 0 */) end--
  return `${head}.${digits.slice(1, end)}`
}

/** USD as a JavaScript number, for comparisons such as a `cost` assertion's threshold. */
export function usdNumber(femto: bigint): number {
  return Number(femto) / Number(FEMTO_PER_USD)
}

/**
 * USD for people: cents from a dollar up, four significant digits below it. `amount` is in femtodollars, or
 * in USD when a number (a `cost` assertion's threshold and a test's cost as the assertion reads it).
 */
export function formatUsd(amount: bigint | number): string {
  const femto = typeof amount === 'bigint' ? amount : BigInt(Math.round(amount * Number(FEMTO_PER_USD)))
  if (femto === 0n) return '$0'
  const sign = femto < 0n ? '-' : ''
  const magnitude = femto < 0n ? -femto : femto
  // Rounded exactly, in femtodollars: rounding may carry to the next power of ten, even to a dollar
  // (0.99996 is $1.00, not "$1."), so the form is chosen from the rounded amount.
  const significant = roundedTo(magnitude, 10n ** BigInt(Math.max(magnitude.toString().length - 4, 0)))
  if (significant < FEMTO_PER_USD) return `$${sign}${usdString(significant)}`
  const cents = roundedTo(magnitude, FEMTO_PER_USD / 100n) / (FEMTO_PER_USD / 100n)
  return `$${sign}${cents / 100n}.${String(cents % 100n).padStart(2, '0')}`
}

/** `amount` rounded to a multiple of `unit`, halves up. */
function roundedTo(amount: bigint, unit: bigint): bigint {
  return ((2n * amount + unit) / (2n * unit)) * unit
}
