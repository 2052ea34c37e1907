import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { buildBatchRequests } from '../../src/batch/requests.js'
import { splitIntoBatches } from '../../src/batch/split.js'
import { createAnthropicClient, realSleep, type Sleep } from '../../src/batch/client.js'
import { createBatch } from '../../src/batch/create.js'
import { streamResults } from '../../src/batch/results.js'
import { pollDelays, waitForBatches } from '../../src/batch/wait.js'
import { formatDuration } from '../../src/common/duration.js'
import { assertionCompiler } from '../../src/grading/assertion-compiler.js'
import { loadSuites } from '../fixtures/load-suites.js'
import { fileSystemSuiteIO } from '../../src/suite/file-system.js'
import { startBatchEmulator, type BatchEmulator } from '../../test-servers/batch-emulator.js'
import { manualClock } from '../../test-servers/manual-clock.js'
import { unmatchedReply } from '../../test-servers/scripted-replies.js'
import { whole } from '../fixtures/messages.js'
import { gradeAll } from '../fixtures/grading.js'
import type { BatchRequest } from '../../src/model.js'

const suite = [
  'model: claude-haiku-4-5',
  'tests:',
  '  - id: capital',
  '    prompt: Capital of France?',
  '    assert: [{ type: contains, value: Paris }]',
  '  - id: with spaces and more',
  '    prompt: Say hi',
].join('\n')

async function loadRequests() {
  const workspace = mkdtempSync(path.join(tmpdir(), 'batch-client-'))
  try {
    writeFileSync(path.join(workspace, 's.yml'), suite)
    const cases = await loadSuites([path.join(workspace, 's.yml')], {
      workspace,
      model: undefined,
      io: fileSystemSuiteIO,
      assertions: assertionCompiler,
    })
    return buildBatchRequests(cases)
  } finally {
    rmSync(workspace, { recursive: true, force: true })
  }
}

/** The requests as the one batch they make. */
const sliceOf = (requests: BatchRequest[]) => splitIntoBatches(requests)[0]

const requestsOf = (n: number): BatchRequest[] =>
  Array.from({ length: n }, (_, i) => ({
    custom_id: `t${i}`,
    params: {
      model: 'claude-haiku-4-5',
      max_tokens: 10,
      messages: [{ role: 'user' as const, content: `q${i}` }],
    },
  }))

/** Sleeps that take no time but are counted, so that retry tests stay fast. */
function recordedSleep(): { sleep: Sleep; waits: number[] } {
  const waits: number[] = []
  return { waits, sleep: async (ms) => void waits.push(ms) }
}

const creates = (emulator: BatchEmulator) =>
  emulator.calls.filter((c) => c.method === 'POST' && c.path === '/v1/messages/batches').length

