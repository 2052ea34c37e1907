/**
 * Grading one test from its compiled assertions: the test's transform, each assertion's transform and
 * check, and the results combined as promptfoo's are. Pure but for what user scripts do.
 */
import { opened, type Internals, type Transform } from './internals.js'
import { outputText } from './message.js'
import { combine, metricsOf, NO_METRICS } from './scoring.js'
import { describeError } from './script.js'
import type { Check, Finding, GradingInput, ScriptContext, Subject, TestGrade } from './types.js'
import { messageOf, oneLine } from './values.js'
import type { AssertionResult, CompiledAssertion, CompiledTransform } from '../../model.js'

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
  transform: Transform,
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

/** The JSON a structured output holds, or its text as it is when it does not parse (a refusal, a cut-off reply). */
function parsedOrText(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
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
    finding = findingOf(opened(assertion.internals), graded)
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
  const { negate } = opened(assertion.internals)
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
  if (input.structuredOutput) graded.output = parsedOrText(graded.output as string)
  if (options.transform) {
    try {
      graded.output = await applyTransform(opened(options.transform), graded.output, graded.scriptContext())
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
