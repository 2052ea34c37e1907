/**
 * From the settings to the run's plan, before anything is sent: the suites found and loaded, their requests
 * built and marked for prompt caching, and the price table and baseline the run will use. Both front doors
 * start a run here.
 */
import path from 'node:path'
import type { CachePlan } from '../batch/prompt-cache.js'
import { echoResults, isEchoed } from '../batch/echo.js'
import { DEFAULT_HIT_RATE, type HitRate } from '../batch/cache-decision.js'
import { applyPromptCache, cachePlanLine } from '../batch/prompt-cache.js'
import { buildBatchRequests } from '../batch/requests.js'
import { assertionCompiler } from '../grading/assertion-compiler.js'
import type { Baseline } from '../report/baseline.js'
import { allowedRoots, confinedSuiteIO, findSuiteFiles } from '../suite/file-system.js'
import { loadSuiteRun } from '../suite/loader.js'
import { casesOfShard, type ShardRecord } from '../suite/shards.js'
import { loadBaseline, usePriceOverrides } from './input-files.js'
import type { RunLog } from './run-log.js'
import type { Settings } from './settings.js'
import type { MessageBatchIndividualResponse } from '@anthropic-ai/sdk/resources/messages/batches'
import type { BatchRequest, EvalCase, Sample } from '../model.js'

export type PlanSettings = Pick<
  Settings,
  | 'workspace'
  | 'allowedPaths'
  | 'pricingFile'
  | 'suitePatterns'
  | 'model'
  | 'providerOverride'
  | 'repeat'
  | 'baselineFile'
  | 'baselineSource'
  | 'cache'
> &
  Partial<Pick<Settings, 'shard'>>

export interface RunPlan {
  /** The suite files, absolute. */
  files: string[]
  cases: EvalCase[]
  /** What the load changed of the suites as written, one warning each (already logged). */
  warnings: string[]
  /** One request per sample sent to the API, with the cache breakpoints of `plans`. */
  requests: BatchRequest[]
  /** The results of the samples answered on the runner (promptfoo's echo provider), which are not sent. */
  echoed: MessageBatchIndividualResponse[]
  sampleByCustomId: Map<string, Sample>
  plans: CachePlan[]
  baseline: Baseline | undefined
  /** The slice of the suite the plan runs (the `shard` input). */
  shard?: ShardRecord
}

/** Plans the run; throws a SuiteError with every problem of every suite file, or a UserError. */
export async function planRun(settings: PlanSettings, log: RunLog): Promise<RunPlan> {
  const { workspace } = settings
  // Suites, their file:// references, and the pricing and baseline files a pull request may have replaced
  // with symlinks, are read only inside the workspace and the allowed-paths directories.
  const io = confinedSuiteIO(allowedRoots(workspace, settings.allowedPaths))
  if (settings.pricingFile) usePriceOverrides(path.resolve(workspace, settings.pricingFile), io, log)
  const files = await findSuiteFiles(settings.suitePatterns, workspace)
  const loaded = await loadSuiteRun(files, {
    workspace,
    model: settings.model,
    providerOverride: settings.providerOverride,
    io,
    assertions: assertionCompiler,
  })
  const { warnings } = loaded
  for (const warning of warnings) log.warning(warning)
  // A shard loads the whole suite (its warnings and problems are the suite's) and runs its slice.
  const { shard } = settings
  const sharded = shard && casesOfShard(loaded.cases, shard)
  const cases = sharded ? sharded.cases : loaded.cases
  if (shard)
    log.info(`Shard ${shard.index} of ${shard.count}: ${cases.length} of ${loaded.cases.length} tests.`)
  const built = buildBatchRequests(cases, settings.repeat)
  const samples =
    built.requests.length === cases.length ? '' : ` (${built.requests.length} requests with repeats)`
  log.info(
    `Loaded ${cases.length} tests${samples} from ${files.map((f) => path.relative(workspace, f)).join(', ')}.`,
  )
  const baseline = settings.baselineFile
    ? loadBaseline(workspace, settings.baselineFile, io, log, settings.baselineSource)
    : undefined
  const echoed = echoResults(built.requests, built.sampleByCustomId)
  const sent = echoed.length > 0 ? built.requests.filter((request) => !isEchoed(request)) : built.requests
  const { cache } = settings
  const { requests, plans } =
    cache === 'off'
      ? { requests: sent, plans: [] }
      : applyPromptCache(sent, { choice: cache, hitRate: (model) => expectedHitRate(baseline, model) })
  for (const plan of plans) log.info(`Prompt caching: ${cachePlanLine(plan)}`)
  return {
    files,
    cases,
    warnings,
    requests,
    echoed,
    sampleByCustomId: built.sampleByCustomId,
    plans,
    baseline,
    shard: sharded ? sharded.record : undefined,
  }
}

/** The baseline's realized hit rate for the model where it marked requests, else the conservative default. */
function expectedHitRate(baseline: Baseline | undefined, model: string): HitRate {
  const rate = baseline?.cacheHitRates.get(model)
  return rate === undefined ? { rate: DEFAULT_HIT_RATE, from: 'default' } : { rate, from: 'baseline' }
}
