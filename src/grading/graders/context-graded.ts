/**
 * promptfoo's RAG assertions, graded by the judge model in the judges' batch: context-faithfulness (does the
 * output claim only what the context says?), context-recall (does the context hold the expected answer?) and
 * context-relevance (how much of the context does the query need?). Each scores 0..1 and passes at its
 * `threshold`, 0 by default as in promptfoo, so that without one only an unusable reply fails it.
 *
 * The context is the assertion's `contextTransform` run on the model's text (before any transform, as
 * promptfoo runs it on the provider's output), else the test's `context` var (a string, or a list of chunks),
 * else, for context-recall only, the test's prompt. context-faithfulness and context-relevance also need the
 * test's `query` var. What is missing is an errored grade of that test, with the reason.
 *
 * The reply each type must get from its judge (one JSON object, as model-graded.ts describes):
 *   context-faithfulness  {"claims": [{"claim": string, "supported": boolean}, ...], "reason": string}
 *                         score: the share of the output's claims the context supports
 *   context-recall        {"statements": [{"statement": string, "attributed": boolean}, ...], "reason": string}
 *                         score: the share of the value's statements the context supports
 *   context-relevance     {"needed": [unit number, ...], "reason": string}
 *                         score: the share of the context's units (its chunks; else its lines when it has
 *                         several; else its sentences) the query needs, [] when the context cannot answer it
 * A list of claims or statements that is empty is unparseable, as promptfoo's grader errs on no statements.
 */
import { reachesThreshold, type GraderDefinition } from './grader.js'
import { criterionOf, field, isString, judgeCheck, replyObject, SubjectError } from './judge-check.js'
import { outputText } from './message.js'
import { compileScript, describeError, type CompiledScript } from './script.js'
import type { Subject } from './types.js'
import { fixed, show, type CompileContext } from './values.js'

/** The threshold of the context-* types when the assertion sets none, as in promptfoo. */
export const DEFAULT_CONTEXT_THRESHOLD = 0

type Context = string | string[]

const isContext = (value: unknown): value is Context =>
  isString(value) || (Array.isArray(value) && value.length > 0 && value.every(isString))

/** The context as the judge reads it: chunks joined by blank lines. */
const contextText = (context: Context) => (Array.isArray(context) ? context.join('\n\n') : context)

/**
 * context-relevance's units, as promptfoo counts them: a list's non-empty chunks; a text's non-empty lines
 * when it has more than one; else its sentences.
 */
export function contextUnits(context: Context): string[] {
  const nonEmpty = (parts: string[]) => parts.map((part) => part.trim()).filter((part) => part !== '')
  if (Array.isArray(context)) return nonEmpty(context)
  const lines = nonEmpty(context.split(/\r?\n/))
  return lines.length > 1 ? lines : nonEmpty(context.split(/(?<=[.!?])\s+/))
}

/** Where one assertion finds its context. */
interface ContextSource {
  transform: CompiledScript | undefined
  /** context-recall's fallback: the test's prompt, when there is no `context` var. */
  promptFallback: boolean
}

async function contextOf(type: string, subject: Subject, source: ContextSource): Promise<Context> {
  const empty = (context: Context) => contextUnits(context).length === 0
  const { transform } = source
  if (transform) {
    let context: unknown
    try {
      context = await transform.run(outputText(subject.input.message), subject.scriptContext())
    } catch (error) {
      throw new SubjectError(`contextTransform ${transform.label} threw ${describeError(error)}`)
    }
    if (!isContext(context)) {
      throw new SubjectError(
        `contextTransform ${transform.label} returned ${show(context, 60)}; it must return the context, a string or a list of strings`,
      )
    }
    if (empty(context))
      throw new SubjectError(`contextTransform ${transform.label} returned an empty context`)
    return context
  }
  const { context } = subject.input.vars
  if (isContext(context) && !empty(context)) return context
  if (source.promptFallback && subject.input.prompt.trim() !== '') return subject.input.prompt
  throw new SubjectError(
    context === undefined
      ? `${type} needs a context: give the test a 'context' var, or the assertion a contextTransform that finds it in the output`
      : `${type} needs a context, and the test's 'context' var is ${show(context, 40)}: give a non-empty string or list of strings`,
  )
}

function queryOf(type: string, subject: Subject): string {
  const { query } = subject.input.vars
  if (isString(query) && query.trim() !== '') return query
  throw new SubjectError(`${type} needs the test's 'query' var: the question the output answers`)
}

const JUDGED = {
  readsOutput: true,
  extraKeys: ['provider', 'rubricPrompt', 'contextTransform'],
} as const

const thresholdSpec = (score: string) => ({
  kind: 'score' as const,
  help: `the ${score} to reach, between 0 and 1 (default ${DEFAULT_CONTEXT_THRESHOLD}, as in promptfoo)`,
})

async function sourceOf(c: CompileContext, promptFallback: boolean): Promise<ContextSource> {
  const raw = c.extra.contextTransform
  const transform =
    raw === undefined
      ? undefined
      : await compileScript(raw, c.baseDir, c.io, 'contextTransform', 'contextTransform')
  return { transform, promptFallback }
}

