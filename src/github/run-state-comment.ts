/**
 * The run state kept in the PR comment, hidden: the comment outlives every attempt of the job, so a re-run
 * of a pull request's evals finds the batches of the attempt before it. Saving also tells reviewers, in the
 * comment, that the evals are running.
 */
import * as log from './log.js'
import { renderRunning } from '../report/markdown.js'
import type { ReportComment } from './pr-comment.js'
import type { RunStateStore } from '../batch/run-state.js'

export function pullRequestCommentStore(comment: ReportComment): RunStateStore {
  return {
    name: 'PR comment',
    async load(runKey) {
      try {
        return await comment.loadState(runKey)
      } catch (error) {
        log.info(
          `Could not read the PR comment for an earlier attempt's batches: ${(error as Error).message}`,
        )
        return undefined
      }
    },
    async save(state) {
      try {
        const batchIds = [...state.batchIds, ...(state.judgeBatchIds ?? [])]
        await comment.write(renderRunning(batchIds, comment.title), state)
      } catch (error) {
        log.info(`Could not record the batches in the PR comment: ${(error as Error).message}`)
      }
    },
  }
}
