/**
 * What the HTML report shows beside the results file's own data: where the money went by kind of token, the
 * cache hit rate, the baseline's outputs of the tests that flipped, and the run history's trend.
 */
import type { Usage } from '@anthropic-ai/sdk/resources/messages/messages'
import { costOf, type TokenCounts } from '../cost/pricing.js'
import { usdString } from '../cost/usd.js'
import { cacheSummaryOf } from './cache-summary.js'
import type { HistoryRecord } from './history.js'
import { chartedRuns, FLIP_RUNS, pointLabel, statusFlips, type StatusFlip } from './history-markdown.js'
import type { ModelCost, RunReport } from './report.js'
import type { Cost, TestStatus } from '../model.js'

/** One kind of token's share of a model's cost. */
export interface CostPart {
  kind: string
  tokens: number
  /** Exact decimal USD, as the results file writes money. */
  batchUsd: string
  standardUsd: string
}

export interface ModelCostChart {
  model: string
  role: ModelCost['role']
  requests: number
  /** Null when some of the model's requests could not be priced (then `unknown` says why). */
  batchUsd: string | null
  standardUsd: string | null
  unknown: string | null
  /** The cost by kind of token, adding up to the model's cost exactly; null when it cannot (`partsUnknown`). */
  parts: CostPart[] | null
  partsUnknown: string | null
}

/** An entry of the baseline's results file for a test that flipped: what that run answered. */
export interface BaselineOutput {
  sample: number
  status: TestStatus | null
  output: string | null
  error: { type: string; message: string } | null
}

/** A run of the history chart, with its label on the x axis (`05-01 #812`). */
export type ChartedRun = Pick<HistoryRecord, 'time' | 'commit' | 'run' | 'total' | 'passRate' | 'costUsd'> & {
  label: string
}

/** The run history as the page charts it (the `history` input, on the default branch). */
export interface HistoryChart {
  /** `eval-history:support-bot-1a2b3c4d.jsonl`. */
  location: string
  /** The last runs, oldest first, this run last. */
  runs: ChartedRun[]
  /** The runs the flips are counted over. */
  flipRuns: number
  /** The tests flipping over time, most flips first, at most MAX_FLIPS. */
  flips: StatusFlip[]
  /** Flipping tests left out past MAX_FLIPS. */
  moreFlips: number
}

/** Flipping tests the page lists: the rest are counted. */
export const MAX_FLIPS = 200

/** The history's records (this run's last) as the page charts them. */
export function historyChart(location: string, records: readonly HistoryRecord[]): HistoryChart {
  const flips = statusFlips(records)
  return {
    location,
    runs: chartedRuns(records).map(({ time, commit, run, total, passRate, costUsd }) => ({
      label: pointLabel({ time, run }),
      time,
      commit,
      run,
      total,
      passRate,
      costUsd,
    })),
    flipRuns: Math.min(FLIP_RUNS, records.length),
    flips: flips.slice(0, MAX_FLIPS),
    moreFlips: Math.max(0, flips.length - MAX_FLIPS),
  }
}

export interface HtmlReportData {
  costByModel: ModelCostChart[]
  /**
   * The share of the requests that wrote or read the prompt cache that read from it, as the summary and the
   * results file's `cost.cache.hit_rate`; null when none did.
   */
  cacheHitRate: number | null
  /** Cache reads over all input tokens; null when no request wrote or read the cache. */
  cachedInputShare: number | null
  /**
   * The requests billed at batch and at standard prices, and what waiting for the batches would have saved
   * (exact decimal USD, null when unknown); absent or null when on-timeout: standard sent none.
   */
  priceMix?: { batch: number; standard: number; waitingSavesUsd: string | null } | null
  /** By test id, for the regressions and fixes only; empty without a baseline. */
  baselineOutputs: Record<string, BaselineOutput[]>
  /** Null without a history (the `history` input off, or not a run on the default branch). */
  history: HistoryChart | null
}

const KINDS: [keyof TokenCounts, string][] = [
  ['input', 'input'],
  ['cacheWrite5m', 'cache write (5m)'],
  ['cacheWrite1h', 'cache write (1h)'],
  ['cacheRead', 'cache read'],
  ['output', 'output'],
]

/** The cost of one token of a kind, or undefined when the model has no price for it. */
function costOfOneToken(model: string, kind: keyof TokenCounts): Cost | undefined {
  const usage: Usage = {
    input_tokens: kind === 'input' ? 1 : 0,
    output_tokens: kind === 'output' ? 1 : 0,
    cache_creation_input_tokens: kind === 'cacheWrite5m' || kind === 'cacheWrite1h' ? 1 : 0,
    cache_read_input_tokens: kind === 'cacheRead' ? 1 : 0,
    cache_creation: {
      ephemeral_5m_input_tokens: kind === 'cacheWrite5m' ? 1 : 0,
      ephemeral_1h_input_tokens: kind === 'cacheWrite1h' ? 1 : 0,
    },
    inference_geo: null,
    output_tokens_details: null,
    server_tool_use: null,
    service_tier: 'batch',
    speed: null,
  }
  const priced = costOf(model, usage)
  return 'cost' in priced ? priced.cost : undefined
}

