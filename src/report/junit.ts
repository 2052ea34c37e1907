/**
 * The run as JUnit XML, for test-report tools (dorny/test-reporter's java-junit format, Jenkins, GitLab,
 * CI dashboards): one <testsuite> per suite file, one <testcase> per test with the report's verdict (a
 * repeated test's failing samples are listed in its <failure> or <error>), so that the counts are the
 * report's. Model output is untrusted: every text is escaped, and the characters XML 1.0 cannot hold are
 * stripped.
 */
import { reachesThreshold } from '../grading/graders/index.js'
import { usdString } from '../cost/usd.js'
import type { RunReport } from './report.js'
import type { TestVerdict } from '../grading/verdicts.js'
import { codePointHead } from '../common/cut-text.js'
import { writeFileAtomically } from './atomic-file.js'
import { redact } from '../common/redaction.js'
import type { AssertionResult, SampleOutcome, TestOutcome } from '../model.js'

export interface JunitOptions {
  /** The `name` of <testsuites>. */
  suiteName?: string
}

export const DEFAULT_JUNIT_NAME = 'Claude Batch Evals'

/** How much of a failed test's output the <failure> text shows, in characters (code points). */
export const MAX_OUTPUT_CHARS = 4000

/** Text is handed to the file in pieces of about this many characters. */
const CHUNK_CHARS = 1 << 16

// Characters outside XML 1.0's Char production: C0 controls but tab, LF and CR; U+FFFE and U+FFFF; and
// surrogates that are not part of a pair. (Without the `u` flag, so that lone surrogates can be matched.)
const FORBIDDEN =
  // eslint-disable-next-line no-control-regex
  /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g
