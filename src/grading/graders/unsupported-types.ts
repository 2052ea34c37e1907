/**
 * promptfoo's assertion types that this action does not grade, each with why and what to write instead. A
 * suite that uses one still loads and runs: each such assertion is an errored grade that fails its test with
 * the reason (promptfoo's behaviour for an assertion it cannot run), and the load warns once for the run.
 */

/** Types that no batch can measure: requests wait in Anthropic's queue, and the API returns no logprobs. */
const UNMEASURABLE: Readonly<Record<string, string>> = {
  latency:
    "a batch request waits in Anthropic's queue for minutes to hours before it runs, so its latency measures " +
    "the queue, not the model; bound what a test may spend with 'type: cost' instead",
  perplexity:
    'perplexity needs the log-probabilities of the output tokens, which the Messages API does not return; ' +
    'compare the output with a reference (rouge-n, bleu, levenshtein) or grade it with llm-rubric instead',
  'perplexity-score':
    'perplexity needs the log-probabilities of the output tokens, which the Messages API does not return; ' +
    'compare the output with a reference (rouge-n, bleu, levenshtein) or grade it with llm-rubric instead',
}

const EMBEDDINGS =
  'it compares embeddings, and the Anthropic API has no embeddings endpoint; grade the meaning with ' +
  'llm-rubric or factuality, or compare the words with rouge-n, bleu or levenshtein'
const OTHER_SERVICE = (service: string) =>
  `it calls ${service}, which a run of this action does not reach; grade the same property with llm-rubric ` +
  '(a judge on Claude), or write the check as a javascript assertion'
const NOT_YET = 'this action does not implement it yet; write the check as a javascript assertion'

/** Types this action has no grader for, and why. */
const UNSUPPORTED: Readonly<Record<string, string>> = {
  similar: EMBEDDINGS,
  'similar:cosine': EMBEDDINGS,
  'similar:dot': EMBEDDINGS,
  'similar:euclidean': EMBEDDINGS,
  pi: OTHER_SERVICE("Prompt Security's pi scorer"),
  guardrails: OTHER_SERVICE("the provider's guardrails"),
  'search-rubric': NOT_YET,
  'agent-rubric': NOT_YET,
  ruby: 'Ruby assertions do not run here; write the check as a javascript or python assertion',
  'skill-used': 'it reads agent skill traces, which a Messages API batch does not produce',
  'ends-with': NOT_YET,
  'trace-error-spans': 'it reads OpenTelemetry traces, which a Messages API batch does not produce',
  'trace-span-count': 'it reads OpenTelemetry traces, which a Messages API batch does not produce',
  'trace-span-duration': 'it reads OpenTelemetry traces, which a Messages API batch does not produce',
  'trajectory:goal-success': 'it reads an agent trajectory, which a Messages API batch does not produce',
  'trajectory:step-count': 'it reads an agent trajectory, which a Messages API batch does not produce',
  'trajectory:tool-args-match': 'it reads an agent trajectory, which a Messages API batch does not produce',
  'trajectory:tool-sequence': 'it reads an agent trajectory, which a Messages API batch does not produce',
  'trajectory:tool-used': 'it reads an agent trajectory, which a Messages API batch does not produce',
}

/** Why an assertion of promptfoo's type `base` (without not-) is not graded here, or undefined for others. */
export function ungradableReason(base: string): string | undefined {
  if (Object.hasOwn(UNMEASURABLE, base)) return `not measurable in batch mode: ${UNMEASURABLE[base]}`
  if (Object.hasOwn(UNSUPPORTED, base))
    return `'${base}' is not supported by this action: ${UNSUPPORTED[base]}`
  return undefined
}

/** promptfoo's types that load here and give each assertion an errored grade with the reason. */
export const UNGRADABLE_TYPES: readonly string[] = [...Object.keys(UNMEASURABLE), ...Object.keys(UNSUPPORTED)]

/** Whether a batch can never measure `base` (as opposed to this action not implementing it). */
export const isUnmeasurable = (base: string): boolean => Object.hasOwn(UNMEASURABLE, base)
