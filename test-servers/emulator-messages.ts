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

/**
 * The standard API's rate limit: `requests` answers in a window of `windowMs`, which opens at the first
 * request after the last one closed. A request over it is a 429 `rate_limit_error` with a `retry-after` of
 * the rest of the window. Real time (not the emulator's clock), as the SDK's retries wait in real time.
 */
export class MessagesRateLimit {
  private opened = -Infinity
  private used = 0
  refused = 0

  constructor(private readonly limit: { requests: number; windowMs: number } | undefined) {}

  take(): void {
    if (!this.limit) return
    const now = Date.now()
    if (now - this.opened >= this.limit.windowMs) [this.opened, this.used] = [now, 0]
    if (this.used++ < this.limit.requests) return
    this.refused++
    const waitMs = this.opened + this.limit.windowMs - now
    throw new HttpError(
      'rate_limit_error',
      'This request would exceed the rate limit for your organization',
      {
        'retry-after': (Math.ceil(waitMs) / 1000).toFixed(3),
      },
    )
  }
}

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
