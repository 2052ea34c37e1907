/** Splitting a run's requests into batches the API accepts: at most 100,000 requests and 256 MB each. */
import { UserError } from '../common/user-error.js'
import type { BatchRequest } from '../model.js'

export interface BatchLimits {
  maxRequests: number
  /** Bytes of the create body, as serialized. */
  maxBytes: number
}

export const BATCH_LIMITS: BatchLimits = { maxRequests: 100_000, maxBytes: 256_000_000 }

/** `{"requests":[` and `]}`: what a create body adds around its requests. */
const ENVELOPE_BYTES = Buffer.byteLength('{"requests":[]}')

/** One batch's requests, and the bytes of its create body as serialized (the envelope and commas included). */
export interface BatchSlice {
  requests: BatchRequest[]
  bytes: number
}

/** The bytes a request takes serialized. */
function serializedBytes(request: BatchRequest): number {
  return Buffer.byteLength(JSON.stringify(request))
}

/**
 * Consecutive slices of `requests`, each within the limits, sized by the bytes each request takes once
 * serialized (with the comma between two). The same requests always split the same way, so that a re-run
 * can match the batches it finds to their slices. `bytes`, when given, holds each request's serializedBytes
 * already measured (the run key serializes every request anyway; a 100,000-request run need not do it twice).
 */
export function splitIntoBatches(
  requests: BatchRequest[],
  limits: BatchLimits = BATCH_LIMITS,
  bytesOf: readonly number[] | undefined = undefined,
): BatchSlice[] {
  const slices: BatchSlice[] = []
  let current: BatchSlice = { requests: [], bytes: ENVELOPE_BYTES }
  for (let i = 0; i < requests.length; i++) {
    const request = requests[i]
    const size = bytesOf ? bytesOf[i] : serializedBytes(request)
    if (ENVELOPE_BYTES + size > limits.maxBytes) {
      throw new UserError(
        `Test '${request.custom_id}' makes a request of ${size} bytes, more than a batch may hold ` +
          `(${limits.maxBytes} bytes); make its prompt, images or tools smaller.`,
      )
    }
    // A request after a slice's first comes with a comma.
    const full = current.requests.length === limits.maxRequests || current.bytes + 1 + size > limits.maxBytes
    if (current.requests.length > 0 && full) {
      slices.push(current)
      current = { requests: [], bytes: ENVELOPE_BYTES }
    }
    current.bytes += (current.requests.length > 0 ? 1 : 0) + size
    current.requests.push(request)
  }
  if (current.requests.length > 0) slices.push(current)
  return slices
}
