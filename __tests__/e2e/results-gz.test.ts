/**
 * `results-file: eval-results.json.gz` end to end through the bundles: the action writes the results file
 * gzipped and its HTML page from it; the next run compares with it and reuses from it as its baseline; the
 * command line reports it and regrades from it.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { gunzipSync } from 'node:zlib'
import { pageScripts as scripts } from '../fixtures/html-page.js'
import { emulatorInputs, runAction } from '../../test-servers/action-runner.js'
import { startBatchEmulator, type BatchEmulator } from '../../test-servers/batch-emulator.js'
import { runCliBundle } from '../../test-servers/cli-runner.js'

const TESTS = 12

function suite(failing: number): string {
  const tests = Array.from({ length: TESTS }, (_, n) => {
    const expected = n === failing ? 'Not the answer' : `Answer ${n}`
    return `  - id: t${n}\n    prompt: Question ${n}\n    assert:\n      - type: contains\n        value: ${expected}`
  })
  return `description: Gzipped\nmodel: claude-haiku-4-5\ntests:\n${tests.join('\n')}\n`
}

let emulator: BatchEmulator
let workspace: string

beforeEach(async () => {
  const replies = Object.fromEntries(
    Array.from({ length: TESTS }, (_, n) => [`Question ${n}`, `Answer ${n}.`]),
  )
  emulator = await startBatchEmulator({ processingMs: 1, replies })
  workspace = await mkdtemp(path.join(tmpdir(), 'results-gz-'))
})

afterEach(async () => {
  await Promise.all([emulator.close(), rm(workspace, { recursive: true, force: true })])
})

interface Results {
  schema_version: number
  summary: { total: number; passed: number }
  baseline?: { file: string; regressions: string[]; fixes: string[] }
  tests: { id: string; status: string; output: string; reused_from?: unknown }[]
}

const resultsOf = async (file: string) =>
  JSON.parse(gunzipSync(await readFile(path.join(workspace, file))).toString('utf8')) as Results

it('writes the results file gzipped, and every reader of a results file takes it', async () => {
  await writeFile(path.join(workspace, 'suite.yml'), suite(2))
  const first = await runAction({
    workspace,
    inputs: emulatorInputs(emulator.url, {
      suite: 'suite.yml',
      comment: 'false',
      'results-file': 'out/eval-results.json.gz',
      'html-report': 'out/report.html',
    }),
  })
  expect(first.outputs.status).toBe('failed')
  expect(first.outputs['results-file']).toBe(path.join(workspace, 'out/eval-results.json.gz'))
  const stored = await resultsOf('out/eval-results.json.gz')
  expect(stored).toMatchObject({ schema_version: 1, summary: { total: TESTS, passed: TESTS - 1 } })
  expect(stored.tests.map((test) => test.output)).toEqual(
    Array.from({ length: TESTS }, (_, n) => `Answer ${n}.`),
  )
  const page = await readFile(path.join(workspace, 'out/report.html'), 'utf8')
  expect(JSON.parse(scripts(page)[0])).toEqual(stored)

  // A pull request's run with the gzipped file as its baseline: compared, and its unchanged requests reused.
  await writeFile(path.join(workspace, 'suite.yml'), suite(5))
  const sent = emulator.createdBatches().length
  const second = await runAction({
    workspace,
    inputs: emulatorInputs(emulator.url, {
      suite: 'suite.yml',
      comment: 'false',
      baseline: 'out/eval-results.json.gz',
      reuse: 'always',
      'results-file': 'out/pr-results.json.gz',
    }),
  })
  expect(second.outputs.status).toBe('failed')
  expect(emulator.createdBatches()).toHaveLength(sent)
  const pr = await resultsOf('out/pr-results.json.gz')
  expect(pr.baseline).toMatchObject({ file: 'out/eval-results.json.gz', regressions: ['t5'], fixes: ['t2'] })
  expect(pr.tests.every((test) => test.reused_from !== undefined)).toBe(true)

  const cli = (args: string[]) => runCliBundle(args, { cwd: workspace })
  const reported = await cli(['report', 'out/pr-results.json.gz', '--html', 'pr.html'])
  expect(reported).toMatchObject({ exitCode: 1, stderr: '' })
  expect(reported.stdout).toMatch(new RegExp(`^FAILED ${TESTS - 1} of ${TESTS} tests passed`))
  expect(JSON.parse(scripts(await readFile(path.join(workspace, 'pr.html'), 'utf8'))[0])).toEqual(pr)
  const compared = await cli(['report', 'out/pr-results.json.gz', '--baseline', 'out/eval-results.json.gz'])
  expect(compared.stdout).toContain('Baseline out/eval-results.json.gz: 1 regressed, 1 fixed.')

  await writeFile(path.join(workspace, 'suite.yml'), suite(-1))
  const regraded = await cli([
    'regrade',
    'suite.yml',
    '--from',
    'out/pr-results.json.gz',
    '--results-file',
    'r.json',
  ])
  expect(regraded.exitCode).toBe(0)
  expect(regraded.stdout).toContain('This regrade cost nothing: no request was sent.')
  expect(emulator.createdBatches()).toHaveLength(sent)

  const packed = await readFile(path.join(workspace, 'out/pr-results.json.gz'))
  await writeFile(path.join(workspace, 'cut.json.gz'), packed.subarray(0, packed.length - 20))
  const cut = await cli(['report', 'cut.json.gz'])
  expect(cut).toMatchObject({ exitCode: 2, stdout: '' })
  expect(cut.stderr).toMatch(
    /^error: .*cut\.json\.gz is gzip that does not decompress .* Download or write it again\./,
  )
})
