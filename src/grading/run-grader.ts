/** Batch results joined back to their tests by custom_id, and graded. */
import type {
  MessageBatchIndividualResponse,
  MessageBatchResult,
} from '@anthropic-ai/sdk/resources/messages/batches'
import type { ResultSink } from '../batch/run.js'
import { gradeTest, outputText, type Judge } from './graders/index.js'
import { awaitingComparison, outputGroups, type OutputGroup } from './output-groups.js'
import { billedCall, costOf, NO_COST, priceTierOf, type BilledCall } from '../cost/pricing.js'
import { usdNumber } from '../cost/usd.js'
import type {
  CompiledAssertion,
  PassedSample,
  ResultType,
  Sample,
  SampleOutcome,
  TestOutcome,
  TestStatus,
} from '../model.js'

/** Where the results-file entries of passed samples go as they are graded, by the sample's position. */
export interface OutcomeSpool {
  keep(position: number, outcome: TestOutcome): void
}

function spooled(outcome: TestOutcome): PassedSample {
  const { evalCase, customId, sample, samples, resultType, metrics, usage, cost, costUnknown, priceTier } =
    outcome
  return {
    evalCase,
    customId,
    sample,
    samples,
    status: 'passed',
    resultType,
    metrics,
    usage,
    cost,
    costUnknown,
    priceTier,
    spooled: true,
  }
}

/**
 * The sample's own reason when it failed with no failed assertion of weight > 0 to say why (it fell short
 * of its test's threshold, e.g. "weighted score 0.50 < threshold 0.8"), for a report to list after the
 * failed assertions; null otherwise, when the failed assertions are the explanation.
 */
export function failureWithoutAssertion(outcome: TestOutcome): string | null {
  if (outcome.status !== 'failed' || outcome.reason === null) return null
  return outcome.assertions.some((a) => !a.pass && a.weight > 0) ? null : outcome.reason
}

/** ` (sample 2 of 3)` for a sample of a repeated test, else nothing: how reports tell its samples apart. */
export function sampleLabel({ sample, samples }: Pick<TestOutcome, 'sample' | 'samples'>): string {
  return samples > 1 ? ` (sample ${sample} of ${samples})` : ''
}

export interface GradedRun {
  /** In suite order, a test's samples in order. */
  outcomes: SampleOutcome[]
  /** custom_ids the batch returned that no test of this run has, or returned twice. */
  unexpectedCustomIds: string[]
  /** What those results cost when they succeeded: billed all the same, so counted in the run's cost. */
  unexpectedCalls: BilledCall[]
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
  { evalCase, index, of }: Sample,
  customId: string,
  status: TestStatus,
  resultType: ResultType,
  error: TestOutcome['error'],
  graded?: Pick<
    TestOutcome,
    | 'output'
    | 'content'
    | 'stopReason'
    | 'score'
    | 'reason'
    | 'assertions'
    | 'metrics'
    | 'usage'
    | 'cost'
    | 'costUnknown'
    | 'priceTier'
  >,
): TestOutcome {
  return {
    evalCase,
    customId,
    sample: index,
    samples: of,
    status,
    resultType,
    output: graded ? graded.output : null,
    content: graded ? graded.content : null,
    stopReason: graded ? graded.stopReason : null,
    error,
    score: graded ? graded.score : null,
    reason: graded ? graded.reason : null,
    assertions: graded ? graded.assertions : [],
    metrics: graded ? graded.metrics : {},
    usage: graded ? graded.usage : null,
    // Requests without a succeeded result are not billed.
    cost: graded ? graded.cost : NO_COST,
    costUnknown: graded ? graded.costUnknown : null,
    priceTier: graded ? graded.priceTier : 'batch',
  }
}

/**
 * Grades one result by `assertions` (the test's, or those of them graded one output at a time). With
 * model-graded assertions, `judge` answers them; while the judge has not answered yet the grade is `pending`
 * (and not final).
 */
