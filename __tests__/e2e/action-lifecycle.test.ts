/**
 * The batch lifecycle through the committed bundle: detach and collect, cancel at max-wait, a cancelled job
 * and its re-run (which must bill nothing new), and the API's faults. Run as the Actions runner runs it,
 * against the Batch API emulator and the fake GitHub API.
 *
 * The action runs on its own clock, in its own process, so no outcome here may hang on how fast it runs:
 * a batch that must outlast max-wait is scripted to end only when the test says (`endBatch`) or at a cancel,
 * and one that must end does so at the action's first look (`endAfterPolls: 1`), which it always takes.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
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
  try {
    await body({ ...cache.env, RUNNER_TEMP: await mkdtemp(path.join(tmpdir(), 'runner-temp-')) }, cache)
  } finally {
    await cache.close()
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

  it('goes on when a cancel is refused (the batch may have ended since), and reports what it returns', async () => {
    emulator = await startBatchEmulator({ replies: REPLIES })
    emulator.scriptNextBatches({})
    emulator.failNext('POST', /\/cancel$/, 'invalid_request_error')
    // The batch ends once the cancel was refused, while the action waits for it to end.
    const result = await run(
      { 'max-wait': '1s', 'on-timeout': 'cancel' },
      {
        onLog: (log) => {
          if (log.includes('Could not cancel')) endBatches()
        },
      },
    )
    expect(result.log).toMatch(/Could not cancel msgbatch_\w+ \(400 .*\); it may have ended already\./)
    expect(result.outputs).toMatchObject({ status: 'passed', passed: '3' })
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
    emulator = await startBatchEmulator({ processingMs: 100, replies: REPLIES })
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

  it('a changed suite is a new run: it submits again', async () => {
    emulator = await startBatchEmulator({ processingMs: 100, replies: REPLIES })
    await run({})
    await writeFile(path.join(workspace, 'suite.yml'), SUITE.replace('Say hello', 'Say hi'))
    const changed = await run({})
    expect(changed.log).not.toContain('Resuming')
    expect(creates()).toBe(2)
  })

  it('cancels the batch too when the job is cancelled with cancel-on-abort', async () => {
    emulator = await startBatchEmulator({ replies: REPLIES })
    emulator.scriptNextBatches({ processed: 0 })
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

  it('collects each batch of the batch-id input once, whatever separates the ids', async () => {
    emulator = await startBatchEmulator({ processingMs: 100, replies: REPLIES })
    const submitted = await run({})
    const batchId = submitted.outputs['batch-ids']
    const collected = await run({ 'batch-id': `${batchId}\n${batchId}, ${batchId}` })
    expect(collected.log).toContain(`Collecting ${batchId} (the batch-id input)`)
    expect(collected.outputs).toMatchObject({ status: 'passed', passed: '3', 'batch-ids': batchId })
  })

  it('creates no batch once the job is cancelled, and says nothing was submitted', async () => {
    emulator = await startBatchEmulator({ processingMs: 100, replies: REPLIES })
    // A wait no run of this test outlasts: the job is cancelled during it.
    emulator.failNext('POST', /^\/v1\/messages\/batches$/, 'rate_limit_error', 1, { retryAfterSeconds: 3600 })
    const cancelled = await run({}, { signalWhen: { log: /trying again in 1h/, signal: 'SIGTERM' } })
    expect(cancelled.exitCode).toBe(1)
    expect(creates()).toBe(0)
    expect(cancelled.summary).toContain('The job was cancelled before all the batches were created')
    expect(cancelled.summary).toContain('Nothing was submitted.')
  })

  it('does not retry errored requests once the job is cancelled, and reports their errors', async () => {
    const suite = SUITE.replace(
      'tests:\n',
      'tests:\n  - id: first\n    prompt: 3+3?\n    assert: [{ type: contains, value: "6" }]\n',
    )
    await writeFile(path.join(workspace, 'suite.yml'), suite)
    emulator = await startBatchEmulator({
      replies: { ...REPLIES, '3+3?': { error: { type: 'overloaded_error', message: 'Overloaded' } } },
    })
    // The first request (the overloaded one) has been processed when the job is cancelled; the others have not.
    emulator.scriptNextBatches({ processed: 1 })
    const result = await run(
      { 'cancel-on-abort': 'true' },
      { signalWhen: { log: /Created batch msgbatch_\w+/, signal: 'SIGTERM' } },
    )
    expect(result.log).toMatch(
      /The job is being cancelled: 1 request\(s\) that errored or expired are reported/,
    )
    expect(creates()).toBe(1)
    expect(result.summary).toContain('overloaded\\_error: Overloaded')
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

  it('waits out a full processing queue as the API asks, within max-wait', async () => {
    emulator = await startBatchEmulator({
      processingMs: 1,
      maxQueuedRequests: 5,
      queueRetryAfterSeconds: 0.05,
      replies: REPLIES,
    })
    /** Another job's batch fills the queue until the test ends it. Returns its id. */
    const otherJob = async (): Promise<string> => {
      emulator.scriptNextBatches({})
      const created = await fetch(`${emulator.url}/v1/messages/batches`, {
        method: 'POST',
        headers: {
          'x-api-key': 'other',
          'anthropic-version': '2023-06-01',
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          requests: ['a', 'b', 'c'].map((id) => ({
            custom_id: id,
            params: { model: 'claude-haiku-4-5', max_tokens: 10, messages: [{ role: 'user', content: id }] },
          })),
        }),
      })
      expect(created.status).toBe(200)
      return ((await created.json()) as { id: string }).id
    }
    const refusal = /The API refused the batch for load \(429: /g
    const other = await otherJob()
    // The other job's batch ends after more refusals than the 5 attempts a create error gets.
    const result = await run(
      {},
      {
        onLog: (log) => {
          if ((log.match(refusal)?.length ?? 0) >= 6) emulator.endBatch(other)
        },
      },
    )
    expect(result.log.match(refusal)?.length).toBeGreaterThanOrEqual(6)
    expect(result.outputs).toMatchObject({ status: 'passed', passed: '3' })

    await otherJob()
    const full = await run({ 'max-wait': '1s' }, { env: { GITHUB_SHA: 'def456' } })
    expect(full.exitCode).toBe(1)
    expect(full.summary).toContain('max-wait would run out before the next try; nothing was created')
  })

  it('replaces the last report in the comment when a later run stops on an error before submitting', async () => {
    emulator = await startBatchEmulator({ processingMs: 100, replies: REPLIES })
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
    expect(result.summary).toContain(`Batch ${batch.id} did not end within max-wait (1s)`)
    // The comment said the evals were running; now it says why they stopped, and keeps the batch for a re-run.
    expect(ourComment()?.body).toContain('## ❌ Claude Batch Evals: error')
    expect(ourComment()?.body).toContain(`claude-batch-evals:state {"runKey"`)
  })

  it('explains in the summary a batch-id that does not exist, and results that cannot be downloaded', async () => {
    emulator = await startBatchEmulator({ processingMs: 100, replies: REPLIES })
    const unknown = await run({ 'batch-id': 'msgbatch_doesnotexist' })
    expect(unknown.exitCode).toBe(1)
    expect(unknown.summary).toContain('Batch msgbatch_doesnotexist was not found (404)')
    expect(unknown.summary).toContain('check the id')

    emulator.cutResultsAfter(1, 5)
    const broken = await run({})
    expect(broken.exitCode).toBe(1)
    expect(broken.summary).toMatch(
      /The results of msgbatch_\w+ could not be downloaded \(.*\) after 5 attempts/,
    )
    expect(broken.summary).toContain('a re-run of this job resumes it')
  })
})
