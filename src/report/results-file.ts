/** The results file: every test with its prompt, output, grades, usage and cost, for people and tools. */
import { setImmediate as nextTurn } from 'node:timers/promises'
import type { OutcomeSpool } from '../grading/run-grader.js'
import { writeFileAtomically } from './atomic-file.js'
import { PositionSpool } from './position-spool.js'
import { redact } from '../common/redaction.js'
import type { ReusedFrom } from './reuse-summary.js'
import { contentKey } from '../batch/request-keys.js'
import type { RunReport } from './report.js'
import { resultsHeader, usd } from './results-header.js'
import type { EvalCase, Sample, SampleOutcome, TestOutcome, TestStatus } from '../model.js'

/** The ids that begin a sample's entry, before its test's verdict (which waits for the test's other samples). */
function entryIds(evalCase: EvalCase, customId: string, sample: number, samples: number) {
  return { id: evalCase.id, custom_id: customId, sample, samples }
}

/**
 * What follows the verdict that is known before the sample's result: the test, its request and its content
 * key (null for a conversation's later turn, whose request as sent holds the earlier turns' outputs), and
 * where its result was first made when it is reused.
 */
function entryRequest(evalCase: EvalCase, reusedFrom?: ReusedFrom) {
  return {
    description: evalCase.description ?? null,
    file: evalCase.file,
    line: evalCase.line,
    model: evalCase.params.model,
    vars: evalCase.vars,
    prompt: evalCase.prompt,
    request: evalCase.params,
    content_key: evalCase.conversation?.turn ? null : contentKey(evalCase.params),
    ...(reusedFrom && { reused_from: reusedFrom }),
  }
}

/** The rest of the entry: the result and its grades. */
function entryGrades(outcome: TestOutcome) {
  return {
    status: outcome.status,
    result_type: outcome.resultType,
    output: outcome.output,
    ...(outcome.content && { content: outcome.content }),
    stop_reason: outcome.stopReason,
    error: outcome.error,
    score: outcome.score,
    reason: outcome.reason,
    assertions: outcome.assertions,
    metrics: outcome.metrics,
    usage: outcome.usage,
    cost_usd: usd(outcome.cost),
    cost_unknown_reason: outcome.costUnknown,
  }
}

/**
 * The text of what an entry holds before its result, in the pieces the verdict goes between: the ids' JSON
 * without its closing brace, and the request's without its braces.
 */
function requestPieces(
  evalCase: EvalCase,
  customId: string,
  sample: number,
  samples: number,
  reusedFrom?: ReusedFrom,
) {
  const head = redact(JSON.stringify(entryIds(evalCase, customId, sample, samples)).slice(0, -1))
  return [head, redact(JSON.stringify(entryRequest(evalCase, reusedFrom)).slice(1, -1))] as const
}

/** The text of the grades, without their opening brace: the end of the entry. */
function gradesTail(outcome: TestOutcome): string {
  return redact(JSON.stringify(entryGrades(outcome)).slice(1))
}

/** What joins an entry's head and request in the spool: JSON text has no raw tab. */
const SEPARATOR = '\t'
const SEPARATOR_BYTE = 0x09
/** Samples whose request parts are spooled between two turns of the event loop. */
const SAMPLES_PER_TURN = 500

/**
 * The results file's entries, waiting on disk by position (a 100,000-test run would hold them all until
 * the end): the part of each known before its result, written while the batches run, and the grades of
 * each passed sample, written as it is graded (see OutcomeSpool). What did not pass stays in memory whole.
 */
export class EntrySpool implements OutcomeSpool {
  private readonly requestParts = new PositionSpool()
  private readonly grades = new PositionSpool()
  private requestPartsWritten: Promise<void> = Promise.resolve()

  /**
   * Starts writing the samples' request parts, a few hundred per turn of the event loop so that the run
   * polls and uploads meanwhile; writeResultsFile waits for them.
   */
  writeRequestParts(
    sampleByCustomId: Map<string, Sample>,
    reusedFrom?: ReadonlyMap<string, ReusedFrom>,
  ): void {
    this.requestPartsWritten = this.spoolRequestParts(sampleByCustomId, reusedFrom)
    // Awaited in written(); until then a failure must not count as unhandled.
    this.requestPartsWritten.catch(() => undefined)
  }

  keep(position: number, outcome: TestOutcome): void {
    this.grades.put(position, gradesTail(outcome))
  }

  /** Resolves once the request parts are written. */
  written(): Promise<void> {
    return this.requestPartsWritten
  }

  requestPartAt(position: number): Buffer {
    return this.requestParts.bytesAt(position)
  }

  gradesAt(position: number): Buffer {
    return this.grades.bytesAt(position)
  }

