/**
 * Issue 7 through the committed bundle: model-graded assertions graded by a judge batch of their own (the
 * emulator's stand-in judge answers), repeats with mixed outcomes, and a baseline with flips, new and
 * removed tests, for every gate mode.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { embeddedData } from '../fixtures/html-page.js'
import { emulatorInputs, runAction, type RunActionOptions } from '../../test-servers/action-runner.js'
import {
  startBatchEmulator,
  type BatchEmulator,
  type StandInReply,
} from '../../test-servers/batch-emulator.js'
import { startFakeGitHub, type FakeGitHub } from '../../test-servers/fake-github.js'

const SUITE = `
description: Router support
model: claude-haiku-4-5
defaultTest:
  options:
    provider: anthropic:messages:claude-haiku-4-5
tests:
  - id: refund-window
    prompt: How many days do I have to return my router?
    repeat: 3
    assert:
      - type: contains
        value: 30 days
      - type: llm-rubric
        value: Mentions "30 days"
  - id: reset
    prompt: How do I reset it?
    assert:
      - type: model-graded-closedqa
        value: Says to hold the "reset button"
  - id: waterproof
    prompt: Is it waterproof?
    assert:
      - type: llm-rubric
        value: Answers the question [garbled]
  - id: greeting
    prompt: Say hello
    assert:
      - type: icontains
        value: hello
`
const REPLIES: Record<string, StandInReply> = {
  'How many days do I have to return my router?': {
    sequence: ['You have 30 days.', 'You have 30 days.', 'Two weeks, I think.'],
  },
  'How do I reset it?': 'Hold the reset button for 10 seconds.',
  'Is it waterproof?': 'No.',
  'Say hello': 'Hello there!',
}

/** What main's nightly run wrote: refund-window passed, greeting failed, old-test has since gone. */
const BASELINE = {
  schema_version: 1,
  generated_at: '2026-11-28T03:00:00.000Z',
  status: 'failed',
  cost: { total_usd: { batch: '0.0001', standard: '0.0002', savings: '0.0001' } },
  tests: [
    { id: 'refund-window', description: null, status: 'passed' },
    { id: 'reset', description: null, status: 'passed' },
    { id: 'greeting', description: null, status: 'failed' },
    { id: 'old-test', description: 'Retired', status: 'passed' },
  ],
}

const pullRequestEvent = { name: 'pull_request', payload: { number: 5, pull_request: { number: 5 } } }

let emulator: BatchEmulator
let github: FakeGitHub
let workspace: string

beforeEach(async () => {
  emulator = await startBatchEmulator({ processingMs: 1, replies: REPLIES })
  github = await startFakeGitHub({ token: 'gh-token' })
  workspace = await mkdtemp(path.join(tmpdir(), 'judge-'))
  await writeFile(path.join(workspace, 'suite.yml'), SUITE)
  await writeFile(path.join(workspace, 'baseline.json'), JSON.stringify(BASELINE))
})

afterEach(async () => {
  await Promise.all([emulator.close(), github.close(), rm(workspace, { recursive: true, force: true })])
})

function run(inputs: RunActionOptions['inputs'], options: Partial<RunActionOptions> = {}) {
  return runAction({
    workspace,
    event: pullRequestEvent,
    ...options,
    inputs: emulatorInputs(emulator.url, { suite: 'suite.yml', ...inputs }),
    env: { GITHUB_TOKEN: 'gh-token', GITHUB_API_URL: github.url, GITHUB_SHA: 'abc123' },
  })
}

const comment = () =>
  github.comments('acme', 'support-bot', 5).find((c) => c.body.startsWith('<!-- claude-batch-evals'))?.body ??
  ''

