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

export async function gradeResult(
  evalCase: EvalCase,
  customId: string,
  result: MessageBatchResult | undefined,
): Promise<TestOutcome> {
  const base = {
    evalCase,
    customId,
    output: null,
    stopReason: null,
    score: null,
    assertions: [],
    metrics: {},
    usage: null,
    // Requests without a succeeded result are not billed.
    cost: NO_COST,
    costUnknown: null,
  }
  if (!result || result.type === 'canceled' || result.type === 'expired') {
    const resultType = result?.type ?? 'missing'
    return { ...base, status: 'errored', resultType, error: UNFINISHED[resultType] }
  }
  if (result.type === 'errored') {
    const { type, message } = result.error.error
    return { ...base, status: 'errored', resultType: 'errored', error: { type, message } }
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
  return {
    ...base,
    status: grade.pass ? 'passed' : 'failed',
    resultType: 'succeeded',
    output: outputText(message),
    stopReason: message.stop_reason,
    error: null,
    score: grade.score,
    assertions: grade.results,
    metrics: grade.metrics,
    usage: message.usage,
    cost,
    costUnknown,
  }
}

/** Grades results as they stream in, so that the raw results file is never held whole. */
export async function gradeResults(
  caseByCustomId: Map<string, EvalCase>,
  results: AsyncIterable<MessageBatchIndividualResponse>,
): Promise<GradedRun> {
  const outcomeById = new Map<string, TestOutcome>()
  const unexpectedCustomIds: string[] = []
  for await (const { custom_id, result } of results) {
    const evalCase = caseByCustomId.get(custom_id)
    if (!evalCase || outcomeById.has(custom_id)) unexpectedCustomIds.push(custom_id)
    else outcomeById.set(custom_id, await gradeResult(evalCase, custom_id, result))
  }
  const outcomes: TestOutcome[] = []
  for (const [customId, evalCase] of caseByCustomId) {
    outcomes.push(outcomeById.get(customId) ?? (await gradeResult(evalCase, customId, undefined)))
  }
  return { outcomes, unexpectedCustomIds }
}
