/**
 * The batch lifecycle through the committed bundle: detach and collect, cancel at max-wait, a cancelled job
 * and its re-run (which must bill nothing new), and the API's faults. Run as the Actions runner runs it,
 * against the Batch API emulator and the fake GitHub API.
 *
 * The action runs on its own clock, in its own process, so no outcome here may hang on how fast it runs:
 * a batch that must outlast max-wait is scripted to end only when the test says (`endBatch`) or at a cancel,
 * and one that must end does so at the action's first look (`endAfterPolls: 1`), which it always takes.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { emulatorInputs, runAction, type RunActionOptions } from '../../test-servers/action-runner.js'
import { startBatchEmulator, type BatchEmulator } from '../../test-servers/batch-emulator.js'
import { startFakeActionsCache, type FakeActionsCache } from '../../test-servers/fake-actions-cache.js'
import { startFakeGitHub, type FakeGitHub } from '../../test-servers/fake-github.js'

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
/** Ends every batch the test held (scripted batches that have not ended yet; the others stay as they are). */
const endBatches = () => {
  for (const { id } of emulator.createdBatches()) emulator.endBatch(id)
}
const scheduled = { name: 'schedule', payload: {} }

/**
 * Runs `body` with a fake Actions cache, and the environment that reaches it from a hosted runner, whose
 * temp directory is the same for every job (the cache keys on the path).
 */
async function withActionsCache(
  body: (env: Record<string, string>, cache: FakeActionsCache) => Promise<void>,
) {
  const cache = await startFakeActionsCache()
  const runnerTemp = await mkdtemp(path.join(tmpdir(), 'runner-temp-'))
  try {
    await body({ ...cache.env, RUNNER_TEMP: runnerTemp }, cache)
  } finally {
    await Promise.all([cache.close(), rm(runnerTemp, { recursive: true, force: true })])
  }
}
const ourComment = () =>
  github
    .comments('acme', 'support-bot', 3)
    .find((c) => c.body.startsWith('<!-- claude-batch-evals:report -->'))

