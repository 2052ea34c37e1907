/**
 * The graders library: promptfoo's assertion vocabulary compiled once per suite (values checked, files
 * read, schemas and code compiled) and run against each succeeded Message. Pure but for the injected
 * GraderIO, and the injected Judge that answers model-graded assertions.
 */
import { didYouMean } from '../../common/did-you-mean.js'
import { COST_GRADERS } from './cost.js'
import { reachesThreshold, type GraderDefinition, type ThresholdKind } from './grader.js'
import { JAVASCRIPT_GRADERS } from './javascript.js'
import { JSON_GRADERS } from './json.js'
import { outputText } from './message.js'
import { MODEL_GRADED_GRADERS } from './model-graded.js'
import { compileScript, describeError, type CompiledScript } from './script.js'
import { SIMILARITY_GRADERS } from './similarity.js'
import { TEXT_GRADERS } from './text.js'
import { TOOL_CALL_GRADERS } from './tool-calls.js'
import {
  AssertionCompileError,
  type AssertionResult,
  type Check,
  type Finding,
  type GraderIO,
  type GradingInput,
  type Judge,
  type JudgeAnswer,
  type JudgeReply,
  type ScriptContext,
  type Subject,
  type TestGrade,
} from './types.js'
import { fixed, messageOf, oneLine } from './values.js'

export { AssertionCompileError, outputText, reachesThreshold }
export type {
  AssertionResult,
  GraderIO,
  GradingInput,
  Judge,
  JudgeAnswer,
  JudgeReply,
  ScriptContext,
  TestGrade,
}
export {
  DEFAULT_JUDGE_MAX_TOKENS,
  DEFAULT_JUDGE_MODEL,
  DEFAULT_JUDGE_PROMPTS,
  DEFAULT_SCORE_THRESHOLD,
  JUDGE_MARKER,
  judgeTypeOf,
  type JudgePrompt,
  type JudgeType,
} from './model-graded.js'
export { findJson } from './json.js'
export { editDistance } from '../../common/edit-distance.js'
export { rougeN, tokenize } from './similarity.js'
export { splitCommaSeparated } from './values.js'

const GRADERS: Record<string, GraderDefinition> = {
  ...TEXT_GRADERS,
  ...JSON_GRADERS,
  ...TOOL_CALL_GRADERS,
  ...SIMILARITY_GRADERS,
  ...JAVASCRIPT_GRADERS,
  ...COST_GRADERS,
  ...MODEL_GRADED_GRADERS,
}

/** Whether a judge model grades this type (as written, maybe with not-): it takes `provider` and `rubricPrompt`. */
export function isModelGraded(type: string): boolean {
  return Object.hasOwn(MODEL_GRADED_GRADERS, type.replace(/^not-/, ''))
}

/** Whether grading these assertions asks a judge model (a model-graded one, also inside an assert-set). */
export function needsJudge(assertions: readonly CompiledAssertion[]): boolean {
  return assertions.some((assertion) =>
    assertion.assert ? needsJudge(assertion.assert) : isModelGraded(assertion.type),
  )
}

/** The graders' types without the not- prefix. */
export const BASE_ASSERTION_TYPES: readonly string[] = Object.keys(GRADERS)

/** Every type an assertion may have: each grader, its not- form, and assert-set. */
export const ASSERTION_TYPES: readonly string[] = [
  ...BASE_ASSERTION_TYPES.flatMap((type) => [type, `not-${type}`]),
  'assert-set',
]

/** The keys an assertion may have; an assert-set takes `assert` instead of value, transform and config. */
export const ASSERTION_KEYS: readonly string[] = [
  'type',
  'value',
  'threshold',
  'weight',
  'metric',
  'transform',
  'config',
]
export const ASSERT_SET_KEYS: readonly string[] = ['type', 'assert', 'threshold', 'weight', 'metric']

const LATENCY_REFUSAL =
  "latency has no meaning in a batch: requests wait in Anthropic's queue for minutes to hours before they run, " +
  'so the time to an answer measures the queue, not the model. Remove it, or bound what a test may spend ' +
  "with 'type: cost' and a threshold in USD"

