/** Where a run's batches are recorded for a re-run to resume, and under which key. */
import { runKeyOf, type RunStateStore } from '../batch/run-state.js'
import type { ReportComment } from '../github/pr-comment.js'
import { actionsCacheRunStateStore } from '../github/run-state-cache.js'
import { pullRequestCommentStore } from '../github/run-state-comment.js'
import type { BatchRequest } from '../model.js'

/**
 * The run's key (its requests, commit and workflow run), recording into `bytes` the size of each request as
 * JSON (what splitIntoBatches measures), so that the requests are serialized once for both.
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

/** The Actions cache, and the PR comment when there is one. */
export function runStateStores(comment: ReportComment | undefined): RunStateStore {
  const stores = [actionsCacheRunStateStore(), ...(comment ? [pullRequestCommentStore(comment)] : [])]
  return {
    name: stores.map((store) => store.name).join(' or '),
    async load(runKey) {
      for (const store of stores) {
        const state = await store.load(runKey)
        if (state) return state
      }
      return undefined
    },
    async save(state) {
      await Promise.all(stores.map((store) => store.save(state)))
    },
  }
}
