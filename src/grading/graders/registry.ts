/**
 * The registry of assertion types: every grader by the type it grades. It is the one source of the type
 * list; the suite schema's enum and the table in docs/graders.md are checked against it
 * (__tests__/grading/graders/registry.test.ts).
 */
import { CLASSIFICATION_GRADERS } from './classification.js'
import { COMPARISON_GRADERS } from './compare-outputs.js'
import { COST_GRADERS } from './cost.js'
import { COUNT_GRADERS } from './counts.js'
import type { GraderDefinition } from './grader.js'
import { JAVASCRIPT_GRADERS } from './javascript.js'
import { JSON_GRADERS } from './json.js'
import { MODEL_GRADED_GRADERS } from './model-graded.js'
import { NGRAM_OVERLAP_GRADERS } from './ngram-overlap.js'
import { PYTHON_GRADERS } from './python.js'
import { SIMILARITY_GRADERS } from './similarity.js'
import { SQL_GRADERS } from './sql.js'
import { STOP_REASON_GRADERS } from './stop-reason.js'
import { STRUCTURE_GRADERS } from './structure.js'
import { TEXT_GRADERS } from './text.js'
import { TOOL_CALL_GRADERS } from './tool-calls.js'
import { UNGRADABLE_GRADERS } from './ungradable.js'
import { UNGRADABLE_TYPES } from './unsupported-types.js'
import { WEBHOOK_GRADERS } from './webhook.js'

/** The graders that ask a judge model: they take `provider` and `rubricPrompt`. */
const JUDGED_GRADERS: Readonly<Record<string, GraderDefinition>> = {
  ...MODEL_GRADED_GRADERS,
  ...CLASSIFICATION_GRADERS,
}

const GRADERS: Readonly<Record<string, GraderDefinition>> = {
  ...TEXT_GRADERS,
  ...COUNT_GRADERS,
  ...JSON_GRADERS,
  ...STRUCTURE_GRADERS,
  ...SQL_GRADERS,
  ...TOOL_CALL_GRADERS,
  ...STOP_REASON_GRADERS,
  ...SIMILARITY_GRADERS,
  ...NGRAM_OVERLAP_GRADERS,
  ...JAVASCRIPT_GRADERS,
  ...PYTHON_GRADERS,
  ...WEBHOOK_GRADERS,
  ...COST_GRADERS,
  ...JUDGED_GRADERS,
  ...COMPARISON_GRADERS,
}

/**
 * The grader of a type without its not- prefix, or undefined for a type no grader grades. promptfoo's types
 * that this action cannot grade (latency, similar, ...) have one that gives an errored grade with the reason;
 * they are left out of the type lists, which say what a suite may use.
 */
export function graderOf(base: string): GraderDefinition | undefined {
  if (Object.hasOwn(GRADERS, base)) return GRADERS[base]
  return Object.hasOwn(UNGRADABLE_GRADERS, base) ? UNGRADABLE_GRADERS[base] : undefined
}

/** The types a judge model grades: they take `provider` and `rubricPrompt`. */
export const MODEL_GRADED_TYPES: readonly string[] = Object.keys(JUDGED_GRADERS)

/** Whether a judge model grades this type (as written, maybe with not-). */
export function isModelGraded(type: string): boolean {
  return Object.hasOwn(JUDGED_GRADERS, type.replace(/^not-/, ''))
}

/** The graders' types without the not- prefix. */
export const BASE_ASSERTION_TYPES: readonly string[] = Object.keys(GRADERS)

/** Every type an assertion may have: each grader, its not- form, and assert-set. */
export const ASSERTION_TYPES: readonly string[] = [
  ...BASE_ASSERTION_TYPES.flatMap((type) => [type, `not-${type}`]),
  'assert-set',
]

/**
 * The enum of the suite schema's `assertion_type`: every type an assertion may have, and promptfoo's types
 * that are not graded here, which the schema lets through: their assertions load, and each is an errored
 * grade with its reason.
 */
export const SCHEMA_ENUM_ASSERTION_TYPES: readonly string[] = [
  ...ASSERTION_TYPES.filter((type) => type !== 'assert-set'),
  ...UNGRADABLE_TYPES.filter((type) => !Object.hasOwn(GRADERS, type)).flatMap((type) => [
    type,
    `not-${type}`,
  ]),
  'assert-set',
]

/** The keys an assertion may have; an assert-set takes `assert` instead of value, transform and config. */
export const ASSERTION_KEYS: readonly string[] = [
  'type',
  'value',
  'threshold',
  'weight',
  'metric',
  'transform',
  'config',
]
export const ASSERT_SET_KEYS: readonly string[] = ['type', 'assert', 'threshold', 'weight', 'metric']
