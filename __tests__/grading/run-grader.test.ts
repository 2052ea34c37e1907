/** A graded sample's own reason: why it passed or failed when no failed assertion says so. */
import type { MessageBatchResult } from '@anthropic-ai/sdk/resources/messages/batches'
import { message, once, text } from '../fixtures/messages.js'
import { annotationOf } from '../../src/github/annotations.js'
import { compileAssertion } from '../../src/grading/graders/index.js'
import { failureWithoutAssertion, gradeResult } from '../../src/grading/run-grader.js'
import { fileSystemSuiteIO } from '../../src/suite/file-system.js'
import type { EvalCase } from '../../src/model.js'

async function evalCase(asserts: Record<string, unknown>[], threshold?: number): Promise<EvalCase> {
  return {
    id: 'short',
    description: 'falls short',
    file: 'evals/geo.yml',
    line: 7,
    vars: {},
    prompt: 'Capital of France?',
    params: {
      model: 'claude-haiku-4-5',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Capital of France?' }],
    },
    assertions: await Promise.all(asserts.map((raw) => compileAssertion(raw, '/', fileSystemSuiteIO))),
    threshold,
    transform: undefined,
  }
}

const succeeded = (reply: string): MessageBatchResult => ({
  type: 'succeeded',
  message: message([text(reply)], { input_tokens: 10, output_tokens: 5 }),
})

async function outcomeOf(evalCase: EvalCase, result: MessageBatchResult = succeeded('Paris')) {
  return (await gradeResult(once(evalCase), evalCase.id, result)).outcome
}

const half = { type: 'javascript', value: '0.5' }

describe("a sample's reason", () => {
  it('says why a sample fell short of its threshold with every assertion passing', async () => {
    const outcome = await outcomeOf(await evalCase([half, half], 0.8))
    expect(outcome).toMatchObject({
      status: 'failed',
      score: 0.5,
      reason: 'weighted score 0.50 < threshold 0.8',
    })
    expect(outcome.assertions.map((a) => a.pass)).toEqual([true, true])
    expect(failureWithoutAssertion(outcome)).toBe('weighted score 0.50 < threshold 0.8')
    expect(annotationOf(outcome)).toEqual({
      title: 'Failed: short',
      message: 'falls short\nweighted score 0.50 < threshold 0.8',
    })
  })

  it('adds it after informational failures, which do not explain the failure', async () => {
    const outcome = await outcomeOf(
      await evalCase([half, half, { type: 'contains', value: 'Lyon', weight: 0 }], 0.8),
    )
    expect(failureWithoutAssertion(outcome)).toBe('weighted score 0.50 < threshold 0.8')
    expect(annotationOf(outcome).message).toBe(
      'falls short\ncontains: expected output to contain "Lyon"\nweighted score 0.50 < threshold 0.8',
    )
  })

  it('is left to the failed assertions when they explain the failure', async () => {
    const threshold = await outcomeOf(await evalCase([half, { type: 'contains', value: 'Lyon' }], 0.8))
    expect(threshold.reason).toBe(
      'weighted score 0.25 < threshold 0.8; contains: expected output to contain "Lyon"',
    )
    expect(failureWithoutAssertion(threshold)).toBeNull()
    expect(annotationOf(threshold).message).toBe('falls short\ncontains: expected output to contain "Lyon"')
    const plain = await outcomeOf(await evalCase([{ type: 'contains', value: 'Lyon' }]))
    expect(plain.reason).toBe('contains: expected output to contain "Lyon"')
    expect(failureWithoutAssertion(plain)).toBeNull()
  })

  it('is the grade of a passed sample, and null without an output', async () => {
    const passed = await outcomeOf(await evalCase([half, half], 0.5))
    expect(passed).toMatchObject({ status: 'passed', reason: 'weighted score 0.50 >= threshold 0.5' })
    expect(failureWithoutAssertion(passed)).toBeNull()
    const canceled = await outcomeOf(await evalCase([half], 0.8), { type: 'canceled' })
    expect(canceled).toMatchObject({ status: 'errored', reason: null })
    expect(failureWithoutAssertion(canceled)).toBeNull()
  })
})