export async function gradeResult(
  sample: Sample,
  customId: string,
  result: MessageBatchResult | undefined,
  judge?: Judge,
  assertions: CompiledAssertion[] = sample.evalCase.assertions,
): Promise<{ outcome: TestOutcome; pending: boolean }> {
  if (!result || result.type === 'canceled' || result.type === 'expired') {
    const resultType = result?.type ?? 'missing'
    const outcome = testOutcome(sample, customId, 'errored', resultType, UNFINISHED[resultType])
    return { outcome, pending: false }
  }
  if (result.type === 'errored') {
    const { type, message } = result.error.error
    return { outcome: testOutcome(sample, customId, 'errored', 'errored', { type, message }), pending: false }
  }
  const { evalCase } = sample
  const { message } = result
  const priced = costOf(evalCase.params.model, message.usage)
  const cost = 'cost' in priced ? priced.cost : null
  const costUnknown = 'unknown' in priced ? priced.unknown : null
  const grade = await gradeTest(
    assertions,
    {
      message,
      vars: evalCase.vars,
      prompt: evalCase.prompt,
      tools: evalCase.params.tools,
      structuredOutput: evalCase.params.output_config?.format?.type === 'json_schema',
      costUsd: cost ? usdNumber(cost.batch) : null,
      ...(costUnknown !== null && { costUnknownReason: costUnknown }),
      test: { id: evalCase.id, description: evalCase.description, vars: evalCase.vars },
      ...(judge && { judge }),
    },
    { threshold: evalCase.threshold, transform: evalCase.transform },
  )
  const outcome = testOutcome(sample, customId, grade.pass ? 'passed' : 'failed', 'succeeded', null, {
    output: outputText(message),
    content: message.content.some((block) => block.type !== 'text') ? message.content : null,
    stopReason: message.stop_reason,
    score: grade.score,
    reason: grade.reason,
    assertions: grade.results,
    metrics: grade.metrics,
    usage: message.usage,
    cost,
    costUnknown,
    priceTier: priceTierOf(message.usage),
  })
  return { outcome, pending: grade.pending }
}

/** Errors that a request can be sent again for, unchanged (an invalid request would fail again). */
const RETRYABLE_ERRORS = new Set(['overloaded_error', 'api_error', 'rate_limit_error', 'timeout_error'])

/** Whether a request with this result is worth sending again as it is: it expired, or failed for now. */
export function worthRetrying(resultType: ResultType, errorType: string | undefined): boolean {
  return resultType === 'expired' || (resultType === 'errored' && RETRYABLE_ERRORS.has(errorType ?? ''))
}

/**
 * Grades results as they stream in, from one batch or several (the run's batches, then follow-up batches
 * of retried requests), so that no results file is ever held whole. A later result for a test replaces an
 * earlier one only when that one had no output; any other second result is reported as unexpected.
 *
 * Outputs with model-graded assertions wait for the judge: their grades stay pending, and the judge's
 * requests are gathered by `judge`, until `regradeWithJudge` once the judge's batch has answered.
 *
 * Outputs of tests with select-best or max-score are graded by their other assertions as they come, and
 * held until `gradeAcrossOutputs` compares each test's outputs, once all are in (output-groups.ts).
 */
export class RunGrader implements ResultSink {
  /** By the sample's position. */
  private readonly outcomes: (SampleOutcome | undefined)[]
  private readonly unexpectedCustomIds: string[] = []
  private readonly unexpectedCalls: BilledCall[] = []
  /** Succeeded results whose grade waits for the judge. */
  private readonly awaitingJudge = new Map<string, MessageBatchResult>()
  /** The output group of each sample whose test compares its outputs. */
  private readonly groups: Map<string, OutputGroup>
  /** Whether some output group awaits a judge's answer to be compared. */
  private comparisonsAwaitJudge = false

