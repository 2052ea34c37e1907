/** The results file: every test with its prompt, output, grades, usage and cost, for people and tools. */
import { createWriteStream } from 'node:fs'
import { mkdir, rename, rm } from 'node:fs/promises'
import path from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { OutcomeSpool, SampleOutcome, TestOutcome, TestStatus } from './grading.js'
import type { PositionSpool } from './position-spool.js'
import { usdString, type Cost } from './pricing.js'
import type { RunReport } from './report.js'
import type { BaselineComparison } from './baseline.js'

export const RESULTS_SCHEMA_VERSION = 1

function usd(cost: Cost | null) {
  if (!cost) return null
  return {
    batch: usdString(cost.batch),
    standard: usdString(cost.standard),
    savings: usdString(cost.standard - cost.batch),
  }
}

/**
 * A sample's entry but its test's verdict (which waits for the test's other samples): the ids that come
 * before the verdict, and the rest.
 */
function entryParts(outcome: TestOutcome) {
  const { evalCase } = outcome
  const ids = {
    id: evalCase.id,
    custom_id: outcome.customId,
    sample: outcome.sample,
    samples: outcome.samples,
  }
  const rest = {
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
  return { ids, rest }
}

/**
 * An entry's text but its verdict, in two pieces that the verdict goes between: the ids' JSON without its
 * closing brace, and the rest's without its opening brace.
 */
function unjudgedPieces(outcome: TestOutcome): [head: string, tail: string] {
  const { ids, rest } = entryParts(outcome)
  return [JSON.stringify(ids).slice(0, -1), JSON.stringify(rest).slice(1)]
}

/** What joins an entry's two pieces in the spool: JSON text has no raw tab. */
const SPOOL_SEPARATOR = '\t'
const SPOOL_SEPARATOR_BYTE = 0x09

/** Puts the entries of passed samples in `spool` as they are graded, for writeResultsFile to take back. */
export function spoolingEntries(spool: PositionSpool): OutcomeSpool {
  return {
    keep: (position, outcome) => {
      const [head, tail] = unjudgedPieces(outcome)
      spool.put(position, head, SPOOL_SEPARATOR, tail)
    },
  }
}

/** Everything of the document but its tests (which come last). */
function resultsHeader(report: RunReport, generatedAt: Date) {
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
    baseline: report.baseline && baselineSection(report.baseline),
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
    },
    metrics: report.metrics.map((m) => ({ name: m.name, tests: m.tests, mean_score: m.meanScore })),
    unexpected_custom_ids: report.unexpectedCustomIds,
  }
}

function baselineSection(comparison: BaselineComparison) {
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
  }
}

/** Each sample with its test's verdict and its position, in order (a test's samples are consecutive). */
function* withVerdicts<T>(report: RunReport, outcomes: T[]): Generator<[T, TestStatus, number]> {
  let position = 0
  for (const { samples, status } of report.verdicts) {
    for (const end = position + samples; position < end; position++)
      yield [outcomes[position], status, position]
  }
}

/**
 * The document written to `results-file`, of samples graded without a spool. Money is exact decimal USD in
 * strings.
 */
export function resultsDocument(report: RunReport, outcomes: TestOutcome[], generatedAt: Date) {
  const tests = Array.from(withVerdicts(report, outcomes), ([outcome, verdict]) => {
    const { ids, rest } = entryParts(outcome)
    return { ...ids, verdict, ...rest }
  })
  return { ...resultsHeader(report, generatedAt), tests }
}

/** The file is handed over in chunks of about this many bytes. */
const CHUNK_BYTES = 1 << 16

/** Bytes for the file, handed over in chunks of about CHUNK_BYTES. */
class FileChunks {
  private bytes = Buffer.allocUnsafe(2 * CHUNK_BYTES)
  private used = 0

  text(text: string): void {
    // At most 3 bytes of UTF-8 per UTF-16 unit.
    this.makeRoom(text.length * 3)
    this.used += this.bytes.write(text, this.used)
  }

  copy(source: Buffer, start: number, end: number): void {
    this.makeRoom(end - start)
    this.used += source.copy(this.bytes, this.used, start, end)
  }

  /** The bytes so far once they make a chunk (the next ones then start a new one). */
  takeChunk(): Buffer | undefined {
    return this.used >= CHUNK_BYTES ? this.take() : undefined
  }

  take(): Buffer {
    const taken = this.bytes.subarray(0, this.used)
    this.bytes = Buffer.allocUnsafe(2 * CHUNK_BYTES)
    this.used = 0
    return taken
  }

  private makeRoom(size: number): void {
    if (this.used + size <= this.bytes.length) return
    const larger = Buffer.allocUnsafe(Math.max(2 * this.bytes.length, this.used + size))
    this.bytes.copy(larger, 0, 0, this.used)
    this.bytes = larger
  }
}

/**
 * The results document as UTF-8, in chunks: the header indented for people, then one test per line (a
 * 100,000-test run stays greppable, and indenting every test took longer than the rest of the run), so that
 * neither the document nor its text is ever held whole. Spooled entries go from the spool's bytes to the
 * file's without being decoded.
 */
export function* resultsText(
  report: RunReport,
  outcomes: SampleOutcome[],
  generatedAt: Date,
  spool?: PositionSpool,
): Generator<Buffer> {
  const header = resultsHeader(report, generatedAt)
  if (outcomes.length === 0) {
    yield Buffer.from(`${JSON.stringify({ ...header, tests: [] }, null, 2)}\n`)
    return
  }
  const file = new FileChunks()
  // `tests` is the last key: the header's text without its closing brace, then the list, then the brace.
  file.text(`${JSON.stringify(header, null, 2).slice(0, -2)},\n  "tests": [\n    `)
  let separator = ''
  for (const [outcome, verdict, position] of withVerdicts(report, outcomes)) {
    file.text(separator)
    separator = ',\n    '
    const judged = `,"verdict":"${verdict}",`
    if ('spooled' in outcome) {
      if (!spool)
        throw new Error(`The entry of ${outcome.customId} was spooled, but the spool was not given.`)
      const spooled = spool.bytesAt(position)
      const split = spooled.indexOf(SPOOL_SEPARATOR_BYTE)
      file.copy(spooled, 0, split)
      file.text(judged)
      file.copy(spooled, split + 1, spooled.length)
    } else {
      const [head, tail] = unjudgedPieces(outcome)
      file.text(head)
      file.text(judged)
      file.text(tail)
    }
    const chunk = file.takeChunk()
    if (chunk) yield chunk
  }
  file.text('\n  ]\n}\n')
  yield file.take()
}

/**
 * Writes the results file, streamed (a 100,000-test run makes a file of hundreds of MB). It is written
 * next to its final path and renamed into place, so that a run that fails while writing never leaves a
 * truncated file where a complete one is expected.
 */
export async function writeResultsFile(
  file: string,
  report: RunReport,
  outcomes: SampleOutcome[],
  spool?: PositionSpool,
): Promise<string> {
  const absolute = path.resolve(file)
  await mkdir(path.dirname(absolute), { recursive: true })
  const partial = `${absolute}.partial`
  try {
    await pipeline(
      Readable.from(resultsText(report, outcomes, new Date(), spool)),
      createWriteStream(partial),
    )
    await rename(partial, absolute)
  } catch (error) {
    await rm(partial, { force: true })
    throw error
  }
  return absolute
}
