import { createAnthropicClient } from '../../src/batch/client.js'
import { BatchRun } from '../../src/batch/run.js'
import type { RunState, RunStateStore } from '../../src/batch/run-state.js'
import { UserError } from '../../src/common/user-error.js'
import { JudgeBook } from '../../src/grading/judging.js'
import { RunGrader } from '../../src/grading/run-grader.js'
import { Lifecycle, type LifecyclePolicy } from '../../src/pipeline/lifecycle.js'
import { startBatchEmulator, type BatchEmulator } from '../../test-servers/batch-emulator.js'
import { manualClock, type ManualClock } from '../../test-servers/manual-clock.js'
import { bareCase } from '../fixtures/cases.js'
import { onceEach, whole } from '../fixtures/messages.js'
import type { BatchRequest } from '../../src/model.js'

/** Three tests; the second's first answer is an overloaded error, which a retry round sends again. */
const requests: BatchRequest[] = [0, 1, 2].map((i) => ({
  custom_id: `t${i}`,
  params: { model: 'claude-haiku-4-5', max_tokens: 10, messages: [{ role: 'user', content: `q${i}` }] },
}))
const requestOf = (customId: string) => requests.find((r) => r.custom_id === customId) as BatchRequest
const overloaded = { q1: { error: { type: 'overloaded_error' as const, message: 'Overloaded' } } }

const cases = requests.map(bareCase)

const noStore: RunStateStore = {
  name: 'nowhere',
  load: async () => undefined,
  save: async (_state: RunState) => undefined,
}

