/**
 * Reuse of unchanged requests (the `reuse` input): a request whose content key matches a succeeded result
 * of the baseline's is not sent; the stored result is graded with the suite's assertions as they are now,
 * in the same sink as the batches' results. Judge requests likewise, with the judge's stored replies.
 */
import path from 'node:path'
import type { MessageBatchIndividualResponse } from '@anthropic-ai/sdk/resources/messages/batches'
import { contentKey } from '../batch/request-keys.js'
import type { JudgeBook, StoredJudgeReply } from '../grading/judging.js'
import { femtoFromUsd } from '../report/baseline.js'
import { formatAge, type ReusedFrom, type ReuseSummary } from '../report/reuse-summary.js'
import { ResultsFileError, storedRunForReuse, type StoredEntry } from '../report/stored-run.js'
import { resultsFileText } from '../report/results-text.js'
import { allowedRoots, confinedSuiteIO } from '../suite/file-system.js'
import type { RunPlan } from './plan.js'
import type { RunLog } from './run-log.js'
import type { Settings } from './settings.js'
import { storedResult } from './stored-outputs.js'
import type { BatchRequest } from '../model.js'

export type ReuseSettings = Pick<
  Settings,
  'reuse' | 'reuseMaxAgeMs' | 'eventName' | 'baselineFile' | 'baselineSource' | 'workspace' | 'allowedPaths'
>

/** Events whose runs reuse under `auto`: a pull request's. Scheduled and manual runs refresh every result. */
const REUSING_EVENTS = new Set(['pull_request', 'pull_request_target'])

export interface ReusePlan {
  /** The plan's requests to send: those no stored result answers. */
  sent: BatchRequest[]
  /** The stored results of the others, under their custom_ids now. */
  results: MessageBatchIndividualResponse[]
  /** Where each reused result was first made, by custom_id. */
  reusedFrom: Map<string, ReusedFrom>
  /** The judge's stored replies, for the judge to answer from. */
  judgeReplies: StoredJudgeReply[]
  source: ReusedFrom
  ageMs: number
  /** The reused results' stored cost at batch prices, in femtodollars: their sum, and each by custom_id. */
  savedBatch: bigint
  costs: Map<string, bigint>
}

/** Whether this run reuses: `always`, or `auto` on a pull request. */
export function reuseOn(settings: Pick<Settings, 'reuse' | 'eventName'>): boolean {
  return settings.reuse === 'always' || (settings.reuse === 'auto' && REUSING_EVENTS.has(settings.eventName))
}

/**
 * Which of the plan's requests the baseline's results answer; undefined when nothing is reused (reuse off,
 * no baseline, or one older than reuse-max-age, which is said). `now` is the run's clock.
 */
export function planReuse(
  settings: ReuseSettings,
  plan: Pick<RunPlan, 'requests' | 'sampleByCustomId'>,
  log: RunLog,
  now: number,
): ReusePlan | undefined {
  if (!reuseOn(settings)) return undefined
  if (!settings.baselineFile) {
    if (settings.reuse === 'always') log.info('Reuse: no baseline results file, so every request is sent.')
    return undefined
  }
  const absolute = path.resolve(settings.workspace, settings.baselineFile)
  const file = path.relative(settings.workspace, absolute)
  let text: string
  try {
    text = resultsFileText(
      confinedSuiteIO(allowedRoots(settings.workspace, settings.allowedPaths)).readBinary(absolute),
    )
  } catch {
    return undefined // loading the baseline said why
  }
  let stored: ReturnType<typeof storedRunForReuse>
  try {
    stored = storedRunForReuse(text, file)
  } catch (error) {
    // A baseline the comparison can read but whose entries are not whole (older, or hand-made) compares still.
    if (!(error instanceof ResultsFileError)) throw error
    log.info(`Reuse: nothing is reused, every request is sent: ${error.message}`)
    return undefined
  }
  const generatedAt = typeof stored.generatedAt === 'string' ? Date.parse(stored.generatedAt) : NaN
  if (Number.isNaN(generatedAt)) {
    log.info(`Reuse: ${file} has no generated_at, so its age is unknown and every request is sent.`)
    return undefined
  }
  const ageMs = now - generatedAt
  const tooOld = (madeAt: string | undefined) =>
    madeAt !== undefined && !(now - Date.parse(madeAt) <= settings.reuseMaxAgeMs)
  if (ageMs > settings.reuseMaxAgeMs) {
    log.info(
      `Reuse: ${file} was written ${formatAge(ageMs)} ago, more than reuse-max-age ` +
        `(${formatAge(settings.reuseMaxAgeMs)}): nothing is reused, every request is sent.`,
    )
    return undefined
  }
  // A file written before `run` was recorded: the run baseline: auto restored it as, when it was.
  const run =
    stored.run ??
    (settings.baselineSource && { id: settings.baselineSource.runId, ...settings.baselineSource })
  const source = sourceOf(file, stored.generatedAt as string, run)
  const pool = new Map<string, StoredEntry[]>()
  for (const entry of stored.entries) {
    const key = reusableKey(entry)
    const origin = reusedFromOf(entry)
    if (key === undefined || tooOld(origin?.generated_at)) continue
    const entries = pool.get(key)
    if (entries) entries.push(entry)
    else pool.set(key, [entry])
  }
  const reuse: ReusePlan = {
    sent: [],
    results: [],
    reusedFrom: new Map(),
    judgeReplies: judgeRepliesOf(stored.judgeReplies, source.generated_at).filter(
      ({ madeAt }) => !tooOld(madeAt),
    ),
    source,
    ageMs,
    savedBatch: 0n,
    costs: new Map(),
  }
  for (const request of plan.requests) {
    // A conversation's later turn is sent with the earlier turns' outputs, known only once they are in.
    const laterTurn = (plan.sampleByCustomId.get(request.custom_id)?.evalCase.conversation?.turn ?? 0) > 0
    const entry = laterTurn ? undefined : pool.get(contentKey(request.params))?.shift()
    const result = entry && storedResult(request.custom_id, entry, file)
    if (!entry || !result) {
      reuse.sent.push(request)
      continue
    }
    reuse.results.push(result)
    reuse.reusedFrom.set(request.custom_id, reusedFromOf(entry) ?? source)
    const cost = (entry.cost_usd && femtoFromUsd(entry.cost_usd.batch)) ?? 0n
    reuse.costs.set(request.custom_id, cost)
    reuse.savedBatch += cost
  }
  return reuse
}

