/** Error annotations at the suite line of each failing or errored test, as GitHub shows them on the diff. */
import * as core from '@actions/core'
import { failureWithoutAssertion, sampleLabel, type TestOutcome } from './grading.js'

/** GitHub shows at most 10 error annotations per step; the report counts the rest. */
export const MAX_ANNOTATIONS = 10

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

/** Annotates the first MAX_ANNOTATIONS problems; returns how many it annotated. */
export function annotateProblems(problems: TestOutcome[]): number {
  const annotated = problems.slice(0, MAX_ANNOTATIONS)
  for (const outcome of annotated) {
    const { title, message } = annotationOf(outcome)
    core.error(message, { title, file: outcome.evalCase.file, startLine: outcome.evalCase.line })
  }
  return annotated.length
}
