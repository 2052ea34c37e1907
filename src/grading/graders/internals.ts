/**
 * What grading keeps inside the model's opaque handles (model.ts's AssertionInternals and
 * CompiledTransform), and the one place where it opens them again to grade.
 */
import type { AssertionInternals, CompiledTransform } from '../../model.js'
import type { CompiledScript } from './script.js'
import type { Check } from './types.js'

/** A compiled output transform (a test's `options.transform` or an assertion's `transform`). */
export interface Transform extends CompiledTransform {
  readonly label: string
  readonly script: CompiledScript
}

/** How a compiled assertion is graded (grade-test.ts reads it). */
export interface Internals extends AssertionInternals {
  negate: boolean
  readsOutput: boolean
  check?: Check
  transform?: Transform
}

/** Grading's view of a handle it made. */
export function opened(handle: AssertionInternals): Internals
export function opened(handle: CompiledTransform): Transform
export function opened(handle: AssertionInternals | CompiledTransform): Internals | Transform {
  // The one cast: only compile.ts makes these handles (an Internals, a Transform), and the suite and the
  // stages after it carry them unread, so a handle is always what grading put in it.
  return handle as Internals | Transform
}