/** promptfoo's model-graded types that have no grader here (those in MODEL_GRADED_GRADERS do). */
const OTHER_MODEL_GRADED = [
  'context-faithfulness',
  'context-recall',
  'context-relevance',
  'conversation-relevance',
  'similar',
  'similar:cosine',
  'similar:dot',
  'similar:euclidean',
  'classifier',
  'moderation',
  'select-best',
  'max-score',
  'pi',
  'search-rubric',
  'agent-rubric',
]
const OTHER_LANGUAGES = ['python', 'ruby']
const OPENAI_CALLS = ['is-valid-function-call', 'is-valid-openai-function-call', 'is-valid-openai-tools-call']
const OTHER_PROMPTFOO = [
  'bleu',
  'gleu',
  'meteor',
  'perplexity',
  'perplexity-score',
  'is-html',
  'contains-html',
  'is-sql',
  'contains-sql',
  'is-xml',
  'contains-xml',
  'is-refusal',
  'guardrails',
  'skill-used',
  'webhook',
  'finish-reason',
  'word-count',
  'ends-with',
  'trace-error-spans',
  'trace-span-count',
  'trace-span-duration',
  'trajectory:goal-success',
  'trajectory:step-count',
  'trajectory:tool-args-match',
  'trajectory:tool-sequence',
  'trajectory:tool-used',
]

/** promptfoo's assertion types that this action refuses, each with its reason and what to write instead. */
export const REFUSED_PROMPTFOO_TYPES: readonly string[] = [
  'latency',
  ...OTHER_MODEL_GRADED,
  ...OTHER_LANGUAGES,
  ...OPENAI_CALLS,
  ...OTHER_PROMPTFOO,
]

/** Why a promptfoo type this library does not run is refused, with what to write instead. */
function unsupported(base: string): string | undefined {
  if (base === 'latency') return LATENCY_REFUSAL
  if (OTHER_MODEL_GRADED.includes(base)) {
    return (
      `'${base}' is a promptfoo model-graded type that this action does not run; write the check as ` +
      'llm-rubric, model-graded-closedqa, factuality, g-eval or answer-relevance, or as a javascript assertion'
    )
  }
  if (OTHER_LANGUAGES.includes(base))
    return `'${base}' assertions do not run here; write the check in JavaScript (type: javascript)`
  if (OPENAI_CALLS.includes(base)) {
    return `'${base}' checks OpenAI calls; use is-valid-tool-call, which checks the message's tool_use blocks against the request's tools`
  }
  if (OTHER_PROMPTFOO.includes(base) || base.startsWith('trace-') || base.startsWith('trajectory:')) {
    return `'${base}' is a promptfoo assertion this action does not implement; write the check as a javascript assertion`
  }
  return undefined
}

/** The `extra` of the graders that read no extra keys (nearly all): one object shared by every compile. */
const NO_EXTRA: Record<string, unknown> = Object.freeze({})

/** An opaque, compiled output transform (a test's `options.transform` or an assertion's `transform`). */
export interface CompiledTransform {
  readonly label: string
  readonly script: CompiledScript
}

interface Internals {
  negate: boolean
  readsOutput: boolean
  check?: Check
  transform?: CompiledTransform
}

export interface CompiledAssertion {
  /** As written, e.g. `not-contains` or `assert-set`. */
  type: string
  /** As written (a file:// reference stays one); undefined for an assert-set. */
  value: unknown
  weight: number
  metric?: string
  threshold?: number
  /** An assert-set's assertions. */
  assert?: CompiledAssertion[]
  /** Internal: how to grade it. */
  readonly internals: Internals
}

/** Compiles a test's or an assertion's `transform`: a JS expression, a multi-line body, or file://module.js[:fn]. */
export async function compileTransform(
  source: string,
  baseDir: string,
  io: GraderIO,
): Promise<CompiledTransform> {
  const script = await compileScript(source, baseDir, io, 'transform', 'transform')
  return { label: script.label, script }
}

