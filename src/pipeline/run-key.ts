/** The key a run's batches are recorded under, so that a re-run of the same run finds them. */
import { runKeyOf } from '../batch/run-state.js'
import type { BatchRequest } from '../model.js'

/**
 * The run's key (its requests, commit and run id), recording into `bytes` the size of each request as JSON
 * (what splitIntoBatches measures), so that the requests are serialized once for both.
 */
export function runKeyFor(
  requests: BatchRequest[],
  bytes: number[],
  environment: { commit: string; runId: string },
): string {
  return runKeyOf(serialized(requests, bytes), environment)
}

/** Each request as JSON, one at a time: a run may have 100,000. */
function* serialized(requests: BatchRequest[], bytes: number[]): Generator<string> {
  for (const request of requests) {
    const json = JSON.stringify(request)
    bytes.push(Buffer.byteLength(json))
    yield json
  }
}
