/**
 * The emulator's per-model validation: what the real API refuses for the model a request names (a retired
 * model, `max_tokens` above its maximum output, a thinking mode it does not take, prefill, forced tool use
 * with thinking, a custom tool without `input_schema`, user-only blocks in an assistant turn), from the same
 * capability table and checks as the action's preflight (src/batch/request-checks.ts), with the API's error
 * text. A batch request comes back `errored`; `count_tokens` answers 400 (404 for a retired model) at once.
 *
 * Model ids the table does not know pass, as they do in preflight's offline check: the tests' made-up
 * models (claude-mystery-9) are how unpriced models are tested.
 */
import { requestProblems } from '../src/batch/request-checks.js'

export interface ModelProblem {
  type: 'invalid_request_error' | 'not_found_error'
  message: string
}

/** The first problem the API would answer for these params (a batch request's or a count_tokens body). */
export function modelProblem(params: Record<string, unknown>): ModelProblem | null {
  const [first] = requestProblems(params)
  return first ? { type: first.type, message: first.message } : null
}