/**
 * Checks and compiles one entry of an `assert` list (values resolved, files read, schemas, patterns and code
 * compiled). Throws an AssertionCompileError that says what to write instead.
 */
export async function compileAssertion(
  raw: Record<string, unknown>,
  baseDir: string,
  io: GraderIO,
): Promise<CompiledAssertion> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new AssertionCompileError('an assertion is a mapping with a type (and usually a value)')
  }
  const type = raw.type
  if (typeof type !== 'string' || type.trim() === '') {
    throw new AssertionCompileError(
      `an assertion needs a 'type': one of ${BASE_ASSERTION_TYPES.join(', ')} (each also as not-...), or assert-set`,
      'type',
    )
  }
  if (type === 'assert-set') return compileSet(raw, baseDir, io)
  const negate = type.startsWith('not-')
  const base = negate ? type.slice(4) : type
  if (base === 'assert-set') {
    throw new AssertionCompileError(
      'an assert-set cannot be negated; negate the assertions inside it, or give the set a threshold',
      'type',
    )
  }
  const grader = Object.prototype.hasOwnProperty.call(GRADERS, base) ? GRADERS[base] : undefined
  if (!grader) {
    const refusal = unsupported(base)
    if (refusal) throw new AssertionCompileError(refusal, 'type')
    const suggestion = didYouMean(type, ASSERTION_TYPES)
    throw new AssertionCompileError(
      `unknown assertion type '${type}'${suggestion}` +
        (suggestion
          ? ''
          : `; use one of ${BASE_ASSERTION_TYPES.join(', ')} (each also as not-...), or assert-set`),
      'type',
    )
  }
  const { extraKeys } = grader
  checkKeys(raw, extraKeys ? [...ASSERTION_KEYS, ...extraKeys] : ASSERTION_KEYS, type)
  const weight = weightOf(raw)
  const metric = metricOf(raw)
  if (grader.value === 'required' && (raw.value === undefined || raw.value === null)) {
    throw new AssertionCompileError(`${type} needs a 'value': ${grader.valueHelp}`, 'value')
  }
  if (grader.value === 'none' && raw.value !== undefined) {
    throw new AssertionCompileError(`${type} takes no 'value': ${grader.valueHelp}`, 'value')
  }
  const threshold = thresholdOf(raw, type, grader)
  if (raw.config !== undefined && !grader.takesConfig) {
    throw new AssertionCompileError(
      `'config' is read by javascript and factuality assertions only; remove it from ${type}`,
      'config',
    )
  }
  let transform: CompiledTransform | undefined
  if (raw.transform !== undefined) {
    if (!grader.readsOutput) {
      throw new AssertionCompileError(
        `${type} does not read the output text (it looks at the ${base === 'cost' ? 'cost' : "message's tool calls"}), so a 'transform' has no effect; remove it`,
        'transform',
      )
    }
    if (typeof raw.transform !== 'string') {
      throw new AssertionCompileError(
        `'transform' is JavaScript in a string, or file://module.js[:functionName]`,
        'transform',
      )
    }
    transform = await compileTransform(raw.transform, baseDir, io)
  }
  const check = await grader.compile({
    type,
    base,
    negate,
    value: raw.value,
    threshold,
    config: raw.config,
    extra: extraKeys
      ? Object.fromEntries(extraKeys.filter((key) => raw[key] !== undefined).map((key) => [key, raw[key]]))
      : NO_EXTRA,
    baseDir,
    io,
  })
  return {
    type,
    value: raw.value,
    weight,
    ...(metric !== undefined && { metric }),
    ...(threshold !== undefined && { threshold }),
    internals: { negate, readsOutput: grader.readsOutput, check, ...(transform && { transform }) },
  }
}

