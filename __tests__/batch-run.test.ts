import type { BatchRequest, Sample } from '../src/batch-requests.js'
import { createAnthropicClient } from '../src/batch-client.js'
import { BatchRun, MAX_RETRY_ROUNDS } from '../src/batch-run.js'
import { RunGrader } from '../src/grading.js'
import type { RunState, RunStateStore } from '../src/run-state.js'
import type { EvalCase } from '../src/suite.js'
import { startBatchEmulator, type BatchEmulator } from '../test-servers/batch-emulator.js'
import { onceEach, whole } from './fixtures/messages.js'

const request = (i: number): BatchRequest => ({
  custom_id: `t${i}`,
  params: { model: 'claude-haiku-4-5', max_tokens: 10, messages: [{ role: 'user', content: `q${i}` }] },
})

function casesOf(requests: BatchRequest[]): Map<string, Sample> {
  return onceEach(
    requests.map((r): EvalCase => ({
      id: r.custom_id,
      description: undefined,
      file: 's.yml',
      line: 1,
      vars: {},
      prompt: 'q',
      params: r.params,
      assertions: [],
      threshold: undefined,
      transform: undefined,
    })),
  )
}

/** A store that keeps states in memory and lists what was saved, as a re-run would find it. */
function memoryStore(): RunStateStore & { saved: RunState[] } {
  const saved: RunState[] = []
  return {
    name: 'memory',
    saved,
    load: async (runKey) => saved.filter((s) => s.runKey === runKey).at(-1),
    save: async (state) => void saved.push(state),
  }
}

describe('BatchRun', () => {
  let emulator: BatchEmulator
  afterEach(() => emulator?.close())

  const newRun = (store: RunStateStore, limits = { maxRequests: 100_000, maxBytes: 256_000_000 }) =>
    new BatchRun({
      client: createAnthropicClient({ apiKey: 'k', baseURL: emulator.url }),
      log: () => undefined,
      store,
      runKey: 'run-1',
      wait: { maxWaitMs: 10_000, pollIntervalMs: 20 },
      limits,
    })

  it('splits a large run into batches and records each one as soon as it exists', async () => {
    emulator = await startBatchEmulator({ processingMs: 50 })
    const store = memoryStore()
    const run = newRun(store, { maxRequests: 2, maxBytes: 256_000_000 })
    const requests = [0, 1, 2, 3, 4].map(request)
    await run.submit(requests)
    const created = emulator.createdBatches()
    expect(created.map((b) => b.requests.map((r) => r.custom_id))).toEqual([
      ['t0', 't1'],
      ['t2', 't3'],
      ['t4'],
    ])
    expect(run.batchIds).toEqual(created.map((b) => b.id))
    expect(store.saved.map((s) => s.batchIds)).toEqual([
      run.batchIds.slice(0, 1),
      run.batchIds.slice(0, 2),
      run.batchIds,
    ])

    const grader = new RunGrader(casesOf(requests))
    expect((await run.wait()).state).toBe('ended')
    await run.collect(grader)
    const graded = await grader.finish()
    expect(graded.outcomes.map((o) => o.status)).toEqual(['passed', 'passed', 'passed', 'passed', 'passed'])
  })

  it('resumes the batches an earlier attempt recorded, and creates only the missing ones', async () => {
    emulator = await startBatchEmulator({ processingMs: 50 })
    const store = memoryStore()
    const limits = { maxRequests: 2, maxBytes: 256_000_000 }
    const requests = [0, 1, 2, 3].map(request)
    const first = newRun(store, limits)
    await first.submit(requests.slice(0, 2))
    // An attempt that died after its first batch: the store holds one of the two batches.
    const again = newRun(store, limits)
    await again.submit(requests)
    expect(emulator.createdBatches()).toHaveLength(2)
    expect(again.batchIds[0]).toBe(first.batchIds[0])
    const third = newRun(store, limits)
    await third.submit(requests)
    expect(emulator.createdBatches()).toHaveLength(2)
    expect(third.batchIds).toEqual(again.batchIds)
  })

  it('retries overloaded and expired requests in capped follow-up rounds, never invalid ones', async () => {
    emulator = await startBatchEmulator({
      processingMs: 50,
      replies: {
        q1: { error: { type: 'overloaded_error', message: 'Overloaded' } },
        q2: { error: { type: 'invalid_request_error', message: 'bad' } },
      },
    })
    const requests = [0, 1, 2].map(request)
    const run = newRun(memoryStore())
    await run.submit(requests)
    const grader = new RunGrader(casesOf(requests))
    await run.wait()
    await run.collect(grader)
    expect(grader.retryableCustomIds()).toEqual(['t1'])
    const byId = new Map(requests.map((r) => [r.custom_id, r]))
    const late = await run.retryErrored(grader, (customId) => byId.get(customId) as BatchRequest)
    expect(late).toBeUndefined()
    const followUps = emulator.createdBatches().slice(1)
    expect(followUps).toHaveLength(MAX_RETRY_ROUNDS)
    expect(followUps.map((b) => b.requests.map((r) => r.custom_id))).toEqual([['t1'], ['t1']])
    const graded = await grader.finish()
    expect(whole(graded.outcomes).map((o) => [o.customId, o.status, o.error?.type ?? null])).toEqual([
      ['t0', 'passed', null],
      ['t1', 'errored', 'overloaded_error'],
      ['t2', 'errored', 'invalid_request_error'],
    ])
    expect(graded.unexpectedCustomIds).toEqual([])
  })
})
