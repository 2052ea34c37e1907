/**
 * Where the command line records a run's batches: a file per run in the user's cache directory
 * (`$XDG_CACHE_HOME/claude-batch-evals/runs`, else `~/.cache/...`). Running the same suite again after an
 * interrupted or detached run resumes its batches instead of paying for them twice; once a run is graded its
 * record is removed, so the next run evaluates anew.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import path from 'node:path'
import { parseRunState, type RunStateStore } from '../batch/run-state.js'
import type { RunLog } from '../pipeline/run-log.js'

export interface RunRecords extends RunStateStore {
  /** Forgets the run: it is graded. */
  remove(runKey: string): Promise<void>
}

export function runRecordsDirectory(env: NodeJS.ProcessEnv): string {
  const cache = env.XDG_CACHE_HOME || path.join(env.HOME || homedir(), '.cache')
  return path.join(cache, 'claude-batch-evals', 'runs')
}

export function runRecords(directory: string, log: RunLog): RunRecords {
  // Run keys are hex (runKeyOf); a record's name is its key.
  const file = (runKey: string) => path.join(directory, `${runKey.replace(/[^\w-]/g, '_')}.json`)
  return {
    name: `run records (${directory})`,
    async load(runKey) {
      try {
        return parseRunState(await readFile(file(runKey), 'utf8'))
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
          log.warning(`Could not read the run record ${file(runKey)}: ${(error as Error).message}`)
        return undefined
      }
    },
    async save(state) {
      try {
        await mkdir(directory, { recursive: true })
        await writeFile(file(state.runKey), `${JSON.stringify(state)}\n`)
      } catch (error) {
        log.warning(
          `Could not record the batches in ${file(state.runKey)} (${(error as Error).message}): if this run is ` +
            `interrupted, collect them with 'claude-batch-evals collect ${state.batchIds.join(' ')}'.`,
        )
      }
    },
    async remove(runKey) {
      await rm(file(runKey), { force: true })
    },
  }
}