async function compileSet(
  raw: Record<string, unknown>,
  baseDir: string,
  io: GraderIO,
): Promise<CompiledAssertion> {
  checkKeys(raw, ASSERT_SET_KEYS, 'assert-set')
  const weight = weightOf(raw)
  const metric = metricOf(raw)
  const threshold =
    raw.threshold === undefined
      ? undefined
      : thresholdValue(
          raw.threshold,
          'assert-set',
          'score',
          'the share of the weighted score the set needs, between 0 and 1',
        )
  const list = raw.assert
  if (!Array.isArray(list) || list.length === 0) {
    throw new AssertionCompileError("an assert-set needs 'assert': a list of assertions", 'assert')
  }
  const assert: CompiledAssertion[] = []
  for (const [index, item] of list.entries()) {
    if (
      item !== null &&
      typeof item === 'object' &&
      (item as Record<string, unknown>).type === 'assert-set'
    ) {
      throw new AssertionCompileError(
        'an assert-set cannot contain another assert-set; list its assertions in this set',
        'type',
        ['assert', index, 'type'],
      )
    }
    try {
      assert.push(await compileAssertion(item as Record<string, unknown>, baseDir, io))
    } catch (error) {
      if (error instanceof AssertionCompileError) throw error.within('assert', index)
      throw error
    }
  }
  return {
    type: 'assert-set',
    value: undefined,
    weight,
    ...(metric !== undefined && { metric }),
    ...(threshold !== undefined && { threshold }),
    assert,
    internals: { negate: false, readsOutput: true },
  }
}

function checkKeys(raw: Record<string, unknown>, allowed: readonly string[], type: string): void {
  for (const key of Object.keys(raw)) {
    if (allowed.includes(key)) continue
    if (type === 'assert-set' && (key === 'value' || key === 'transform' || key === 'config')) {
      throw new AssertionCompileError(
        `an assert-set takes no '${key}'; put it on the assertions in its 'assert' list`,
        key,
      )
    }
    if (key === 'assert') {
      throw new AssertionCompileError(
        `only an assert-set has an 'assert' list; set 'type: assert-set' to group assertions`,
        key,
      )
    }
    if (key === 'provider' || key === 'rubricPrompt') {
      throw new AssertionCompileError(
        `'${key}' is read by the model-graded assertions only (${Object.keys(MODEL_GRADED_GRADERS).join(', ')}); remove it from ${type}`,
        key,
      )
    }
    if (key === 'contextTransform') {
      throw new AssertionCompileError(
        `'${key}' is for promptfoo's context-* assertions, which this action does not run; remove it`,
        key,
      )
    }
    throw new AssertionCompileError(
      `unknown key '${key}' in a ${type} assertion${didYouMean(key, allowed)}; an assertion takes ${allowed.join(', ')}`,
      key,
    )
  }
}

function weightOf(raw: Record<string, unknown>): number {
  if (raw.weight === undefined) return 1
  if (typeof raw.weight !== 'number' || !Number.isFinite(raw.weight) || raw.weight < 0) {
    throw new AssertionCompileError(
      "'weight' is a number, 0 or more: how much the assertion counts in the test's score (default 1; 0 = informational)",
      'weight',
    )
  }
  return raw.weight
}

function metricOf(raw: Record<string, unknown>): string | undefined {
  if (raw.metric === undefined) return undefined
  if (typeof raw.metric !== 'string' || raw.metric.trim() === '') {
    throw new AssertionCompileError("'metric' is a name, e.g. 'metric: accuracy'", 'metric')
  }
  return raw.metric
}

function thresholdOf(
  raw: Record<string, unknown>,
  type: string,
  grader: GraderDefinition,
): number | undefined {
  const spec = grader.threshold
  if (raw.threshold === undefined || raw.threshold === null) {
    if (spec?.required)
      throw new AssertionCompileError(`${type} needs a 'threshold': ${spec.help}`, 'threshold')
    return undefined
  }
  if (!spec) {
    throw new AssertionCompileError(
      `'threshold' has no meaning for ${type}, which passes or fails; to let a test pass with some ` +
        "assertions failing, give the test a threshold, or this assertion a 'weight'",
      'threshold',
    )
  }
  return thresholdValue(raw.threshold, type, spec.kind, spec.help)
}