/**
 * Collecting a detached run's batches: they hold what that run sent, which a reuse decided now may count as
 * reused (a newer baseline, an older result): only the reused results the batches did not answer are kept.
 */
export function unansweredBy(reuse: ReusePlan, answered: (customId: string) => boolean): ReusePlan {
  const results = reuse.results.filter((line) => !answered(line.custom_id))
  const kept = new Set(results.map((line) => line.custom_id))
  const costs = new Map([...reuse.costs].filter(([customId]) => kept.has(customId)))
  return {
    ...reuse,
    results,
    reusedFrom: new Map([...reuse.reusedFrom].filter(([customId]) => costs.has(customId))),
    costs,
    savedBatch: [...costs.values()].reduce((sum, cost) => sum + cost, 0n),
  }
}

/** What the run reused, once its judge has answered: of `requests` outputs' requests and the judge's. */
export function reuseSummary(reuse: ReusePlan, requests: number, judge: JudgeBook): ReuseSummary {
  const judgeReused = judge.reused()
  const judgeRequests = judge.requested + judgeReused.length
  return {
    from: reuse.source,
    requests: requests + judgeRequests,
    reused: reuse.results.length + judgeReused.length,
    judgeRequests,
    judgeReused: judgeReused.length,
    savedBatch: judgeReused.reduce((sum, { batchCost }) => sum + (batchCost ?? 0n), reuse.savedBatch),
    outputsSavedBatch: reuse.savedBatch,
    ageMs: reuse.ageMs,
  }
}

/** The key of a stored entry that may be reused: a succeeded result's (errored or expired ones never are). */
function reusableKey(entry: StoredEntry): string | undefined {
  if (entry.result_type !== 'succeeded') return undefined
  const key = (entry as { content_key?: unknown }).content_key
  // Files written before content keys: the stored request is what was sent (a later turn's never matches).
  if (key === undefined) return contentKey(entry.request)
  return typeof key === 'string' ? key : undefined
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
const stringOrNull = (value: unknown) => (typeof value === 'string' && value !== '' ? value : null)

/** Where a stored entry was first made, when it was reused already. */
function reusedFromOf(entry: StoredEntry): ReusedFrom | undefined {
  const from = (entry as { reused_from?: unknown }).reused_from
  if (!isObject(from) || typeof from.generated_at !== 'string') return undefined
  return {
    file: typeof from.file === 'string' ? from.file : '',
    run_id: stringOrNull(from.run_id),
    branch: stringOrNull(from.branch),
    commit: stringOrNull(from.commit),
    generated_at: from.generated_at,
  }
}

function sourceOf(file: string, generatedAt: string, run: unknown): ReusedFrom {
  const origin = isObject(run) ? run : {}
  return {
    file,
    run_id: stringOrNull(origin.id),
    branch: stringOrNull(origin.branch),
    commit: stringOrNull(origin.commit),
    generated_at: generatedAt,
  }
}

/** The file's judge replies; one it did not reuse was made when the file was written. */
function judgeRepliesOf(section: unknown, generatedAt: string): StoredJudgeReply[] {
  if (!Array.isArray(section)) return []
  return section.flatMap((item: unknown) =>
    isObject(item) && typeof item.key === 'string' && typeof item.reply === 'string'
      ? [
          {
            key: item.key,
            model: typeof item.model === 'string' ? item.model : '',
            reply: item.reply,
            batchCost:
              (typeof item.cost_batch_usd === 'string' ? femtoFromUsd(item.cost_batch_usd) : undefined) ??
              null,
            madeAt: typeof item.made_at === 'string' ? item.made_at : generatedAt,
          },
        ]
      : [],
  )
}
