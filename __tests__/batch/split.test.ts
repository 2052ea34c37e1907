import { BATCH_LIMITS, splitIntoBatches } from '../../src/batch/split.js'
import type { BatchRequest } from '../../src/model.js'

const request = (id: string, text = 'x'): BatchRequest => ({
  custom_id: id,
  params: { model: 'm', max_tokens: 1, messages: [{ role: 'user', content: text }] },
})
const bytes = (r: BatchRequest) => Buffer.byteLength(JSON.stringify(r))
const envelope = Buffer.byteLength('{"requests":[]}')

describe('splitIntoBatches', () => {
  it('keeps a run within the limits in one batch', () => {
    const requests = [request('a'), request('b')]
    expect(splitIntoBatches(requests)).toEqual([
      { requests, bytes: Buffer.byteLength(JSON.stringify({ requests })) },
    ])
    expect(BATCH_LIMITS).toEqual({ maxRequests: 100_000, maxBytes: 256_000_000 })
  })

  it('cuts at the request limit', () => {
    const requests = Array.from({ length: 7 }, (_, i) => request(`t${i}`))
    const batches = splitIntoBatches(requests, { maxRequests: 3, maxBytes: 1e9 })
    expect(batches.map((b) => b.requests.map((r) => r.custom_id))).toEqual([
      ['t0', 't1', 't2'],
      ['t3', 't4', 't5'],
      ['t6'],
    ])
  })

  it('cuts by serialized bytes, so that no create body exceeds the limit, and gives each body its exact size', () => {
    const requests = [request('a', 'x'.repeat(100)), request('b', 'y'.repeat(100)), request('c', 'z')]
    // Room for b and c with their comma, to the byte.
    const maxBytes = envelope + bytes(requests[1]) + 1 + bytes(requests[2])
    const batches = splitIntoBatches(requests, { maxRequests: 10, maxBytes })
    expect(batches.map((b) => b.requests.map((r) => r.custom_id))).toEqual([['a'], ['b', 'c']])
    for (const batch of batches) {
      const body = Buffer.byteLength(JSON.stringify({ requests: batch.requests }))
      expect(batch.bytes).toBe(body)
      expect(body).toBeLessThanOrEqual(maxBytes)
    }
  })

  it('refuses a single request larger than a batch, naming it', () => {
    expect(() =>
      splitIntoBatches([request('huge', 'x'.repeat(500))], { maxRequests: 10, maxBytes: 200 }),
    ).toThrow(/^Test 'huge' makes a request of \d+ bytes, more than a batch may hold \(200 bytes\)/)
  })
})
