/**
 * The run state kept in the GitHub Actions cache: a re-run of a job (on a fresh runner) restores the state
 * the earlier attempt saved, and resumes its batches instead of paying for them again.
 *
 * Cache entries are immutable, and a run may save more than once (a follow-up batch adds an id), so each save
 * gets a key of its own, `<prefix><runKey>-<milliseconds>`, and loading asks for the prefix `<prefix><runKey>-`:
 * among several entries matching a prefix the cache returns the most recently created, so the latest save
 * wins. The state travels as one JSON file; its path is part of the cache version, so it is the same on save
 * and on load (`<RUNNER_TEMP>/claude-batch-evals/run-state-<runKey>.json`; RUNNER_TEMP is the same path on
 * every attempt of a job on GitHub-hosted runners).
 *
 * The cache is best-effort: when the service is unavailable (not on a runner, or no ACTIONS_RESULTS_URL /
 * ACTIONS_CACHE_URL) or any call fails, the store says so in the log, `load` returns undefined and `save`
 * returns, never throwing.
 */
import { createHash } from 'node:crypto'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type * as ActionsCache from '@actions/cache'
import { availableActionsCache, uniqueMillis } from './actions-cache.js'
import * as log from './log.js'
import { parseRunState, type RunStateStore } from '../batch/run-state.js'

export interface ActionsCacheRunStateStoreOptions {
  /**
   * The directory the state file is written to and restored into. It is part of the cache version, so a
   * re-run must use the same one. Default: RUNNER_TEMP, else the OS temp directory (read at each call).
   */
  directory?: string
  /** The start of every cache key. Default `claude-batch-evals-run-`. */
  keyPrefix?: string
}

export const DEFAULT_KEY_PREFIX = 'claude-batch-evals-run-'

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

export function actionsCacheRunStateStore(options: ActionsCacheRunStateStoreOptions = {}): RunStateStore {
  const keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX

  function stateFile(runKey: string): string {
    const directory = options.directory ?? (process.env.RUNNER_TEMP || tmpdir())
    // A run key from `runKeyOf` is hex; anything else is hashed so that it makes a safe file name.
    const name = /^[\w-]{1,64}$/.test(runKey) ? runKey : createHash('sha256').update(runKey).digest('hex')
    return path.join(directory, 'claude-batch-evals', `run-state-${name}.json`)
  }

  /** Whether the log has said the cache is not available: once is enough, however often the run saves. */
  let saidUnavailable = false

  /** `@actions/cache` when its service is available, else undefined (said in the log, once). */
  async function available(): Promise<typeof ActionsCache | undefined> {
    const cache = await availableActionsCache()
    if (cache) return cache
    if (!saidUnavailable) {
      saidUnavailable = true
      log.info(
        'The actions cache is not available (no ACTIONS_RESULTS_URL or ACTIONS_CACHE_URL in the environment), so ' +
          "the batches are not recorded there, and no earlier attempt's batches can be found there.",
      )
    }
    return undefined
  }

  return {
    name: 'actions cache',

    async load(runKey) {
      const cache = await available()
      if (!cache) return undefined
      const file = stateFile(runKey)
      const prefix = `${keyPrefix}${runKey}-`
      try {
        // Only what the cache restores counts, never a file left over from earlier in this job.
        await rm(file, { force: true })
        // No entry is ever saved under the primary key (saved keys end in digits); the restore key matches
        // the most recent save of this run.
        const matched = await cache.restoreCache([file], `${prefix}latest`, [prefix])
        if (matched === undefined) {
          log.info("No earlier attempt's batches for this run in the actions cache.")
          return undefined
        }
        const state = parseRunState(await readFile(file, 'utf8'))
        if (state === undefined || state.runKey !== runKey) {
          log.warning(`The actions cache entry ${matched} does not hold this run's state; ignoring it.`)
          return undefined
        }
        log.info(
          `Found ${state.batchIds.length} batch(es) of an earlier attempt in the actions cache (key ${matched}, saved ${state.savedAt}).`,
        )
        return state
      } catch (error) {
        log.warning(
          `Could not read the actions cache for an earlier attempt's batches: ${errorMessage(error)}`,
        )
        return undefined
      }
    },

    async save(state) {
      const cache = await available()
      if (!cache) return
      const file = stateFile(state.runKey)
      const key = `${keyPrefix}${state.runKey}-${uniqueMillis()}`
      try {
        await mkdir(path.dirname(file), { recursive: true })
        await writeFile(file, `${JSON.stringify(state)}\n`)
        // saveCache logs why it could not save, as a warning, and returns -1; it throws only on invalid input.
        const cacheId = await cache.saveCache([file], key)
        if (cacheId === -1) {
          log.info(`The batches were not recorded in the actions cache (key ${key}).`)
        } else {
          log.info(`Recorded ${state.batchIds.length} batch(es) in the actions cache under key ${key}.`)
        }
      } catch (error) {
        log.warning(`Could not record the batches in the actions cache: ${errorMessage(error)}`)
      }
    },
  }
}
