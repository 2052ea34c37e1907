/**
 * Edit distance between two strings, in Unicode code points (an emoji or an accented letter is one edit).
 * When the distance exceeds `limit`, returns some value above `limit` without computing it exactly: only
 * a band of width 2 * limit + 1 around the diagonal is filled, so long texts stay cheap.
 */
export function editDistance(a: string, b: string, limit = Infinity): number {
  // Distances are whole: a limit of 2.5 bounds as 2 does (and keeps the band's indices whole).
  limit = Math.floor(limit)
  const s = Array.from(a)
  const t = Array.from(b)
  if (s.length > t.length) return editDistanceOf(t, s, limit)
  return editDistanceOf(s, t, limit)
}

function editDistanceOf(s: string[], t: string[], limit: number): number {
  const n = s.length
  const m = t.length
  if (m - n > limit) return m - n
  const band = Number.isFinite(limit) ? Math.min(m, limit) : m
  // "More than band": cells outside the band hold it, so that only the band is ever written.
  const over = band + 1
  let previous = new Array<number>(m + 1).fill(over)
  let current = new Array<number>(m + 1).fill(over)
  for (let j = 0; j <= band; j++) previous[j] = j
  for (let i = 1; i <= n; i++) {
    const from = Math.max(1, i - band)
    const to = Math.min(m, i + band)
    current[from - 1] = from === 1 && i <= band ? i : over
    let best = current[from - 1]
    for (let j = from; j <= to; j++) {
      const substitution = previous[j - 1] + (s[i - 1] === t[j - 1] ? 0 : 1)
      const value = Math.min(previous[j] + 1, current[j - 1] + 1, substitution, over)
      current[j] = value
      if (value < best) best = value
    }
    if (best > band) return over
    ;[previous, current] = [current, previous]
  }
  return previous[m]
}
