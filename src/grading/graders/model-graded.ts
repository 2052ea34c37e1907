/**
 * promptfoo's model-graded assertions, graded by a judge model that the action asks in a Message Batch of
 * its own: llm-rubric, model-graded-closedqa, factuality (alias model-graded-factuality), g-eval,
 * answer-relevance, the context-* types of context-graded.ts and conversation-relevance. A grader builds the
 * judge's request (a deterministic function of the assertion, the output and the test, so that grading again
 * asks for the same one), asks the injected Judge, and grades the reply, which must be in the type's format:
 * anything else is an errored finding, never a pass. What the judge is asked is in judge-prompts.ts, how it
 * is asked in judge-check.ts.
 *
 * The reply each type must get from its judge (the judge message's text blocks, joined):
 *   llm-rubric             exactly one JSON object {"reason": string, "pass"?: boolean, "score"?: number 0..1},
 *                          e.g. {"reason": "greets the user", "pass": true, "score": 1}; without "pass", as in
 *                          promptfoo, the rubric counts as met (only a threshold on the score can fail it)
 *   model-graded-closedqa  reasoning, then a last line that is only Y or N (a letter repeated on the line
 *                          before is allowed), e.g. "The answer names the city.\nY"
 *   factuality             exactly one JSON object {"category": "A".."E", "reason": string},
 *                          e.g. {"category": "C", "reason": "same facts"}; D fails by default
 *   g-eval                 exactly one JSON object {"steps": [string, ...], "score": number 0..10,
 *                          "reason": string}, e.g. {"steps": ["Check tone"], "score": 8, "reason": "polite"}
 *   answer-relevance       exactly one JSON object {"reason": string, "score": number 0..1},
 *                          e.g. {"reason": "answers the question", "score": 0.9}
 * "Exactly one JSON object": the reply may wrap it in a ```json fence or in prose, but a reply with no
 * object, or with more than one, is unparseable (e.g. "It passes." or two candidate objects).
 */
import { CONTEXT_GRADERS } from './context-graded.js'
import { CONVERSATION_GRADERS } from './conversation-relevance.js'
import { reachesThreshold, type GraderDefinition } from './grader.js'
import {
  criteriaOf,
  criterionOf,
  field,
  inRange,
  isString,
  judgeCheck,
  replyObject,
  ReplyError,
} from './judge-check.js'
import { G_EVAL_MAX_SCORE } from './judge-prompts.js'
import { AssertionCompileError } from './types.js'
import { fixed, show, type CompileContext } from './values.js'

/** g-eval's and answer-relevance's threshold when the assertion sets none, as in promptfoo. */
export const DEFAULT_SCORE_THRESHOLD = 0.7

/** What every model-graded grader reads: the output, and the keys that choose and prompt its judge. */
const JUDGED = { readsOutput: true, extraKeys: ['provider', 'rubricPrompt'] } as const

const llmRubric: GraderDefinition = {
  value: 'optional',
  valueHelp:
    "the rubric: what the judge model checks the output for, in words (none when the 'rubricPrompt' holds the criteria)",
  threshold: {
    kind: 'score',
    help: "the score the judge's reply must reach besides pass: true, between 0 and 1",
  },
  ...JUDGED,
  compile(c) {
    // promptfoo grades a rubric-less llm-rubric with an empty rubric: its rubricPrompt holds the criteria.
    if (c.value === undefined && c.extra.rubricPrompt === undefined) {
      throw new AssertionCompileError(
        "llm-rubric needs a 'value' (the rubric the judge model checks the output for), or a 'rubricPrompt' that holds the criteria",
        'value',
      )
    }
    const rubric =
      c.value === undefined ? '' : criterionOf(c, 'the rubric the judge model checks the output for')
    return judgeCheck(c, 'llm-rubric', [rubric], {
      format:
        'one JSON object {"reason": string, "pass": boolean (optional, default true), "score": number 0..1 (optional)}',
      parse(reply) {
        const object = replyObject(reply)
        return {
          // promptfoo takes a reply without pass as passing: its docs pair such rubrics with a threshold.
          pass:
            object.pass === undefined
              ? undefined
              : (field(object, 'pass', 'true or false', (v) => typeof v === 'boolean') as boolean),
          score:
            object.score === undefined
              ? undefined
              : (field(object, 'score', 'a number 0..1', inRange(1)) as number),
          reason: field(object, 'reason', 'a string', isString) as string,
        }
      },
      finding([verdict], _, threshold) {
        const met = verdict.pass ?? true
        const score = verdict.score ?? (met ? 1 : 0)
        const reaches = threshold === undefined || reachesThreshold(score, threshold)
        const against = threshold === undefined ? '' : ` ${reaches ? '>=' : '<'} threshold ${threshold}`
        const found =
          verdict.pass === undefined
            ? 'gives no pass or fail, so the rubric counts as met'
            : `finds the rubric ${met ? 'met' : 'not met'}`
        const reason = `the judge ${found} (score ${fixed(score)}${against}): ${verdict.reason}`
        return { pass: met && reaches, score, reason }
      },
    })
  },
}