describe('Lifecycle, on a manual clock shared with the emulator', () => {
  let emulator: BatchEmulator
  let clock: ManualClock
  let logs: string[]
  afterEach(() => emulator?.close())

  /**
   * A run of the three tests whose first batch takes `processingMs`, within a max-wait of 2 s. Its requests
   * run one after another (t0, t1, t2), for the tests of what a cancel keeps.
   */
  async function submitted(processingMs: number): Promise<BatchRun> {
    clock = manualClock()
    logs = []
    emulator = await startBatchEmulator({
      processingMs,
      concurrent: false,
      replies: overloaded,
      clock: clock.now,
    })
    const run = new BatchRun({
      client: createAnthropicClient({ apiKey: 'k', baseURL: emulator.url }),
      log: (line) => logs.push(line),
      store: noStore,
      runKey: 'run-1',
      wait: { maxWaitMs: 2_000, pollIntervalMs: 100, now: clock.now, sleep: clock.sleep },
    })
    await run.submit(requests)
    return run
  }

  const lifecycle = (onTimeout: LifecyclePolicy['onTimeout'], onSubmitted = (_ids: string[]) => {}) =>
    new Lifecycle({
      policy: { maxWaitMs: 2_000, onTimeout, cancelOnAbort: false, retryErrored: true },
      log: (line) => logs.push(line),
      onSubmitted,
    })

  const graded = async (grader: RunGrader) =>
    whole((await grader.finish()).outcomes).map((o) => [o.customId, o.status, o.error?.type ?? null])

  it('cancels a retry round that outlasts max-wait with on-timeout: fail; its requests keep their first results', async () => {
    // The first batch ends at 1.5 s; the retry round would take 1.5 s more, but 0.5 s of max-wait is left.
    const run = await submitted(1_500)
    const grader = new RunGrader(onceEach(cases))
    expect(await lifecycle('fail').waitAndGrade(run, grader, requestOf)).toBeUndefined()

    const [retryBatch] = emulator.createdBatches().slice(1)
    expect(retryBatch?.requests.map((r) => r.custom_id)).toEqual(['t1'])
    expect(logs).toContain(
      'The retry round did not end within max-wait: it is cancelled, and its requests keep their first results.',
    )
    expect(logs).toContain(`Cancelling ${retryBatch?.id}; requests already processed keep their results.`)
    expect(emulator.createdBatches()).toHaveLength(2)
    expect(await graded(grader)).toEqual([
      ['t0', 'passed', null],
      ['t1', 'errored', 'overloaded_error'],
      ['t2', 'passed', null],
    ])
  })

  it('fails at max-wait with on-timeout: fail, naming the batch and what to do', async () => {
    const run = await submitted(5_000)
    const waiting = lifecycle('fail').waitAndGrade(run, new RunGrader(onceEach(cases)), requestOf)
    await expect(waiting).rejects.toThrow(UserError)
    await expect(waiting).rejects.toThrow(
      `Batch ${run.batchIds[0]} did not end within max-wait (2s). The batches keep running`,
    )
  })

  it('detaches at max-wait with on-timeout: detach, cancelling nothing', async () => {
    const run = await submitted(5_000)
    const waited = await lifecycle('detach').waitAndGrade(run, new RunGrader(onceEach(cases)), requestOf)
    expect(waited).toMatchObject({ state: 'timed-out', batches: [{ id: run.batchIds[0] }] })
    expect(logs.some((line) => line.startsWith('Cancelling'))).toBe(false)
  })

  it('cancels at max-wait with on-timeout: cancel, and grades what the batch processed', async () => {
    const run = await submitted(3_000)
    const grader = new RunGrader(onceEach(cases))
    expect(await lifecycle('cancel').waitAndGrade(run, grader, requestOf)).toBeUndefined()
    expect(logs).toContain(`Cancelling ${run.batchIds[0]}; requests already processed keep their results.`)
    // No retry round either: max-wait has run out.
    expect(emulator.createdBatches()).toHaveLength(1)
    const outcomes = await graded(grader)
    expect(outcomes.map(([customId, status]) => [customId, status])).toEqual([
      ['t0', 'passed'],
      ['t1', 'errored'],
      ['t2', 'errored'],
    ])
  })

  it('with on-timeout: standard, keeps what the batch finished within max-wait (batch price) and sends the rest by the standard API (standard price), one result a request', async () => {
    clock = manualClock()
    logs = []
    // Requests finish one after another over 3 s: at max-wait (2 s) t0 and t1 are done, t2 is not.
    emulator = await startBatchEmulator({
      processingMs: 3_000,
      concurrent: false,
      clock: clock.now,
      onWarning: () => {},
    })
    const client = createAnthropicClient({ apiKey: 'k', baseURL: emulator.url })
    const run = new BatchRun({
      client,
      log: (line) => logs.push(line),
      store: noStore,
      runKey: 'run-1',
      wait: { maxWaitMs: 2_000, pollIntervalMs: 100, now: clock.now, sleep: clock.sleep },
    })
    await run.submit(requests)
    const grader = new RunGrader(onceEach(cases))
    const falling = new Lifecycle({
      policy: { maxWaitMs: 2_000, onTimeout: 'standard', cancelOnAbort: false, retryErrored: true },
      log: (line) => logs.push(line),
      onSubmitted: () => {},
      standard: { client },
    })
    expect(await falling.waitAndGrade(run, grader, requestOf)).toBeUndefined()

    expect(logs).toContain(
      `Cancelling ${run.batchIds[0]}; requests already processed keep their results, and the rest go to the standard API once the batches end.`,
    )
    expect(logs).toContain('Standard API: 1 answered, 0 errored.')
    expect(emulator.createdBatches()).toHaveLength(1)
    expect(emulator.calls.filter((call) => call.path === '/v1/messages')).toHaveLength(1)
    const outcomes = whole((await grader.finish()).outcomes)
    expect(outcomes.map((o) => [o.customId, o.status, o.resultType, o.priceTier])).toEqual([
      ['t0', 'passed', 'succeeded', 'batch'],
      ['t1', 'passed', 'succeeded', 'batch'],
      ['t2', 'passed', 'succeeded', 'standard'],
    ])
    // Batch price is half the standard price; a standard request is billed its standard price.
    for (const outcome of outcomes) {
      const cost = outcome.cost as { batch: bigint; standard: bigint }
      expect(cost.standard).toBeGreaterThan(0n)
      expect(cost.batch).toBe(outcome.priceTier === 'standard' ? cost.standard : cost.standard / 2n)
    }
  })

  describe('the judge', () => {
    const rubric = {
      model: 'claude-haiku-4-5',
      max_tokens: 100,
      messages: [{ role: 'user' as const, content: '<Rubric>polite</Rubric>' }],
    }

    /** The outputs graded with on-timeout: cancel, and one question for the judge. */
    async function outputsGraded(processingMs: number) {
      const run = await submitted(processingMs)
      const grader = new RunGrader(onceEach(cases))
      expect(await lifecycle('cancel').waitAndGrade(run, grader, requestOf)).toBeUndefined()
      const judge = new JudgeBook()
      judge.answer(rubric)
      return { run, grader, judge }
    }

    it('is not asked once max-wait has run out with on-timeout: cancel: its assertions error', async () => {
      const { run, grader, judge } = await outputsGraded(3_000)
      expect(await lifecycle('cancel').judgeOutputs(run.judgeRun(), judge, grader)).toBeUndefined()
      expect(logs).toContain(
        'Model-graded assertions: 1 judge requests are not sent: max-wait ran out before the judge was asked (on-timeout: cancel).',
      )
      expect(emulator.createdBatches()).toHaveLength(1)
      expect(judge.answer(rubric)).toEqual({
        state: 'errored',
        message: 'max-wait ran out before the judge was asked (on-timeout: cancel)',
      })
    })

    it('is asked in a batch of its own while max-wait lasts', async () => {
      const { run, grader, judge } = await outputsGraded(500)
      const submittedIds: string[][] = []
      const asking = lifecycle('cancel', (ids) => submittedIds.push(ids))
      expect(await asking.judgeOutputs(run.judgeRun(), judge, grader)).toBeUndefined()
      // The outputs' batch, two retry rounds of t1, then the judge's batch.
      expect(emulator.createdBatches()).toHaveLength(4)
      expect(emulator.createdBatches()[3].requests.map((r) => r.custom_id)).toEqual([
        expect.stringMatching(/^judge_/),
      ])
      expect(submittedIds.at(-1)).toEqual(run.allBatchIds)
      expect(judge.answer(rubric)).toMatchObject({ state: 'answered' })
    })
  })

  describe('when the job is cancelled (cancel-on-abort)', () => {
    /** The runner kills the process 10 s after its first signal, and sends SIGTERM at 7.5 s. */
    const RUNNER_WINDOW_MS = 7_000

    it('asks once for a cancel, does not wait for the batch to end, and reports it pending within the window', async () => {
      clock = manualClock()
      logs = []
      // A batch that stays canceling for 50 polls, and a cancel that fails: the SDK would retry it with backoff.
      emulator = await startBatchEmulator({ processingMs: 60_000, cancelingPolls: 50, clock: clock.now })
      emulator.failNext('POST', /\/cancel$/, 'overloaded_error', 1)
      const abort = new AbortController()
      let abortedAt = 0
      const client = createAnthropicClient({ apiKey: 'k', baseURL: emulator.url })
      const run = new BatchRun({
        client,
        log: (line) => logs.push(line),
        store: noStore,
        runKey: 'run-1',
        wait: {
          maxWaitMs: 3_600_000,
          pollIntervalMs: 10_000,
          now: clock.now,
          // The job is cancelled 30 s into the wait.
          sleep: async (ms) => {
            await clock.sleep(ms)
            if (!abort.signal.aborted && clock.now() - started >= 30_000) {
              abortedAt = clock.now()
              abort.abort()
            }
          },
          signal: abort.signal,
        },
      })
      const started = clock.now()
      await run.submit(requests)
      const cancelling = new Lifecycle({
        policy: { maxWaitMs: 3_600_000, onTimeout: 'fail', cancelOnAbort: true, retryErrored: true },
        log: (line) => logs.push(line),
        onSubmitted: () => {},
      })
      const waited = await cancelling.waitAndGrade(run, new RunGrader(onceEach(cases)), requestOf)

      expect(waited).toMatchObject({ state: 'aborted', batches: [{ id: run.batchIds[0] }] })
      expect(abortedAt).toBeGreaterThan(0)
      expect(clock.now() - abortedAt).toBeLessThan(RUNNER_WINDOW_MS)
      // One try of the cancel (no retries), and no poll after it.
      const batchPath = `/v1/messages/batches/${run.batchIds[0]}`
      const cancelAt = emulator.calls.findIndex((c) => c.path === `${batchPath}/cancel`)
      expect(emulator.calls.filter((c) => c.path === `${batchPath}/cancel`)).toHaveLength(1)
      expect(emulator.calls.slice(cancelAt + 1)).toEqual([])
      expect(logs.some((line) => line.startsWith(`Could not cancel ${run.batchIds[0]} (529 `))).toBe(true)
      expect(logs).toContain(
        'Not waiting for the cancelled batches to end: a re-run of this job collects what they processed.',
      )
    })

    it('leaves a canceling batch for a later run to collect, with what finished meanwhile', async () => {
      clock = manualClock()
      logs = []
      emulator = await startBatchEmulator({ processingMs: 60_000, cancelingPolls: 3, clock: clock.now })
      const abort = new AbortController()
      const client = createAnthropicClient({ apiKey: 'k', baseURL: emulator.url })
      const run = new BatchRun({
        client,
        log: (line) => logs.push(line),
        store: noStore,
        runKey: 'run-1',
        wait: {
          maxWaitMs: 3_600_000,
          pollIntervalMs: 10_000,
          now: clock.now,
          sleep: clock.sleep,
          signal: abort.signal,
        },
      })
      await run.submit(requests)
      abort.abort()
      const cancelling = new Lifecycle({
        policy: { maxWaitMs: 3_600_000, onTimeout: 'fail', cancelOnAbort: true, retryErrored: true },
        log: (line) => logs.push(line),
        onSubmitted: () => {},
      })
      expect(await cancelling.waitAndGrade(run, new RunGrader(onceEach(cases)), requestOf)).toMatchObject({
        state: 'aborted',
      })
      const [id] = run.batchIds as [string]
      expect((await client.messages.batches.retrieve(id)).processing_status).toBe('canceling')
      // The later run polls it to its end: the requests that finished while it was canceling succeeded.
      clock.advance(60_000)
      await client.messages.batches.retrieve(id)
      const ended = await client.messages.batches.retrieve(id)
      expect(ended.processing_status).toBe('ended')
      expect(ended.request_counts).toMatchObject({ succeeded: 3, canceled: 0 })
    })
  })
})
