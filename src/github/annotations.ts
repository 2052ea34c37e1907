/** Error annotations at the suite line of each failing or errored test, as GitHub shows them on the diff. */
import * as log from './log.js'
import { failureWithoutAssertion, sampleLabel } from '../grading/run-grader.js'
import type { TestOutcome } from '../model.js'

/**
 * GitHub shows at most 10 error annotations per step, and the step's own failure ("Evals failed: ...") is
 * one of them; the report counts the rest.
 */
export const MAX_ANNOTATIONS = 9

export function annotationOf(outcome: TestOutcome): { title: string; message: string } {
  const { evalCase } = outcome
  const title = `${outcome.status === 'errored' ? 'Errored' : 'Failed'}: ${evalCase.id}${sampleLabel(outcome)}`
  const own = failureWithoutAssertion(outcome)
  const message = outcome.error
    ? `${outcome.error.type}: ${outcome.error.message}`
    : outcome.assertions
        .filter((a) => !a.pass)
        .map((a) => `${a.type}: ${a.reason}`)
        .concat(own === null ? [] : [own])
        .join('\n')
  return { title, message: evalCase.description ? `${evalCase.description}\n${message}` : message }
}

/**
 * Annotates the first MAX_ANNOTATIONS tests with problems, each at its first failing sample (a repeated
 * test's other samples would crowd out other tests); returns how many tests it annotated.
 */
export function annotateProblems(problems: TestOutcome[]): number {
  const annotated = new Set<TestOutcome['evalCase']>()
  for (const outcome of problems) {
    if (annotated.size === MAX_ANNOTATIONS) break
    if (annotated.has(outcome.evalCase)) continue
    annotated.add(outcome.evalCase)
    const { title, message } = annotationOf(outcome)
    log.error(message, { title, file: outcome.evalCase.file, startLine: outcome.evalCase.line })
  }
  return annotated.size
}