  /** Deletes the spool's files, once nothing writes them any more. */
  async remove(): Promise<void> {
    await this.requestPartsWritten.catch(() => undefined)
    this.requestParts.remove()
    this.grades.remove()
  }

  private async spoolRequestParts(
    sampleByCustomId: Map<string, Sample>,
    reusedFrom: ReadonlyMap<string, ReusedFrom> | undefined,
  ): Promise<void> {
    let count = 0
    for (const [customId, { evalCase, index, of, position }] of sampleByCustomId) {
      const [head, request] = requestPieces(evalCase, customId, index, of, reusedFrom?.get(customId))
      this.requestParts.put(position, head, SEPARATOR, request)
      if (++count % SAMPLES_PER_TURN === 0) await nextTurn()
    }
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
    const { evalCase, customId, sample, samples } = outcome
    const ids = entryIds(evalCase, customId, sample, samples)
    return { ...ids, verdict, ...entryRequest(evalCase), ...entryGrades(outcome) }
  })
  return { ...resultsHeader(report, generatedAt), tests }
}

/**
 * The results document of entries as results files have them (a merge's, of its shards'), in chunks: each
 * entry's text was redacted when its run wrote it.
 */
export function* resultsTextOfEntries(
  report: RunReport,
  entries: unknown[],
  generatedAt: Date,
): Generator<Buffer> {
  const header = resultsHeader(report, generatedAt)
  if (entries.length === 0) {
    yield Buffer.from(`${redact(JSON.stringify({ ...header, tests: [] }, null, 2))}\n`)
    return
  }
  const file = new FileChunks()
  file.text(`${redact(JSON.stringify(header, null, 2)).slice(0, -2)},\n  "tests": [\n    `)
  entries.forEach((entry, i) => {
    file.text(`${i === 0 ? '' : ',\n    '}${JSON.stringify(entry)}`)
  })
  file.text('\n  ]\n}\n')
  yield file.take()
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

  /** The bytes so far, as a view that the next ones overwrite. */
  take(): Buffer {
    const taken = this.bytes.subarray(0, this.used)
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
 * neither the document nor its text is ever held whole. What waits in `entries` goes from its bytes to the
 * file's without being decoded; without `entries`, every outcome must be whole. Each chunk is a view of one
 * buffer that the next chunk overwrites: use it before asking for the next. (A new buffer per chunk left
 * hundreds of MB of buffers to the garbage collector while a 100,000-test file was written.)
 */
export function* resultsText(
  report: RunReport,
  outcomes: SampleOutcome[],
  generatedAt: Date,
  entries?: EntrySpool,
): Generator<Buffer> {
  const header = resultsHeader(report, generatedAt)
  if (outcomes.length === 0) {
    yield Buffer.from(`${redact(JSON.stringify({ ...header, tests: [] }, null, 2))}\n`)
    return
  }
  const file = new FileChunks()
  // `tests` is the last key: the header's text without its closing brace, then the list, then the brace.
  file.text(`${redact(JSON.stringify(header, null, 2)).slice(0, -2)},\n  "tests": [\n    `)
  let separator = ''
  for (const [outcome, verdict, position] of withVerdicts(report, outcomes)) {
    file.text(separator)
    separator = ',\n    '
    const judged = `,"verdict":"${verdict}",`
    if (entries) {
      const requestPart = entries.requestPartAt(position)
      const split = requestPart.indexOf(SEPARATOR_BYTE)
      file.copy(requestPart, 0, split)
      file.text(judged)
      file.copy(requestPart, split + 1, requestPart.length)
    } else {
      const { evalCase, customId, sample, samples } = outcome
      const [head, request] = requestPieces(evalCase, customId, sample, samples)
      file.text(head)
      file.text(judged)
      file.text(request)
    }
    file.text(',')
    if (!('spooled' in outcome)) {
      file.text(gradesTail(outcome))
    } else if (entries) {
      const grades = entries.gradesAt(position)
      file.copy(grades, 0, grades.length)
    } else {
      throw new Error(`The entry of ${outcome.customId} was spooled, but the spool was not given.`)
    }
    const chunk = file.takeChunk()
    if (chunk) yield chunk
  }
  file.text('\n  ]\n}\n')
  yield file.take()
}

/**
 * Writes the results file, streamed (a 100,000-test run makes a file of hundreds of MB), atomically.
 */
export async function writeResultsFile(
  file: string,
  report: RunReport,
  outcomes: SampleOutcome[],
  entries?: EntrySpool,
): Promise<string> {
  await entries?.written()
  return writeFileAtomically(file, resultsText(report, outcomes, new Date(), entries))
}
