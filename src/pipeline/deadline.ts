/**
 * The `deadline` input: when the run's verdict is due, as a clock time (`17:30Z`, an ISO date and time) or
 * a duration from the job's start (`50m`). The job's start is this process's: each step of a job is a
 * process of its own, so it is the step's start, a little after the job's. The deadline bounds max-wait,
 * leaving time before it for on-timeout to act (for `standard`, to send what the batches did not process).
 */
import { formatDuration, parseDuration } from '../common/duration.js'
import { UserError } from '../common/user-error.js'
import { STANDARD_CONCURRENCY } from '../batch/standard-fallback.js'

/** The time left for cancelling the batches and collecting them, before any standard request. */
const SETTLE_MS = 2 * 60_000
/** What one round of standard requests (STANDARD_CONCURRENCY of them) is allowed, retries included. */
const ROUND_MS = 10_000

/** The deadline as a time (epoch ms), or undefined when the input is empty. */
export function parseDeadline(value: string, processStartMs: number, now: number): number | undefined {
  const text = value.trim()
  if (!text) return undefined
  const clock = /^(\d{1,2}):(\d{2})(?::(\d{2}))?Z$/i.exec(text)
  if (clock) {
    const [h, m, s] = [Number(clock[1]), Number(clock[2]), Number(clock[3] ?? 0)]
    if (h > 23 || m > 59 || s > 59) throw badDeadline(text)
    const day = new Date(now)
    let at = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), h, m, s)
    // A clock time already past today is tomorrow's (a job started before midnight).
    if (at <= now - 12 * 3600_000) at += 24 * 3600_000
    return at
  }
  if (/^\d{4}-\d{2}-\d{2}T/.test(text)) {
    const at = Date.parse(text)
    if (Number.isNaN(at) || !/(Z|[+-]\d{2}:?\d{2})$/i.test(text)) throw badDeadline(text)
    return at
  }
  try {
    return processStartMs + parseDuration('deadline', text)
  } catch (error) {
    throw badDeadline(text, error)
  }
}

function badDeadline(text: string, cause?: unknown): UserError {
  return new UserError(
    `Input 'deadline' is '${text}': give a UTC clock time (17:30Z), an ISO date and time with its offset ` +
      "(2025-06-01T17:30:00Z), or a duration from the job step's start (50m, 1h30m).",
    { cause },
  )
}

/**
 * How long the batches may be waited for: max-wait, or less when the deadline comes first. With
 * on-timeout: standard, the wait ends early enough to cancel, collect and send every one of `requests` by
 * the standard API in rounds of STANDARD_CONCURRENCY (at most half the time left is kept for that).
 */
export function waitBudgetMs(
  maxWaitMs: number,
  deadlineAt: number | undefined,
  requests: number,
  standard: boolean,
  now: number,
): number {
  if (deadlineAt === undefined) return maxWaitMs
  const left = Math.max(0, deadlineAt - now)
  const reserve = standard ? SETTLE_MS + Math.ceil(requests / STANDARD_CONCURRENCY) * ROUND_MS : 0
  return Math.min(maxWaitMs, left - Math.min(reserve, left / 2))
}

/**
 * The log line of a wait the deadline shortened (waitBudgetMs below max-wait), or undefined when it did not:
 * "Deadline 17:30:00Z: waiting at most 31m 20s for the batches, keeping 18m 40s for on-timeout: standard."
 */
export function deadlineLine(
  maxWaitMs: number,
  deadlineAt: number | undefined,
  waitMs: number,
  standard: boolean,
  now: number,
): string | undefined {
  if (deadlineAt === undefined || waitMs >= maxWaitMs) return undefined
  const at = new Date(deadlineAt).toISOString().replace(/\.\d+Z$/, 'Z')
  const kept = Math.max(0, deadlineAt - now - waitMs)
  return (
    `Deadline ${at}: waiting at most ${formatDuration(waitMs)} for the batches (max-wait is longer)` +
    (standard
      ? `, keeping ${formatDuration(kept)} to send what they do not finish by the standard API.`
      : '.')
  )
}
