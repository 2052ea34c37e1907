/**
 * The committed command-line bundle, run as a user's shell runs it (test-servers/cli-runner.ts), in a
 * temporary workspace: its output and exit codes, and count_tokens against the Batch API emulator.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { PROJECT_ROOT } from '../../test-servers/action-runner.js'
import { startBatchEmulator, type BatchEmulator } from '../../test-servers/batch-emulator.js'
import { runCliBundle } from '../../test-servers/cli-runner.js'

let workspace: string
let emulator: BatchEmulator
beforeAll(async () => {
  emulator = await startBatchEmulator()
})
afterAll(() => emulator.close())
beforeEach(() => {
  workspace = mkdtempSync(path.join(tmpdir(), 'cli-e2e-'))
  copyFileSync(path.join(PROJECT_ROOT, 'examples', 'support.yml'), path.join(workspace, 'support.yml'))
})
afterEach(() => rmSync(workspace, { recursive: true, force: true }))

const cli = (args: string[], env?: Record<string, string>) => runCliBundle(args, { cwd: workspace, env })

it('starts through its #! line, as npx or an installed bin starts it, and lists its commands', async () => {
  const run = await runCliBundle(['--help'], { cwd: workspace, direct: true })
  expect(run).toMatchObject({ exitCode: 0, stderr: '' })
  expect(run.stdout).toMatch(/^Usage: claude-batch-evals <command>/m)
  expect(run.stdout).toMatch(/^ {2}validate /m)
  expect(run.stdout).toMatch(/^ {2}estimate /m)
})

it('validates a suite: its tests and requests, and no workflow command in the terminal (exit 0)', async () => {
  const run = await cli(['validate', 'support.yml', '--repeat', '2'])
  expect(run).toMatchObject({
    exitCode: 0,
    stdout: 'Loaded 6 tests (12 requests with repeats) from support.yml.\nValid: 6 tests, 12 requests.\n',
    stderr: '',
  })
})

it('prints every problem at its file:line and exits 2', async () => {
  writeFileSync(
    path.join(workspace, 'broken.yml'),
    'tests:\n  - prompt: hi\n    max_tokens: lots\n    colour: red\n',
  )
  const run = await cli(['validate', 'support.yml', 'broken.yml'])
  expect(run.exitCode).toBe(2)
  expect(run.stdout).toBe('')
  expect(run.stderr).toMatch(/^broken\.yml:3: .*\nbroken\.yml:4: .*\n2 problems\.\n$/)
})

it('answers a mistyped flag with the one meant, and exits 2', async () => {
  const run = await cli(['estimate', 'support.yml', '--max-cots', '5'])
  expect(run.exitCode).toBe(2)
  expect(run.stderr).toBe(
    "error: Unknown flag '--max-cots' (did you mean '--max-cost'?).\nSee 'claude-batch-evals estimate --help'.\n",
  )
})

it('estimates without a key by the heuristic, and says so', async () => {
  const run = await cli(['estimate', 'support.yml'])
  expect(run.exitCode).toBe(0)
  expect(run.stdout).toContain('6 requests, ')
  expect(run.stdout).toMatch(
    /^Estimated cost at batch prices \(input tokens by heuristic \(4 characters a token, ±30%\), because no API key was given .*\): \$\S+ to \$\S+\.$/m,
  )
  expect(run.stdout).toMatch(/^At standard prices: \$\S+ to \$\S+\.$/m)
})

it('estimates with a key by count_tokens at ANTHROPIC_BASE_URL, and submits nothing', async () => {
  const before = emulator.calls.length
  const run = await cli(['estimate', 'support.yml'], {
    ANTHROPIC_API_KEY: 'sk-ant-e2e-cli-key',
    ANTHROPIC_BASE_URL: emulator.url,
  })
  expect(run.exitCode).toBe(0)
  expect(run.stdout).toMatch(
    /^Estimated cost at batch prices \(input tokens by count_tokens\): \$\S+ to \$\S+\.$/m,
  )
  expect(run.stdout).toMatch(/Nothing was submitted or billed\.\n$/)
  const calls = emulator.calls.slice(before)
  expect(calls.length).toBeGreaterThan(0)
  expect(calls.every((call) => call.path === '/v1/messages/count_tokens')).toBe(true)
  expect(emulator.createdBatches()).toEqual([])
})
