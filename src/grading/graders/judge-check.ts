/**
 * Asking the judge: the judge model of an assertion, the requests for an output (one per criterion), and
 * the finding from the replies, which must be in the type's format: anything else is an errored finding,
 * never a pass.
 *
 * The judge model is DEFAULT_JUDGE_MODEL unless the assertion's `provider` names an Anthropic model:
 * `anthropic:messages:<model>`, or {id, config: {max_tokens}}. No temperature is sent: the API version the
 * SDK speaks refuses sampling parameters. A suite's non-Anthropic judge (and sampling parameters) reach here
 * already mapped by the loader, as its test providers are (suite/providers.ts: planJudge).
 */
import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages/messages'
import { parseProvider } from '../../suite/providers.js'
import { refusedParams } from '../../suite/request-params.js'
import {
  judgeParams,
  judgePrompt,
  templateVars,
  type JudgeSettings,
  type JudgeType,
} from './judge-prompts.js'
import { findJson } from './json.js'
import { AssertionCompileError, type Check, type Finding, type Subject } from './types.js'
import { messageOf, resolveDataValue, show, textValue, type CompileContext } from './values.js'
import type { JudgeReply } from '../../model.js'

/** The judge model when an assertion names no `provider`. */
export const DEFAULT_JUDGE_MODEL = 'claude-sonnet-4-6'
/** The judge's max_tokens when the provider's config sets none: room for closedqa's and g-eval's reasoning. */
export const DEFAULT_JUDGE_MAX_TOKENS = 2048

/** Thrown by a reply parser: what is wrong with the reply. */
export class ReplyError extends Error {}

/** The one JSON object of a reply (whole, fenced or in prose); throws a ReplyError for none or several. */
export function replyObject(reply: string): Record<string, unknown> {
  const objects = findJson(reply).filter(
    (found) => found.value !== null && typeof found.value === 'object' && !Array.isArray(found.value),
  )
  if (objects.length === 0) throw new ReplyError('holds no JSON object')
  if (objects.length > 1) throw new ReplyError(`holds ${objects.length} JSON objects, not one`)
  return objects[0].value as Record<string, unknown>
}

export function field(
  object: Record<string, unknown>,
  key: string,
  kind: string,
  ok: (value: unknown) => boolean,
) {
  const value = object[key]
  if (!ok(value)) {
    throw new ReplyError(
      value === undefined ? `has no "${key}"` : `has "${key}": ${show(value, 40)}, not ${kind}`,
    )
  }
  return value
}

export const isString = (value: unknown): value is string => typeof value === 'string'
export const inRange = (max: number) => (value: unknown) =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= max

/** Thrown by Judging.names: why this output cannot be judged (a missing var, a failed contextTransform). */
export class SubjectError extends Error {}

/** How one type asks the judge and reads its replies. */
interface Judging<Verdict> {
  /** The reply format, for the error when a reply is not in it. */
  format: string
  /** Names the prompt's templates see besides templateVars' (and that parse sees); throws a SubjectError. */
  names?(subject: Subject): Promise<Record<string, unknown>>
  parse(reply: string, names: Record<string, unknown>): Verdict
  /** The finding from the verdicts, one per criterion. */
  finding(verdicts: Verdict[], criteria: string[], threshold: number | undefined): Omit<Finding, 'judge'>
}

/** The judge model and its max_tokens from an assertion's `provider`; throws an AssertionCompileError. */
function judgeModel(c: CompileContext): { model: string; maxTokens: number } {
  const raw = c.extra.provider
  if (raw === undefined) return { model: DEFAULT_JUDGE_MODEL, maxTokens: DEFAULT_JUDGE_MAX_TOKENS }
  const help =
    `'provider' is the judge model: anthropic:messages:<model> (default ${DEFAULT_JUDGE_MODEL}), ` +
    'or {id: anthropic:messages:<model>, config: {max_tokens: 1024}}'
  let id: unknown = raw
  let config: unknown
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    const object = raw as Record<string, unknown>
    const unknownKey = Object.keys(object).find((key) => !['id', 'label', 'config'].includes(key))
    if (unknownKey !== undefined) {
      throw new AssertionCompileError(
        `${c.type}: unknown key '${unknownKey}' in 'provider'; ${help}`,
        'provider',
      )
    }
    id = object.id
    config = object.config
  }
  if (typeof id !== 'string') throw new AssertionCompileError(`${c.type}: ${help}`, 'provider')
  let model: string
  try {
    model = parseProvider(id).model
  } catch (error) {
    throw new AssertionCompileError(`${c.type}: the judge's ${messageOf(error)}`, 'provider')
  }
  if (config === undefined) return { model, maxTokens: DEFAULT_JUDGE_MAX_TOKENS }
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new AssertionCompileError(`${c.type}: the judge's 'config' is a mapping; ${help}`, 'provider')
  }
  const settings = config as Record<string, unknown>
  const refused = refusedParams(settings)[0]
  if (refused) throw new AssertionCompileError(`${c.type}: the judge's ${refused.message}`, 'provider')
  const other = Object.keys(settings).find((key) => key !== 'max_tokens')
  if (other !== undefined) {
    throw new AssertionCompileError(
      `${c.type}: the judge's config takes only max_tokens; remove '${other}'`,
      'provider',
    )
  }
  const maxTokens = settings.max_tokens ?? DEFAULT_JUDGE_MAX_TOKENS
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1) {
    throw new AssertionCompileError(
      `${c.type}: the judge's max_tokens is a whole number, 1 or more (default ${DEFAULT_JUDGE_MAX_TOKENS}); got ${show(maxTokens)}`,
      'provider',
    )
  }
  return { model, maxTokens }
}