const NOT_ADDING_UP =
  'not shown by kind of token: long-context, regional or server-tool prices apply to some of its requests, ' +
  'so a split at the base prices would not add up to what they cost'

/**
 * A model's cost split by kind of token at its base prices, when the split adds up to the exact cost: a
 * figure that does not is left out with the reason rather than shown as a guess.
 */
function chartRow(row: ModelCost): ModelCostChart {
  const priced = row.unpricedTests === 0
  const chart: ModelCostChart = {
    model: row.model,
    role: row.role,
    requests: row.tests,
    batchUsd: priced ? usdString(row.cost.batch) : null,
    standardUsd: priced ? usdString(row.cost.standard) : null,
    unknown: priced ? null : (row.unpricedReason ?? 'some requests could not be priced'),
    parts: null,
    partsUnknown: null,
  }
  if (!priced) {
    chart.partsUnknown = 'not shown by kind of token: some of its requests could not be priced'
    return chart
  }
  const parts: CostPart[] = []
  const sum = { batch: 0n, standard: 0n }
  for (const [kind, label] of KINDS) {
    const tokens = row.tokens[kind]
    if (tokens === 0) continue
    const perToken = costOfOneToken(row.model, kind)
    if (!perToken) {
      chart.partsUnknown = NOT_ADDING_UP
      return chart
    }
    // Tokens the standard API served (on-timeout: standard) were billed at the standard price.
    const atStandard = BigInt(row.standardTokens?.[kind] ?? 0)
    const part = {
      batch: perToken.batch * (BigInt(tokens) - atStandard) + perToken.standard * atStandard,
      standard: perToken.standard * BigInt(tokens),
    }
    sum.batch += part.batch
    sum.standard += part.standard
    parts.push({
      kind: label,
      tokens,
      batchUsd: usdString(part.batch),
      standardUsd: usdString(part.standard),
    })
  }
  if (sum.batch !== row.cost.batch || sum.standard !== row.cost.standard) chart.partsUnknown = NOT_ADDING_UP
  else chart.parts = parts
  return chart
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * The baseline's entries of the tests that flipped, from its results file's text (read as readBaseline reads
 * it, so a file that got there is well formed); an entry without an output keeps its error.
 */
export function baselineOutputsOf(text: string, ids: ReadonlySet<string>): Record<string, BaselineOutput[]> {
  const outputs: Record<string, BaselineOutput[]> = {}
  if (ids.size === 0) return outputs
  const document: unknown = JSON.parse(text)
  const entries = isObject(document) && Array.isArray(document.tests) ? (document.tests as unknown[]) : []
  for (const entry of entries) {
    if (!isObject(entry) || typeof entry.id !== 'string' || !ids.has(entry.id)) continue
    const error = isObject(entry.error) ? entry.error : null
    ;(outputs[entry.id] ??= []).push({
      sample: typeof entry.sample === 'number' ? entry.sample : 1,
      status: typeof entry.status === 'string' ? (entry.status as TestStatus) : null,
      output: typeof entry.output === 'string' ? entry.output : null,
      error: error && { type: String(error.type), message: String(error.message) },
    })
  }
  return outputs
}

/**
 * The report's own figures for the page; `baselineText` is the baseline file's, when the run has one, and
 * `history` the run history's records with this run's last.
 */
export function htmlReportData(
  report: RunReport,
  baselineText?: string,
  history?: { location: string; records: readonly HistoryRecord[] },
): HtmlReportData {
  const flipped = new Set(
    report.baseline ? [...report.baseline.regressions, ...report.baseline.fixes].map((flip) => flip.id) : [],
  )
  const cache = cacheSummaryOf(report.costByModel)
  return {
    costByModel: report.costByModel.map(chartRow),
    cacheHitRate: cache && cache.hitRate,
    cachedInputShare: cache && cache.cachedInputShare,
    priceMix: report.priceMix
      ? {
          batch: report.priceMix.batch,
          standard: report.priceMix.standard,
          waitingSavesUsd:
            report.priceMix.waitingSaves === null ? null : usdString(report.priceMix.waitingSaves),
        }
      : null,
    baselineOutputs: baselineText === undefined ? {} : baselineOutputsOf(baselineText, flipped),
    history: history ? historyChart(history.location, history.records) : null,
  }
}