function thresholdValue(value: unknown, type: string, kind: ThresholdKind, help: string): number {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (kind === 'number' ||
      (kind === 'score' && value >= 0 && value <= 1) ||
      (kind === 'distance' && Number.isInteger(value) && value >= 0) ||
      (kind === 'usd' && value >= 0))
  if (!ok)
    throw new AssertionCompileError(
      `${type} has an invalid 'threshold' ${JSON.stringify(value)}: ${help}`,
      'threshold',
    )
  return value as number
}

/**
 * A test's `threshold` checked as promptfoo reads it: a number between 0 and 1 that the weighted score must
 * reach. Throws an AssertionCompileError (key 'threshold') for anything else.
 */
export function parseTestThreshold(value: unknown): number | undefined {
  if (value === undefined) return undefined
  return thresholdValue(
    value,
    'the test',
    'score',
    'the weighted score the test needs to pass, between 0 and 1',
  )
}

function contextOf(input: GradingInput, text: string): ScriptContext {
  return {
    vars: input.vars,
    prompt: input.prompt,
    test: input.test ?? { vars: input.vars },
    message: input.message,
    providerResponse: {
      output: text,
      raw: input.message,
      cost: input.costUsd ?? undefined,
      finishReason: input.message.stop_reason,
    },
  }
}

/** Runs a transform; throws an Error whose message is a reason ("transform "..." threw TypeError: ..."). */
async function applyTransform(
  transform: CompiledTransform,
  output: unknown,
  context: ScriptContext,
): Promise<unknown> {
  let result: unknown
  try {
    result = await transform.script.run(output, context)
  } catch (error) {
    throw new Error(`transform ${transform.label} threw ${describeError(error)}`, { cause: error })
  }
  if (result === undefined || result === null) {
    const hint = transform.script.isBody
      ? ' (a multi-line transform is a function body: end it with return)'
      : ''
    throw new Error(`transform ${transform.label} returned ${String(result)}${hint}`)
  }
  return result
}

const asText = (output: unknown): string =>
  typeof output === 'string' ? output : (JSON.stringify(output) ?? String(output))

/** One test's grading, which its assertions share. */
class Graded {
  /** The output after the test's transform (the message's text when it has none). */
  output: unknown
  /** Set when the test's transform failed: every assertion that reads the output fails with it. */
  failure: string | undefined
  /** How many assertions await the judge's answer. */
  pending = 0
  private context: ScriptContext | undefined

  constructor(
    readonly input: GradingInput,
    private readonly text: string,
  ) {
    this.output = text
  }

  /**
   * The context handed to a script, built on first use (most tests run none). Each script gets its own
   * shallow copy, so that one that changes its context does not change another's.
   */
  scriptContext(): ScriptContext {
    this.context ??= contextOf(this.input, this.text)
    return { ...this.context }
  }
}

/** What a check sees of one output (the test's, or the assertion's transformed one). */
class GradedSubject implements Subject {
  readonly text: string

  constructor(
    readonly output: unknown,
    private readonly graded: Graded,
  ) {
    this.text = asText(output)
  }

  get input(): GradingInput {
    return this.graded.input
  }

  scriptContext(): ScriptContext {
    return this.graded.scriptContext()
  }
}

/**
 * A result built by one object literal per shape, its keys in the order the results file shows them: results
 * then share a hidden class. (Spread from a common base, each of a run's results got its own, about 0.3 kB.)
 */
function assertionResult(
  { type, value, weight, metric }: CompiledAssertion,
  pass: boolean,
  score: number,
  reason: string,
  results?: AssertionResult[],
): AssertionResult {
  const result: AssertionResult =
    metric === undefined
      ? { type, value, weight, pass, score, reason }
      : { type, value, weight, metric, pass, score, reason }
  if (results) result.results = results
  return result
}

/**
 * Grades the assertions; a promise only when some check or transform returned one (scripts do, the other
 * checks answer at once), so that a test of plain checks costs no promise or microtask per assertion.
 */
