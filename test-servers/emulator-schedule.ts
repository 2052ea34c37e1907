/**
 * When each request of a batch runs, as offsets (ms) from the batch's creation within its processing time.
 *
 * Concurrent (the default, as the API): each request starts in the first half of the processing time and
 * finishes later, both drawn from the emulator's seed, so requests overlap and finish out of submission
 * order; all have finished by the processing time. Sequential (`concurrent: false`): request i of n runs
 * from `processingMs * i / n` to `processingMs * (i + 1) / n`, one after another in submission order.
 */
import { seededUnit } from './emulator-ids.js'

/** The shortest run of a concurrent request, as a share of what is left of the processing time. */
const MIN_RUN_SHARE = 0.1

export interface ScheduleOptions {
  concurrent: boolean
  seed: number
}

export interface Schedule {
  startMs: Float64Array
  finishMs: Float64Array
  /** Each request's roll for the prompt cache, in [0, 1). */
  hitRoll: Float64Array
}

/** The schedule of a batch (`batchSeq`, its creation order) of these requests. */
export function scheduleOf(
  customIds: string[],
  batchSeq: number,
  processingMs: number,
  options: ScheduleOptions,
): Schedule {
  const n = customIds.length
  const schedule: Schedule = {
    startMs: new Float64Array(n),
    finishMs: new Float64Array(n),
    hitRoll: new Float64Array(n),
  }
  customIds.forEach((customId, i) => {
    const key = `${batchSeq}:${customId}`
    schedule.hitRoll[i] = seededUnit(options.seed, `${key}:hit`)
    if (!options.concurrent) {
      schedule.startMs[i] = (processingMs * i) / n
      schedule.finishMs[i] = (processingMs * (i + 1)) / n
      return
    }
    const start = (seededUnit(options.seed, `${key}:start`) * processingMs) / 2
    const run = MIN_RUN_SHARE + (1 - MIN_RUN_SHARE) * seededUnit(options.seed, `${key}:run`)
    schedule.startMs[i] = start
    schedule.finishMs[i] = start + (processingMs - start) * run
  })
  return schedule
}

/** The indexes of the requests in the order they started (ties in submission order). */
export function startOrder(schedule: Schedule): number[] {
  const order = Array.from(schedule.startMs, (_, i) => i)
  return order.sort((a, b) => (schedule.startMs[a] as number) - (schedule.startMs[b] as number) || a - b)
}
