/** The results file's header: everything of the document but its tests (which come last). */
import type { BaselineComparison } from './baseline.js'
import { cacheSummaryOf, type CacheSummary } from './cache-summary.js'
import { costComparisonJson, type CostComparison } from './cost-comparison.js'
import type { RunReport } from './report.js'
import { reuseJson } from './reuse-summary.js'
import { usdString } from '../cost/usd.js'
import type { Cost } from '../model.js'

export const RESULTS_SCHEMA_VERSION = 1

/** A cost as the file writes money: exact decimal USD in strings. */
export function usd(cost: Cost | null) {
  if (!cost) return null
  return {
    batch: usdString(cost.batch),
    standard: usdString(cost.standard),
    savings: usdString(cost.standard - cost.batch),
  }
}

/** Everything of the document but its tests (which come last). */
export function resultsHeader(report: RunReport, generatedAt: Date) {
  return {
    schema_version: RESULTS_SCHEMA_VERSION,
    generated_at: generatedAt.toISOString(),
    run: report.origin && {
      id: report.origin.runId,
      branch: report.origin.branch,
      commit: report.origin.commit,
    },
    reuse: reuseJson(report.reuse),
    shard: report.shard && {
      index: report.shard.index,
      count: report.shard.count,
      suite_tests: report.shard.suiteTests,
      suite_key: report.shard.suiteKey,
    },
    status: report.status,
    failure_reasons: report.failureReasons,
    load_warnings: report.loadWarnings,
    summary: {
      total: report.total,
      passed: report.passed,
      failed: report.failed,
      errored: report.errored,
      pass_rate: report.passRate,
      min_pass_rate: report.minPassRate,
      samples: report.samples,
    },
    repeats: report.repeats && {
      tests: report.repeats.tests,
      k: report.repeats.k,
      pass_at_1: report.repeats.passAt1,
      pass_at_k: report.repeats.passAtK,
      pass_hat_k: report.repeats.passHatK,
      flaky: report.repeats.flaky.map((verdict) => ({
        id: verdict.evalCase.id,
        passes: verdict.passes,
        samples: verdict.samples,
      })),
    },
    baseline: report.baseline && baselineSection(report.baseline, report.testCosts?.comparison ?? null),
    batch_ids: report.batchIds,
    batch_duration_ms: report.batchDurationMs,
    cost: {
      price_table_date: report.priceTableDate,
      total_usd: usd(report.totalCost),
      known_usd: usd(report.knownCost),
      by_model: report.costByModel.map((row) => ({
        model: row.model,
        role: row.role,
        tests: row.tests,
        tokens: {
          input: row.tokens.input,
          cache_write_5m: row.tokens.cacheWrite5m,
          cache_write_1h: row.tokens.cacheWrite1h,
          cache_read: row.tokens.cacheRead,
          output: row.tokens.output,
        },
        cost_usd: row.unpricedTests === 0 ? usd(row.cost) : null,
        unpriced_tests: row.unpricedTests,
        unpriced_reason: row.unpricedReason,
      })),
      cache: cacheSection(cacheSummaryOf(report.costByModel)),
    },
    metrics: report.metrics.map((m) => ({ name: m.name, tests: m.tests, mean_score: m.meanScore })),
    unexpected_custom_ids: report.unexpectedCustomIds,
    judge_replies: report.judgeReplies?.map((reply) => ({
      key: reply.key,
      model: reply.model,
      reply: reply.reply,
      cost_batch_usd: reply.batchCost === null ? null : usdString(reply.batchCost),
      ...(reply.madeAt && { made_at: reply.madeAt }),
    })),
  }
}

function cacheSection(cache: CacheSummary | null) {
  return (
    cache && {
      marked_requests: cache.markedRequests,
      hit_requests: cache.hitRequests,
      hit_rate: cache.hitRate,
      cached_input_share: cache.cachedInputShare,
      saved_usd: { batch: usdString(cache.saving.batch), standard: usdString(cache.saving.standard) },
    }
  )
}

function baselineSection(comparison: BaselineComparison, costs: CostComparison | null) {
  const tests = (list: BaselineComparison['regressions']) => list.map((flip) => flip.id)
  return {
    file: comparison.file,
    pass_rate: comparison.baselinePassRate,
    pass_rate_delta: comparison.passRateDelta,
    cost_batch_delta_usd: comparison.costDelta === null ? null : usdString(comparison.costDelta),
    mcnemar_p: comparison.mcnemarP,
    significance: comparison.significance,
    regressions: tests(comparison.regressions),
    fixes: tests(comparison.fixes),
    new_tests: tests(comparison.newTests),
    removed_tests: tests(comparison.removedTests),
    ...(costs && { cost_comparison: costComparisonJson(costs, usdString) }),
  }
}