describe('model-graded assertions, repeats and a baseline, run from dist/', () => {
  it('grades with a judge batch, shows flips, flaky tests and both batches’ costs', async () => {
    const result = await run({ baseline: 'baseline.json', 'fail-on': 'both', 'min-pass-rate': '0.5' })

    const [outputs, judge] = emulator.createdBatches()
    expect(emulator.createdBatches()).toHaveLength(2)
    expect(outputs.requests.map((r) => r.custom_id)).toEqual([
      'refund-window_r1',
      'refund-window_r2',
      'refund-window_r3',
      'reset',
      'waterproof',
      'greeting',
    ])
    // Two samples answered alike ask the judge the same question: 4 judge requests, not 5.
    expect(judge.requests).toHaveLength(4)
    expect(judge.requests.every((r) => /^judge_[0-9a-f]{40}$/.test(r.custom_id))).toBe(true)
    expect(judge.requests.every((r) => (r.params as { model: string }).model === 'claude-haiku-4-5')).toBe(
      true,
    )
    expect(result.log).toContain('Model-graded assertions: 4 judge requests go out as a batch of their own.')
    expect(result.log).toContain(`Created batch ${judge.id} with 4 judge requests.`)

    expect(result.outputs).toMatchObject({
      status: 'failed',
      'batch-ids': `${outputs.id}\n${judge.id}`,
      total: '4',
      passed: '2',
      failed: '2',
      errored: '0',
      flaky: '1',
      regressions: '1',
      fixes: '1',
    })
    expect(result.exitCode).toBe(1)
    expect(result.log).toContain('::error::Evals failed: 1 test regressed against the baseline.')
    // The failing sample is annotated at its test's suite line, named as a sample.
    expect(result.log).toMatch(
      /::error title=Failed%3A refund-window \(sample 3 of 3\),file=suite\.yml,line=8::/,
    )

    const body = comment()
    for (const text of [
      '**🔻 Regressions: passed on the baseline, not now (1)**',
      '- refund-window (passed → failed)',
      '**🔺 Fixes: failed on the baseline, pass now (1)**',
      '- greeting (failed → passed)',
      '**New tests (1)**',
      '- waterproof',
      '**Removed tests (1)**',
      '- old-test — Retired',
      'Baseline: `baseline.json`, written 2026-11-28T03:00:00.000Z.',
      '**Repeated tests that missed a sample (1), 1 of them flaky: passed and failed across samples**',
      '| refund-window · 🔀 flaky | 2 of 3 | 100% | 0% | failed |',
      '**❌ failed: refund-window** (sample 3 of 3)',
      '| claude-haiku-4-5 | 6 |',
      '| claude-haiku-4-5 (judge) | 4 |',
    ]) {
      expect(body).toContain(text)
    }
    // The judge's reply that does not parse is an errored grade, shown as such: never a pass.
    expect(body).toContain('**❌ failed: waterproof**')
    expect(body).toContain(
      "- llm-rubric: ⚠️ the judge's reply holds no JSON object; expected one JSON object",
    )

    const results = JSON.parse(await readFile(path.join(workspace, 'eval-results.json'), 'utf8'))
    expect(results.summary).toMatchObject({ total: 4, passed: 2, samples: 6 })
    expect(results.baseline).toMatchObject({
      regressions: ['refund-window'],
      fixes: ['greeting'],
      new_tests: ['waterproof'],
      removed_tests: ['old-test'],
    })
    expect(results.cost.by_model.map((row: { role: string }) => row.role)).toEqual(['outputs', 'judge'])
    // The HTML report shows the baseline's entries of the flipped tests beside this run's.
    const page = embeddedData(await readFile(path.join(workspace, 'claude-batch-evals-report.html'), 'utf8'))
    expect(page.data).toMatchObject({
      baselineOutputs: {
        'refund-window': [{ sample: 1, status: 'passed', output: null }],
        greeting: [{ sample: 1, status: 'failed', output: null }],
      },
    })
    const reset = results.tests.find((t: { id: string }) => t.id === 'reset')
    expect(reset.assertions[0]).toMatchObject({
      type: 'model-graded-closedqa',
      pass: true,
      judge: { model: 'claude-haiku-4-5', reply: expect.stringMatching(/\nY$/) },
    })
    expect(
      results.tests
        .filter((t: { id: string }) => t.id === 'refund-window')
        .map((t: { verdict: string }) => t.verdict),
    ).toEqual(['failed', 'failed', 'failed'])
  })

  it('lets repeat-min-pass accept 2 of 3, and runs every test with the repeat input', async () => {
    const result = await run({ repeat: '2', 'repeat-min-pass': '2' })
    // refund-window keeps its own repeat: 3; the others run twice.
    expect(emulator.createdBatches()[0].requests).toHaveLength(3 + 2 + 2 + 2)
    expect(result.outputs).toMatchObject({ total: '4', passed: '3', failed: '1', flaky: '1' })
  })

  it("says a dry run's estimate leaves out the judge's requests, which depend on the outputs", async () => {
    const result = await run({ 'dry-run': 'true' })
    expect(result.outputs.status).toBe('dry-run')
    expect(result.summary).toContain(
      "Not included: the judge's requests for the model-graded assertions of 3 test(s).",
    )
    expect(result.log).toContain(
      "not counting the judge's requests for 3 test(s) with model-graded assertions",
    )
    expect(emulator.createdBatches()).toEqual([])
  })

  it('warns and reports without a comparison when the baseline file is missing', async () => {
    const result = await run({ baseline: 'nowhere.json', 'min-pass-rate': '0.5' })
    expect(result.log).toContain(
      '::warning::No baseline results file at nowhere.json, so the report has no comparison.',
    )
    expect(result.outputs).toMatchObject({ status: 'passed', regressions: '' })
  })

  it('stops before submitting when the baseline is not a results file', async () => {
    await writeFile(path.join(workspace, 'baseline.json'), '{"tests": []}')
    const result = await run({ baseline: 'baseline.json' })
    expect(result.exitCode).toBe(1)
    expect(result.log).toMatch(/::error::.*baseline\.json/)
    expect(emulator.createdBatches()).toEqual([])
  })

  it('a re-run after the job was cancelled during judging resumes both batches: nothing billed twice', async () => {
    // The outputs' batch ends at the first look; the judge's runs until the test ends it.
    emulator.scriptNextBatches({ endAfterPolls: 1 }, {})
    const cancelled = await run(
      {},
      { signalWhen: { log: /Created batch msgbatch_\w+ with 4 judge requests/, signal: 'SIGTERM' } },
    )
    expect(cancelled.outputs.status).toBe('pending')
    expect(emulator.createdBatches()).toHaveLength(2)
    // The comment says which batch was still running, and lists both for collecting.
    const [first, second] = emulator.createdBatches()
    expect(comment()).toContain(`Batch \`${second.id}\`: processing 4, succeeded 0`)
    expect(comment()).toContain(`    batch-id: |\n      ${first.id}\n      ${second.id}\n`)

    emulator.endBatch(second.id)
    const rerun = await run({})
    const [outputs, judge] = emulator.createdBatches()
    expect(rerun.log).toContain(`Resuming ${outputs.id}, created by an earlier attempt of this run`)
    expect(rerun.log).toContain(`Resuming ${judge.id}, created by an earlier attempt of this run`)
    expect(rerun.outputs['batch-ids']).toBe(`${outputs.id}\n${judge.id}`)
    expect(rerun.outputs.total).toBe('4')
    expect(emulator.createdBatches()).toHaveLength(2)
  })

  it('fails at max-wait while the judge runs, naming the late batch and every batch to collect', async () => {
    emulator.scriptNextBatches({ endAfterPolls: 1 }, {})
    const result = await run({ 'max-wait': '1s' })
    const [outputs, judge] = emulator.createdBatches()
    expect(result.exitCode).toBe(1)
    expect(result.log).toContain(
      `::error::Batch ${judge.id} did not end within max-wait (1s). The batches keep running`,
    )
    expect(result.log).toContain(
      `Collect them with the batch-id input (all of the run's: ${outputs.id}, ${judge.id}), raise max-wait`,
    )
  })

  it('detaches while the judge runs, and a later run collects both batches without submitting', async () => {
    emulator.scriptNextBatches({ endAfterPolls: 1 }, {})
    const detached = await run({ 'max-wait': '1s', 'on-timeout': 'detach' })
    expect(detached.outputs.status).toBe('pending')
    const ids = detached.outputs['batch-ids']
    expect(ids.split('\n')).toHaveLength(2)

    emulator.endBatch(ids.split('\n')[1])
    const collected = await run({ 'batch-id': ids }, { event: { name: 'workflow_dispatch', payload: {} } })
    expect(collected.outputs).toMatchObject({ total: '4', passed: '2', 'batch-ids': ids })
    expect(emulator.createdBatches()).toHaveLength(2)
  })

  it('asks no judge once the job is cancelled: the outputs are pending, and a re-run collects and judges them', async () => {
    emulator.scriptNextBatches({ processed: 4 })
    const cancelled = await run(
      { 'cancel-on-abort': 'true' },
      { signalWhen: { log: /Created batch msgbatch_\w+/, signal: 'SIGTERM' } },
    )
    expect(cancelled.outputs.status).toBe('pending')
    expect(emulator.createdBatches()).toHaveLength(1)
    expect(cancelled.log).not.toMatch(/judge requests go out/)

    const [outputs] = emulator.createdBatches()
    emulator.endBatch(outputs.id)
    const rerun = await run({})
    expect(rerun.log).toContain(`Resuming ${outputs.id}, created by an earlier attempt of this run`)
    expect(rerun.log).toMatch(/Model-graded assertions: \d+ judge requests go out as a batch of their own\./)
    expect(emulator.createdBatches().some((b) => b.requests[0]?.custom_id.startsWith('judge_'))).toBe(true)
  })
})
