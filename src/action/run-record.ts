/** Where the action records a run's batches for a re-run of its job to resume them. */
import type { RunStateStore } from '../batch/run-state.js'
import type { ReportComment } from '../github/pr-comment.js'
import { actionsCacheRunStateStore } from '../github/run-state-cache.js'
import { pullRequestCommentStore } from '../github/run-state-comment.js'

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