describe('batch client against the emulator', () => {
  let emulator: BatchEmulator
  afterEach(() => emulator?.close())
  /**
   * The time of the emulator and of the waits under test: their sleeps move it on, so that what happens
   * depends on the time the code waited, never on how fast the machine ran it.
   */
  let clock = manualClock()
  beforeEach(() => {
    clock = manualClock()
  })
  const onTheClock = () => ({ now: clock.now, sleep: clock.sleep })

  /** A started emulator with an ended batch of `count` requests, and a client of it. */
  async function endedBatch(count: number) {
    emulator = await startBatchEmulator({ processingMs: 1, clock: clock.now })
    const client = createAnthropicClient({ apiKey: 'test-key', baseURL: emulator.url })
    const batch = await createBatch(client, sliceOf(requestsOf(count)), { log: () => undefined })
    const waited = await waitForBatches(client, [batch.id], {
      maxWaitMs: 5_000,
      pollIntervalMs: 20,
      log: () => undefined,
      ...onTheClock(),
    })
    expect(waited.state).toBe('ended')
    return { client, batch }
  }

  it('creates one batch, polls with progress lines until it ends, and streams results to grade', async () => {
    emulator = await startBatchEmulator({
      processingMs: 300,
      replies: { 'Capital of France?': 'Paris.' },
      clock: clock.now,
    })
    const client = createAnthropicClient({ apiKey: 'test-key', baseURL: emulator.url })
    const { requests, sampleByCustomId } = await loadRequests()

    const batch = await createBatch(client, sliceOf(requests), { log: () => undefined })
    expect(batch.processing_status).toBe('in_progress')
    expect(emulator.createdBatches()).toEqual([{ id: batch.id, requests }])

    const lines: string[] = []
    const waited = await waitForBatches(client, [batch.id], {
      maxWaitMs: 10_000,
      pollIntervalMs: 100,
      log: (l) => lines.push(l),
      ...onTheClock(),
    })
    expect(waited.state).toBe('ended')
    // Polls at 0, 100, 200 and 300 ms: the batch ends at 300 ms.
    expect(lines).toEqual([
      ...[0, 0.1, 0.2].map(
        (s) =>
          `Batch ${batch.id}: in_progress; processing 2, succeeded 0, errored 0, canceled 0, expired 0 (${formatDuration(s * 1000)} elapsed)`,
      ),
      `Batch ${batch.id}: ended; processing 0, succeeded 2, errored 0, canceled 0, expired 0 (${formatDuration(300)} elapsed)`,
    ])

    const graded = await gradeAll(sampleByCustomId, streamResults(client, batch.id, { log: () => undefined }))
    expect(whole(graded.outcomes).map((o) => [o.evalCase.id, o.status, o.output])).toEqual([
      ['capital', 'passed', 'Paris.'],
      ['with spaces and more', 'passed', unmatchedReply('Say hi')],
    ])
  })

  it('polls several batches together with one summary line per poll', async () => {
    emulator = await startBatchEmulator({ processingMs: 200, clock: clock.now })
    const client = createAnthropicClient({ apiKey: 'test-key', baseURL: emulator.url })
    const a = await createBatch(client, sliceOf(requestsOf(2)), { log: () => undefined })
    const b = await createBatch(client, sliceOf(requestsOf(3)), { log: () => undefined })
    const lines: string[] = []
    const waited = await waitForBatches(client, [a.id, b.id], {
      maxWaitMs: 10_000,
      pollIntervalMs: 50,
      log: (l) => lines.push(l),
      ...onTheClock(),
    })
    expect(waited.state).toBe('ended')
    // Polls every 50 ms until both have ended at 200 ms.
    expect(lines).toHaveLength(5)
    expect(lines[0]).toMatch(/^2 batches, 0 ended: processing 5, succeeded 0/)
    expect(lines.at(-1)).toMatch(
      /^2 batches, 2 ended: processing 0, succeeded 5, errored 0, canceled 0, expired 0 /,
    )
  })

  it('reports a timeout with the batches as last seen, and stops early on abort', async () => {
    emulator = await startBatchEmulator({ processingMs: 60_000, clock: clock.now })
    const client = createAnthropicClient({ apiKey: 'test-key', baseURL: emulator.url })
    const batch = await createBatch(client, sliceOf(requestsOf(2)), { log: () => undefined })
    const started = clock.now()
    const timedOut = await waitForBatches(client, [batch.id], {
      maxWaitMs: 250,
      pollIntervalMs: 100,
      log: () => undefined,
      ...onTheClock(),
    })
    expect(timedOut).toMatchObject({
      state: 'timed-out',
      batches: [{ id: batch.id, processing_status: 'in_progress' }],
    })
    // Polls at 0, 100, 200 and 250 ms: the last sleep is cut to what was left of max-wait.
    expect(clock.now() - started).toBe(250)
    expect(emulator.calls.filter((c) => c.method === 'GET')).toHaveLength(4)

    // The job is cancelled during the first sleep, which would never end on its own: the wait stops at once.
    const abort = new AbortController()
    const aborted = await waitForBatches(client, [batch.id], {
      maxWaitMs: 60_000,
      pollIntervalMs: 30_000,
      log: () => undefined,
      now: clock.now,
      sleep: () => {
        abort.abort()
        return new Promise(() => undefined)
      },
      signal: abort.signal,
    })
    expect(aborted).toMatchObject({ state: 'aborted', batches: [{ id: batch.id }] })
  })

  it('waits out a full processing queue as the API asks, until max-wait would run out', async () => {
    emulator = await startBatchEmulator({
      maxQueuedRequests: 5,
      queueRetryAfterSeconds: 0.2,
      clock: clock.now,
    })
    const client = createAnthropicClient({ apiKey: 'test-key', baseURL: emulator.url })
    // Another job's batch fills the queue for 3 s; a held one, for good.
    emulator.setProcessingMs(3_000)
    await createBatch(client, sliceOf(requestsOf(3)), { log: () => undefined })
    emulator.setProcessingMs(1)
    const logs: string[] = []
    const waited = recordedSleep()
    const started = clock.now()
    const sleep = async (ms: number) => {
      await waited.sleep(ms)
      clock.advance(ms)
    }
    const batch = await createBatch(client, sliceOf(requestsOf(3)), {
      log: (l) => logs.push(l),
      sleep,
      now: clock.now,
      giveUpAt: started + 60_000,
    })
    // Refused at 0, 200, ..., 2800 ms: more refusals than the 5 attempts a lost answer gets.
    expect(waited.waits).toEqual(Array(15).fill(200))
    expect(logs[0]).toMatch(/^The API refused the batch for load \(429: .*limit of 5 .*\); trying again in /)
    expect(logs).toHaveLength(15)
    expect(
      emulator
        .createdBatches()
        .map((b) => b.id)
        .at(-1),
    ).toBe(batch.id)

    clock.advance(1) // our batch has ended
    emulator.scriptNextBatches({})
    await createBatch(client, sliceOf(requestsOf(3)), { log: () => undefined })
    const full = clock.now()
    await expect(
      createBatch(client, sliceOf(requestsOf(3)), {
        log: () => undefined,
        sleep: clock.sleep,
        now: clock.now,
        giveUpAt: full + 1_000,
      }),
    ).rejects.toThrow(/max-wait would run out before the next try; nothing was created\. Raise max-wait/)
    // Tries at 0, 200, ..., 1,000 ms; the next would come after the 1 s it may wait.
    expect(clock.now() - full).toBe(1_000)
    expect(emulator.createdBatches()).toHaveLength(3)
  })

  it('does not retry create on its own, but waits out a 429 as the API asks', async () => {
    emulator = await startBatchEmulator()
    emulator.failNext('POST', /^\/v1\/messages\/batches$/, 'rate_limit_error', 2, { retryAfterSeconds: 7 })
    const client = createAnthropicClient({ apiKey: 'test-key', baseURL: emulator.url })
    const { sleep, waits } = recordedSleep()
    const logs: string[] = []
    const batch = await createBatch(client, sliceOf(requestsOf(3)), { log: (l) => logs.push(l), sleep })
    expect(creates(emulator)).toBe(3)
    expect(waits).toEqual([7_000, 7_000])
    expect(logs[0]).toMatch(/^The API refused the batch for load \(429: .*\); trying again in 7s\.$/)
    expect(emulator.createdBatches().map((b) => b.id)).toEqual([batch.id])
  })

  it('does not wait out a 429 that waiting does not lift, such as a spend limit', async () => {
    emulator = await startBatchEmulator()
    emulator.failNext('POST', /^\/v1\/messages\/batches$/, 'rate_limit_error', 1, {
      errorCode: 'enforced_spend_limit_reached',
    })
    const client = createAnthropicClient({ apiKey: 'test-key', baseURL: emulator.url })
    const { sleep, waits } = recordedSleep()
    await expect(
      createBatch(client, sliceOf(requestsOf(3)), {
        log: () => undefined,
        sleep,
        now: clock.now,
        giveUpAt: clock.now() + 3_600_000,
      }),
    ).rejects.toThrow(
      /^The API refused the batch \(429: .*\): a limit that waiting does not lift, such as a spend limit; nothing was created\./,
    )
    expect(waits).toEqual([])
    expect(creates(emulator)).toBe(1)
  })

  it('adopts the batch a lost create made instead of creating a second one', async () => {
    emulator = await startBatchEmulator()
    emulator.resetNext('POST', /^\/v1\/messages\/batches$/, 1, { afterCommit: true })
    const client = createAnthropicClient({ apiKey: 'test-key', baseURL: emulator.url })
    const logs: string[] = []
    const batch = await createBatch(client, sliceOf(requestsOf(4)), {
      log: (l) => logs.push(l),
      sleep: recordedSleep().sleep,
    })
    expect(emulator.createdBatches().map((b) => b.id)).toEqual([batch.id])
    expect(creates(emulator)).toBe(1)
    expect(logs).toEqual([
      expect.stringMatching(
        new RegExp(`^Creating the batch failed \\(.*\\), but it was created: using ${batch.id}\\.$`),
      ),
    ])
  })

  it('creates again when a lost create made nothing, but never adopts a batch it already owns', async () => {
    emulator = await startBatchEmulator()
    const client = createAnthropicClient({ apiKey: 'test-key', baseURL: emulator.url })
    const mine = await createBatch(client, sliceOf(requestsOf(4)), { log: () => undefined })
    emulator.resetNext('POST', /^\/v1\/messages\/batches$/)
    const logs: string[] = []
    const second = await createBatch(client, sliceOf(requestsOf(4)), {
      log: (l) => logs.push(l),
      sleep: recordedSleep().sleep,
      ownBatchIds: new Set([mine.id]),
    })
    expect(second.id).not.toBe(mine.id)
    expect(emulator.createdBatches()).toHaveLength(2)
    expect(logs).toEqual([
      expect.stringMatching(/^Creating the batch failed \(.*\) and no batch was created; trying again\.$/),
    ])
  })

  it('fetches broken results again in another order without losing or doubling one', async () => {
    const { client, batch } = await endedBatch(10)
    emulator.cutResultsAfter(4)
    // The first download breaks after 4 lines; the second comes in reverse order.
    const ids: string[] = []
    let reversed = false
    for await (const line of streamResults(client, batch.id, {
      log: () => {
        if (!reversed) emulator.reverseNextResults()
        reversed = true
      },
      sleep: recordedSleep().sleep,
    })) {
      ids.push(line.custom_id)
    }
    expect(reversed).toBe(true)
    expect(ids.sort()).toEqual(
      requestsOf(10)
        .map((r) => r.custom_id)
        .sort(),
    )
  })

  it('fetches broken results again without losing or doubling a line', async () => {
    const { client, batch } = await endedBatch(10)
    emulator.cutResultsAfter(4)
    const logs: string[] = []
    const ids: string[] = []
    for await (const line of streamResults(client, batch.id, {
      log: (l) => logs.push(l),
      sleep: recordedSleep().sleep,
    })) {
      ids.push(line.custom_id)
    }
    expect(ids.sort()).toEqual(
      requestsOf(10)
        .map((r) => r.custom_id)
        .sort(),
    )
    expect(logs).toEqual([
      expect.stringMatching(
        new RegExp(`^The results of ${batch.id} broke off after 4 lines .*; fetching them again\\.$`),
      ),
    ])
  })
})

describe('realSleep', () => {
  it('clears its timer when the job is cancelled, so that nothing keeps the process alive', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
    const before = timers()
    const abort = new AbortController()
    const sleeping = realSleep(3_600_000, abort.signal)
    expect(timers()).toBe(before + 1)
    abort.abort()
    await sleeping
    expect(timers()).toBe(before)
    // Aborted already: it does not even start.
    await realSleep(3_600_000, abort.signal)
    expect(timers()).toBe(before)
  })
})

describe('pollDelays', () => {
  it('starts at 5 s and doubles up to the poll interval', () => {
    const delays = pollDelays(60_000)
    expect(Array.from({ length: 6 }, () => delays.next().value)).toEqual([
      5_000, 10_000, 20_000, 40_000, 60_000, 60_000,
    ])
    expect(pollDelays(1_000).next().value).toBe(1_000)
  })
})
