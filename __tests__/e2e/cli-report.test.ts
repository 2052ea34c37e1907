/**
 * `claude-batch-evals report` from the command-line bundle, as a user's shell runs it
 * (test-servers/cli-runner.ts): a stored run's verdict and exit code, its HTML page, and a bad file.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { writeRun } from '../fixtures/html-report-runs.js'
import { runCliBundle } from '../../test-servers/cli-runner.js'

let workspace: string
beforeEach(() => {
  workspace = mkdtempSync(path.join(tmpdir(), 'cli-report-e2e-'))
})
afterEach(() => rmSync(workspace, { recursive: true, force: true }))

const cli = (args: string[]) => runCliBundle(args, { cwd: workspace })

it('lists report among its commands, with --html in its help', async () => {
  expect((await cli(['--help'])).stdout).toMatch(/^ {2}report +Show a stored run/m)
  const help = await cli(['report', '--help'])
  expect(help.exitCode).toBe(0)
  expect(help.stdout).toContain('Usage: claude-batch-evals report RESULTS.json')
  expect(help.stdout).toMatch(/^ {2}--html OUT\.html$/m)
})

it('reports a failed run (exit 1), a passed one (exit 0), and writes the page with --html', async () => {
  const before = await writeRun(workspace, 'before', [{ text: 'Paris' }, { text: 'Paris' }])
  await writeRun(workspace, 'after', [{ text: 'Paris' }, { text: 'Lyon' }], before)
  const failed = await cli(['report', 'after.json'])
  expect(failed).toMatchObject({ exitCode: 1, stderr: '' })
  expect(failed.stdout).toMatch(/^FAILED 1 of 2 tests passed/)

  const passed = await cli(['report', 'before.json', '--html', 'before.html'])
  expect(passed).toMatchObject({ exitCode: 0, stderr: '' })
  expect(passed.stdout).toContain(`HTML report: ${path.join(workspace, 'before.html')}\n`)
  expect(readFileSync(path.join(workspace, 'before.html'), 'utf8')).toMatch(/^<!DOCTYPE html>/i)

  const compared = await cli(['report', 'after.json', '--baseline', 'before.json', '--fail-on', 'regression'])
  expect(compared.exitCode).toBe(1)
  expect(compared.stdout).toContain('1 test regressed against the baseline')
})

it('exits 2 with the file and the fix for a cut-off results file', async () => {
  const run = await writeRun(workspace, 'run', [{ text: 'Paris' }])
  const text = readFileSync(run.resultsPath, 'utf8')
  writeFileSync(path.join(workspace, 'cut.json'), text.slice(0, text.length - 40))
  const cut = await cli(['report', 'cut.json'])
  expect(cut.exitCode).toBe(2)
  expect(cut.stdout).toBe('')
  expect(cut.stderr).toMatch(/^error: cut\.json is not valid JSON .* a cut-off download/)
})
