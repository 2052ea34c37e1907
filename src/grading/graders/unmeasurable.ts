/**
 * promptfoo's types that no batch can measure: latency (requests wait in Anthropic's queue for minutes to hours
 * before they run) and perplexity (the Messages API returns no token log-probabilities). A suite that uses them
 * still loads and runs: each such assertion is an errored grade, which fails its test with the reason, so that
 * nothing is silently passed and the rest of the suite is still graded.
 */
import type { GraderDefinition } from './grader.js'
import type { Finding } from './types.js'

const WHY: Record<string, string> = {
  latency:
    "a batch request waits in Anthropic's queue for minutes to hours before it runs, so its latency measures " +
    "the queue, not the model; bound what a test may spend with 'type: cost' instead",
  perplexity:
    'perplexity needs the log-probabilities of the output tokens, which the Messages API does not return; ' +
    'compare the output with a reference (rouge-n, bleu, levenshtein) or grade it with llm-rubric instead',
}
WHY['perplexity-score'] = WHY.perplexity

function unmeasurable(type: string): GraderDefinition {
  const finding: Finding = {
    pass: false,
    score: 0,
    reason: `not measurable in batch mode: ${WHY[type]}`,
    error: true,
  }
  return {
    value: 'optional',
    valueHelp: 'its value is not read',
    threshold: { kind: 'number', help: 'its threshold is not read' },
    // true, so that a transform written beside it (pointless, but harmless) is not a load error
    readsOutput: true,
    compile: () => () => finding,
  }
}

/** Graders that grade nothing: each gives its assertion an errored grade with the reason. */
export const UNMEASURABLE_GRADERS: Readonly<Record<string, GraderDefinition>> = Object.fromEntries(
  Object.keys(WHY).map((type) => [type, unmeasurable(type)]),
)
