/**
 * promptfoo's `echo` provider, which answers each prompt with the prompt itself: its requests are answered
 * here, as promptfoo answers them on the machine, and never sent. Their results join the batch's as
 * succeeded messages that used no tokens.
 */
import type { MessageBatchIndividualResponse } from '@anthropic-ai/sdk/resources/messages/batches'
import type { Usage } from '@anthropic-ai/sdk/resources/messages/messages'
import { ECHO_PROVIDER } from '../suite/providers.js'
import type { BatchRequest, Sample } from '../model.js'

/** Whether a request is echo's, answered here rather than sent. */
export const isEchoed = (request: BatchRequest): boolean => request.params.model === ECHO_PROVIDER

/** The results of the echo requests among `requests`: each test's prompt, as its output. */
export function echoResults(
  requests: readonly BatchRequest[],
  sampleByCustomId: ReadonlyMap<string, Sample>,
): MessageBatchIndividualResponse[] {
  return requests.filter(isEchoed).map(({ custom_id }) => ({
    custom_id,
    result: {
      type: 'succeeded',
      message: {
        id: `echo_${custom_id}`,
        type: 'message',
        role: 'assistant',
        model: ECHO_PROVIDER,
        content: [
          { type: 'text', text: sampleByCustomId.get(custom_id)?.evalCase.prompt ?? '', citations: null },
        ],
        stop_reason: 'end_turn',
        stop_sequence: null,
        stop_details: null,
        container: null,
        diagnostics: null,
        usage: NO_USAGE,
      },
    },
  }))
}

/** The usage of a message nothing was billed for: every count zero, every detail absent. */
export const NO_USAGE: Usage = {
  input_tokens: 0,
  output_tokens: 0,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 0,
  cache_creation: null,
  server_tool_use: null,
  service_tier: null,
  inference_geo: null,
  output_tokens_details: null,
  speed: null,
}
