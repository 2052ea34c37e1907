/** The results file: every test with its prompt, output, grades, usage and cost, for people and tools. */
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { TestOutcome } from './grading.js'
import { usdString, type Cost } from './pricing.js'
import type { RunReport } from './report.js'

export const RESULTS_SCHEMA_VERSION = 1

function usd(cost: Cost | null) {
  if (!cost) return null
  return {
    batch: usdString(cost.batch),
    standard: usdString(cost.standard),
    savings: usdString(cost.standard - cost.batch),
  }
}

function testEntry(outcome: TestOutcome) {
  const { evalCase } = outcome
  return {
    id: evalCase.id,
    custom_id: outcome.customId,
    description: evalCase.description ?? null,
    file: evalCase.file,
    line: evalCase.line,
    model: evalCase.params.model,
    vars: evalCase.vars,
    prompt: evalCase.prompt,
    request: evalCase.params,
    status: outcome.status,
    result_type: outcome.resultType,
    output: outcome.output,
    stop_reason: outcome.stopReason,
    error: outcome.error,
    score: outcome.score,
    assertions: outcome.assertions,
    metrics: outcome.metrics,
    usage: outcome.usage,
    cost_usd: usd(outcome.cost),
    cost_unknown_reason: outcome.costUnknown,
  }
}

/** The document written to `results-file`. Money is exact decimal USD in strings. */
export function resultsDocument(report: RunReport, outcomes: TestOutcome[], generatedAt: Date) {
  return {
    schema_version: RESULTS_SCHEMA_VERSION,
    generated_at: generatedAt.toISOString(),
    status: report.status,
    failure_reasons: report.failureReasons,
    summary: {
      total: report.total,
      passed: report.passed,
      failed: report.failed,
      errored: report.errored,
      pass_rate: report.passRate,
      min_pass_rate: report.minPassRate,
    },
    batch_ids: report.batchIds,
    batch_duration_ms: report.batchDurationMs,
    cost: {
      price_table_date: report.priceTableDate,
      total_usd: usd(report.totalCost),
      known_usd: usd(report.knownCost),
      by_model: report.costByModel.map((row) => ({
        model: row.model,
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
    },
    metrics: report.metrics.map((m) => ({ name: m.name, tests: m.tests, mean_score: m.meanScore })),
    unexpected_custom_ids: report.unexpectedCustomIds,
    tests: outcomes.map(testEntry),
  }
}

export async function writeResultsFile(
  file: string,
  report: RunReport,
  outcomes: TestOutcome[],
): Promise<string> {
  const absolute = path.resolve(file)
  await mkdir(path.dirname(absolute), { recursive: true })
  await writeFile(absolute, `${JSON.stringify(resultsDocument(report, outcomes, new Date()), null, 2)}\n`)
  return absolute
}