/** The share of a reply's list items whose flag is true: {"claims": [{"claim": ..., "supported": true}]}. */
function judgedItems(reply: string, list: string, item: string, flag: string) {
  const object = replyObject(reply)
  const kind = `a non-empty list of {"${item}": string, "${flag}": boolean}`
  const items = field(
    object,
    list,
    kind,
    (value) =>
      Array.isArray(value) &&
      value.length > 0 &&
      value.every(
        (entry: Record<string, unknown>) =>
          entry !== null &&
          typeof entry === 'object' &&
          isString(entry[item]) &&
          typeof entry[flag] === 'boolean',
      ),
  ) as Record<string, unknown>[]
  return {
    held: items.filter((entry) => entry[flag] === true).length,
    total: items.length,
    reason: field(object, 'reason', 'a string', isString) as string,
  }
}

/** "the judge finds 1 of 2 claims supported by the context (faithfulness 0.50 >= threshold 0): ..." */
function shareFinding(
  { held, total, reason }: { held: number; total: number; reason: string },
  found: string,
  score: string,
  threshold = DEFAULT_CONTEXT_THRESHOLD,
) {
  const value = total === 0 ? 0 : held / total
  const pass = reachesThreshold(value, threshold)
  return {
    pass,
    score: value,
    reason: `the judge finds ${held} of ${total} ${found} (${score} ${fixed(value)} ${pass ? '>=' : '<'} threshold ${threshold}): ${reason}`,
  }
}

const contextFaithfulness: GraderDefinition = {
  value: 'none',
  valueHelp:
    "the judge model checks the output's claims against the context (the `context` var or contextTransform), for the test's `query` var",
  threshold: thresholdSpec('share of claims the context supports'),
  ...JUDGED,
  async compile(c) {
    const source = await sourceOf(c, false)
    return judgeCheck(c, 'context-faithfulness', undefined, {
      format: 'one JSON object {"claims": [{"claim": string, "supported": boolean}, ...], "reason": string}',
      async names(subject) {
        const query = queryOf(c.type, subject)
        const context = contextText(await contextOf(c.type, subject, source))
        return { context, query, question: query, answer: subject.text }
      },
      parse: (reply) => judgedItems(reply, 'claims', 'claim', 'supported'),
      finding: ([verdict], _, threshold) =>
        shareFinding(verdict, 'claims supported by the context', 'faithfulness', threshold),
    })
  },
}

const contextRecall: GraderDefinition = {
  value: 'required',
  valueHelp:
    'the expected answer, whose statements the context (the `context` var or contextTransform) must hold',
  threshold: thresholdSpec('share of the expected answer the context supports'),
  ...JUDGED,
  async compile(c) {
    const groundTruth = criterionOf(c, 'the expected answer, whose statements the context must hold')
    const source = await sourceOf(c, true)
    return judgeCheck(c, 'context-recall', [groundTruth], {
      format:
        'one JSON object {"statements": [{"statement": string, "attributed": boolean}, ...], "reason": string}',
      async names(subject) {
        return { context: contextText(await contextOf(c.type, subject, source)), groundTruth }
      },
      parse: (reply) => judgedItems(reply, 'statements', 'statement', 'attributed'),
      finding: ([verdict], _, threshold) =>
        shareFinding(verdict, 'statements of the value in the context', 'recall', threshold),
    })
  },
}

const contextRelevance: GraderDefinition = {
  value: 'none',
  valueHelp:
    "the judge model finds how much of the context (the `context` var or contextTransform) the test's `query` var needs",
  threshold: thresholdSpec('share of the context the query needs'),
  ...JUDGED,
  async compile(c) {
    const source = await sourceOf(c, false)
    return judgeCheck(c, 'context-relevance', undefined, {
      format: 'one JSON object {"needed": [unit number, ...], "reason": string}',
      async names(subject) {
        const query = queryOf(c.type, subject)
        const context = await contextOf(c.type, subject, source)
        const units = contextUnits(context)
        return {
          context: contextText(context),
          contextUnits: units.map((unit, i) => `[${i + 1}] ${unit}`).join('\n'),
          unitCount: units.length,
          query,
          question: query,
        }
      },
      parse(reply, names) {
        const total = names.unitCount as number
        const object = replyObject(reply)
        const needed = field(
          object,
          'needed',
          `a list of unit numbers 1..${total}`,
          (value) =>
            Array.isArray(value) &&
            value.every((n) => typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= total),
        ) as number[]
        return {
          held: new Set(needed).size,
          total,
          reason: field(object, 'reason', 'a string', isString) as string,
        }
      },
      finding: ([verdict], _, threshold) =>
        shareFinding(verdict, 'context units needed for the query', 'context relevance', threshold),
    })
  },
}

export const CONTEXT_GRADERS: Record<string, GraderDefinition> = {
  'context-faithfulness': contextFaithfulness,
  'context-recall': contextRecall,
  'context-relevance': contextRelevance,
}
