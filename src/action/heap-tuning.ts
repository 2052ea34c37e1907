/**
 * V8's heap, tuned for a run: one that holds every test from loading the suite to writing the results, while
 * results stream through it. An action cannot pass Node flags (`--max-semi-space-size`, read only when the
 * heap is set up), but two of V8's flags are read each time they apply, and can be set from inside.
 *
 * The young generation. Almost everything a run allocates while loading survives its first scavenge, and V8
 * answers a high survival rate by doubling the semi-spaces up to their maximum. V8 13 (Node 24, which runs
 * the action) sets that maximum at 64 MB on a machine with a runner's memory, against 16 MB before: the young
 * generation then commits about 130 MB that holds almost nothing live, which took a 100,000-test run from
 * about 370 MB to 450-510 MB peak RSS. A growth factor of 1 holds the semi-spaces at the size they have
 * reached. On older V8 their maximum is already small and is left alone: held smaller there, more
 * short-lived data is promoted and the peak rises.
 *
 * The old generation. Results in flight are promoted with the tests, and V8 let the old generation grow to
 * about twice what the last full collection left before it collected again, so the garbage set the peak:
 * growing by 75% at most took 30 to 60 MB off a 100,000-test run's peak for a few percent more time.
 */
import v8 from 'node:v8'

/** The first V8 major version whose semi-spaces grow to 64 MB. */
const FIRST_V8_WITH_LARGE_SEMI_SPACES = 13
const OLD_GENERATION_GROWING_PERCENT = 75

export function tuneHeapForRun(v8Version = process.versions.v8): void {
  v8.setFlagsFromString(`--heap-growing-percent=${OLD_GENERATION_GROWING_PERCENT}`)
  if (Number.parseInt(v8Version, 10) >= FIRST_V8_WITH_LARGE_SEMI_SPACES) {
    v8.setFlagsFromString('--semi-space-growth-factor=1')
  }
}
