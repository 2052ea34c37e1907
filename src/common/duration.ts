/** Durations as people write them in workflow files (`2h30m`) and read them in logs (`3m 12s`). */
import { UserError } from './user-error.js'

const DURATION_UNITS_MS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000, ms: 1 }

/** `45s`, `20m`, `2h30m`, `500ms`, `7d` -> milliseconds. */
export function parseDuration(input: string, value: string): number {
  const text = value.trim()
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|d|h|m|s)/g)]
  if (text === '' || parts.map((p) => p[0]).join('') !== text) {
    throw new UserError(
      `Input '${input}' is '${value}', which is not a duration. Write it like 45s, 20m, 2h30m or 7d.`,
    )
  }
  const ms = Math.round(
    parts.reduce((sum, [, amount, unit]) => sum + Number(amount) * DURATION_UNITS_MS[unit], 0),
  )
  if (ms <= 0) throw new UserError(`Input '${input}' must be at least 1ms; it is '${value}'.`)
  return ms
}

/** 192000 -> "3m 12s". */
export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000)
  const [h, m, s] = [Math.floor(seconds / 3600), Math.floor((seconds % 3600) / 60), seconds % 60]
  if (h > 0) return `${h}h ${m}m`
  if (m > 0) return `${m}m ${s}s`
  return `${s}s`
}
