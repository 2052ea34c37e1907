/** The shape every grader module exports, and the phrasing helpers they share. */
import type { Check, Finding } from './types.js'
import { fixed, type CompileContext } from './values.js'

/** What a `threshold` means for a grader, which decides the values it accepts. */
export type ThresholdKind =
  /** a score between 0 and 1 */
  | 'score'
  /** any finite number (a javascript score may be on its own scale) */
  | 'number'
  /** a number of edits, 0 or more (promptfoo takes 2.5 too: it passes 2 edits) */
  | 'distance'
  /** US dollars, 0 or more */
  | 'usd'

export interface GraderDefinition {
  /** Whether the grader takes a `value`. */
  value: 'required' | 'optional' | 'none'
  /** Whether `value: null` is a value (equals compares it with JSON null), rather than a missing one. */
  acceptsNull?: boolean
  /** What `value` holds, for the error when one is missing or refused. */
  valueHelp: string
  /** Whether, and how, the grader reads `threshold`. */
  threshold?: { kind: ThresholdKind; required?: boolean; help: string }
  /** False for graders that look at the message or the cost rather than the output text (transforms do not apply). */
  readsOutput: boolean
  /** What a grader that does not read the output looks at ("cost"), for the error about a transform beside it. */
  looksAt?: string
  /** Whether `config` is handed to the grader (javascript's `context.config`, factuality's category scores). */
  takesConfig?: boolean
  /** True for promptfoo's types that are not graded here: each assertion is an errored grade with the reason. */
  ungradable?: boolean
  /** Keys the grader reads beyond the common ones (model-graded: provider, rubricPrompt), in CompileContext.extra. */
  extraKeys?: readonly string[]
  /**
   * Validates the value once, loads its files and compiles schemas/patterns; the Check runs per output. The
   * Check captures only what it reads, never `c` itself: a suite may compile an assertion per test, and
   * each closure over `c` would keep the whole context alive.
   */
  compile(c: CompileContext): Check | Promise<Check>
}

/**
 * The room a score has below a threshold and still reaches it: sums and means of floats round (three
 * scores of 0.7 average 0.6999999999999998), and promptfoo's `score >= threshold` means the exact value.
 */
const THRESHOLD_TOLERANCE = 1e-9

/** Whether a score reaches a threshold (score >= threshold), allowing for floating-point rounding. */
export function reachesThreshold(score: number, threshold: number): boolean {
  return score >= threshold - THRESHOLD_TOLERANCE
}

/**
 * The common reason pattern: "output contains "x"" / "expected output to contain "x"", and for the
 * not- form "output does not contain "x"" / "expected output not to contain "x"". `holds` is whether the
 * assertion without its prefix holds; `detail` is added after a failure. A verb phrase with "be" negates
 * as English does: ['be JSON equal to', 'is JSON equal to'] gives "output is not JSON equal to "x"".
 */
export function phrased(
  holds: boolean,
  negate: boolean,
  verb: readonly [infinitive: string, thirdPerson: string],
  shown: string,
  detail?: string,
): Finding {
  const [infinitive, thirdPerson] = verb
  const pass = holds !== negate
  let reason: string
  if (pass) reason = negate ? `output ${negated(infinitive)} ${shown}` : `output ${thirdPerson} ${shown}`
  else reason = `expected output ${negate ? 'not ' : ''}to ${infinitive} ${shown}`
  if (!pass && detail) reason += `; ${detail}`
  return { pass: holds, score: holds ? 1 : 0, reason }
}

/** The negated third person of a verb phrase: "does not contain", but "is not JSON equal to". */
function negated(infinitive: string): string {
  return infinitive.startsWith('be ') ? `is not ${infinitive.slice(3)}` : `does not ${infinitive}`
}

/**
 * A score against a threshold, phrased: "ROUGE-N 0.80 >= threshold 0.75", and when the assertion fails
 * "expected ROUGE-N to reach threshold; ROUGE-N 0.60 < threshold 0.75" (for the not- form, "below
 * threshold"). `shortName` names the score after the semicolon; `digits` are the score's decimals.
 */
export function scoredAgainstThreshold(
  score: number,
  threshold: number,
  negate: boolean,
  name: string,
  { shortName = name, digits = 2 }: { shortName?: string; digits?: number } = {},
): { holds: boolean; reason: string } {
  const holds = reachesThreshold(score, threshold)
  const comparison = holds ? `>= threshold ${threshold}` : `< threshold ${threshold}`
  const head =
    holds !== negate
      ? name
      : `expected ${name} ${negate ? 'below threshold' : 'to reach threshold'}; ${shortName}`
  return { holds, reason: `${head} ${fixed(score, digits)} ${comparison}` }
}
