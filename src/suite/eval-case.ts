/** What loading a suite gives the stages after it: one case per request, with what grades its answer. */
import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages/messages'
// Types only: the suite carries the compiled forms that grading's compiler (passed in) makes, unread.
import type { CompiledAssertion, CompiledTransform } from '../grading/graders/index.js'

export const DEFAULT_MAX_TOKENS = 1024

export interface EvalCase {
  id: string
  description: string | undefined
  /** The file the test is written in, relative to the workspace, and its line there. */
  file: string
  line: number
  vars: Record<string, unknown>
  /** The prompt as a person reads it: the text of the last user turn. */
  prompt: string
  params: MessageCreateParamsNonStreaming
  assertions: CompiledAssertion[]
  threshold: number | undefined
  transform: CompiledTransform | undefined
  /** Samples of this test (its `repeat:`); undefined for the action's `repeat` input. */
  repeat?: number
}
