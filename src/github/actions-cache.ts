/** `@actions/cache`, shared by the stores that keep a run's files in the GitHub Actions cache. */
import type * as ActionsCache from '@actions/cache'

/** Imported on first use: loading it is most of the action's start-up time and memory. */
let actionsCache: Promise<typeof ActionsCache> | undefined

/** `@actions/cache` when its service is available on this runner, else undefined. */
export async function availableActionsCache(): Promise<typeof ActionsCache | undefined> {
  // isFeatureAvailable needs one of these URLs: without both, the module need not be loaded to know.
  if (!process.env.ACTIONS_RESULTS_URL && !process.env.ACTIONS_CACHE_URL) return undefined
  const cache = await (actionsCache ??= import('@actions/cache'))
  return cache.isFeatureAvailable() ? cache : undefined
}

/** The last key suffix handed out, so that two saves within one millisecond still get distinct keys. */
let lastKeyMillis = 0

/**
 * A number for a new cache key, increasing: entries are immutable, so each save needs a key of its own (the
 * newest entry matching a restore prefix is the one restored).
 */
export function uniqueMillis(): number {
  lastKeyMillis = Math.max(Date.now(), lastKeyMillis + 1)
  return lastKeyMillis
}
