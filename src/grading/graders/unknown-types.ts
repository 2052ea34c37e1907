/**
 * What an assertion type no grader grades gets: promptfoo's types that this action refuses, each with its
 * reason and what to write instead, and for any other type a did-you-mean among the registry's types.
 */
import { didYouMean } from '../../common/did-you-mean.js'
import { ASSERTION_TYPES, BASE_ASSERTION_TYPES } from './registry.js'
import { UNMEASURABLE_GRADERS } from './unmeasurable.js'

/** promptfoo's model-graded types that have no grader here (those in MODEL_GRADED_GRADERS do). */
const OTHER_MODEL_GRADED = [
  'context-faithfulness',
  'context-recall',
  'context-relevance',
  'conversation-relevance',
  'similar',
  'similar:cosine',
  'similar:dot',
  'similar:euclidean',
  'classifier',
  'moderation',
  'select-best',
  'max-score',
  'pi',
  'search-rubric',
  'agent-rubric',
]
const OTHER_LANGUAGES = ['python', 'ruby']
const OPENAI_CALLS = ['is-valid-function-call', 'is-valid-openai-function-call', 'is-valid-openai-tools-call']
const OTHER_PROMPTFOO = [
  'is-sql',
  'contains-sql',
  'guardrails',
  'skill-used',
  'webhook',
  'ends-with',
  'trace-error-spans',
  'trace-span-count',
  'trace-span-duration',
  'trajectory:goal-success',
  'trajectory:step-count',
  'trajectory:tool-args-match',
  'trajectory:tool-sequence',
  'trajectory:tool-used',
]

/**
 * promptfoo's assertion types without a grader of their own here: refused when the suite loads, each with its
 * reason and what to write instead, or (latency, perplexity) an errored grade per test with its reason.
 */
export const REFUSED_PROMPTFOO_TYPES: readonly string[] = [
  ...Object.keys(UNMEASURABLE_GRADERS),
  ...OTHER_MODEL_GRADED,
  ...OTHER_LANGUAGES,
  ...OPENAI_CALLS,
  ...OTHER_PROMPTFOO,
]

/** The type list of the errors about a missing or unknown type. */
export const TYPE_LIST = `${BASE_ASSERTION_TYPES.join(', ')} (each also as not-...), or assert-set`

/**
 * Why an assertion of this type (as written; `base` without its not- prefix), which no grader grades, cannot
 * run: a refused promptfoo type's reason and what to write instead, else the closest known type or the list.
 */
export function unknownTypeMessage(type: string, base: string): string {
  const refusal = refusalOf(base)
  if (refusal) return refusal
  const suggestion = didYouMean(type, ASSERTION_TYPES)
  return `unknown assertion type '${type}'${suggestion}` + (suggestion ? '' : `; use one of ${TYPE_LIST}`)
}

function refusalOf(base: string): string | undefined {
  if (OTHER_MODEL_GRADED.includes(base)) {
    return (
      `'${base}' is a promptfoo model-graded type that this action does not run; write the check as ` +
      'llm-rubric, model-graded-closedqa, factuality, g-eval or answer-relevance, or as a javascript assertion'
    )
  }
  if (OTHER_LANGUAGES.includes(base))
    return `'${base}' assertions do not run here; write the check in JavaScript (type: javascript)`
  if (OPENAI_CALLS.includes(base)) {
    return `'${base}' checks OpenAI calls; use is-valid-tool-call, which checks the message's tool_use blocks against the request's tools`
  }
  if (OTHER_PROMPTFOO.includes(base) || base.startsWith('trace-') || base.startsWith('trajectory:')) {
    return `'${base}' is a promptfoo assertion this action does not implement; write the check as a javascript assertion`
  }
  return undefined
}
