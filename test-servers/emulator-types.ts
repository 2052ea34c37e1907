/** The emulator's interface: its options, batch scripts, and the handle a test gets. */
import type { ErrorDetails } from '@anthropic-ai/sdk/resources/shared'
import type { ErrorType, RepliesFile, StandInReply } from './scripted-replies.js'

export interface BatchEmulatorOptions {
  /** Port to listen on (127.0.0.1). Default 0: a random free port. */
  port?: number
  /**
   * How long a batch takes to process all its requests, in ms (its requests complete evenly over this time).
   * Default 1000; at least 1. `setProcessingMs` changes it for batches created afterwards.
   */
  processingMs?: number
  /**
   * How long after creation a batch expires, in ms (`expires_at`). Default 24 h, as the API. A batch whose
   * processing is not done by then ends at that time with its unprocessed requests `expired`.
   */
  expiresAfterMs?: number
  /**
   * The workspace's cap on requests waiting in the processing queue. A create whose requests, added to those
   * of the batches not yet ended (`in_progress` or `canceling`), exceed it answers 429 `rate_limit_error` with
   * a `retry-after` header. Default: no limit.
   */
  maxQueuedRequests?: number
  /** The `retry-after` (seconds, may be fractional) of a queue-limit 429. Default 1. */
  queueRetryAfterSeconds?: number
  /**
   * How long `POST /v1/messages` (the standard API, answered at once otherwise) holds each answer, in real
   * ms, so that a test can see how many a client sends at a time (`peakMessagesInFlight`). Default 0.
   */
  messagesDelayMs?: number
  /**
   * The standard API's rate limit: at most `requests` answers of `POST /v1/messages` in `windowMs` (real
   * ms); the rest answer 429 `rate_limit_error` with a `retry-after` of what is left of the window, as the
   * API does. Default: no limit.
   */
  messagesRateLimit?: { requests: number; windowMs: number }
  /**
   * The stand-in model. Key: the text of the LAST user message (string content, or its text blocks
   * concatenated with no separator), exact match. The action's judge requests are answered by the stand-in
   * judge (test-servers/stand-in-judge.ts); other prompts get a reply saying none matched, and a warning.
   */
  replies?: Record<string, StandInReply>
  /** The judge's scripted verdicts, keyed by the output judged (exact match); the rule answers the rest. */
  judgeReplies?: RepliesFile['judge']
  /**
   * Hears of each prompt no scripted reply matches (the first ten, then once more). Default: nobody (tests);
   * the emulator's command line and the demo print them.
   */
  onWarning?: (message: string) => void
  /** Request body limit in bytes (413 `request_too_large` above it). Default 256 MB, as the API. */
  maxBodyBytes?: number
  /**
   * Makes `POST /v1/messages/count_tokens` answer 404 `not_found_error` (as a gateway without the endpoint
   * would), so that a client's fallback can be tested. Default false. `setCountTokensUnavailable` changes it.
   */
  countTokensUnavailable?: boolean
  /**
   * The shortest cacheable prefix, in tokens: a number for every model, or a function of the model.
   * Default `minCacheableTokens` (the API's figures).
   */
  minCacheableTokens?: number | ((model: string) => number)
  /**
   * Whether a batch's requests run concurrently and finish out of submission order, as the API's do
   * (test-servers/emulator-schedule.ts). Default true; false runs them one after another in submission
   * order over the processing time.
   */
  concurrent?: boolean
  /**
   * The chance, from 0 to 1, that a request reads a cached prefix that is there for it (written by a request
   * that finished before it started): the API's cache is best effort. Default 0.7, within the 30% to 98% the
   * API's documentation reports; 1 makes every such request read it.
   */
  cacheHitRate?: number
  /**
   * How many retrievals a canceled batch stays `canceling` for (requests that finish meanwhile keep their
   * results), unless it would have ended sooner. Default 3; at least 1.
   */
  cancelingPolls?: number
  /**
   * The seed of the schedule (which requests start and finish when) and of cache hits: two emulators of the
   * same seed given the same batches answer the same. Default 19.
   */
  seed?: number
  /**
   * The emulator's time, in ms since the epoch. Default `Date.now`. A manual clock
   * (test-servers/manual-clock.ts), shared with the code under test, makes time-based behaviour deterministic.
   */
  clock?: () => number
}

