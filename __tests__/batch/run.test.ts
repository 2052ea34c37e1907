import type { BatchRequest, Sample } from '../../src/batch/requests.js'
import { createAnthropicClient } from '../../src/batch/client.js'
import { BatchRun, MAX_RETRY_ROUNDS } from '../../src/batch/run.js'
import { RunGrader } from '../../src/grading/run-grader.js'
import type { RunState, RunStateStore } from '../../src/batch/run-state.js'
import type { EvalCase } from '../../src/suite/loader.js'
import {
  startBatchEmulator,
  type BatchEmulator,
  type BatchEmulatorOptions,
} from '../../test-servers/batch-emulator.js'
import { manualClock } from '../../test-servers/manual-clock.js'
import { onceEach, whole } from '../fixtures/messages.js'

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
  /** The time of the emulator and of the run: it moves only when the run sleeps. */
  let clock = manualClock()
  beforeEach(() => {
    clock = manualClock()
  })
  const startEmulator = (options: BatchEmulatorOptions) =>
    startBatchEmulator({ ...options, clock: clock.now }).then((started) => (emulator = started))

  const newRun = (
    store: RunStateStore,
    limits = { maxRequests: 100_000, maxBytes: 256_000_000 },
    { maxWaitMs = 10_000, log = (_line: string): void => undefined } = {},
  ) =>
    new BatchRun({
      client: createAnthropicClient({ apiKey: 'k', baseURL: emulator.url }),
      log,
      store,
      runKey: 'run-1',
      wait: { maxWaitMs, pollIntervalMs: 100, now: clock.now, sleep: clock.sleep },
      limits,
    })

  it('splits a large run into batches and records each one as soon as it exists', async () => {
    await startEmulator({ processingMs: 50 })
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
    await startEmulator({ processingMs: 50 })
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
    await startEmulator({
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

  describe('one max-wait bounds all the waiting of a run, on its clock', () => {
    const requests = [0, 1, 2].map(request)
    const byId = new Map(requests.map((r) => [r.custom_id, r]))
    const requestOf = (customId: string) => byId.get(customId) as BatchRequest
    const overloaded = { q1: { error: { type: 'overloaded_error' as const, message: 'Overloaded' } } }

    it('gives a retry round what is left of it, and the round keeps its first error when cancelled', async () => {
      await startEmulator({ processingMs: 1_500, replies: overloaded })
      const run = newRun(memoryStore(), undefined, { maxWaitMs: 2_000 })
      const grader = new RunGrader(casesOf(requests))
      const started = clock.now()
      await run.submit(requests)
      expect((await run.wait()).state).toBe('ended')
      expect(clock.now() - started).toBe(1_500)
      await run.collect(grader)

      // The retry round starts at 1.5 s, takes 1.5 s more, and has the 0.5 s left of max-wait.
      const late = await run.retryErrored(grader, requestOf)
      expect(clock.now() - started).toBe(2_000)
      expect(run.outOfTime).toBe(true)
      const [retryBatch] = emulator.createdBatches().slice(1)
      expect(late).toMatchObject({
        state: 'timed-out',
        batches: [{ id: retryBatch?.id, processing_status: 'in_progress' }],
      })
      expect(retryBatch?.requests.map((r) => r.custom_id)).toEqual(['t1'])

      await run.cancel([retryBatch?.id ?? ''])
      expect((await run.wait([retryBatch?.id ?? ''], { maxWaitMs: 600_000 })).state).toBe('ended')
      await run.collect(grader, [retryBatch?.id ?? ''])
      const graded = await grader.finish()
      expect(whole(graded.outcomes).map((o) => [o.customId, o.status, o.error?.type ?? null])).toEqual([
        ['t0', 'passed', null],
        ['t1', 'errored', 'overloaded_error'],
        ['t2', 'passed', null],
      ])
    })

    it('retries nothing once max-wait has run out, and waits out a full queue only within it', async () => {
      await startEmulator({ processingMs: 2_000, replies: overloaded, maxQueuedRequests: 3 })
      const logs: string[] = []
      const run = newRun(memoryStore(), undefined, { maxWaitMs: 2_000, log: (l) => logs.push(l) })
      const grader = new RunGrader(casesOf(requests))
      await run.submit(requests)
      // The batch ends at max-wait itself: the poll then still sees it ended.
      expect((await run.wait()).state).toBe('ended')
      await run.collect(grader)
      expect(await run.retryErrored(grader, requestOf)).toBeUndefined()
      expect(logs.at(-1)).toBe(
        'max-wait has run out: 1 request(s) that errored or expired are reported as they are, not retried.',
      )
      expect(emulator.createdBatches()).toHaveLength(1)

      // Another run's batch fills the queue for good: this run tries until its max-wait would run out.
      emulator.scriptNextBatches({})
      await newRun(memoryStore()).submit(requests)
      const queued = newRun(memoryStore(), undefined, { maxWaitMs: 5_000 })
      const started = clock.now()
      await expect(queued.submit(requests)).rejects.toThrow(/max-wait would run out before the next try/)
      expect(clock.now() - started).toBe(5_000)
    })
  })
})
