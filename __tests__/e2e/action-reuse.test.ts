/**
 * Reuse of unchanged requests through the bundle: main's run, then a pull request that changes 10% of the
 * tests with main's results file as its baseline. The pull request sends only the changed requests (and
 * their judge requests), grades the rest from the stored outputs with its assertions as they are now, and
 * says what it reused.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { emulatorInputs, runAction, type RunActionOptions } from '../../test-servers/action-runner.js'
import { startBatchEmulator, type BatchEmulator } from '../../test-servers/batch-emulator.js'

const TESTS = 40
const CHANGED = new Set([3, 13, 23, 32])
const RUBRIC_EVERY = 4

/** The suite: test 0 is repeated, every fourth has an llm-rubric; `edited` tests ask a revised question. */
function suite({ edited, repeat, failing }: { edited: boolean; repeat: number; failing?: number }): string {
  const tests = Array.from({ length: TESTS }, (_, n) => {
    const question = edited && CHANGED.has(n) ? `Question ${n}, revised` : `Question ${n}`
    const expected = n === failing ? 'Not the answer' : `Answer ${n}`
    const rubric =
      n % RUBRIC_EVERY === 0 ? `\n      - type: llm-rubric\n        value: Mentions "Answer ${n}"` : ''
    const repeated = n === 0 ? `\n    repeat: ${repeat}` : ''
    return `  - id: t${n}\n    prompt: ${question}${repeated}\n    assert:\n      - type: contains\n        value: ${expected}${rubric}`
  })
  return `description: Reuse\nmodel: claude-haiku-4-5\ntests:\n${tests.join('\n')}\n`
}

const REPLIES = Object.fromEntries(
  Array.from({ length: TESTS }, (_, n) => [
    [`Question ${n}`, `Answer ${n}.`],
    [`Question ${n}, revised`, `Answer ${n}, revised.`],
  ]).flat(),
)

let emulator: BatchEmulator
let workspace: string

beforeEach(async () => {
  emulator = await startBatchEmulator({ processingMs: 1, replies: REPLIES })
  workspace = await mkdtemp(path.join(tmpdir(), 'reuse-'))
})

afterEach(async () => {
  await Promise.all([emulator.close(), rm(workspace, { recursive: true, force: true })])
})

function run(inputs: RunActionOptions['inputs'], event: string, env: Record<string, string>) {
  return runAction({
    workspace,
    event: {
      name: event,
      payload: event === 'pull_request' ? { number: 7, pull_request: { number: 7 } } : {},
    },
    inputs: emulatorInputs(emulator.url, { suite: 'suite.yml', comment: 'false', ...inputs }),
    env,
  })
}

/** The requests of the batches created from the `from`-th on: what the emulator was sent, judges included. */
const requestsFrom = (from: number) =>
  emulator
    .createdBatches()
    .slice(from)
    .flatMap((batch) => batch.requests)

const MAIN_ENV = { GITHUB_RUN_ID: '1234', GITHUB_REF_NAME: 'main', GITHUB_SHA: 'abc1234def5678' }
const PR_ENV = {
  GITHUB_RUN_ID: '1300',
  GITHUB_REF_NAME: '7/merge',
  GITHUB_HEAD_REF: 'tweak',
  GITHUB_SHA: 'fed987',
}

interface Entry {
  id: string
  status: string
  content_key: string | null
  reused_from?: { run_id: string; branch: string; commit: string; file: string }
}