const closedQa: GraderDefinition = {
  value: 'required',
  valueHelp: 'the criterion the judge model checks the output against, answered yes or no',
  ...JUDGED,
  compile(c) {
    const criterion = criterionOf(c, 'the criterion the judge model checks the output against')
    return judgeCheck(c, 'model-graded-closedqa', [criterion], {
      format: 'reasoning, then a last line that is only Y or N',
      parse(reply) {
        const lines = reply.trim().split(/\r?\n/)
        const letter = lines.pop()?.trim() as string
        if (letter !== 'Y' && letter !== 'N')
          throw new ReplyError(`ends with ${show(letter, 40)}, not a line Y or N`)
        const before = lines.at(-1)?.trim()
        if (before === 'Y' || before === 'N') {
          if (before !== letter) throw new ReplyError(`ends with both ${before} and ${letter}`)
          lines.pop()
        }
        return { met: letter === 'Y', reasoning: lines.join('\n').trim() }
      },
      finding([verdict]) {
        const reason = `the judge finds the criterion ${verdict.met ? 'met' : 'not met'}${verdict.reasoning ? `: ${verdict.reasoning}` : ''}`
        return { pass: verdict.met, score: verdict.met ? 1 : 0, reason }
      },
    })
  },
}

/** factuality's categories, with the key of `config` that scores each and promptfoo's default score. */
const CATEGORIES = {
  A: { key: 'subset', score: 1, means: 'a subset of the reference, consistent with it' },
  B: { key: 'superset', score: 1, means: 'a superset of the reference, consistent with it' },
  C: { key: 'agree', score: 1, means: 'the same details as the reference' },
  D: { key: 'disagree', score: 0, means: 'in disagreement with the reference' },
  E: {
    key: 'differButFactual',
    score: 1,
    means: 'different from the reference, in ways that do not matter to the facts',
  },
} as const
type Category = keyof typeof CATEGORIES

/** factuality's `config`: a score per category (0 fails it), e.g. {subset: 0.8, disagree: 0}. */
function categoryScores(c: CompileContext): Record<Category, number> {
  const scores = Object.fromEntries(
    Object.entries(CATEGORIES).map(([letter, { score }]) => [letter, score]),
  ) as Record<Category, number>
  if (c.config === undefined) return scores
  const keys = Object.values(CATEGORIES).map(({ key }) => key)
  const help = `factuality's 'config' scores the categories, each between 0 and 1 (0 fails it): ${keys.join(', ')}`
  if (c.config === null || typeof c.config !== 'object' || Array.isArray(c.config)) {
    throw new AssertionCompileError(help, 'config')
  }
  for (const [key, value] of Object.entries(c.config)) {
    const letter = (Object.keys(CATEGORIES) as Category[]).find((l) => CATEGORIES[l].key === key)
    if (letter === undefined)
      throw new AssertionCompileError(`unknown key '${key}' in 'config'; ${help}`, 'config')
    if (!inRange(1)(value))
      throw new AssertionCompileError(`'config' has ${key}: ${show(value)}; ${help}`, 'config')
    scores[letter] = value as number
  }
  return scores
}

