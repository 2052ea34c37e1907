/**
 * `on-timeout: standard`: requests a batch did not process in time, sent one by one through the standard
 * Messages API, a few at a time, each with the SDK's retries (which back off and honour retry-after on a
 * 429 or a 529). Each answer becomes a results line like a batch's and goes into the same sink, so grading
 * does not tell them apart; its usage's `service_tier` (`standard`) prices it at the standard rate.
 */
import Anthropic from '@anthropic-ai/sdk'
import type { MessageBatchIndividualResponse } from '@anthropic-ai/sdk/resources/messages/batches'
import type { ErrorObject, ErrorResponse } from '@anthropic-ai/sdk/resources/shared'
import type { ResultSink } from './run.js'
import type { Log } from './client.js'
import type { BatchRequest } from '../model.js'

/** Standard requests in flight at a time: enough to finish a few hundred in minutes, few enough for rate limits. */
export const STANDARD_CONCURRENCY = 6

export interface StandardFallbackOptions {
  client: Anthropic
  log: Log
  /** Ends the sending: the requests not sent yet are reported as canceled. */
  signal?: AbortSignal
  concurrency?: number
}

/** How the requests went: answered, errored (the API's error), or not sent (the signal aborted first). */
export interface StandardOutcome {
  succeeded: number
  errored: number
  notSent: number
}

export async function sendStandard(
  requests: readonly BatchRequest[],
  sink: ResultSink,
  { client, log, signal, concurrency = STANDARD_CONCURRENCY }: StandardFallbackOptions,
): Promise<StandardOutcome> {
  const outcome: StandardOutcome = { succeeded: 0, errored: 0, notSent: 0 }
  // The sink takes one line at a time, in the order the answers come.
  let added = Promise.resolve()
  const add = (line: MessageBatchIndividualResponse) => (added = added.then(() => sink.add(line)))
  let next = 0
  const worker = async () => {
    while (next < requests.length) {
      const request = requests[next++] as BatchRequest
      if (signal?.aborted) {
        outcome.notSent++
        await add({ custom_id: request.custom_id, result: { type: 'canceled' } })
        continue
      }
      const line = await send(client, request, signal)
      const type = line.result.type
      outcome[type === 'succeeded' ? 'succeeded' : type === 'errored' ? 'errored' : 'notSent']++
      await add(line)
    }
  }
  log(
    `Sending ${requests.length} request(s) through the standard Messages API, ${concurrency} at a time, at standard prices.`,
  )
  await Promise.all(Array.from({ length: Math.min(concurrency, requests.length) }, worker))
  await added
  return outcome
}

async function send(
  client: Anthropic,
  request: BatchRequest,
  signal?: AbortSignal,
): Promise<MessageBatchIndividualResponse> {
  const { custom_id } = request
  try {
    const params = request.params as Anthropic.MessageCreateParamsNonStreaming
    const message = await client.messages.create(params, { signal })
    // The API says which tier served a message; the costs read it (cost/pricing.ts priceTierOf).
    message.usage.service_tier ??= 'standard'
    return { custom_id, result: { type: 'succeeded', message } }
  } catch (error) {
    if (signal?.aborted) return { custom_id, result: { type: 'canceled' } }
    const apiError = error instanceof Anthropic.APIError ? error : undefined
    const type = (apiError?.error as { error?: ErrorObject } | undefined)?.error?.type ?? 'api_error'
    const message = error instanceof Error ? error.message : String(error)
    const response: ErrorResponse = {
      type: 'error',
      error: { type, message } as ErrorObject,
      request_id: apiError?.requestID ?? null,
    }
    return { custom_id, result: { type: 'errored', error: response } }
  }
}
