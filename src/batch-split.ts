/** Splitting a run's requests into batches the API accepts: at most 100,000 requests and 256 MB each. */
import type { BatchRequest } from './batch-requests.js'

export interface BatchLimits {
  maxRequests: number
  /** Bytes of the create body, as serialized. */
  maxBytes: number
}

export const BATCH_LIMITS: BatchLimits = { maxRequests: 100_000, maxBytes: 256_000_000 }

/** `{"requests":[` and `]}`: what a create body adds around its requests. */
const ENVELOPE_BYTES = Buffer.byteLength('{"requests":[]}')

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
): BatchRequest[][] {
  const batches: BatchRequest[][] = []
  let current: BatchRequest[] = []
  let bytes = ENVELOPE_BYTES
  for (let i = 0; i < requests.length; i++) {
    const request = requests[i]
    const size = (bytesOf ? bytesOf[i] : serializedBytes(request)) + 1
    if (ENVELOPE_BYTES + size > limits.maxBytes) {
      throw new Error(
        `Test '${request.custom_id}' makes a request of ${size} bytes, more than a batch may hold ` +
          `(${limits.maxBytes} bytes); make its prompt, images or tools smaller.`,
      )
    }
    if (current.length === limits.maxRequests || bytes + size > limits.maxBytes) {
      batches.push(current)
      current = []
      bytes = ENVELOPE_BYTES
    }
    current.push(request)
    bytes += size
  }
  if (current.length > 0) batches.push(current)
  return batches
}