const SPECIAL = /[&<>"'\t\n\r]/g
const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  // As references, so that parsers keep them: they normalize raw ones in attributes (to spaces) and CR in text.
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
}
const TEXT_SPECIAL = /[&<>"'\r]/g

/** Text without the run's secrets and the characters XML 1.0 forbids. */
export function xmlSafe(text: string): string {
  return redact(text).replace(FORBIDDEN, '')
}

/** A value for a double- or single-quoted attribute: escaped, and tabs and line breaks kept as references. */
export function xmlAttribute(value: string | number): string {
  return xmlSafe(String(value)).replace(SPECIAL, (c) => ENTITIES[c])
}

/** Element text: escaped (`]]>` cannot occur, as `>` is), line breaks kept as written. */
export function xmlText(text: string): string {
  return xmlSafe(text).replace(TEXT_SPECIAL, (c) => ENTITIES[c])
}

/** At most `max` characters (code points, so that no pair is split), and a marker saying how much was cut. */
function cutOutput(text: string, max: number): string {
  const head = codePointHead(text, max)
  if (head.length === text.length) return text
  const total = [...text].length
  return `${head}\n… [cut: ${total - max} more characters of ${total}; the whole output is in the results file]`
}

const seconds = (ms: number) => (ms / 1000).toFixed(3)

/** A test: its verdict, and its samples (one unless it is repeated). */
interface JunitTest {
  verdict: TestVerdict
  samples: SampleOutcome[]
}

interface SuiteGroup {
  file: string
  tests: JunitTest[]
  failures: number
  errors: number
  /** Sum of the samples' known costs, in femtodollars. */
  batch: bigint
  standard: bigint
  /** The first reason a sample's cost is unknown; null when every cost is known. */
  costUnknown: string | null
}

/** Tests by suite file, files in the order their first test comes; a test's samples are consecutive. */
function groupBySuiteFile(report: RunReport, outcomes: SampleOutcome[]): SuiteGroup[] {
  const groups = new Map<string, SuiteGroup>()
  let start = 0
  for (const verdict of report.verdicts) {
    const samples = outcomes.slice(start, (start += verdict.samples))
    const file = verdict.evalCase.file
    let group = groups.get(file)
    if (!group) {
      group = { file, tests: [], failures: 0, errors: 0, batch: 0n, standard: 0n, costUnknown: null }
      groups.set(file, group)
    }
    group.tests.push({ verdict, samples })
    if (verdict.status === 'failed') group.failures += 1
    else if (verdict.status === 'errored') group.errors += 1
    for (const sample of samples) {
      if (sample.cost) {
        group.batch += sample.cost.batch
        group.standard += sample.cost.standard
      } else {
        group.costUnknown ??= sample.costUnknown ?? 'unknown'
      }
    }
  }
  return [...groups.values()]
}

function property(name: string, value: string): string {
  return `      <property name="${xmlAttribute(name)}" value="${xmlAttribute(value)}"/>\n`
}

function properties(group: SuiteGroup, report: RunReport): string {
  let text = '    <properties>\n'
  text += property('batch_ids', report.batchIds.join(','))
  text += property('price_table_date', report.priceTableDate)
  if (group.costUnknown === null) {
    text += property('cost_batch_usd', usdString(group.batch))
    text += property('cost_standard_usd', usdString(group.standard))
  } else {
    text += property('cost_unknown', group.costUnknown)
  }
  return `${text}    </properties>\n`
}

/** `type: reason` of each failed assertion, an assert-set's own failures indented under it. */
function failedLines(results: AssertionResult[], indent: string, lines: string[]): string[] {
  for (const result of results) {
    if (result.pass) continue
    const informational = result.weight === 0 ? ' (weight 0, informational)' : ''
    lines.push(`${indent}${result.type}: ${result.reason}${informational}`)
    if (result.results) failedLines(result.results, `${indent}  `, lines)
  }
  return lines
}

/** Why a sample failed: the first failed assertion, and every failed assertion with the output. */
function failureOf(outcome: TestOutcome): { message: string; body: string } {
  const lines = failedLines(outcome.assertions, '', [])
  const gating = outcome.assertions.find((r) => !r.pass && r.weight > 0)
  const first = gating ?? outcome.assertions.find((r) => !r.pass)
  const { threshold } = outcome.evalCase
  const score = outcome.score ?? 0
  const belowThreshold =
    threshold !== undefined && !reachesThreshold(score, threshold)
      ? `weighted score ${score.toFixed(2)} < threshold ${threshold}`
      : undefined
  if (belowThreshold) lines.push(belowThreshold)
  const message = first ? `${first.type}: ${first.reason}` : (belowThreshold ?? 'the test failed')
  const output = outcome.output === null ? '(no output)' : cutOutput(outcome.output, MAX_OUTPUT_CHARS)
  return { message, body: `${lines.join('\n')}\n\nOutput:\n${output}` }
}

/** Why a sample has no output to grade. */
function errorOf(outcome: TestOutcome): { message: string; body: string } {
  const error = outcome.error ?? { type: outcome.resultType, message: 'no output to grade' }
  const message = `${error.type}: ${error.message}`
  return { message, body: `${message}\nresult type: ${outcome.resultType}\ncustom_id: ${outcome.customId}` }
}

function sampleProblem(sample: TestOutcome): { message: string; body: string } {
  return sample.status === 'errored' ? errorOf(sample) : failureOf(sample)
}

/** The samples that did not pass (a passed sample is kept without what a problem shows). */
const notPassed = (samples: SampleOutcome[]) =>
  samples.filter((sample): sample is TestOutcome => sample.status !== 'passed')

/**
 * Why a test did not pass: its sample's problem, or, for a repeated test, how many samples passed against how
 * many it needs, then each sample that did not pass.
 */
function problemOf({ verdict, samples }: JunitTest): { message: string; body: string; type: string } {
  const problems = notPassed(samples)
  if (samples.length === 1) {
    const [sample] = problems
    return { ...sampleProblem(sample), type: sample.status === 'errored' ? sample.resultType : 'assertion' }
  }
  const missing = verdict.errors > 0 ? `, ${verdict.errors} without an output to grade` : ''
  return {
    message: `${verdict.passes} of ${verdict.samples} samples passed, ${verdict.needed} needed${missing}`,
    body: problems
      .map((sample) => `Sample ${sample.sample} of ${sample.samples}: ${sampleProblem(sample).body}`)
      .join('\n\n'),
    type: verdict.status === 'errored' ? 'errored' : 'assertion',
  }
}

/** A failed test's <failure>, an errored test's <error> (it lacked the outputs to pass). */
function problemElement(test: JunitTest): string {
  const element = test.verdict.status === 'errored' ? 'error' : 'failure'
  const { message, body, type } = problemOf(test)
  return `      <${element} message="${xmlAttribute(message)}" type="${xmlAttribute(type)}">${xmlText(body)}</${element}>\n`
}

function testcase(test: JunitTest): string {
  const { id, file, line } = test.verdict.evalCase
  const open =
    `    <testcase name="${xmlAttribute(id)}" classname="${xmlAttribute(file)}" file="${xmlAttribute(file)}"` +
    ` line="${line}" time="0"`
  if (test.verdict.status === 'passed') return `${open}/>\n`
  return `${open}>\n${problemElement(test)}    </testcase>\n`
}

/** The document's text, in pieces: the tests one at a time, so that a writer never holds it whole. */
export function* junitPieces(
  report: RunReport,
  outcomes: SampleOutcome[],
  options: JunitOptions = {},
): Generator<string> {
  const groups = groupBySuiteFile(report, outcomes)
  let failures = 0
  let errors = 0
  for (const group of groups) {
    failures += group.failures
    errors += group.errors
  }
  const name = options.suiteName ?? DEFAULT_JUNIT_NAME
  const time = seconds(report.batchDurationMs ?? 0)
  yield '<?xml version="1.0" encoding="UTF-8"?>\n'
  yield `<testsuites name="${xmlAttribute(name)}" tests="${report.verdicts.length}" failures="${failures}" errors="${errors}" time="${time}">\n`
  for (const group of groups) {
    yield `  <testsuite name="${xmlAttribute(group.file)}" tests="${group.tests.length}" failures="${group.failures}" errors="${group.errors}" skipped="0" time="0">\n`
    yield properties(group, report)
    for (const test of group.tests) yield testcase(test)
    yield '  </testsuite>\n'
  }
  yield '</testsuites>\n'
}

/** The pieces gathered into chunks of about CHUNK_CHARS, so that the file is not written a piece per line. */
function* chunked(pieces: Iterable<string>): Generator<string> {
  let buffer: string[] = []
  let size = 0
  for (const piece of pieces) {
    buffer.push(piece)
    size += piece.length
    if (size >= CHUNK_CHARS) {
      yield buffer.join('')
      buffer = []
      size = 0
    }
  }
  if (buffer.length > 0) yield buffer.join('')
}

/**
 * Writes the JUnit XML file, streamed and atomically, and returns its absolute path.
 */
export async function writeJunitFile(
  file: string,
  report: RunReport,
  outcomes: SampleOutcome[],
  options: JunitOptions = {},
): Promise<string> {
  return writeFileAtomically(file, chunked(junitPieces(report, outcomes, options)))
}
