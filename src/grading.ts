/** Batch results joined back to their tests by custom_id, and graded. */
import type {
  MessageBatchIndividualResponse,
  MessageBatchResult,
} from '@anthropic-ai/sdk/resources/messages/batches'
import type { Message, Usage } from '@anthropic-ai/sdk/resources/messages/messages'
import { gradeAssertion, type AssertionResult } from './assertions.js'
import { costOf, NO_COST, type Cost } from './pricing.js'
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
  assertions: AssertionResult[]
  usage: Usage | null
  /** Known cost (zero for results that are not billed), or null with the reason in `costUnknown`. */
  cost: Cost | null
  costUnknown: string | null
}

export interface GradedRun {
  /** In suite order. */
  outcomes: TestOutcome[]
  /** custom_ids the batch returned that no test of this run has. */
  unexpectedCustomIds: string[]
}

/** The text a grader sees: the message's text blocks joined; thinking and tool blocks are not output. */
export function outputText(message: Message): string {
  return message.content
    .filter((block) => block.type === 'text')
    .map((block) => block.text)
    .join('')
}

const NOT_BILLED = { cost: NO_COST, costUnknown: null }

const UNFINISHED: Record<'canceled' | 'expired' | 'missing', { type: string; message: string }> = {
  canceled: { type: 'canceled', message: 'the request was canceled before it was processed' },
  expired: { type: 'expired', message: 'the batch reached its 24-hour limit before processing this request' },
  missing: { type: 'missing_result', message: 'the batch returned no result for this request' },
}

export function gradeResult(
  evalCase: EvalCase,
  customId: string,
  result: MessageBatchResult | undefined,
): TestOutcome {
  const base = { evalCase, customId, output: null, stopReason: null, assertions: [], usage: null }
  if (!result || result.type === 'canceled' || result.type === 'expired') {
    const resultType = result?.type ?? 'missing'
    return { ...base, ...NOT_BILLED, status: 'errored', resultType, error: UNFINISHED[resultType] }
  }
  if (result.type === 'errored') {
    const { type, message } = result.error.error
    return { ...base, ...NOT_BILLED, status: 'errored', resultType: 'errored', error: { type, message } }
  }
  const { message } = result
  const output = outputText(message)
  const assertions = evalCase.assertions.map((assertion) => gradeAssertion(assertion, output))
  const priced = costOf(evalCase.params.model, message.usage)
  return {
    ...base,
    status: assertions.every((a) => a.pass) ? 'passed' : 'failed',
    resultType: 'succeeded',
    output,
    stopReason: message.stop_reason,
    error: null,
    assertions,
    usage: message.usage,
    cost: 'cost' in priced ? priced.cost : null,
    costUnknown: 'unknown' in priced ? priced.unknown : null,
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
    else outcomeById.set(custom_id, gradeResult(evalCase, custom_id, result))
  }
  const outcomes = [...caseByCustomId].map(
    ([customId, evalCase]) => outcomeById.get(customId) ?? gradeResult(evalCase, customId, undefined),
  )
  return { outcomes, unexpectedCustomIds }
}
