/** Batch results joined back to their tests by custom_id, and graded. */
import type {
  MessageBatchIndividualResponse,
  MessageBatchResult,
} from '@anthropic-ai/sdk/resources/messages/batches'
import type { Usage } from '@anthropic-ai/sdk/resources/messages/messages'
import { gradeTest, outputText, type AssertionResult } from './graders/index.js'
import { costOf, NO_COST, usdNumber, type Cost } from './pricing.js'
import type { EvalCase } from './suite.js'

export type TestStatus = 'passed' | 'failed' | 'errored'
/** The API's result type, or `missing` when the batch returned nothing for the test. */
export type ResultType = MessageBatchResult['type'] | 'missing'

export interface TestOutcome {
  evalCase: EvalCase
  customId: string
  status: TestStatus
  resultType: ResultType
  output: string | null
  stopReason: string | null
  /** The API's error for errored, canceled, expired and missing results. */
  error: { type: string; message: string } | null
  /** The weighted score of the assertions (0..1), null without an output to grade. */
  score: number | null
  assertions: AssertionResult[]
  /** Score per named metric (`metric:` of the assertions). */
  metrics: Record<string, number>
  usage: Usage | null
  /** Known cost (zero for results that are not billed), or null with the reason in `costUnknown`. */
  cost: Cost | null
  costUnknown: string | null
}

export interface GradedRun {
  /** In suite order. */
  outcomes: TestOutcome[]
  /** custom_ids the batch returned that no test of this run has, or returned twice. */
  unexpectedCustomIds: string[]
}

const UNFINISHED: Record<'canceled' | 'expired' | 'missing', { type: string; message: string }> = {
  canceled: { type: 'canceled', message: 'the request was canceled before it was processed' },
  expired: { type: 'expired', message: 'the batch reached its 24-hour limit before processing this request' },
  missing: { type: 'missing_result', message: 'the batch returned no result for this request' },
}

/**
 * An outcome built by one object literal, fields always in this order: outcomes then share one hidden class.
 * (Built by spreading a base object instead, each of 100,000 outcomes got its own, about 0.3 kB apiece.)
 */
function testOutcome(
  evalCase: EvalCase,
  customId: string,
  status: TestStatus,
  resultType: ResultType,
  error: TestOutcome['error'],
  graded?: Pick<
    TestOutcome,
    'output' | 'stopReason' | 'score' | 'assertions' | 'metrics' | 'usage' | 'cost' | 'costUnknown'
  >,
): TestOutcome {
  return {
    evalCase,
    customId,
    status,
    resultType,
    output: graded ? graded.output : null,
    stopReason: graded ? graded.stopReason : null,
    error,
    score: graded ? graded.score : null,
    assertions: graded ? graded.assertions : [],
    metrics: graded ? graded.metrics : {},
    usage: graded ? graded.usage : null,
    // Requests without a succeeded result are not billed.
    cost: graded ? graded.cost : NO_COST,
    costUnknown: graded ? graded.costUnknown : null,
  }
}

export async function gradeResult(
  evalCase: EvalCase,
  customId: string,
  result: MessageBatchResult | undefined,
): Promise<TestOutcome> {
  if (!result || result.type === 'canceled' || result.type === 'expired') {
    const resultType = result?.type ?? 'missing'
    return testOutcome(evalCase, customId, 'errored', resultType, UNFINISHED[resultType])
  }
  if (result.type === 'errored') {
    const { type, message } = result.error.error
    return testOutcome(evalCase, customId, 'errored', 'errored', { type, message })
  }
  const { message } = result
  const priced = costOf(evalCase.params.model, message.usage)
  const cost = 'cost' in priced ? priced.cost : null
  const costUnknown = 'unknown' in priced ? priced.unknown : null
  const grade = await gradeTest(
    evalCase.assertions,
    {
      message,
      vars: evalCase.vars,
      prompt: evalCase.prompt,
      tools: evalCase.params.tools,
      costUsd: cost ? usdNumber(cost.batch) : null,
      ...(costUnknown !== null && { costUnknownReason: costUnknown }),
      test: { id: evalCase.id, description: evalCase.description, vars: evalCase.vars },
    },
    { threshold: evalCase.threshold, transform: evalCase.transform },
  )
  return testOutcome(evalCase, customId, grade.pass ? 'passed' : 'failed', 'succeeded', null, {
    output: outputText(message),
    stopReason: message.stop_reason,
    score: grade.score,
    assertions: grade.results,
    metrics: grade.metrics,
    usage: message.usage,
    cost,
    costUnknown,
  })
}

/** Errors that a request can be sent again for, unchanged (an invalid request would fail again). */
const RETRYABLE_ERRORS = new Set(['overloaded_error', 'api_error', 'rate_limit_error', 'timeout_error'])

function isRetryable(outcome: TestOutcome): boolean {
  if (outcome.resultType === 'expired') return true
  return outcome.resultType === 'errored' && RETRYABLE_ERRORS.has(outcome.error?.type ?? '')
}

/**
 * Grades results as they stream in, from one batch or several (the run's batches, then follow-up batches
 * of retried requests), so that no results file is ever held whole. A later result for a test replaces an
 * earlier one only when that one had no output; any other second result is reported as unexpected.
 */
export class RunGrader {
  private readonly outcomes = new Map<string, TestOutcome>()
  private readonly unexpectedCustomIds: string[] = []

  constructor(private readonly caseByCustomId: Map<string, EvalCase>) {}

  async add({ custom_id, result }: MessageBatchIndividualResponse): Promise<void> {
    const evalCase = this.caseByCustomId.get(custom_id)
    const earlier = this.outcomes.get(custom_id)
    if (!evalCase || (earlier && earlier.status !== 'errored')) this.unexpectedCustomIds.push(custom_id)
    else this.outcomes.set(custom_id, await gradeResult(evalCase, custom_id, result))
  }

  async addAll(results: AsyncIterable<MessageBatchIndividualResponse>): Promise<void> {
    for await (const line of results) await this.add(line)
  }

  /** Tests whose request errored in a way worth sending again as is, or expired. */
  retryableCustomIds(): string[] {
    return [...this.outcomes.values()].filter(isRetryable).map((outcome) => outcome.customId)
  }

  /** Every test in suite order; a test the batches returned nothing for is errored (missing). */
  async finish(): Promise<GradedRun> {
    const outcomes: TestOutcome[] = []
    for (const [customId, evalCase] of this.caseByCustomId) {
      outcomes.push(this.outcomes.get(customId) ?? (await gradeResult(evalCase, customId, undefined)))
    }
    return { outcomes, unexpectedCustomIds: this.unexpectedCustomIds }
  }
}

/** Grades one stream of results. */
export async function gradeResults(
  caseByCustomId: Map<string, EvalCase>,
  results: AsyncIterable<MessageBatchIndividualResponse>,
): Promise<GradedRun> {
  const grader = new RunGrader(caseByCustomId)
  await grader.addAll(results)
  return grader.finish()
}