/**
 * How one batch progresses when it is scripted (`scriptNextBatches`): by events, never by time, so that a
 * test cannot race a process that runs on its own clock.
 */
export interface BatchScript {
  /** How many of its requests, the first ones in submission order, are processed. Default: all of them. */
  processed?: number
  /**
   * Ends the batch at its Nth retrieval (`GET /v1/messages/batches/{id}`), whose answer already says `ended`.
   * Default: the batch ends only when the test calls `endBatch`, or at the `cancelingPolls`-th retrieval
   * after a cancel.
   * Either way, its unprocessed requests are then `expired` (or `canceled`, after a cancel).
   */
  endAfterPolls?: number
}

export interface RecordedCall {
  method: string
  /** The URL path, without the query string. */
  path: string
  /** The query string without its leading `?` ('' when there is none). */
  query: string
}

export interface BatchEmulator {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  url: string
  /** Every HTTP call received, in order (including refused ones). */
  calls: RecordedCall[]
  /** Every batch created so far (deleted ones included), oldest first. */
  createdBatches(): { id: string; requests: { custom_id: string; params: unknown }[] }[]
  /**
   * Makes the next `times` calls matching method and path fail with the API's error of this kind (its HTTP
   * status and error body). With `retryAfterSeconds`, the answer carries a `retry-after` header (seconds; a
   * fraction such as 0.05 keeps tests fast, and the SDK honours it). With `errorCode`, the error carries
   * `details.error_code`, from which the SDK picks a finer error class (a 429 `enforced_spend_limit_reached`
   * is an EnforcedSpendLimitReachedError).
   */
  failNext(
    method: string,
    path: RegExp,
    type: ErrorType,
    times?: number,
    options?: { retryAfterSeconds?: number; errorCode?: ErrorDetails['error_code'] },
  ): void
  /**
   * Makes the next `times` calls matching method and path end in a connection reset: the request is read,
   * then the socket is destroyed with no response (the SDK sees an `APIConnectionError`, and retries it).
   * By default the call has no effect. With `afterCommit`, the call is carried out first (a create creates
   * its batch, a cancel cancels) and only its answer is lost: the case where a retried create double-bills.
   */
  resetNext(method: string, path: RegExp, times?: number, options?: { afterCommit?: boolean }): void
  /**
   * Makes the next `times` results downloads (of an ended batch) send only their first `lines` JSONL lines,
   * then drop the connection before the end of the body, so the client's iteration fails mid-stream.
   */
  cutResultsAfter(lines: number, times?: number): void
  /**
   * Makes the next `times` results downloads send their lines in reverse order: the API does not promise the
   * same order twice, so a client resuming a broken download cannot skip lines by count.
   */
  reverseNextResults(times?: number): void
  /**
   * The next batches created follow these scripts, one each in creation order, instead of the time model
   * (`processingMs`, the expiry); once the scripts are used up, batches follow the time model again.
   */
  scriptNextBatches(...scripts: BatchScript[]): void
  /**
   * Ends a scripted batch now (nothing happens to one that has ended): its processed requests have their
   * results, the rest are `expired` (`canceled` when it was being canceled).
   */
  endBatch(id: string): void
  /** Sets the processing time of the batches created from now on (those already created keep theirs). */
  setProcessingMs(ms: number): void
  /** With true, `count_tokens` answers 404 `not_found_error` from now on; with false, it works again. */
  setCountTokensUnavailable(unavailable: boolean): void
  /** Empties the prompt cache: the next request with a cacheable prefix writes it again. */
  clearPromptCache(): void
  /** The most `POST /v1/messages` calls answered at one time so far (see `messagesDelayMs`). */
  peakMessagesInFlight(): number
  /** How many `POST /v1/messages` calls the rate limit has refused (see `messagesRateLimit`). */
  rateLimitedMessages(): number
  close(): Promise<void>
}
