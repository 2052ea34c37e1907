/**
 * `claude-batch-evals run` and `collect` from the command-line bundle, as a user's shell runs them
 * (test-servers/cli-runner.ts), against the Batch API emulator: the verdict and exit code, the files and the
 * progress, no key, --detach and the printed collect command, resuming a detached run, --max-cost and an API
 * refusal. The run records live in a temporary XDG_CACHE_HOME.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { runCliBundle } from '../../test-servers/cli-runner.js'
import { startBatchEmulator, type BatchEmulator } from '../../test-servers/batch-emulator.js'

const suite = (expected: string) => `
prompts: ['{{q}}']
providers: [anthropic:messages:claude-haiku-4-5]
tests:
  - description: capital
    vars: { q: capital of France? }
    assert: [{ type: contains, value: ${expected} }]
  - description: greeting
    vars: { q: say hi }
    assert: [{ type: icontains, value: hello }]
`

let workspace: string
let emulator: BatchEmulator
beforeEach(async () => {
  workspace = mkdtempSync(path.join(tmpdir(), 'cli-run-e2e-'))
  emulator = await startBatchEmulator({
    processingMs: 1,
    replies: { 'capital of France?': 'Paris.', 'say hi': 'Hello!' },
  })
})
afterEach(async () => {
  await emulator.close()
  rmSync(workspace, { recursive: true, force: true })
})

const recordsDirectory = () => path.join(workspace, 'cache', 'claude-batch-evals', 'runs')
const cli = (args: string[], env: Record<string, string> = {}) =>
  runCliBundle(args, { cwd: workspace, env: { XDG_CACHE_HOME: path.join(workspace, 'cache'), ...env } })
const withKey = { ANTHROPIC_API_KEY: 'sk-test' }
const runArgs = () => ['run', 'suite.yml', '--base-url', emulator.url, '--poll-interval', '1s']

it('runs a suite: the verdict, the failing test, the files, and progress lines on stderr', async () => {
  writeFileSync(path.join(workspace, 'suite.yml'), suite('Lyon'))
  const failed = await cli(runArgs(), withKey)
  expect(failed.exitCode).toBe(1)
  expect(failed.stdout).toMatch(/^FAILED 1 of 2 tests passed/m)
  expect(failed.stdout).toMatch(/capital[\s\S]*expected: +Lyon\n +got: +Paris\./)
  expect(failed.stdout).toContain('Open the HTML report: claude-batch-evals-report.html')
  const results = JSON.parse(readFileSync(path.join(workspace, 'eval-results.json'), 'utf8')) as {
    status: string
    tests: { status: string }[]
  }
  expect(results).toMatchObject({ status: 'failed' })
  expect(results.tests.map((test) => test.status).sort()).toEqual(['failed', 'passed'])
  expect(readFileSync(path.join(workspace, 'claude-batch-evals-report.html'), 'utf8')).toMatch(
    /^<!DOCTYPE html>/i,
  )
  // Not a terminal: a plain line a poll, no line rewritten in place.
  expect(failed.stderr).toMatch(/^2 \/ 2 requests processed \(100%\) · .* · done/m)
  expect(failed.stderr).not.toContain('\r')
  expect(failed.stderr).not.toContain('\x1b')
  expect(emulator.createdBatches()).toHaveLength(1)

  writeFileSync(path.join(workspace, 'suite.yml'), suite('Paris'))
  const passed = await cli(runArgs(), withKey)
  expect(passed.exitCode).toBe(0)
  expect(passed.stdout).toMatch(/^PASSED 2 of 2 tests passed/m)
  expect(emulator.createdBatches()).toHaveLength(2)
})

it('without a key or a base URL, exits 2 saying what needs one and what does not, sending nothing', async () => {
  writeFileSync(path.join(workspace, 'suite.yml'), suite('Paris'))
  const noKey = await cli(['run', 'suite.yml'])
  expect(noKey.exitCode).toBe(2)
  expect(noKey.stderr).toContain('set ANTHROPIC_API_KEY')
  expect(noKey.stderr).toContain('the local emulator (docs/emulator.md), with any key value')
  expect(noKey.stderr).toContain("'claude-batch-evals estimate SUITE'")
  expect(noKey.stderr).toContain("'claude-batch-evals regrade SUITE --from RESULTS.json'")
  expect(emulator.calls).toEqual([])
})

it('detaches, resumes the detached run, submits anew once graded, and collects with the printed command', async () => {
  writeFileSync(path.join(workspace, 'suite.yml'), suite('Lyon'))
  // Each detached batch is still in progress when the run looks, until the test ends it.
  emulator.scriptNextBatches({}, {})
  const detached = await cli([...runArgs(), '--detach'], withKey)
  expect(detached.exitCode).toBe(0)
  const [first] = emulator.createdBatches().map((batch) => batch.id)
  expect(detached.stdout).toContain(`Batches: ${first}`)
  expect(readdirSync(recordsDirectory())).toHaveLength(1)
  emulator.endBatch(first as string)

  // The same run again finds the record and waits for the same batch.
  const resumed = await cli(runArgs(), withKey)
  expect(resumed.exitCode).toBe(1)
  expect(resumed.stdout).toContain(`Resuming ${first}`)
  expect(emulator.createdBatches()).toHaveLength(1)
  expect(readdirSync(recordsDirectory())).toEqual([])

  // Graded, the run is forgotten: the next one submits anew.
  const again = await cli([...runArgs(), '--detach'], withKey)
  expect(again.exitCode).toBe(0)
  expect(again.stdout).not.toContain('Resuming')
  const batches = emulator.createdBatches().map((batch) => batch.id)
  expect(batches).toHaveLength(2)
  const second = batches[1] as string
  expect(again.stdout).toContain(`Batches: ${second}`)
  emulator.endBatch(second)

  // The printed command, as a user pastes it (the program's name stands for the bundle).
  const printed = /^ {2}claude-batch-evals (collect .*)$/m.exec(again.stdout)?.[1]
  expect(printed).toBe(`collect ${second} suite.yml --anthropic-base-url ${emulator.url} --poll-interval 1s`)
  const collected = await cli((printed as string).split(' '), withKey)
  expect(collected.exitCode).toBe(1)
  expect(collected.stdout).toContain(`Collecting ${second}`)
  expect(collected.stdout).toMatch(/^FAILED 1 of 2 tests passed/m)
  expect(emulator.createdBatches()).toHaveLength(2)
  expect(readdirSync(recordsDirectory())).toEqual([])
})

it('stops at --max-cost with exit 1, submitting nothing', async () => {
  writeFileSync(path.join(workspace, 'suite.yml'), suite('Paris'))
  const over = await cli([...runArgs(), '--max-cost', '0.000001'], withKey)
  expect(over.exitCode).toBe(1)
  expect(over.stderr).toContain('exceeds max-cost ($0.000001); nothing was submitted')
  expect(emulator.createdBatches()).toEqual([])
  expect(existsSync(path.join(workspace, 'eval-results.json'))).toBe(false)
})

it("exits 2 with the API's own message when the API refuses the run (no key for the emulator)", async () => {
  writeFileSync(path.join(workspace, 'suite.yml'), suite('Paris'))
  const refused = await cli(runArgs())
  expect(refused.exitCode).toBe(2)
  expect(refused.stderr).toMatch(/^error: 401 .*x-api-key header is required/m)
  expect(refused.stderr).not.toContain('This is a bug')
  expect(emulator.createdBatches()).toEqual([])
})
