/**
 * The run's data model: what the stages hand one another, from the test cases the suite loads to the
 * graded outcome of each sample. It sits below every stage and imports none of them (SDK types only), so
 * that any stage may speak it. What only one stage and those after it read (the run report, the batch's
 * resume state, the cost estimate) stays in that stage.
 */
import type { BatchCreateParams, MessageBatchResult } from '@anthropic-ai/sdk/resources/messages/batches'
import type {
  ContentBlock,
  MessageCreateParamsNonStreaming,
  Usage,
} from '@anthropic-ai/sdk/resources/messages/messages'

/** A type-only key: no value has it, so no stage but grading (which opens the handles) can read them. */
declare const gradingOnly: unique symbol

/**
 * How a compiled assertion is graded (its check, its transform): grading's business, opaque to the other
 * stages. Grading makes it when the suite compiles the assertion and opens it again to grade
 * (grading/graders/internals.ts).
 */
export interface AssertionInternals {
  readonly [gradingOnly]?: 'assertion'
}

/** A compiled output transform (a test's `options.transform`): opaque, as AssertionInternals is. */
export interface CompiledTransform {
  readonly [gradingOnly]?: 'transform'
}

/** An assertion as the suite carries it: as written, and compiled by the grading stage's compiler. */
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
  readonly internals: AssertionInternals
}

/** A test case as loaded from the suite: one per request, with what grades its answer. */
export interface EvalCase {
  id: string
  description: string | undefined
  /** The file the test is written in, relative to the workspace, and its line there. */
  file: string
  line: number
  vars: Record<string, unknown>
  /** The prompt as a person reads it: the text of the last user turn. */
  prompt: string
  params: MessageCreateParamsNonStreaming
  assertions: CompiledAssertion[]
  threshold: number | undefined
  transform: CompiledTransform | undefined
  /** Samples of this test (its `repeat:`); undefined for the action's `repeat` input. */
  repeat?: number
  /**
   * The cases of one test and one combination of its vars (one per prompt and provider) share this number:
   * the outputs that select-best and max-score grade against one another (grading/output-groups.ts).
   */
  outputGroup?: number
  /** Its suite's `derivedMetrics`, one list shared by the suite's cases (report/derived-metrics.ts). */
  derivedMetrics?: readonly DerivedMetric[]
  /** A turn of a promptfoo conversation: its prompt reads `_conversation`, the earlier turns. */
  conversation?: ConversationTurn
}

/**
 * A turn of a conversation (one per prompt, provider and `metadata.conversationId`, its tests in the order
 * written). The earlier turns' outputs stand in its request as their `outputToken`s until they are in; it is
 * sent in the round after its `after` turn's (batch/conversations.ts).
 */
export interface ConversationTurn {
  /** What stands for this turn's output in the later turns' requests. */
  outputToken: string
  /** The turn before; undefined for the first, which goes in the first batch. */
  after: EvalCase | undefined
  /** 0-based: the round the turn is sent in, less one. */
  turn: number
}

/** promptfoo's derived metric: a formula (checked when the suite loads) over the sums of the named metrics. */
export interface DerivedMetric {
  name: string
  formula: string
}

/** One request of the Message Batch. */
export type BatchRequest = BatchCreateParams.Request

/** One of the requests a test sends: the test is sent `of` times (its `repeat`), this is number `index`. */
export interface Sample {
  evalCase: EvalCase
  /** 1-based. */
  index: number
  of: number
  /** Where the sample comes among the run's (0-based): its request's, and its entry's in the results file. */
  position: number
}

/** The price a result was billed at: the batch's, or the standard API's (`on-timeout: standard`). */
export type PriceTier = 'batch' | 'standard'

/** Cost of one request or a sum of them, in femtodollars. */
export interface Cost {
  standard: bigint
  batch: bigint
}

/** Which judge model graded a model-graded assertion, and its raw reply (null when it gave none). */
export interface JudgeReply {
  model: string
  reply: string | null
}

export interface AssertionResult {
  /** The type as written, e.g. `not-contains`, or `assert-set`. */
  type: string
  /** The value as written (a `file://` reference stays a reference). */
  value: unknown
  pass: boolean
  /** 0..1; a not- form scores 1 - score. */
  score: number
  /** One line a reviewer can read. */
  reason: string
  /** 0 = informational: shown, but neither gates the test nor weighs in its score. */
  weight: number
  metric?: string
  /** An assert-set's own results. */
  results?: AssertionResult[]
  /** A model-graded assertion's judge and its reply. */
  judge?: JudgeReply
  /**
   * The grade could not be made (code that threw, an unknown cost, a judge's reply that did not parse or a
   * judge request that failed): the assertion fails, whatever its form.
   */
  errored?: true
}

export type TestStatus = 'passed' | 'failed' | 'errored'
/** The API's result type, or `missing` when the batch returned nothing for the test. */
export type ResultType = MessageBatchResult['type'] | 'missing'

/** The graded result of one request: one sample of a test. */
export interface TestOutcome {
  evalCase: EvalCase
  customId: string
  /** Which of the test's samples this is (1-based), and how many it has. */
  sample: number
  samples: number
  status: TestStatus
  resultType: ResultType
  output: string | null
  /**
   * The message's content blocks when it has blocks other than text (tool calls, thinking, server tools'),
   * which `output` does not keep whole: the results file stores them, for regrade to grade the same message
   * again. Null (or absent) otherwise.
   */
  content?: ContentBlock[] | null
  stopReason: string | null
  /** The API's error for errored, canceled, expired and missing results. */
  error: { type: string; message: string } | null
  /** The weighted score of the assertions (0..1), null without an output to grade. */
  score: number | null
  /**
   * Why the sample passed or failed, in one line, null without an output to grade: with the test's threshold,
   * the weighted score against it ("weighted score 0.50 < threshold 0.8"), else the first failed assertion
   * or that all passed. When the sample fell short of its threshold with every assertion passing, nothing
   * else says why (see failureWithoutAssertion in grading/run-grader.ts).
   */
  reason: string | null
  assertions: AssertionResult[]
  /** Score per named metric (`metric:` of the assertions). */
  metrics: Record<string, number>
  usage: Usage | null
  /** Known cost (zero for results that are not billed), or null with the reason in `costUnknown`. */
  cost: Cost | null
  costUnknown: string | null
  /**
   * `standard` when the request went through the standard API after its batch ran out of time: its
   * `cost.batch` (what was billed) is then the standard price. Absent or `batch` otherwise.
   */
  priceTier?: PriceTier
}

/**
 * What is kept in memory of a sample that passed once its results-file entry is spooled (see OutcomeSpool
 * in grading/run-grader.ts): what the report counts and costs. A run of 100,000 tests mostly passes, and
 * its outputs and assertion results, held until the end, were most of its memory.
 */
export type PassedSample = Pick<
  TestOutcome,
  | 'evalCase'
  | 'customId'
  | 'sample'
  | 'samples'
  | 'resultType'
  | 'metrics'
  | 'usage'
  | 'cost'
  | 'costUnknown'
  | 'priceTier'
> & { status: 'passed'; spooled: true }

/** A graded sample: whole, or passed and spooled. Those that did not pass are always whole. */
export type SampleOutcome = TestOutcome | PassedSample
