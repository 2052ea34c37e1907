/** Where the action records a run's batches for a re-run of its job to resume them. */
import type { RunStateStore } from '../batch/run-state.js'
import type { ReportComment } from '../github/pr-comment.js'
import { actionsCacheRunStateStore } from '../github/run-state-cache.js'
import { pullRequestCommentStore } from '../github/run-state-comment.js'

/**
 * The Actions cache, and the PR comment when there is one. The comment may still be being looked up (on a
 * push, its pull request is found through the API): it is awaited at the first load or save.
 */
export function runStateStores(
  comment: ReportComment | undefined | Promise<ReportComment | undefined>,
): RunStateStore {
  const cache = actionsCacheRunStateStore()
  let stores = [cache]
  const resolved = Promise.resolve(comment).then(
    (found) => (stores = [cache, ...(found ? [pullRequestCommentStore(found)] : [])]),
  )
  return {
    // The run names the store after a load, once the comment is known.
    get name() {
      return stores.map((store) => store.name).join(' or ')
    },
    async load(runKey) {
      for (const store of await resolved) {
        const state = await store.load(runKey)
        if (state) return state
      }
      return undefined
    },
    async save(state) {
      await Promise.all((await resolved).map((store) => store.save(state)))
    },
  }
}