describe('reuse of unchanged requests, run from dist/', () => {
  it('a pull request that changes 10% of the tests sends at most 15% of the requests of the full run', async () => {
    await writeFile(path.join(workspace, 'suite.yml'), suite({ edited: false, repeat: 3 }))
    const main = await run({ 'results-file': 'main.json' }, 'schedule', MAIN_ENV)
    expect(main.exitCode).toBe(0)
    const full = requestsFrom(0).length
    // 42 outputs' requests (test 0 three times) and the judge's: 10 rubrics, test 0's three samples alike.
    expect(full).toBe(42 + 10)
    expect(main.log).not.toContain('Reuse:')
    const mainFile = JSON.parse(await readFile(path.join(workspace, 'main.json'), 'utf8'))
    expect(mainFile.run).toEqual({ id: '1234', branch: 'main', commit: 'abc1234def5678' })
    expect(mainFile.judge_replies).toHaveLength(10)
    expect(mainFile.tests.every((entry: Entry) => /^[0-9a-f]{40}$/.test(entry.content_key ?? ''))).toBe(true)

    // The pull request: 4 questions revised (t3, t13, t23, t32), test 0 asks a fourth sample, and t5's
    // assertion now expects another answer (graded from the stored output, sent nothing).
    const batchesBefore = emulator.createdBatches().length
    await writeFile(path.join(workspace, 'suite.yml'), suite({ edited: true, repeat: 4, failing: 5 }))
    const pr = await run({ 'results-file': 'pr.json', baseline: 'main.json' }, 'pull_request', PR_ENV)

    const sent = requestsFrom(batchesBefore)
    // The 4 revised questions, test 0's fourth sample, and the judge of the revised rubric test (t32); test
    // 0's fourth sample answers as the others did, so its judge request is one the baseline stores.
    const outputs = sent.filter((request) => !request.custom_id.startsWith('judge_'))
    expect(outputs.map((request) => request.custom_id).sort()).toEqual(['t0_r4', 't13', 't23', 't3', 't32'])
    expect(sent).toHaveLength(6)
    expect(sent.length).toBeLessThanOrEqual(0.15 * full)

    expect(pr.outputs).toMatchObject({ total: '40', passed: '39', failed: '1', errored: '0' })
    expect(pr.exitCode).toBe(1)
    // 42 + 1 outputs' requests and 10 judge requests; all but the 6 sent are reused.
    expect(pr.log).toContain(
      'Reuse: 47 of 53 requests reused (judge: 9 of 10) from run #1234 (main, abc1234, ',
    )
    expect(pr.summary).toMatch(
      /47 of 53 requests reused \(judge: 9 of 10\) from run #\u200b1234 \(main, abc1234, /,
    )
    expect(pr.summary).toMatch(/saving \$[0-9.]+ at batch prices/)

    const prFile = JSON.parse(await readFile(path.join(workspace, 'pr.json'), 'utf8'))
    const byId = new Map<string, Entry[]>()
    for (const entry of prFile.tests as Entry[]) byId.set(entry.id, [...(byId.get(entry.id) ?? []), entry])
    expect(byId.get('t5')?.[0]).toMatchObject({
      status: 'failed',
      reused_from: { run_id: '1234', branch: 'main', commit: 'abc1234def5678', file: 'main.json' },
    })
    expect(byId.get('t3')?.[0].reused_from).toBeUndefined()
    expect(byId.get('t0')?.map((entry) => entry.reused_from !== undefined)).toEqual([true, true, true, false])
    expect(prFile.reuse).toMatchObject({ requests: 53, reused: 47, judge_requests: 10, judge_reused: 9 })
    expect(prFile.run).toEqual({ id: '1300', branch: 'tweak', commit: 'fed987' })
    // What the run billed: the outputs it sent and the judge's batch (reused outputs count at their stored cost).
    const usd = (text: string) => Number(text)
    const billed =
      prFile.tests
        .filter((entry: Entry & { cost_usd: { batch: string } }) => !entry.reused_from)
        .reduce((sum: number, entry: { cost_usd: { batch: string } }) => sum + usd(entry.cost_usd.batch), 0) +
      usd(prFile.cost.by_model.find((row: { role: string }) => row.role === 'judge').cost_usd.batch)
    const shown = Number(/this run billed \$(\d+\.\d+)/.exec(pr.summary)?.[1])
    expect(Math.abs(shown - billed) / billed).toBeLessThan(0.001)
  })

  it('collects a detached pull request run: the batches answer what it sent, the baseline the rest', async () => {
    await writeFile(path.join(workspace, 'suite.yml'), suite({ edited: false, repeat: 3 }))
    await run({ 'results-file': 'main.json' }, 'schedule', MAIN_ENV)
    const before = emulator.createdBatches().length
    await writeFile(path.join(workspace, 'suite.yml'), suite({ edited: true, repeat: 4 }))
    emulator.scriptNextBatches({})
    const prInputs = { baseline: 'main.json', 'results-file': 'pr.json' }
    const detached = await run(
      { ...prInputs, 'max-wait': '500ms', 'on-timeout': 'detach' },
      'pull_request',
      PR_ENV,
    )
    expect(detached.outputs.status).toBe('pending')
    const batchId = detached.outputs['batch-ids']
    expect(requestsFrom(before)).toHaveLength(5)

    emulator.endBatch(batchId)
    const collected = await run({ ...prInputs, 'batch-id': batchId }, 'pull_request', PR_ENV)
    expect(collected.outputs).toMatchObject({ status: 'passed', total: '40', passed: '40' })
    expect(collected.log).toContain('Reuse: 47 of 53 requests reused (judge: 9 of 10) from run #1234')
    const entries = JSON.parse(await readFile(path.join(workspace, 'pr.json'), 'utf8')).tests as Entry[]
    expect(entries.filter((entry) => entry.reused_from).length).toBe(38)
  })

  it('collects a run that sent everything (reuse: off) with reuse on, counting nothing twice', async () => {
    await writeFile(path.join(workspace, 'suite.yml'), suite({ edited: false, repeat: 1 }))
    await run({ 'results-file': 'main.json' }, 'schedule', MAIN_ENV)
    emulator.scriptNextBatches({})
    const detached = await run(
      { baseline: 'main.json', reuse: 'off', 'max-wait': '500ms', 'on-timeout': 'detach' },
      'pull_request',
      PR_ENV,
    )
    const batchId = detached.outputs['batch-ids']
    emulator.endBatch(batchId)
    const collected = await run(
      { baseline: 'main.json', 'batch-id': batchId, 'results-file': 'pr.json' },
      'pull_request',
      PR_ENV,
    )
    expect(collected.outputs).toMatchObject({ status: 'passed', total: '40', passed: '40' })
    const file = JSON.parse(await readFile(path.join(workspace, 'pr.json'), 'utf8'))
    expect(file.unexpected_custom_ids).toEqual([])
    expect((file.tests as Entry[]).some((entry) => entry.reused_from)).toBe(false)
    // The outputs came from the batch; the judge's replies are still the baseline's.
    expect(file.reuse).toMatchObject({ requests: 50, reused: 10, judge_reused: 10 })
  })

  it('sends everything on a scheduled run, and with reuse: off', async () => {
    await writeFile(path.join(workspace, 'suite.yml'), suite({ edited: false, repeat: 1 }))
    await run({ 'results-file': 'main.json' }, 'schedule', MAIN_ENV)
    const full = requestsFrom(0).length

    const again = await run({ baseline: 'main.json' }, 'schedule', MAIN_ENV)
    expect(requestsFrom(2)).toHaveLength(full)
    expect(again.log).not.toContain('requests reused')

    const off = await run({ baseline: 'main.json', reuse: 'off' }, 'pull_request', PR_ENV)
    expect(requestsFrom(4)).toHaveLength(full)
    expect(off.log).not.toContain('requests reused')
  })
})
