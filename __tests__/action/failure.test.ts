import Anthropic from '@anthropic-ai/sdk'
import { describeFailure } from '../../src/action/failure.js'
import { UserError } from '../../src/common/user-error.js'
import { PricingFileError } from '../../src/cost/price-table.js'

describe('describeFailure', () => {
  it("gives a user's mistake as it is, without a stack", () => {
    expect(
      describeFailure(new UserError("Input 'repeat' is 'x'; write a whole number from 1 to 100.")),
    ).toEqual({
      message: "Input 'repeat' is 'x'; write a whole number from 1 to 100.",
    })
    const pricing = new PricingFileError([{ file: 'prices.yml', line: 3, message: 'input must be a number' }])
    expect(describeFailure(pricing)).toEqual({ message: pricing.message })
  })

  it("gives the API's refusal as it is", () => {
    const refusal = Anthropic.APIError.generate(
      401,
      { type: 'error', error: {} },
      'invalid x-api-key',
      new Headers(),
    )
    expect(describeFailure(refusal)).toEqual({ message: refusal.message })
  })

  it('tells a bug apart: its stack, and where to report it', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'id')")
    const failure = describeFailure(bug, { GITHUB_ACTION_REPOSITORY: 'acme/claude-batch-evals' })
    expect(failure.message).toBe(
      "Cannot read properties of undefined (reading 'id')\nThis is a bug in Claude Batch Evals, not in your " +
        "suite or inputs: please report it, with this step's log, at https://github.com/acme/claude-batch-evals/issues.",
    )
    expect(failure.stack).toBe(bug.stack)
    expect(describeFailure('thrown text', {}).message).toMatch(
      /^thrown text\n.*at the action's repository's issues\.$/,
    )
  })
})
