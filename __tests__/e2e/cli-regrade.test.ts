/**
 * `claude-batch-evals regrade` from the command-line bundle, as a user's shell runs it
 * (test-servers/cli-runner.ts): a run against the emulator, then its outputs graded again by a changed
 * assertion with nothing sent, the exit codes, and a results file that matches nothing.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
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
  - description: polite
    vars: { q: say hi }
    assert: [{ type: llm-rubric, value: is polite }]
`

let workspace: string
let emulator: BatchEmulator
beforeEach(async () => {
  workspace = mkdtempSync(path.join(tmpdir(), 'cli-regrade-e2e-'))
  emulator = await startBatchEmulator({
    processingMs: 1,
    replies: { 'capital of France?': 'Paris.', 'say hi': 'Hello!' },
    judgeReplies: { 'Hello!': { pass: true } },
  })
})
afterEach(async () => {
  await emulator.close()
  rmSync(workspace, { recursive: true, force: true })
})

const cli = (args: string[], env: Record<string, string> = {}) =>
  runCliBundle(args, { cwd: workspace, env: { XDG_CACHE_HOME: path.join(workspace, 'cache'), ...env } })

it('regrades a run with a changed assertion, sending nothing but the judge when asked', async () => {
  writeFileSync(path.join(workspace, 'suite.yml'), suite('Paris'))
  const env = { ANTHROPIC_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: emulator.url }
  const ran = await cli(['run', 'suite.yml', '--poll-interval', '10ms'], env)
  expect(ran.exitCode).toBe(0)
  const batches = emulator.createdBatches().length

  writeFileSync(path.join(workspace, 'suite.yml'), suite('Lyon'))
  const skipped = await cli([
    'regrade',
    'suite.yml',
    '--from',
    'eval-results.json',
    '--results-file',
    'r.json',
  ])
  expect(skipped.exitCode).toBe(1)
  expect(emulator.createdBatches()).toHaveLength(batches)
  expect(skipped.stdout).toContain('This regrade cost nothing: no request was sent.')
  const tests = (
    JSON.parse(readFileSync(path.join(workspace, 'r.json'), 'utf8')) as {
      tests: { status: string; reason: string }[]
    }
  ).tests
  expect(tests.map((test) => test.status)).toEqual(['failed', 'failed'])
  expect(tests[1]?.reason).toContain('--judges submit')

  writeFileSync(path.join(workspace, 'suite.yml'), suite('Paris'))
  const judged = await cli(
    ['regrade', 'suite.yml', '--from', 'eval-results.json', '--judges', 'submit', '--poll-interval', '10ms'],
    env,
  )
  expect(judged.exitCode).toBe(0)
  expect(emulator.createdBatches()).toHaveLength(batches + 1)
  expect(judged.stdout).toMatch(/This regrade cost \$[0-9.]+ at batch prices, the judge's requests\./)
})

it('exits 2 naming the file when no entry matches, and on a bad --judges', async () => {
  writeFileSync(path.join(workspace, 'suite.yml'), suite('Paris'))
  writeFileSync(
    path.join(workspace, 'empty.json'),
    JSON.stringify({
      schema_version: 1,
      status: 'passed',
      failure_reasons: [],
      summary: { min_pass_rate: 1 },
      batch_ids: [],
      batch_duration_ms: null,
      cost: { by_model: [] },
      unexpected_custom_ids: [],
      tests: [],
    }),
  )
  const none = await cli(['regrade', 'suite.yml', '--from', 'empty.json'])
  expect(none.exitCode).toBe(2)
  expect(none.stderr).toContain('No test of the suites has a stored output in empty.json')
  const bad = await cli(['regrade', 'suite.yml', '--from', 'empty.json', '--judges', 'maybe'])
  expect(bad).toMatchObject({ exitCode: 2 })
  expect(bad.stderr).toContain("--judges is 'maybe': give skip or submit.")
})
