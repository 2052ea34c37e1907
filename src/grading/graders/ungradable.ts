/**
 * The grader of each promptfoo type this action cannot grade (unsupported-types.ts says which and why): the
 * assertion loads, and grades as an errored finding that fails its test with the reason, so that nothing is
 * silently passed, one such assertion costs only its own test, and the rest of the suite is still graded.
 */
import type { GraderDefinition } from './grader.js'
import type { Finding } from './types.js'
import { UNGRADABLE_TYPES, ungradableReason } from './unsupported-types.js'

function ungradable(type: string): GraderDefinition {
  const finding: Finding = { pass: false, score: 0, reason: ungradableReason(type) ?? type, error: true }
  return {
    value: 'optional',
    valueHelp: 'its value is not read',
    threshold: { kind: 'number', help: 'its threshold is not read' },
    // true, so that a transform written beside it (pointless, but harmless) is not a load error
    readsOutput: true,
    takesConfig: true,
    extraKeys: ['provider', 'rubricPrompt', 'contextTransform'],
    ungradable: true,
    compile: () => () => finding,
  }
}

/** Graders that grade nothing: each gives its assertion an errored grade with the reason. */
export const UNGRADABLE_GRADERS: Readonly<Record<string, GraderDefinition>> = Object.fromEntries(
  UNGRADABLE_TYPES.map((type) => [type, ungradable(type)]),
)
