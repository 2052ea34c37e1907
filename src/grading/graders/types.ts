/** The graders' shared contract: what the caller passes in, what a grader returns, and compile errors. */
import type {
  Message,
  MessageCreateParamsNonStreaming,
  ToolUnion,
} from '@anthropic-ai/sdk/resources/messages/messages'
import { UserError } from '../../common/user-error.js'
import type { AssertionResult, JudgeReply } from '../../model.js'

/**
 * File access for `file://` references, injected so that the graders stay pure (and ncc leaves user files
 * alone). The action's IO throws a FileRefusedError for a file outside the workspace and `allowed-paths`.
 */
export interface GraderIO {
  /** Reads a file referenced as file:// (path already resolved to absolute by the caller's baseDir). */
  readText(absolutePath: string): string
  /** Imports a JS module referenced as file:// (absolute path); the IO may refuse it as readText does. */
  importModule(absolutePath: string): Promise<Record<string, unknown>>
}

/**
 * An assertion that cannot run as written. The message says what to write instead; `key` names the
 * offending key of the assertion (`type`, `value`, `threshold`...), and `path` leads to it from the
 * assertion as written (e.g. `['assert', 1, 'value']` inside an assert-set), for pointing at its line.
 */
export class AssertionCompileError extends UserError {
  readonly key: string | undefined
  readonly path: readonly (string | number)[]

  constructor(message: string, key?: string, path?: readonly (string | number)[]) {
    super(message)
    this.name = 'AssertionCompileError'
    this.key = key
    this.path = path ?? (key === undefined ? [] : [key])
  }

  /** The same error, seen from an enclosing assertion (an assert-set's `assert` list). */
  within(...prefix: (string | number)[]): AssertionCompileError {
    return new AssertionCompileError(this.message, this.key, [...prefix, ...this.path])
  }
}

/** A judge's answer to one judge request, as a test's grading sees it. */
export type JudgeAnswer =
  /** The judge's batch has not answered yet (the first grading pass). */
  | { state: 'pending' }
  /** The judge message's text. */
  | { state: 'answered'; text: string }
  /** The judge request errored, expired or was canceled. */
  | { state: 'errored'; message: string }

/**
 * Answers model-graded assertions' judge requests. A test's grading asks for the same params (a
 * deterministic function of the assertion, the output and the test) every time it is graded.
 */
export interface Judge {
  answer(params: MessageCreateParamsNonStreaming): JudgeAnswer
}

/** Everything a test's grading may look at, for one succeeded result. */
export interface GradingInput {
  /** The succeeded result's message. */
  message: Message
  vars: Record<string, unknown>
  prompt: string
  /** The request's tools (`params.tools`). */
  tools: ToolUnion[] | undefined
  /**
   * Whether the request asked for structured output (`output_config.format` a JSON schema): the output is then
   * the parsed JSON, as promptfoo's Anthropic provider gives it, so `typeof output === 'object'` in a script.
   */
  structuredOutput?: boolean
  /** The test's cost at batch price in USD; null when unknown. */
  costUsd: number | null
  /** Why the cost is unknown (shown by `cost` after "cost unknown: "). */
  costUnknownReason?: string
  /** The test as the suite defines it, handed to javascript assertions and transforms as `context.test`. */
  test?: Record<string, unknown>
  /** Answers model-graded assertions; without one, they are errored. */
  judge?: Judge
}

export interface TestGrade {
  pass: boolean
  /** The weighted mean of the scores of the assertions with weight > 0 (1 when there are none). */
  score: number
  reason: string
  results: AssertionResult[]
  /** Per named metric, the weighted mean score of the assertions (and sets) that carry it. */
  metrics: Record<string, number>
  /**
   * Whether some assertion (an assert-set's too) awaits the judge's answer: the grade is then not final,
   * and its pass and score mean nothing.
   */
  pending: boolean
}

/** What a grader sees of one output. */
export interface Subject {
  /** The output after the test's and the assertion's transforms (the text when there are none). */
  output: unknown
  /** `output` as a string: itself, or its JSON. */
  text: string
  input: GradingInput
  /** A fresh copy of the `context` handed to javascript code, which the code may change as it likes. */
  scriptContext(): ScriptContext
}

/** The second argument of javascript assertions and transforms, shaped like promptfoo's. */
export interface ScriptContext {
  vars: Record<string, unknown>
  prompt: string
  test: Record<string, unknown>
  /** The assertion's `config`, when it has one. */
  config?: unknown
  /** The model's whole answer, with its content blocks, usage and stop_reason. */
  message: Message
  /** promptfoo's name for the provider's answer: `output` (the text), `raw` (the message), `cost`. */
  providerResponse: { output: string; raw: Message; cost: number | undefined; finishReason: string | null }
}

/**
 * A grader's verdict for the assertion without its not- prefix (`pass`, `score`), with a reason already
 * phrased for the form written. `error` marks a grade that could not be made (an exception, an unknown
 * cost, a judge's unusable reply): it fails whatever the prefix. `pending` marks one that awaits the
 * judge's answer: neither pass nor fail.
 */
export interface Finding {
  pass: boolean
  score: number
  reason: string
  error?: boolean
  pending?: boolean
  judge?: JudgeReply
}

export type Check = (subject: Subject) => Finding | Promise<Finding>
