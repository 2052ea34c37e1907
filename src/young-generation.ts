/**
 * V8's young generation, kept from growing with a run's long-lived data.
 *
 * A run holds every test from loading the suite to writing the results, so almost everything it allocates
 * survives its first scavenge, and V8 answers a high survival rate by doubling the young generation's
 * semi-spaces up to their maximum. V8 13 (Node 24, which runs the action) sets that maximum at 64 MB on a
 * machine with a runner's memory, against 16 MB before: the young generation then commits about 130 MB that
 * holds almost nothing live, which took a 100,000-test run from about 370 MB to 450-510 MB peak RSS. The
 * action cannot pass `--max-semi-space-size` to the Node that runs it, and that flag is read only when the
 * heap is set up; the growth factor is read at each growth, so setting it to 1 holds the semi-spaces at the
 * size they have reached. On older V8 the maximum is already small and is left alone: held smaller there,
 * more short-lived data is promoted and the peak rises.
 */
import v8 from 'node:v8'

/** The first V8 major version whose semi-spaces grow to 64 MB. */
const FIRST_V8_WITH_LARGE_SEMI_SPACES = 13

export function keepYoungGenerationSmall(v8Version = process.versions.v8): void {
  if (Number.parseInt(v8Version, 10) >= FIRST_V8_WITH_LARGE_SEMI_SPACES) {
    v8.setFlagsFromString('--semi-space-growth-factor=1')
  }
}