function gradeAll(
  assertions: CompiledAssertion[],
  graded: Graded,
): AssertionResult[] | Promise<AssertionResult[]> {
  const results = assertions.map((assertion) => gradeAssertion(assertion, graded))
  return results.some((result) => result instanceof Promise)
    ? Promise.all(results)
    : (results as AssertionResult[])
}

function gradeAssertion(
  assertion: CompiledAssertion,
  graded: Graded,
): AssertionResult | Promise<AssertionResult> {
  if (assertion.assert) {
    const results = gradeAll(assertion.assert, graded)
    return results instanceof Promise
      ? results.then((all) => assertSetResult(assertion, all))
      : assertSetResult(assertion, results)
  }
  let finding: Finding | Promise<Finding>
  try {
    finding = findingOf(assertion.internals, graded)
  } catch (error) {
    finding = couldNotGrade(error)
  }
  return finding instanceof Promise
    ? finding.then(
        (found) => resultOf(assertion, found, graded),
        (error: unknown) => resultOf(assertion, couldNotGrade(error), graded),
      )
    : resultOf(assertion, finding, graded)
}

/** An assert-set's result, from its assertions' results. */
function assertSetResult(assertion: CompiledAssertion, results: AssertionResult[]): AssertionResult {
  const { pass, score, reason } = combine(results, assertion.threshold)
  return assertionResult(assertion, pass, score, reason, results)
}

/** The check's finding, after the assertion's transform; throws (or rejects) when either throws. */
function findingOf({ readsOutput, check, transform }: Internals, graded: Graded): Finding | Promise<Finding> {
  if (readsOutput && graded.failure) return couldNotGrade(graded.failure)
  const grade = check as Check
  if (readsOutput && transform) {
    return applyTransform(transform, graded.output, graded.scriptContext()).then((output) =>
      grade(new GradedSubject(output, graded)),
    )
  }
  return grade(new GradedSubject(graded.output, graded))
}

function couldNotGrade(error: unknown): Finding {
  return { pass: false, score: 0, reason: `could not grade: ${messageOf(error)}`, error: true }
}

function resultOf(assertion: CompiledAssertion, finding: Finding, graded: Graded): AssertionResult {
  const { negate } = assertion.internals
  const score = Math.min(1, Math.max(0, Number.isFinite(finding.score) ? finding.score : 0))
  const reason = oneLine(finding.reason)
  if (finding.pending) graded.pending += 1
  const result =
    finding.error || finding.pending
      ? assertionResult(assertion, false, 0, reason)
      : assertionResult(assertion, finding.pass !== negate, negate ? 1 - score : score, reason)
  if (finding.judge) result.judge = finding.judge
  if (finding.error) result.errored = true
  return result
}

/** Made once per count: every passing test keeps this reason, and a run has few distinct counts. */
const passedReasons: string[] = []
const allPassed = (count: number): string =>
  (passedReasons[count] ??= `${count === 1 ? 'the assertion' : `all ${count} assertions`} passed`)

/**
 * promptfoo's scoring of a test (and of an assert-set): the score is the weighted mean of the scores of the
 * assertions with weight > 0 (1 when there are none). With a threshold, the test passes when the score
 * reaches it; without one, when every assertion with weight > 0 passes. Weight-0 assertions are informational.
 * One addition: an assertion that could not be graded (a judge that gave no answer) fails the test even when
 * the others reach the threshold, as a grade nobody knows is never a pass.
 */
