import { STANDARD_CONCURRENCY } from '../../src/batch/standard-fallback.js'
import { UserError } from '../../src/common/user-error.js'
import { deadlineLine, parseDeadline, waitBudgetMs } from '../../src/pipeline/deadline.js'

const at = (h: number, m = 0, s = 0, day = 1) => Date.UTC(2026, 0, day, h, m, s)

describe('parseDeadline', () => {
  const now = at(10)
  const started = at(9, 55)

  it('is undefined for an empty input', () => {
    expect(parseDeadline('', started, now)).toBeUndefined()
    expect(parseDeadline('  ', started, now)).toBeUndefined()
  })

  it('reads a UTC clock time as today’s, with or without seconds', () => {
    expect(parseDeadline('17:30Z', started, now)).toBe(at(17, 30))
    expect(parseDeadline('7:05:15z', started, now)).toBe(at(7, 5, 15))
  })

  it('reads a clock time more than 12 hours past as tomorrow’s (a job started before midnight)', () => {
    expect(parseDeadline('00:30Z', at(23, 40), at(23, 50))).toBe(at(0, 30, 0, 2))
  })

  it('reads an ISO date and time with its offset', () => {
    expect(parseDeadline('2026-01-01T12:00:00+02:00', started, now)).toBe(at(10))
    expect(parseDeadline('2026-01-01T17:30:00Z', started, now)).toBe(at(17, 30))
  })

  it('reads a duration from the step’s start', () => {
    expect(parseDeadline('50m', started, now)).toBe(at(10, 45))
    expect(parseDeadline('1h30m', started, now)).toBe(at(11, 25))
  })

  it.each(['soon', '25:00Z', '17:30', '12:61Z', '2026-01-01T12:00:00', '2026-13-40T12:00:00Z', '0m'])(
    "refuses '%s', naming the input and the forms it takes",
    (value) => {
      const parse = () => parseDeadline(value, started, now)
      expect(parse).toThrow(UserError)
      expect(parse).toThrow(
        `Input 'deadline' is '${value}': give a UTC clock time (17:30Z), an ISO date and time with its offset ` +
          "(2025-06-01T17:30:00Z), or a duration from the job step's start (50m, 1h30m).",
      )
    },
  )
})

describe('waitBudgetMs', () => {
  const now = at(10)
  const HOUR = 3_600_000
  const DAY = 24 * HOUR

  it('is max-wait without a deadline, or when max-wait ends first', () => {
    expect(waitBudgetMs(DAY, undefined, 100, true, now)).toBe(DAY)
    expect(waitBudgetMs(HOUR, now + 2 * DAY, 100, true, now)).toBe(HOUR)
  })

  it('ends at the deadline when nothing is sent after the batches', () => {
    expect(waitBudgetMs(DAY, now + HOUR, 600, false, now)).toBe(HOUR)
  })

  it('with on-timeout: standard, keeps 2 minutes to settle and 10 s a round of standard requests', () => {
    // 60 requests are 10 rounds: 2 min + 100 s kept before the deadline.
    expect(waitBudgetMs(DAY, now + HOUR, 10 * STANDARD_CONCURRENCY, true, now)).toBe(HOUR - 220_000)
    expect(waitBudgetMs(DAY, now + HOUR, 10 * STANDARD_CONCURRENCY + 1, true, now)).toBe(HOUR - 230_000)
  })

  it('keeps at most half the time left for the standard requests', () => {
    expect(waitBudgetMs(DAY, now + HOUR, 100_000, true, now)).toBe(HOUR / 2)
  })

  it('is zero once the deadline has passed', () => {
    expect(waitBudgetMs(DAY, now - 1_000, 10, true, now)).toBe(0)
    expect(waitBudgetMs(DAY, now - 1_000, 10, false, now)).toBe(0)
  })
})

describe('deadlineLine', () => {
  const now = at(10)
  const DAY = 24 * 3_600_000

  it('says how long the batches are waited for, and what is kept for the standard API', () => {
    const deadline = now + 50 * 60_000
    const waitMs = waitBudgetMs(DAY, deadline, 600, true, now)
    expect(deadlineLine(DAY, deadline, waitMs, true, now)).toBe(
      'Deadline 2026-01-01T10:50:00Z: waiting at most 31m 20s for the batches (max-wait is longer), keeping ' +
        '18m 40s to send what they do not finish by the standard API.',
    )
    expect(deadlineLine(DAY, deadline, 50 * 60_000, false, now)).toBe(
      'Deadline 2026-01-01T10:50:00Z: waiting at most 50m 0s for the batches (max-wait is longer).',
    )
  })

  it('says nothing when there is no deadline or max-wait ends first', () => {
    expect(deadlineLine(DAY, undefined, DAY, true, now)).toBeUndefined()
    expect(deadlineLine(60_000, now + DAY, 60_000, true, now)).toBeUndefined()
  })
})
