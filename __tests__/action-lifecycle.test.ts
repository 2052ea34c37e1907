/**
 * The batch lifecycle through the committed bundle: detach and collect, cancel at max-wait, a cancelled job
 * and its re-run (which must bill nothing new), and the API's faults. Run as the Actions runner runs it,
 * against the Batch API emulator and the fake GitHub API.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { emulatorInputs, runAction, type RunActionOptions } from '../test-servers/action-runner.js'
import { startBatchEmulator, type BatchEmulator } from '../test-servers/batch-emulator.js'
import { startFakeActionsCache } from '../test-servers/fake-actions-cache.js'
import { startFakeGitHub, type FakeGitHub } from '../test-servers/fake-github.js'

const SUITE = [
  'model: claude-haiku-4-5',
  'tests:',
  '  - id: capital',
  '    prompt: Capital of France?',
  '    assert: [{ type: icontains, value: paris }]',
  '  - id: greeting',
  '    prompt: Say hello',
  '    assert: [{ type: icontains, value: hello }]',
  '  - id: sum',
  '    prompt: 2+2?',
  '    assert: [{ type: contains, value: "4" }]',
].join('\n')
const REPLIES = { 'Capital of France?': 'Paris.', 'Say hello': 'Hello!', '2+2?': '4' }
const pullRequestEvent = { name: 'pull_request', payload: { number: 3, pull_request: { number: 3 } } }

let emulator: BatchEmulator
let github: FakeGitHub
let workspace: string

beforeEach(async () => {
  github = await startFakeGitHub({ token: 'gh-token' })
  workspace = await mkdtemp(path.join(tmpdir(), 'lifecycle-'))
  await writeFile(path.join(workspace, 'suite.yml'), SUITE)
})

afterEach(async () => {
  await Promise.all([emulator?.close(), github.close(), rm(workspace, { recursive: true, force: true })])
})

function run(inputs: RunActionOptions['inputs'], options: Partial<RunActionOptions> = {}) {
  return runAction({
    workspace,
    event: pullRequestEvent,
    ...options,
    inputs: emulatorInputs(emulator.url, { suite: 'suite.yml', ...inputs }),
    env: { GITHUB_TOKEN: 'gh-token', GITHUB_API_URL: github.url, GITHUB_SHA: 'abc123', ...options.env },
  })
}

const creates = () => emulator.createdBatches().length
const ourComment = () =>
  github
    .comments('acme', 'support-bot', 3)
    .find((c) => c.body.startsWith('<!-- claude-batch-evals:report -->'))

describe('the batch lifecycle, run from dist/', () => {
  it('detaches at max-wait with status pending, and a later run collects without submitting', async () => {
    emulator = await startBatchEmulator({ processingMs: 2_500, replies: REPLIES })
    const detached = await run({ 'max-wait': '500ms', 'on-timeout': 'detach' })
    const batchId = detached.outputs['batch-ids']
    expect(detached.exitCode).toBe(0)
    expect(detached.outputs.status).toBe('pending')
    expect(batchId).toMatch(/^msgbatch_/)
    expect(detached.summary).toContain('## ⏳ Claude Batch Evals: still running')
    expect(detached.summary).toContain(`batch-id: |\n      ${batchId}\n`)
    expect(ourComment()?.body).toContain('still running')

    await new Promise((resolve) => setTimeout(resolve, 2_500))
    const collected = await run(
      { 'batch-id': batchId },
      { event: { name: 'workflow_dispatch', payload: {} } },
    )
    expect(collected.log).toContain(`Collecting ${batchId} (the batch-id input): nothing is submitted.`)
    expect(collected.outputs).toMatchObject({
      status: 'passed',
      total: '3',
      passed: '3',
      'batch-ids': batchId,
    })
    expect(collected.exitCode).toBe(0)
    expect(creates()).toBe(1)
  })

  it('cancels at max-wait with on-timeout: cancel, and reports the partial results', async () => {
    emulator = await startBatchEmulator({ processingMs: 4_000, replies: REPLIES })
    const result = await run({ 'max-wait': '2s', 'on-timeout': 'cancel', 'retry-errored': 'false' })
    const cancels = emulator.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/cancel'))
    expect(cancels).toHaveLength(1)
    expect(result.log).toMatch(/Cancelling msgbatch_\w+; requests already processed keep their results\./)
    expect(Number(result.outputs.errored)).toBeGreaterThan(0)
    expect(Number(result.outputs.passed) + Number(result.outputs.errored)).toBe(3)
    expect(result.outputs.status).toBe('failed')
    expect(result.exitCode).toBe(1)
    expect(result.summary).toContain('⚠️ canceled')
  })

  it('records the batch when the job is cancelled, and the re-run resumes it: zero new requests billed', async () => {
    emulator = await startBatchEmulator({ processingMs: 1_500, replies: REPLIES })
    const cancelled = await run({}, { signalWhen: { log: /Created batch msgbatch_\w+/, signal: 'SIGTERM' } })
    expect(cancelled.log).toContain('::warning::Received SIGTERM')
    expect(cancelled.exitCode).toBe(1)
    expect(cancelled.outputs.status).toBe('pending')
    expect(creates()).toBe(1)
    const [batch] = emulator.createdBatches()
    expect(ourComment()?.body).toContain(batch.id)

    const rerun = await run({})
    expect(rerun.log).toContain(`Resuming ${batch.id}, created by an earlier attempt of this run`)
    expect(rerun.outputs).toMatchObject({ status: 'passed', passed: '3', 'batch-ids': batch.id })
    expect(creates()).toBe(1)
    expect(
      github.comments('acme', 'support-bot', 3).filter((c) => c.body.startsWith('<!-- claude-batch-evals')),
    ).toHaveLength(1)
  })

  it('resumes from the Actions cache outside pull requests too', async () => {
    emulator = await startBatchEmulator({ processingMs: 1_500, replies: REPLIES })
    const cache = await startFakeActionsCache()
    try {
      // The runner's temp directory is the same for every attempt of a job (the cache keys on the path).
      const env = { ...cache.env, RUNNER_TEMP: await mkdtemp(path.join(tmpdir(), 'runner-temp-')) }
      const scheduled = { name: 'schedule', payload: {} }
      const cancelled = await run(
        {},
        { event: scheduled, env, signalWhen: { log: /Created batch msgbatch_\w+/, signal: 'SIGTERM' } },
      )
      expect(cancelled.outputs.status).toBe('pending')
      expect(cache.entries()).toHaveLength(1)
      const rerun = await run({}, { event: scheduled, env })
      expect(rerun.log).toMatch(
        /Resuming msgbatch_\w+, created by an earlier attempt of this run \(found in the actions cache/,
      )
      expect(rerun.outputs).toMatchObject({ status: 'passed', passed: '3' })
      expect(creates()).toBe(1)
    } finally {
      await cache.close()
    }
  })

  it('a changed suite is a new run: it submits again', async () => {
    emulator = await startBatchEmulator({ processingMs: 100, replies: REPLIES })
    await run({})
    await writeFile(path.join(workspace, 'suite.yml'), SUITE.replace('Say hello', 'Say hi'))
    const changed = await run({})
    expect(changed.log).not.toContain('Resuming')
    expect(creates()).toBe(2)
  })

  it('cancels the batch too when the job is cancelled with cancel-on-abort', async () => {
    emulator = await startBatchEmulator({ processingMs: 60_000, replies: REPLIES })
    const result = await run(
      { 'cancel-on-abort': 'true' },
      { signalWhen: { log: /Created batch msgbatch_\w+/, signal: 'SIGINT' } },
    )
    expect(emulator.calls.filter((c) => c.path.endsWith('/cancel'))).toHaveLength(1)
    expect(result.outputs.errored).toBe('3')
    expect(result.summary).toContain('canceled')
  })

  it('rides out 429s on create and 5xx and resets while polling and downloading', async () => {
    emulator = await startBatchEmulator({ processingMs: 200, replies: REPLIES })
    emulator.failNext('POST', /^\/v1\/messages\/batches$/, 'rate_limit_error', 1, { retryAfterSeconds: 1 })
    emulator.failNext('GET', /^\/v1\/messages\/batches\/msgbatch_\w+$/, 'overloaded_error', 2)
    emulator.resetNext('GET', /^\/v1\/messages\/batches\/msgbatch_\w+$/)
    emulator.cutResultsAfter(1)
    const result = await run({})
    expect(result.outputs).toMatchObject({ status: 'passed', total: '3', passed: '3' })
    expect(result.log).toMatch(/The API refused the batch for load \(429: .*\); trying again in 1s\./)
    expect(result.log).toMatch(/The results of msgbatch_\w+ broke off after 1 lines/)
    expect(creates()).toBe(1)
    const results = JSON.parse(await readFile(result.outputs['results-file'], 'utf8'))
    expect(results.tests.map((t: { id: string }) => t.id)).toEqual(['capital', 'greeting', 'sum'])
  })

  it('retries an errored request in a follow-up batch before reporting', async () => {
    emulator = await startBatchEmulator({
      processingMs: 100,
      replies: { ...REPLIES, '2+2?': { error: { type: 'overloaded_error', message: 'Overloaded' } } },
    })
    const result = await run({})
    expect(result.log).toContain('Retrying 1 request(s) that errored')
    expect(emulator.createdBatches().map((b) => b.requests.length)).toEqual([3, 1, 1])
    expect(result.outputs['batch-ids'].split('\n')).toHaveLength(3)
    expect(result.outputs).toMatchObject({ status: 'failed', passed: '2', errored: '1' })
  })
})
