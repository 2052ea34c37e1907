/**
 * The Anthropic client the batch stage uses (the real `@anthropic-ai/sdk`), and what its calls share: how
 * errors are told apart, how to sleep between tries, cancel and token counting. Creating, waiting and
 * downloading results have modules of their own.
 */
import Anthropic from '@anthropic-ai/sdk'
import type { MessageBatch } from '@anthropic-ai/sdk/resources/messages/batches'
import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages/messages'

/** Retries of idempotent calls (retrieve, list, cancel, results); the SDK backs off and honours retry-after. */
const READ_RETRIES = 5

export type Log = (line: string) => void

/** Resolves after `ms`, or earlier if the signal aborts (a sleep may ignore it; abortableSleep does not). */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>

/**
 * setTimeout's sleep. An abort clears its timer: a job cancelled during an hour's retry-after must not keep
 * the process alive for that hour once it has reported.
 */
export const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const wake = () => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', wake)
      resolve()
    }
    const timer = setTimeout(wake, ms)
    signal?.addEventListener('abort', wake, { once: true })
  })

/**
 * Sleeps, or less when the signal aborts, whether or not the sleep heeds the signal. Its listener goes with
 * it: a wait of hours sleeps hundreds of times.
 */
export function abortableSleep(sleep: Sleep, ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return sleep(ms)
  if (signal.aborted) return Promise.resolve()
  return new Promise<void>((resolve) => {
    const onAbort = () => resolve()
    signal.addEventListener('abort', onAbort, { once: true })
    void sleep(ms, signal).then(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    })
  })
}

export function createAnthropicClient(options: { apiKey: string; baseURL: string | undefined }): Anthropic {
  return new Anthropic({ apiKey: options.apiKey, baseURL: options.baseURL, maxRetries: READ_RETRIES })
}

/** Seconds the API asked us to wait (retry-after), if it did. */
export function retryAfterMs(error: unknown): number | undefined {
  const header = error instanceof Anthropic.APIError ? error.headers?.get('retry-after') : null
  const seconds = header ? Number(header) : NaN
  return Number.isFinite(seconds) ? seconds * 1000 : undefined
}

/** An error after which a create may or may not have happened: the answer was lost or the server failed. */
export function mayHaveCreated(error: unknown): boolean {
  return (
    error instanceof Anthropic.APIConnectionError ||
    (error instanceof Anthropic.APIError && error.status !== undefined && error.status >= 500)
  )
}

/** The API could not answer for now (429, 5xx, no connection): a poll is worth trying again later. */
export function isUnavailable(error: unknown): boolean {
  return error instanceof Anthropic.RateLimitError || mayHaveCreated(error)
}

/** An error worth another try: not an answer that the request itself is wrong (4xx other than 429). */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof Anthropic.APIError) || error.status === undefined) return true
  return error.status === 429 || error.status >= 500
}

/** The SDK's per-call options (retries, timeout, signal). */
export type RequestOptions = NonNullable<Parameters<Anthropic['messages']['batches']['cancel']>[2]>

/**
 * How a call is made once the job is being cancelled: one try, briefly. The runner kills the process about
 * 10 s after its first signal, and the SDK's retries with backoff (or a hung connection) would outlast that.
 */
export const WITHIN_ABORT_WINDOW: RequestOptions = { maxRetries: 0, timeout: 2_000 }

export function cancelBatch(
  client: Anthropic,
  batchId: string,
  options?: RequestOptions,
): Promise<MessageBatch> {
  return client.messages.batches.cancel(batchId, {}, options)
}

/** Counts a request's input tokens with the API's free `count_tokens` (its own rate limit; retried by the SDK). */
export function tokenCounter(
  client: Anthropic,
): (params: MessageCreateParamsNonStreaming) => Promise<number> {
  return async ({ model, messages, system, tools, tool_choice, thinking }) => {
    const counted = await client.messages.countTokens({
      model,
      messages,
      ...(system !== undefined && { system }),
      ...(tools !== undefined && { tools }),
      ...(tool_choice !== undefined && { tool_choice }),
      ...(thinking !== undefined && { thinking }),
    })
    return counted.input_tokens
  }
}
