/** `claude-batch-evals report --baseline --max-cost-increase` from the command-line bundle: the gate on a stored run. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { writeRun } from '../fixtures/html-report-runs.js'
import { runCliBundle } from '../../test-servers/cli-runner.js'

let workspace: string
beforeEach(() => {
  workspace = mkdtempSync(path.join(tmpdir(), 'cli-cost-gate-'))
})
afterEach(() => rmSync(workspace, { recursive: true, force: true }))

const cli = (args: string[]) => runCliBundle(args, { cwd: workspace })

it('fails a stored run dearer than its baseline by more than --max-cost-increase, naming the test', async () => {
  const cheap = { input_tokens: 100, output_tokens: 10 }
  const dear = { input_tokens: 100, output_tokens: 1_000 }
  const before = await writeRun(workspace, 'before', [
    { text: 'Paris', usage: cheap },
    { text: 'Paris', usage: cheap },
  ])
  await writeRun(
    workspace,
    'after',
    [
      { text: 'Paris', usage: cheap },
      { text: 'Paris', usage: dear },
    ],
    before,
  )

  const gated = await cli(['report', 'after.json', '--baseline', 'before.json', '--max-cost-increase', '50%'])
  expect(gated.exitCode).toBe(1)
  expect(gated.stdout).toMatch(
    /^ {2}- the 2 tests in both this run and the baseline cost \+\$[\d.]+ \(\+\d+\.\d%\)/m,
  )
  expect(gated.stdout).toMatch(/max-cost-increase 50%: exceeded\./)
  expect(gated.stdout).toMatch(/^ {2}cost rose: \S+ \(\$[\d.]+ → \$[\d.]+\)$/m)

  const generous = await cli([
    'report',
    'after.json',
    '--baseline',
    'before.json',
    '--max-cost-increase',
    '100',
  ])
  expect(generous.exitCode).toBe(0)

  const bad = await cli(['report', 'after.json', '--max-cost-increase', 'lots'])
  expect(bad.exitCode).toBe(2)
  expect(bad.stderr).toContain(
    "--max-cost-increase is 'lots'; write a percentage of the baseline's cost (10%)",
  )
})