const factuality: GraderDefinition = {
  value: 'required',
  valueHelp: 'the reference answer whose facts the output must agree with',
  ...JUDGED,
  takesConfig: true,
  compile(c) {
    const reference = criterionOf(c, 'the reference answer whose facts the output must agree with')
    const scores = categoryScores(c)
    return judgeCheck(c, 'factuality', [reference], {
      format: 'one JSON object {"category": "A".."E", "reason": string}',
      parse(reply) {
        const object = replyObject(reply)
        const category = field(
          object,
          'category',
          'a letter A to E',
          (v) => isString(v) && /^[A-E]$/i.test(v.trim()),
        )
        return {
          category: (category as string).trim().toUpperCase() as Category,
          reason: field(object, 'reason', 'a string', isString) as string,
        }
      },
      finding([{ category, reason }]) {
        const score = scores[category]
        return {
          pass: score > 0,
          score,
          reason: `the judge finds category ${category}, the output ${CATEGORIES[category].means} (score ${fixed(score)}): ${reason}`,
        }
      },
    })
  },
}

const gEval: GraderDefinition = {
  value: 'required',
  valueHelp: 'the evaluation criteria, or a list of them (each scored on its own, the scores averaged)',
  threshold: {
    kind: 'score',
    help: `the score (the judge's 0-${G_EVAL_MAX_SCORE}, divided by ${G_EVAL_MAX_SCORE}) to reach, between 0 and 1 (default ${DEFAULT_SCORE_THRESHOLD})`,
  },
  ...JUDGED,
  compile(c) {
    const criteria = criteriaOf(c, 'evaluation criteria the judge model scores the output on')
    return judgeCheck(c, 'g-eval', criteria, {
      format: `one JSON object {"steps": [string, ...], "score": number 0..${G_EVAL_MAX_SCORE}, "reason": string}`,
      parse(reply) {
        const object = replyObject(reply)
        field(
          object,
          'steps',
          'a list of strings',
          (v) => Array.isArray(v) && v.length > 0 && v.every(isString),
        )
        return {
          score:
            (field(object, 'score', `a number 0..${G_EVAL_MAX_SCORE}`, inRange(G_EVAL_MAX_SCORE)) as number) /
            G_EVAL_MAX_SCORE,
          reason: field(object, 'reason', 'a string', isString) as string,
        }
      },
      finding(verdicts, criteria, threshold = DEFAULT_SCORE_THRESHOLD) {
        const score = verdicts.reduce((sum, verdict) => sum + verdict.score, 0) / verdicts.length
        const pass = reachesThreshold(score, threshold)
        const scored = `score ${fixed(score)} ${pass ? '>=' : '<'} threshold ${threshold}`
        if (verdicts.length === 1)
          return { pass, score, reason: `the judge gives ${scored}: ${verdicts[0].reason}` }
        const each = verdicts.map(
          (verdict, i) => `${show(criteria[i], 40)} ${fixed(verdict.score)}, ${verdict.reason}`,
        )
        return {
          pass,
          score,
          reason: `the judge gives a mean ${scored} over ${verdicts.length} criteria: ${each.join('; ')}`,
        }
      },
    })
  },
}

const answerRelevance: GraderDefinition = {
  value: 'none',
  valueHelp: "the judge model scores the output's relevance to the test's `query` var, or else to its prompt",
  threshold: {
    kind: 'score',
    help: `the relevance score the judge's reply must reach, between 0 and 1 (default ${DEFAULT_SCORE_THRESHOLD})`,
  },
  ...JUDGED,
  compile(c) {
    return judgeCheck(c, 'answer-relevance', undefined, {
      format: 'one JSON object {"reason": string, "score": number 0..1}',
      parse(reply) {
        const object = replyObject(reply)
        return {
          score: field(object, 'score', 'a number 0..1', inRange(1)) as number,
          reason: field(object, 'reason', 'a string', isString) as string,
        }
      },
      finding([{ score, reason }], _, threshold = DEFAULT_SCORE_THRESHOLD) {
        const pass = reachesThreshold(score, threshold)
        return {
          pass,
          score,
          reason: `the judge scores the relevance ${fixed(score)} ${pass ? '>=' : '<'} threshold ${threshold}: ${reason}`,
        }
      },
    })
  },
}

export const MODEL_GRADED_GRADERS: Record<string, GraderDefinition> = {
  'llm-rubric': llmRubric,
  'model-graded-closedqa': closedQa,
  factuality,
  'model-graded-factuality': factuality,
  'g-eval': gEval,
  'answer-relevance': answerRelevance,
  ...CONTEXT_GRADERS,
  ...CONVERSATION_GRADERS,
}
