import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { buildBatchRequests, type BatchRequest } from '../src/batch-requests.js'
import { splitIntoBatches } from '../src/batch-split.js'
import {
  createAnthropicClient,
  createBatch,
  pollDelays,
  streamResults,
  waitForBatches,
  type Sleep,
} from '../src/batch-client.js'
import { loadSuites } from '../src/suite.js'
import { fileSystemSuiteIO } from '../src/suite-files.js'
import { startBatchEmulator, type BatchEmulator } from '../test-servers/batch-emulator.js'
import { whole } from './fixtures/messages.js'
import { gradeAll } from './fixtures/grading.js'

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
  writeFileSync(path.join(workspace, 's.yml'), suite)
  const cases = await loadSuites([path.join(workspace, 's.yml')], {
    workspace,
    model: undefined,
    io: fileSystemSuiteIO,
  })
  return buildBatchRequests(cases)
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

  /** A started emulator with an ended batch of `count` requests, and a client of it. */
  async function endedBatch(count: number) {
    emulator = await startBatchEmulator({ processingMs: 1 })
    const client = createAnthropicClient({ apiKey: 'test-key', baseURL: emulator.url })
    const batch = await createBatch(client, sliceOf(requestsOf(count)), { log: () => undefined })
    await waitForBatches(client, [batch.id], { maxWaitMs: 5_000, pollIntervalMs: 20, log: () => undefined })
    return { client, batch }
  }

  it('creates one batch, polls with progress lines until it ends, and streams results to grade', async () => {
    emulator = await startBatchEmulator({ processingMs: 300, replies: { 'Capital of France?': 'Paris.' } })
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
    })
    expect(waited.state).toBe('ended')
    expect(lines.length).toBeGreaterThan(1)
    expect(lines[0]).toMatch(
      new RegExp(
        `^Batch ${batch.id}: in_progress; processing 2, succeeded 0, errored 0, canceled 0, expired 0 \\(\\d+s elapsed\\)$`,
      ),
    )
    expect(lines.at(-1)).toMatch(/: ended; processing 0, succeeded 2, errored 0, canceled 0, expired 0 /)

    const graded = await gradeAll(sampleByCustomId, streamResults(client, batch.id, { log: () => undefined }))
    expect(whole(graded.outcomes).map((o) => [o.evalCase.id, o.status, o.output])).toEqual([
      ['capital', 'passed', 'Paris.'],
      ['with spaces and more', 'passed', 'Stand-in reply to: Say hi'],
    ])
  })

  it('polls several batches together with one summary line per poll', async () => {
    emulator = await startBatchEmulator({ processingMs: 200 })
    const client = createAnthropicClient({ apiKey: 'test-key', baseURL: emulator.url })
    const a = await createBatch(client, sliceOf(requestsOf(2)), { log: () => undefined })
    const b = await createBatch(client, sliceOf(requestsOf(3)), { log: () => undefined })
    const lines: string[] = []
    const waited = await waitForBatches(client, [a.id, b.id], {
      maxWaitMs: 10_000,
      pollIntervalMs: 50,
      log: (l) => lines.push(l),
    })
    expect(waited.state).toBe('ended')
    expect(lines.at(-1)).toMatch(
      /^2 batches, 2 ended: processing 0, succeeded 5, errored 0, canceled 0, expired 0 /,
    )
  })

  it('reports a timeout with the batches as last seen, and stops early on abort', async () => {
    emulator = await startBatchEmulator({ processingMs: 60_000 })
    const client = createAnthropicClient({ apiKey: 'test-key', baseURL: emulator.url })
    const batch = await createBatch(client, sliceOf(requestsOf(2)), { log: () => undefined })
    const timedOut = await waitForBatches(client, [batch.id], {
      maxWaitMs: 250,
      pollIntervalMs: 100,
      log: () => undefined,
    })
    expect(timedOut).toMatchObject({
      state: 'timed-out',
      batches: [{ id: batch.id, processing_status: 'in_progress' }],
    })

    const abort = new AbortController()
    setTimeout(() => abort.abort(), 100)
    const started = Date.now()
    const aborted = await waitForBatches(client, [batch.id], {
      maxWaitMs: 60_000,
      pollIntervalMs: 30_000,
      log: () => undefined,
      signal: abort.signal,
    })
    expect(aborted.state).toBe('aborted')
    expect(Date.now() - started).toBeLessThan(5_000)
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
        giveUpAt: Date.now() + 3_600_000,
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

describe('pollDelays', () => {
  it('starts at 5 s and doubles up to the poll interval', () => {
    const delays = pollDelays(60_000)
    expect(Array.from({ length: 6 }, () => delays.next().value)).toEqual([
      5_000, 10_000, 20_000, 40_000, 60_000, 60_000,
    ])
    expect(pollDelays(1_000).next().value).toBe(1_000)
  })
})
