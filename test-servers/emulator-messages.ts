/**
 * `POST /v1/messages`: the standard Messages API, answered at once by the same stand-in model, checks and
 * prompt cache as a batch's requests (processRequest), with the standard tier's usage. A request the API
 * would refuse is an error response with the status the API gives it, as the SDK expects.
 */
import type { MessageBatchIndividualResponse } from '@anthropic-ai/sdk/resources/messages/batches'
import type { Message } from '@anthropic-ai/sdk/resources/messages/messages'
import { HttpError } from './emulator-http.js'
import { processRequest, type Processing } from './emulator-results.js'
import type { ErrorType } from './scripted-replies.js'

/** The message the stand-in model answers these params with now, or the HttpError the API would send. */
export function createMessage(body: unknown, processing: Processing, now: number): Message {
  // A sync request reads what is cached before it, and always gets the cache's best-effort roll.
  const processed = processRequest('message', body, processing, { startMs: now, finishMs: now, hitRoll: 0 })
  const line = JSON.parse(processed.line) as MessageBatchIndividualResponse
  if (line.result.type === 'errored') {
    const { type, message } = line.result.error.error
    throw new HttpError(type as ErrorType, message)
  }
  if (line.result.type !== 'succeeded') throw new HttpError('api_error', 'no reply')
  const message = line.result.message
  return { ...message, usage: { ...message.usage, service_tier: 'standard' } }
}
