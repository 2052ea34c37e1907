import { buildBatchRequests } from '../src/batch-requests.js'
import {
  BatchTimeoutError,
  createAnthropicClient,
  pollDelays,
  streamResults,
  submitBatch,
  waitForBatch,
} from '../src/batch-client.js'
import { gradeResults } from '../src/grading.js'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { loadSuites } from '../src/suite.js'
import { fileSystemSuiteIO } from '../src/suite-files.js'
import { startBatchEmulator, type BatchEmulator } from '../test-servers/batch-emulator.js'

const suite = [
  'model: claude-haiku-4-5',
  'tests:',
  '  - id: capital',
  '    prompt: Capital of France?',
  '    assert: [{ type: contains, value: Paris }]',
  '  - id: with spaces and more',
  '    prompt: Say hi',
].join('\n')

async function loadSuite() {
  const workspace = mkdtempSync(path.join(tmpdir(), 'batch-client-'))
  writeFileSync(path.join(workspace, 's.yml'), suite)
  return loadSuites([path.join(workspace, 's.yml')], { workspace, model: undefined, io: fileSystemSuiteIO })
}

describe('batch client against the emulator', () => {
  let emulator: BatchEmulator
  afterEach(() => emulator?.close())

  it('submits one batch, polls with progress lines until it ends, and streams results to grade', async () => {
    emulator = await startBatchEmulator({ processingMs: 300, replies: { 'Capital of France?': 'Paris.' } })
    const client = createAnthropicClient({ apiKey: 'test-key', baseURL: emulator.url })
    const { requests, caseByCustomId } = buildBatchRequests(await loadSuite())

    const batch = await submitBatch(client, requests)
    expect(batch.processing_status).toBe('in_progress')
    expect(emulator.createdBatches()).toEqual([{ id: batch.id, requests }])

    const lines: string[] = []
    const ended = await waitForBatch(client, batch.id, {
      maxWaitMs: 10_000,
      pollIntervalMs: 100,
      log: (l) => lines.push(l),
    })
    expect(ended.processing_status).toBe('ended')
    expect(lines.length).toBeGreaterThan(1)
    expect(lines[0]).toMatch(
      new RegExp(
        `^Batch ${batch.id}: in_progress; processing 2, succeeded 0, errored 0, canceled 0, expired 0 \\(\\d+s elapsed\\)$`,
      ),
    )
    expect(lines.at(-1)).toMatch(/: ended; processing 0, succeeded 2, errored 0, canceled 0, expired 0 /)

    const graded = await gradeResults(caseByCustomId, await streamResults(client, batch.id))
    expect(graded.outcomes.map((o) => [o.evalCase.id, o.status, o.output])).toEqual([
      ['capital', 'passed', 'Paris.'],
      ['with spaces and more', 'passed', 'Stand-in reply to: Say hi'],
    ])
    expect(emulator.calls.filter((c) => c.method === 'POST').map((c) => c.path)).toEqual([
      '/v1/messages/batches',
    ])
  })

  it('stops at max-wait with an error that names the batch', async () => {
    emulator = await startBatchEmulator({ processingMs: 60_000 })
    const client = createAnthropicClient({ apiKey: 'test-key', baseURL: emulator.url })
    const { requests } = buildBatchRequests(await loadSuite())
    const batch = await submitBatch(client, requests)
    const wait = waitForBatch(client, batch.id, { maxWaitMs: 250, pollIntervalMs: 100, log: () => undefined })
    await expect(wait).rejects.toBeInstanceOf(BatchTimeoutError)
    await expect(wait).rejects.toThrow(`Batch ${batch.id} did not end within max-wait (0s).`)
  })

  it('does not retry create, which has no idempotency key', async () => {
    emulator = await startBatchEmulator()
    emulator.failNext('POST', /^\/v1\/messages\/batches$/, 'api_error')
    const client = createAnthropicClient({ apiKey: 'test-key', baseURL: emulator.url })
    const { requests } = buildBatchRequests(await loadSuite())
    await expect(submitBatch(client, requests)).rejects.toMatchObject({ status: 500 })
    expect(emulator.calls.filter((c) => c.method === 'POST')).toHaveLength(1)
    expect(emulator.createdBatches()).toEqual([])
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