/** Asks the judge about each criterion (all of them, so that the first pass learns every request). */
export function judgeCheck<Verdict>(
  c: CompileContext,
  type: JudgeType,
  criteria: string[] | undefined,
  judging: Judging<Verdict>,
): Check {
  const settings: JudgeSettings = { ...judgeModel(c), prompt: judgePrompt(c, type) }
  const { model } = settings
  const { type: written, threshold } = c
  const which = c.extra.rubricPrompt === undefined ? 'the judge prompt' : "'rubricPrompt'"
  const judged = (subject: Subject, names: Record<string, unknown>): Finding => {
    const judge = subject.input.judge
    if (!judge) {
      return {
        pass: false,
        score: 0,
        reason: `${written} needs a judge model, and this grading has none`,
        error: true,
      }
    }
    let requests: MessageCreateParamsNonStreaming[]
    try {
      requests = (criteria ?? [undefined]).map((criterion) =>
        judgeParams(settings, { ...templateVars(subject, type, criterion), ...names }),
      )
    } catch (error) {
      return { pass: false, score: 0, reason: `${which} does not render: ${messageOf(error)}`, error: true }
    }
    const answers = requests.map((params) => judge.answer(params))
    const replies = answers.flatMap((answer) => (answer.state === 'answered' ? [answer.text] : []))
    const noted: JudgeReply = { model, reply: replies.length > 0 ? replies.join('\n\n') : null }
    if (answers.some((answer) => answer.state === 'pending')) {
      return {
        pass: false,
        score: 0,
        reason: `awaiting the judge's answer (${model})`,
        pending: true,
        judge: noted,
      }
    }
    const failed = answers.find((answer) => answer.state === 'errored')
    if (failed) {
      return {
        pass: false,
        score: 0,
        reason: `the judge (${model}) gave no answer: ${failed.message}`,
        error: true,
        judge: noted,
      }
    }
    const verdicts: Verdict[] = []
    for (const reply of replies) {
      try {
        verdicts.push(judging.parse(reply, names))
      } catch (error) {
        if (!(error instanceof ReplyError)) throw error
        return {
          pass: false,
          score: 0,
          reason: `the judge's reply ${error.message}; expected ${judging.format}; it starts ${show(reply.trim(), 80)}`,
          error: true,
          judge: noted,
        }
      }
    }
    return { ...judging.finding(verdicts, criteria ?? [], threshold), judge: noted }
  }
  const { names } = judging
  if (!names) return (subject) => judged(subject, {})
  return (subject) =>
    names(subject).then(
      (found) => judged(subject, found),
      (error: unknown): Finding => {
        if (!(error instanceof SubjectError)) throw error
        return { pass: false, score: 0, reason: error.message, error: true }
      },
    )
}

/** The value as one text: a string (or number, boolean), or an object as JSON, as promptfoo renders one. */
export function criterionOf(c: CompileContext, what: string): string {
  const value = resolveDataValue(c)
  if (value !== null && typeof value === 'object') return JSON.stringify(value)
  return textValue(c, value, what)
}

/** g-eval's value: one criterion, or a list of them. */
export function criteriaOf(c: CompileContext, what: string): string[] {
  const value = resolveDataValue(c)
  if (!Array.isArray(value)) return [textValue(c, value, what)]
  if (value.length === 0)
    throw new AssertionCompileError(`${c.type} has an empty list in 'value'; give ${what}`, 'value')
  return value.map((item: unknown) => textValue(c, item, what))
}