  /** With a spool, passed samples are spooled as they are graded and kept as PassedSamples. */
  constructor(
    private readonly sampleByCustomId: Map<string, Sample>,
    private readonly judge?: Judge,
    private readonly spool?: OutcomeSpool,
  ) {
    this.outcomes = new Array<SampleOutcome | undefined>(sampleByCustomId.size)
    this.groups = outputGroups(sampleByCustomId)
  }

  /** Whether a result belongs to one of this run's samples. */
  expects(customId: string): boolean {
    return this.sampleByCustomId.has(customId)
  }

  async add({ custom_id, result }: MessageBatchIndividualResponse): Promise<void> {
    const sample = this.sampleByCustomId.get(custom_id)
    const earlier = sample && this.outcomes[sample.position]
    if (!sample || (earlier && earlier.status !== 'errored')) {
      this.unexpectedCustomIds.push(custom_id)
      if (result.type === 'succeeded') {
        this.unexpectedCalls.push(billedCall(result.message.model, result.message.usage))
      }
      return
    }
    // A retry that was cancelled (we cancelled its round) says less than the error it was sent to retry.
    if (earlier && result.type === 'canceled') return
    await this.grade(custom_id, sample, result)
  }

  private async grade(customId: string, sample: Sample, result: MessageBatchResult): Promise<void> {
    const group = this.groups.get(customId)
    const { outcome, pending } = await gradeResult(sample, customId, result, this.judge, group?.own)
    if (group && outcome.resultType === 'succeeded') {
      group.hold(customId, outcome, pending)
      this.outcomes[sample.position] = awaitingComparison(outcome, group)
    } else {
      this.keep(sample, outcome)
    }
    if (pending) this.awaitingJudge.set(customId, result)
    else this.awaitingJudge.delete(customId)
  }

  /**
   * Compares the outputs of each test with select-best or max-score, once all are in (after the retries),
   * and gives each its final grade. A select-best's judge is asked here: its group is compared again by
   * regradeWithJudge, once the judge's batch has answered.
   */
  async gradeAcrossOutputs(): Promise<void> {
    let awaiting = false
    for (const group of new Set(this.groups.values())) {
      if (group.compared) continue
      const compared = group.compare(this.judge)
      if (!compared) awaiting = true
      for (const { sample, outcome } of compared ?? []) this.keep(sample, outcome)
    }
    this.comparisonsAwaitJudge = awaiting
  }

  private keep(sample: Sample, outcome: TestOutcome): void {
    if (this.spool && outcome.status === 'passed') {
      this.spool.keep(sample.position, outcome)
      this.outcomes[sample.position] = spooled(outcome)
    } else {
      this.outcomes[sample.position] = outcome
    }
  }

  retryableCustomIds(): string[] {
    const retryable: string[] = []
    for (const outcome of this.outcomes) {
      if (outcome?.status === 'errored' && worthRetrying(outcome.resultType, outcome.error?.type))
        retryable.push(outcome.customId)
    }
    return retryable
  }

  /** Whether some outputs wait for the judge's answers. */
  get awaitsJudge(): boolean {
    return this.awaitingJudge.size > 0 || this.comparisonsAwaitJudge
  }

  /** Grades again, with the judge's answers, the outputs that waited for them. */
  async regradeWithJudge(): Promise<void> {
    for (const [customId, result] of this.awaitingJudge) {
      await this.grade(customId, this.sampleByCustomId.get(customId) as Sample, result)
    }
    await this.gradeAcrossOutputs()
  }

  /**
   * Every sample in suite order; a sample the batches returned nothing for is errored (missing). Outputs whose
   * test compares them are compared first, when nothing did yet.
   */
  async finish(): Promise<GradedRun> {
    await this.gradeAcrossOutputs()
    const outcomes: SampleOutcome[] = []
    for (const [customId, sample] of this.sampleByCustomId) {
      outcomes.push(
        this.outcomes[sample.position] ?? (await gradeResult(sample, customId, undefined)).outcome,
      )
    }
    return { outcomes, unexpectedCustomIds: this.unexpectedCustomIds, unexpectedCalls: this.unexpectedCalls }
  }
}
