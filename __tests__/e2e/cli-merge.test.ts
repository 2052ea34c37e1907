/**
 * `claude-batch-evals run --shard` and `merge` from the command-line bundle, as a user's shell runs them
 * (test-servers/cli-runner.ts), against the Batch API emulator: a shard's exit code is its slice's, the merge's
 * is the whole suite's gate, with the merged run in the terminal; a missing shard exits 2 naming it.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { runCliBundle } from '../../test-servers/cli-runner.js'
import { startBatchEmulator, type BatchEmulator } from '../../test-servers/batch-emulator.js'

const TESTS = 6
const SUITE = [
  "prompts: ['{{ q }}']",
  'providers: [anthropic:messages:claude-haiku-4-5]',
  'tests:',
  ...Array.from({ length: TESTS }, (_, i) => [
    `  - description: test ${i}`,
    `    vars: { q: "question ${i}?" }`,
    // test 0 expects a word its reply lacks.
    `    assert: [{ type: contains, value: "${i === 0 ? 'nowhere' : `answer ${i}`}" }]`,
  ]).flat(),
].join('\n')

let workspace: string
let emulator: BatchEmulator
beforeEach(async () => {
  workspace = mkdtempSync(path.join(tmpdir(), 'cli-merge-e2e-'))
  writeFileSync(path.join(workspace, 'suite.yml'), SUITE)
  emulator = await startBatchEmulator({
    processingMs: 1,
    concurrent: false,
    cacheHitRate: 0,
    replies: Object.fromEntries(
      Array.from({ length: TESTS }, (_, i) => [`question ${i}?`, `The answer ${i}.`]),
    ),
  })
})
afterEach(async () => {
  await emulator.close()
  rmSync(workspace, { recursive: true, force: true })
})

const cli = (args: string[]) =>
  runCliBundle(args, {
    cwd: workspace,
    env: { XDG_CACHE_HOME: path.join(workspace, 'cache'), ANTHROPIC_API_KEY: 'sk-test' },
  })

const runShard = (index: number) =>
  cli([
    'run',
    'suite.yml',
    '--base-url',
    emulator.url,
    '--poll-interval',
    '1s',
    '--shard',
    `${index}/2`,
    '--results-file',
    `shard-${index}.json`,
  ])

it("merges two shards' results files into the suite's verdict, report and files, with its exit code", async () => {
  const shards = [await runShard(1), await runShard(2)]
  const totals = shards.map((shard) => Number(/of (\d+) tests? passed/.exec(shard.stdout)?.[1]))
  expect(totals[0] + totals[1]).toBe(TESTS)

  const failed = await cli([
    'merge',
    'shard-1.json',
    'shard-2.json',
    '--out',
    'merged.json',
    '--html',
    'm.html',
  ])
  expect(failed).toMatchObject({ exitCode: 1, stderr: '' })
  expect(failed.stdout).toContain('Merged 2 shards: 6 tests.')
  expect(failed.stdout).toMatch(/^FAILED 5 of 6 tests passed/m)
  expect(failed.stdout).toMatch(/test 0[\s\S]*expected: +nowhere/)
  const merged = JSON.parse(readFileSync(path.join(workspace, 'merged.json'), 'utf8')) as {
    tests: unknown[]
  }
  expect(merged.tests).toHaveLength(TESTS)
  expect(readFileSync(path.join(workspace, 'm.html'), 'utf8')).toMatch(/^<!DOCTYPE html>/i)

  const passed = await cli(['merge', 'shard-1.json', 'shard-2.json', '--min-pass-rate', '0.8'])
  expect(passed.exitCode).toBe(0)
  expect(passed.stdout).toMatch(/^PASSED 5 of 6 tests passed/m)
})

it('exits 2 naming the missing shard, and a file that is no shard', async () => {
  await runShard(1)
  const missing = await cli(['merge', 'shard-1.json'])
  expect(missing.exitCode).toBe(2)
  expect(missing.stderr).toContain('merge lacks shard 2 of 2 (it has 1)')
  expect(existsSync(path.join(workspace, 'eval-results.json'))).toBe(false)

  await cli(['run', 'suite.yml', '--base-url', emulator.url, '--poll-interval', '1s'])
  const whole = await cli(['merge', 'shard-1.json', 'eval-results.json'])
  expect(whole.exitCode).toBe(2)
  expect(whole.stderr).toContain('eval-results.json is not the results file of a shard')
})