describe('the batch lifecycle, run from dist/', () => {
  it('shows a collect step with the repeat input the batches were submitted with', async () => {
    emulator = await startBatchEmulator({ replies: REPLIES })
    emulator.scriptNextBatches({})
    const detached = await run({ 'max-wait': '500ms', 'on-timeout': 'detach', repeat: '3' })
    expect(detached.summary).toContain(
      `anthropic-api-key: \${{ secrets.ANTHROPIC_API_KEY }}\n    repeat: 3\n    batch-id: |\n      ${detached.outputs['batch-ids']}\n`,
    )
  })

  it('detaches at max-wait with status pending, and a later run collects without submitting', async () => {
    emulator = await startBatchEmulator({ replies: REPLIES })
    emulator.scriptNextBatches({})
    const detached = await run({ 'max-wait': '500ms', 'on-timeout': 'detach' })
    const batchId = detached.outputs['batch-ids']
    expect(detached.exitCode).toBe(0)
    expect(detached.outputs.status).toBe('pending')
    expect(batchId).toMatch(/^msgbatch_/)
    expect(detached.summary).toContain('## ⏳ Claude Batch Evals: still running')
    expect(detached.summary).toContain(
      `anthropic-api-key: \${{ secrets.ANTHROPIC_API_KEY }}\n    batch-id: |\n      ${batchId}\n`,
    )
    expect(ourComment()?.body).toContain('still running')

    emulator.endBatch(batchId)
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
    emulator = await startBatchEmulator({ replies: REPLIES })
    // One request processed when max-wait runs out; the cancel cancels the other two.
    emulator.scriptNextBatches({ processed: 1 })
    const result = await run({ 'max-wait': '1s', 'on-timeout': 'cancel', 'retry-errored': 'false' })
    const cancels = emulator.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/cancel'))
    expect(cancels).toHaveLength(1)
    expect(result.log).toMatch(/Cancelling msgbatch_\w+; requests already processed keep their results\./)
    expect(result.outputs).toMatchObject({ passed: '1', errored: '2' })
    expect(result.outputs.status).toBe('failed')
    expect(result.exitCode).toBe(1)
    expect(result.summary).toContain('⚠️ canceled')
  })

  it('records the batch when the job is cancelled, and the re-run resumes it: zero new requests billed', async () => {
    emulator = await startBatchEmulator({ replies: REPLIES })
    emulator.scriptNextBatches({})
    const cancelled = await run({}, { signalWhen: { log: /Created batch msgbatch_\w+/, signal: 'SIGTERM' } })
    expect(cancelled.log).toContain('::warning::Received SIGTERM')
    expect(cancelled.exitCode).toBe(1)
    expect(cancelled.outputs.status).toBe('pending')
    expect(creates()).toBe(1)
    const [batch] = emulator.createdBatches()
    expect(ourComment()?.body).toContain(batch.id)

    emulator.endBatch(batch.id)
    const rerun = await run({})
    expect(rerun.log).toContain(`Resuming ${batch.id}, created by an earlier attempt of this run`)
    expect(rerun.outputs).toMatchObject({ status: 'passed', passed: '3', 'batch-ids': batch.id })
    expect(creates()).toBe(1)
    expect(
      github.comments('acme', 'support-bot', 3).filter((c) => c.body.startsWith('<!-- claude-batch-evals')),
    ).toHaveLength(1)
  })

  it('resumes from the Actions cache outside pull requests too', async () => {
    emulator = await startBatchEmulator({ replies: REPLIES })
    emulator.scriptNextBatches({})
    await withActionsCache(async (env, cache) => {
      const cancelled = await run(
        {},
        { event: scheduled, env, signalWhen: { log: /Created batch msgbatch_\w+/, signal: 'SIGTERM' } },
      )
      expect(cancelled.outputs.status).toBe('pending')
      expect(cache.entries()).toHaveLength(1)
      endBatches()
      const rerun = await run({}, { event: scheduled, env })
      expect(rerun.log).toMatch(
        /Resuming msgbatch_\w+, created by an earlier attempt of this run \(found in the actions cache/,
      )
      expect(rerun.outputs).toMatchObject({ status: 'passed', passed: '3' })
      expect(creates()).toBe(1)
    })
  })

  it('a new workflow run of the same suite at the same commit evaluates again; a re-run of it resumes', async () => {
    emulator = await startBatchEmulator({ processingMs: 1, replies: REPLIES })
    await withActionsCache(async (env) => {
      await run({}, { event: scheduled, env: { ...env, GITHUB_RUN_ID: '1001' } })
      const nextNight = await run({}, { event: scheduled, env: { ...env, GITHUB_RUN_ID: '2002' } })
      expect(nextNight.log).not.toContain('Resuming')
      expect(creates()).toBe(2)
      const rerun = await run(
        {},
        { event: scheduled, env: { ...env, GITHUB_RUN_ID: '2002', GITHUB_RUN_ATTEMPT: '2' } },
      )
      expect(rerun.log).toContain('Resuming')
      expect(creates()).toBe(2)
    })
  })

  it('cancels the batch too when the job is cancelled with cancel-on-abort, reports it pending, and a re-run collects it', async () => {
    emulator = await startBatchEmulator({ replies: REPLIES })
    emulator.scriptNextBatches({ processed: 1 })
    const cancelled = await run(
      { 'cancel-on-abort': 'true' },
      { signalWhen: { log: /Created batch msgbatch_\w+/, signal: 'SIGINT' } },
    )
    expect(emulator.calls.filter((c) => c.path.endsWith('/cancel'))).toHaveLength(1)
    // A canceled batch ends in the API's own time: the job does not wait for it within the runner's window.
    expect(cancelled.log).toContain(
      'Not waiting for the cancelled batches to end: a re-run of this job collects what they processed.',
    )
    expect(cancelled.outputs.status).toBe('pending')
    expect(cancelled.exitCode).toBe(1)

    endBatches()
    const rerun = await run({})
    expect(rerun.log).toMatch(/Resuming msgbatch_\w+, created by an earlier attempt of this run/)
    expect(rerun.outputs).toMatchObject({ total: '3', passed: '1', errored: '2' })
    expect(rerun.summary).toContain('canceled')
    expect(creates()).toBe(1)
  })

  it('asks for the cancel once when the job is cancelled, even when the API is overloaded, and exits', async () => {
    emulator = await startBatchEmulator({ replies: REPLIES })
    emulator.scriptNextBatches({})
    emulator.failNext('POST', /\/cancel$/, 'overloaded_error', 5)
    const cancelled = await run(
      { 'cancel-on-abort': 'true' },
      { signalWhen: { log: /Created batch msgbatch_\w+/, signal: 'SIGTERM' } },
    )
    expect(emulator.calls.filter((c) => c.path.endsWith('/cancel'))).toHaveLength(1)
    expect(cancelled.log).toMatch(/Could not cancel msgbatch_\w+ \(529 /)
    expect(cancelled.outputs.status).toBe('pending')
    expect(cancelled.exitCode).toBe(1)
  })

  it('a re-run after a job cancelled during a retry round reports every result once', async () => {
    // The first batch expires with a request unprocessed; its retry round runs when the job is cancelled.
    emulator = await startBatchEmulator({ replies: REPLIES })
    emulator.scriptNextBatches({ processed: 2, endAfterPolls: 1 }, {})
    const cancelled = await run(
      {},
      {
        signalWhen: {
          log: /Created batch msgbatch_\w+ with 3 requests\.\n(.|\n)*Created batch/,
          signal: 'SIGTERM',
        },
      },
    )
    expect(cancelled.outputs.status).toBe('pending')
    expect(creates()).toBe(2)

    endBatches()
    const rerun = await run({})
    expect(rerun.log).toMatch(/Resuming msgbatch_\w+, msgbatch_\w+, created by an earlier attempt/)
    expect(rerun.log).not.toContain('unknown custom_ids')
    expect(rerun.outputs).toMatchObject({ status: 'passed', total: '3', passed: '3' })
    expect(creates()).toBe(2)
  })
  it('creates no batch once the job is cancelled, and says nothing was submitted', async () => {
    emulator = await startBatchEmulator({ processingMs: 1, replies: REPLIES })
    // A wait no run of this test outlasts: the job is cancelled during it.
    emulator.failNext('POST', /^\/v1\/messages\/batches$/, 'rate_limit_error', 1, { retryAfterSeconds: 3600 })
    const cancelled = await run({}, { signalWhen: { log: /trying again in 1h/, signal: 'SIGTERM' } })
    expect(cancelled.exitCode).toBe(1)
    expect(creates()).toBe(0)
    expect(cancelled.summary).toContain('The job was cancelled before all the batches were created')
    expect(cancelled.summary).toContain('Nothing was submitted.')
  })

  it('polls on through an outage longer than the client retries for, until max-wait', async () => {
    emulator = await startBatchEmulator({ replies: REPLIES })
    // Ended at the first poll that gets an answer.
    emulator.scriptNextBatches({ endAfterPolls: 1 })
    // The client tries each poll 6 times: the first poll fails, the second succeeds at its third try.
    emulator.failNext('GET', /^\/v1\/messages\/batches\/msgbatch_\w+$/, 'overloaded_error', 8, {
      retryAfterSeconds: 0.05,
    })
    const result = await run({})
    expect(result.log).toMatch(
      /Polling msgbatch_\w+ failed \(529 .*\); the batches keep running, and polling goes on until max-wait\./,
    )
    expect(result.outputs).toMatchObject({ status: 'passed', passed: '3' })
  })

  it('replaces the last report in the comment when a later run stops on an error before submitting', async () => {
    emulator = await startBatchEmulator({ processingMs: 1, replies: REPLIES })
    await run({})
    expect(ourComment()?.body).toContain('## ✅ Claude Batch Evals: passed')
    await writeFile(path.join(workspace, 'suite.yml'), SUITE.replace('type: contains', 'type: contain'))
    const broken = await run({}, { env: { GITHUB_SHA: 'def456', GITHUB_RUN_ID: '5151' } })
    expect(broken.outputs.status).toBe('error')
    expect(ourComment()?.body).toContain('## ❌ Claude Batch Evals: error')
    expect(ourComment()?.body).toContain("unknown assertion type 'contain'")
    expect(ourComment()?.body).not.toContain('claude-batch-evals:state')
  })

  it('fails at max-wait with on-timeout: fail, and the comment and outputs say where the batches are', async () => {
    emulator = await startBatchEmulator({ replies: REPLIES })
    emulator.scriptNextBatches({})
    const result = await run({ 'max-wait': '500ms' })
    const [batch] = emulator.createdBatches()
    expect(result.exitCode).toBe(1)
    expect(result.outputs).toMatchObject({ status: 'error', 'batch-ids': batch.id })
    expect(result.log).toContain(
      `::error::Batch ${batch.id} did not end within max-wait (1s). The batches keep running`,
    )
    expect(result.summary).toContain(`Batch ${batch.id} did not end within max-wait (1s)`)
    // The comment said the evals were running; now it says why they stopped, and keeps the batch for a re-run.
    expect(ourComment()?.body).toContain('## ❌ Claude Batch Evals: error')
    expect(ourComment()?.body).toContain(`claude-batch-evals:state {"runKey"`)
  })
})
