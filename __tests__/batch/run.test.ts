import { createAnthropicClient } from '../../src/batch/client.js'
import { BatchRun, MAX_RETRY_ROUNDS } from '../../src/batch/run.js'
import { RunGrader } from '../../src/grading/run-grader.js'
import type { RunState, RunStateStore } from '../../src/batch/run-state.js'
import {
  startBatchEmulator,
  type BatchEmulator,
  type BatchEmulatorOptions,
} from '../../test-servers/batch-emulator.js'
import { manualClock } from '../../test-servers/manual-clock.js'
import { bareCase } from '../fixtures/cases.js'
import { onceEach, whole } from '../fixtures/messages.js'
import type { BatchRequest, Sample } from '../../src/model.js'

const request = (i: number): BatchRequest => ({
  custom_id: `t${i}`,
  params: { model: 'claude-haiku-4-5', max_tokens: 10, messages: [{ role: 'user', content: `q${i}` }] },
})

function casesOf(requests: BatchRequest[]): Map<string, Sample> {
  return onceEach(requests.map(bareCase))
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
    const logs: string[] = []
    const run = newRun(memoryStore(), undefined, { log: (line) => logs.push(line) })
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
    expect(logs.join('\n')).toContain('Retrying 1 request(s) that errored')
    expect(logs).toContain(`Created batch ${followUps[0].id} with 1 request.`)
    const graded = await grader.finish()
    expect(whole(graded.outcomes).map((o) => [o.customId, o.status, o.error?.type ?? null])).toEqual([
      ['t0', 'passed', null],
      ['t1', 'errored', 'overloaded_error'],
      ['t2', 'errored', 'invalid_request_error'],
    ])
    expect(graded.unexpectedCustomIds).toEqual([])
  })

  it('rides out 429s on create and 5xx and resets while polling and downloading', async () => {
    await startEmulator({ processingMs: 200 })
    const retrieve = /^\/v1\/messages\/batches\/msgbatch_\w+$/
    emulator.failNext('POST', /^\/v1\/messages\/batches$/, 'rate_limit_error', 1, { retryAfterSeconds: 1 })
    // The SDK retries a poll on its own clock: a reset first (its shortest backoff), then two short retry-afters.
    emulator.resetNext('GET', retrieve)
    emulator.failNext('GET', retrieve, 'overloaded_error', 2, { retryAfterSeconds: 0.01 })
    emulator.cutResultsAfter(1)
    const logs: string[] = []
    const requests = [0, 1, 2].map(request)
    const run = newRun(memoryStore(), undefined, { log: (line) => logs.push(line) })
    const grader = new RunGrader(casesOf(requests))
    await run.submit(requests)
    expect((await run.wait()).state).toBe('ended')
    await run.collect(grader)
    const graded = await grader.finish()
    expect(graded.outcomes.map((o) => [o.customId, o.status])).toEqual([
      ['t0', 'passed'],
      ['t1', 'passed'],
      ['t2', 'passed'],
    ])
    expect(logs.join('\n')).toMatch(/The API refused the batch for load \(429: .*\); trying again in 1s\./)
    expect(logs.join('\n')).toMatch(/The results of msgbatch_\w+ broke off after 1 lines/)
    expect(emulator.createdBatches()).toHaveLength(1)
    // The SDK's retries rode out the poll's faults: 3 polls (at 0, 100 and 200 ms of processing), 3 tries
    // that met a fault, and a look at the batch before each of the 2 downloads.
    expect(logs.join('\n')).not.toMatch(/Polling .* failed/)
    expect(emulator.calls.filter((c) => c.method === 'GET' && retrieve.test(c.path))).toHaveLength(8)
  })

  it('goes on when a cancel is refused (the batch may have ended since), and reports what it returns', async () => {
    await startEmulator({ processingMs: 1_000 })
    emulator.failNext('POST', /\/cancel$/, 'invalid_request_error')
    const logs: string[] = []
    const requests = [0, 1, 2].map(request)
    const run = newRun(memoryStore(), undefined, { log: (line) => logs.push(line) })
    await run.submit(requests)
    await run.cancel(run.batchIds)
    expect(logs.at(-1)).toMatch(/^Could not cancel msgbatch_\w+ \(400 .*\); it may have ended already\.$/)
    expect((await run.wait()).state).toBe('ended')
    const grader = new RunGrader(casesOf(requests))
    await run.collect(grader)
    expect((await grader.finish()).outcomes.map((o) => o.status)).toEqual(['passed', 'passed', 'passed'])
  })

  it('explains a batch-id that does not exist, and results that cannot be downloaded', async () => {
    await startEmulator({ processingMs: 100 })
    const unknown = newRun(memoryStore())
    unknown.adopt(['msgbatch_doesnotexist'])
    await expect(unknown.wait()).rejects.toThrow(
      /^Batch msgbatch_doesnotexist was not found \(404\).*check the id/,
    )

    const requests = [0, 1, 2].map(request)
    const run = newRun(memoryStore())
    await run.submit(requests)
    expect((await run.wait()).state).toBe('ended')
    emulator.cutResultsAfter(1, 5)
    const started = clock.now()
    const collecting = run.collect(new RunGrader(casesOf(requests)))
    await expect(collecting).rejects.toThrow(
      /^The results of msgbatch_\w+ could not be downloaded \(.*\) after 5 attempts.*a re-run of this job resumes it/,
    )
    // Backing off between the attempts: 1 + 2 + 4 + 8 s, on the run's clock.
    expect(clock.now() - started).toBe(15_000)
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
