/**
 * baseline: auto through the bundle, as two workflows run it: a push to main stores its run in the Actions
 * cache, and a pull request's run, on a fresh runner and checkout with no artifact step, finds it there and
 * reports the regressions and fixes against it.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { isGzip, resultsFileText } from '../../src/report/results-text.js'
import { emulatorInputs, runAction } from '../../test-servers/action-runner.js'
import { startBatchEmulator } from '../../test-servers/batch-emulator.js'
import { startFakeActionsCache, type FakeActionsCache } from '../../test-servers/fake-actions-cache.js'

/** The suite, with the prompt's wording after the question (the pull request edits it). */
const suite = (after: string) =>
  [
    'prompts:',
    `  - "{{ question }}${after}"`,
    'providers: [anthropic:messages:claude-haiku-4-5]',
    'tests:',
    '  - description: reset',
    '    vars: { question: "How do I reset it?" }',
    '    assert: [{ type: contains, value: ten seconds }]',
    '  - description: lights',
    '    vars: { question: "What do the lights mean?" }',
    '    assert: [{ type: contains, value: green }]',
  ].join('\n')

const MAIN_REPLIES = {
  'How do I reset it?': 'Hold the button for ten seconds.',
  'What do the lights mean?': 'Red.',
}
// The pull request edits the prompt: its reset answer is worse, its lights answer better.
const PR_PROMPT = ' Be brief.'
const PR_REPLIES = {
  'How do I reset it? Be brief.': 'Unplug it.',
  'What do the lights mean? Be brief.': 'A green light: ready.',
}

let cache: FakeActionsCache
let runnerTemp: string
const workspaces: string[] = []

beforeEach(async () => {
  cache = await startFakeActionsCache()
  runnerTemp = await mkdtemp(path.join(tmpdir(), 'runner-temp-'))
})
afterEach(async () => {
  await cache.close()
  await Promise.all(
    [runnerTemp, ...workspaces.splice(0)].map((dir) => rm(dir, { recursive: true, force: true })),
  )
})

/** A run on a fresh runner (the temp directory emptied, at the same path as on every hosted runner) and checkout. */
async function runOn(
  after: string,
  replies: Record<string, string>,
  event: { name: string; env: Record<string, string> },
  inputs: Record<string, string> = {},
) {
  await rm(runnerTemp, { recursive: true, force: true })
  await mkdir(runnerTemp)
  const workspace = await mkdtemp(path.join(tmpdir(), 'baseline-auto-'))
  workspaces.push(workspace)
  await writeFile(path.join(workspace, 'evals.yml'), suite(after))
  const emulator = await startBatchEmulator({ processingMs: 1, replies })
  try {
    const run = await runAction({
      workspace,
      inputs: emulatorInputs(emulator.url, { suite: 'evals.yml', baseline: 'auto', ...inputs }),
      event: { name: event.name, payload: {} },
      env: { ...cache.env, RUNNER_TEMP: runnerTemp, ...event.env },
    })
    const resultsFile = path.join(workspace, inputs['results-file'] ?? 'eval-results.json')
    const bytes = await readFile(resultsFile)
    return { ...run, results: JSON.parse(resultsFileText(bytes)), gzipped: isGzip(bytes) }
  } finally {
    await emulator.close()
  }
}

const pushToMain = (runId: string, sha: string) => ({
  name: 'push',
  env: { GITHUB_REF_NAME: 'main', GITHUB_RUN_ID: runId, GITHUB_SHA: sha },
})
const pullRequest = {
  name: 'pull_request',
  env: {
    GITHUB_REF_NAME: '7/merge',
    GITHUB_BASE_REF: 'main',
    GITHUB_HEAD_REF: 'worse-reset',
    GITHUB_RUN_ID: '3003',
    GITHUB_SHA: 'c'.repeat(40),
  },
}

describe('baseline: auto, run from dist/', () => {
  it("a pull request's run compares with main's latest run from the Actions cache, with no artifact step", async () => {
    const first = await runOn('', MAIN_REPLIES, pushToMain('1001', 'a'.repeat(40)))
    expect(first.exitCode).toBe(1) // lights fails on main
    // main's first run has nothing to compare with: said once, and the run is stored for the next.
    expect(first.log.match(/baseline: auto:/g)).toHaveLength(1)
    expect(first.log).toContain('baseline: auto: no run of this suite on main is stored in the actions cache')
    expect(first.log).toMatch(
      /Stored this run's results in the actions cache as the baseline of the next run on main/,
    )
    expect(first.outputs.regressions).toBe('')

    const second = await runOn('', MAIN_REPLIES, pushToMain('1002', 'b'.repeat(40)))
    // A push compares with the branch's previous run: nothing flipped.
    expect(second.log).toContain('is run 1001 of main (aaaaaaa), stored')
    expect(second.outputs).toMatchObject({ regressions: '0', fixes: '0' })
    expect(
      cache.entries().filter((entry) => entry.key.startsWith('claude-batch-evals-baseline-')),
    ).toHaveLength(2)

    const pr = await runOn(PR_PROMPT, PR_REPLIES, pullRequest, { 'fail-on': 'regression' })
    expect(pr.log).toContain('is run 1002 of main (bbbbbbb), stored')
    expect(pr.outputs).toMatchObject({ regressions: '1', fixes: '1', status: 'failed' })
    expect(pr.exitCode).toBe(1)
    expect(pr.summary).toContain('Baseline: `run 1002 of main (bbbbbbb)`')
    expect(pr.summary).toMatch(/Regressions: passed on the baseline, not now[\s\S]*reset/)
    expect(pr.results.baseline).toMatchObject({ file: 'run 1002 of main (bbbbbbb)' })
    // The pull request's run is not stored: main's two are all there are.
    expect(pr.log).toContain("this pull request's run is not stored")
    expect(
      cache.entries().filter((entry) => entry.key.startsWith('claude-batch-evals-baseline-')),
    ).toHaveLength(2)
  })

  it("compares with main's run stored as a gzipped results file (results-file: *.gz)", async () => {
    const gzipped = { 'results-file': 'eval-results.json.gz' }
    const main = await runOn('', MAIN_REPLIES, pushToMain('1001', 'a'.repeat(40)), gzipped)
    expect(main.gzipped).toBe(true)
    expect(main.log).toMatch(/Stored this run's results in the actions cache/)
    const pr = await runOn(PR_PROMPT, PR_REPLIES, pullRequest)
    expect(pr.log).toContain('is run 1001 of main (aaaaaaa), stored')
    expect(pr.outputs).toMatchObject({ regressions: '1', fixes: '1' })
  })
})