function combine(
  results: AssertionResult[],
  threshold: number | undefined,
): Pick<TestGrade, 'pass' | 'score' | 'reason'> {
  const gating = results.filter((r) => r.weight > 0)
  const totalWeight = gating.reduce((sum, r) => sum + r.weight, 0)
  const score = totalWeight > 0 ? gating.reduce((sum, r) => sum + r.score * r.weight, 0) / totalWeight : 1
  const failed = gating.filter((r) => !r.pass)
  const firstFailure = failed.length > 0 ? `${failed[0].type}: ${failed[0].reason}` : undefined
  if (typeof threshold === 'number' && !Number.isNaN(threshold)) {
    const reaches = reachesThreshold(score, threshold)
    const reason = `weighted score ${fixed(score)} ${reaches ? '>=' : '<'} threshold ${threshold}`
    const ungraded = gating.find((r) => r.errored)
    if (reaches && ungraded) {
      return {
        pass: false,
        score,
        reason: `${reason}, but ${ungraded.type} has no grade (${ungraded.reason})`,
      }
    }
    return { pass: reaches, score, reason: !reaches && firstFailure ? `${reason}; ${firstFailure}` : reason }
  }
  if (firstFailure) {
    const more = failed.length > 1 ? ` (and ${failed.length - 1} more failed)` : ''
    return { pass: false, score, reason: `${firstFailure}${more}` }
  }
  if (results.length === 0) return { pass: true, score, reason: 'no assertions' }
  const informational = results.length - gating.length
  const passed = allPassed(gating.length)
  if (informational === 0) return { pass: true, score, reason: passed }
  const note = `${informational} informational (weight 0)`
  return { pass: true, score, reason: gating.length === 0 ? `only ${note}` : `${passed}; ${note}` }
}

interface MetricSum {
  weighted: number
  weight: number
  plain: number
  count: number
}

/** The metrics of a test whose assertions carry none: one object for every such test, kept with each grade. */
const NO_METRICS: Readonly<Record<string, number>> = Object.freeze({})

/**
 * Per metric, the weighted mean score of the results that carry it (an assert-set's results weigh its
 * weight times theirs). A metric carried only by weight-0 results gets their plain mean, so that an
 * informational metric still reports.
 */
function metricsOf(results: AssertionResult[]): Readonly<Record<string, number>> {
  const sums = new Map<string, MetricSum>()
  const add = (list: AssertionResult[], factor: number, skip: string | undefined) => {
    for (const r of list) {
      if (r.metric !== undefined && r.metric !== skip) {
        const sum = sums.get(r.metric) ?? { weighted: 0, weight: 0, plain: 0, count: 0 }
        sum.weighted += r.score * r.weight * factor
        sum.weight += r.weight * factor
        sum.plain += r.score
        sum.count += 1
        sums.set(r.metric, sum)
      }
      if (r.results) add(r.results, factor * r.weight, r.metric)
    }
  }
  add(results, 1, undefined)
  if (sums.size === 0) return NO_METRICS
  const metrics: Record<string, number> = {}
  for (const [name, sum] of sums)
    metrics[name] = sum.weight > 0 ? sum.weighted / sum.weight : sum.plain / sum.count
  return metrics
}

/**
 * Grades one succeeded result: the test's transform (if any) turns the message's text into the output,
 * each assertion (after its own transform) grades it, and the results combine as promptfoo's do.
 * Never throws for anything user code does: an error is a failed assertion whose reason names it.
 */
export async function gradeTest(
  assertions: CompiledAssertion[],
  input: GradingInput,
  options: { threshold?: number; transform?: CompiledTransform } = {},
): Promise<TestGrade> {
  const graded = new Graded(input, outputText(input.message))
  if (options.transform) {
    try {
      graded.output = await applyTransform(options.transform, graded.output, graded.scriptContext())
    } catch (error) {
      graded.failure = `the test's ${messageOf(error)}`
    }
  }
  const grading = gradeAll(assertions, graded)
  const results = grading instanceof Promise ? await grading : grading
  if (graded.pending > 0) {
    // Not a grade yet: no pass, score or metrics that a pending assertion could count in.
    const reason = `awaiting the judge's answer to ${graded.pending === 1 ? 'an assertion' : `${graded.pending} assertions`}`
    return { pass: false, score: 0, reason, results, metrics: NO_METRICS, pending: true }
  }
  // Spelled out, not spread from combine's result: a spread object got a hidden class of its own, per test.
  const { pass, score, reason } = combine(results, options.threshold)
  return { pass, score, reason, results, metrics: metricsOf(results), pending: false }
}
