/** What the step fails with when the run stops on an error. */
import Anthropic from '@anthropic-ai/sdk'
import { UserError } from '../common/user-error.js'

export interface Failure {
  /** The `::error` line and the summary's explanation. */
  message: string
  /** For a bug: where it happened, for the log. */
  stack?: string
}

/**
 * A user's mistake, a limit the run reached (UserError) or the API's refusal says what to do, as it is. Any
 * other error is a bug in the action: it comes with its stack, and asks to be reported at the action's
 * repository (GITHUB_ACTION_REPOSITORY, as the runner sets it).
 */
export function describeFailure(error: unknown, env: NodeJS.ProcessEnv = process.env): Failure {
  const message = error instanceof Error ? error.message : String(error)
  if (error instanceof UserError || error instanceof Anthropic.APIError) return { message }
  const repository = env.GITHUB_ACTION_REPOSITORY
  const issues = repository ? `https://github.com/${repository}/issues` : "the action's repository's issues"
  return {
    message:
      `${message}\nThis is a bug in Claude Batch Evals, not in your suite or inputs: please report it, with ` +
      `this step's log, at ${issues}.`,
    stack: error instanceof Error ? error.stack : undefined,
  }
}
