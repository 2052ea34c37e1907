/**
 * A clock that moves only when told, for tests that must not depend on how fast the machine is. Give the
 * same clock to the Batch API emulator (its `clock` option) and to the code under test (`now` and `sleep`):
 * a sleep of the code moves the time on at once, so a wait of hours plays out in milliseconds, and the same
 * way on any machine.
 */
export interface ManualClock {
  /** The time, in ms since the epoch. */
  now: () => number
  /** Moves the time on by `ms`. */
  advance: (ms: number) => void
  /** A sleep that takes no real time: it moves the time on by `ms`, then resolves. */
  sleep: (ms: number) => Promise<void>
}

/** A manual clock, at 2026-01-01T00:00:00Z unless told otherwise. */
export function manualClock(startMs = Date.UTC(2026, 0, 1)): ManualClock {
  let time = startMs
  const advance = (ms: number) => {
    if (!Number.isFinite(ms) || ms < 0) throw new Error(`A clock only moves forward; got ${ms} ms`)
    time += ms
  }
  return {
    now: () => time,
    advance,
    sleep: async (ms) => advance(ms),
  }
}
