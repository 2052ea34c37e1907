/**
 * Matrix shards through the bundle, as a workflow's matrix and merge job run them on a pull request: three
 * shard jobs (shard: i/3) each run their slice, comment nothing and never fail the step; the merge job
 * (merge: shards/*) posts the one comment, writes the one summary, sets the outputs of the whole suite and
 * gates it. The same suite run whole on the same emulator gets the same verdict, counts, per-test verdicts and
 * costs as its three shards merged.
 */
import { mkdir, mkdtemp, readFile, rm, rename, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { resultsFileText } from '../../src/report/results-text.js'
import { emulatorInputs, runAction } from '../../test-servers/action-runner.js'
import { startBatchEmulator, type BatchEmulator } from '../../test-servers/batch-emulator.js'
import { startFakeGitHub, type FakeGitHub } from '../../test-servers/fake-github.js'

const MARKER = '<!-- claude-batch-evals:report -->'
const TESTS = 12
/** Every third test expects a word its reply lacks. */
const failing = (i: number) => i % 3 === 0
const SUITE = [
  "prompts: ['{{ q }}']",
  'providers: [anthropic:messages:claude-haiku-4-5]',
  'tests:',
  ...Array.from({ length: TESTS }, (_, i) => [
    `  - description: test ${i}`,
    `    vars: { q: "question ${i}?" }`,
    `    assert: [{ type: contains, value: "${failing(i) ? 'nowhere' : `answer ${i}`}" }]`,
  ]).flat(),
].join('\n')
const REPLIES = Object.fromEntries(
  Array.from({ length: TESTS }, (_, i) => [`question ${i}?`, `The answer ${i}, at length.`]),
)
const pullRequest = {
  name: 'pull_request',
  payload: { action: 'synchronize', number: 7, pull_request: { number: 7, head: { sha: 'abc123' } } },
}

let emulator: BatchEmulator
let github: FakeGitHub
let workspace: string

beforeEach(async () => {
  // Deterministic: one request after another, and no cache read left to chance.
  emulator = await startBatchEmulator({
    processingMs: 1,
    replies: REPLIES,
    concurrent: false,
    cacheHitRate: 0,
  })
  github = await startFakeGitHub({ token: 'gh-token' })
  workspace = await mkdtemp(path.join(tmpdir(), 'shards-'))
  await writeFile(path.join(workspace, 'evals.yml'), SUITE)
})
afterEach(async () => {
  await Promise.all([emulator.close(), github.close(), rm(workspace, { recursive: true, force: true })])
})

const run = (inputs: Record<string, string>) =>
  runAction({
    workspace,
    inputs: emulatorInputs(emulator.url, { suite: 'evals.yml', 'poll-interval': '100ms', ...inputs }),
    event: pullRequest,
    env: { GITHUB_TOKEN: 'gh-token', GITHUB_API_URL: github.url },
  })

const ourComments = () => github.comments('acme', 'support-bot', 7).filter((c) => c.body.startsWith(MARKER))

interface Results {
  status: string
  tests: { id: string; status: string; cost_usd: { batch: string } | null }[]
}
const readResults = async (file: string) =>
  JSON.parse(resultsFileText(await readFile(path.join(workspace, file)))) as Results
const verdicts = (results: Results) =>
  Object.fromEntries(results.tests.map((test) => [test.id, [test.status, test.cost_usd?.batch]]))

/** The three shard jobs, each writing its results file under shards/ (gzipped: a merge reads either). */
async function runShards() {
  await mkdir(path.join(workspace, 'shards'))
  const shards = []
  for (const index of [1, 2, 3]) {
    const file = `shards/shard-${index}.json${index === 2 ? '.gz' : ''}`
    shards.push({ ...(await run({ shard: `${index}/3`, 'results-file': file })), file })
  }
  return shards
}

describe('shards and their merge, run from dist/', () => {
  it('shards comment on nothing and pass the step; the merge comments once, sums up and gates the suite', async () => {
    const shards = await runShards()
    for (const shard of shards) {
      expect(shard.exitCode).toBe(0)
      expect(shard.log).not.toContain('::error::')
      expect(shard.log).toMatch(/Shard \d of 3: the merge job gates\./)
      expect(shard.summary).toMatch(
        /^\*\*shard \d of 3\*\* \(12 tests in the suite\): this job ran its slice/,
      )
    }
    // A deterministic slice: every test in one shard, and some shard's slice fails yet its step passes.
    expect(shards.reduce((sum, shard) => sum + Number(shard.outputs.total), 0)).toBe(TESTS)
    expect(shards.some((shard) => Number(shard.outputs.failed) > 0)).toBe(true)
    expect(github.comments('acme', 'support-bot', 7)).toHaveLength(0)

    const merged = await run({ suite: '', merge: 'shards/*' })
    expect(merged.exitCode).toBe(1)
    expect(merged.log).toMatch(
      /Merged 3 shards \(shards\/shard-1\.json, shards\/shard-2\.json\.gz, shards\/shard-3\.json\): 12 tests\./,
    )
    expect(merged.log).toContain('::error::Evals failed: pass rate 66.6%25 is below the minimum of 100%25')
    expect(merged.outputs).toMatchObject({ status: 'failed', total: '12', passed: '8', failed: '4' })
    expect(merged.summary).toContain('## ❌ Claude Batch Evals: failed')
    expect(merged.summary).toMatch(/\*\*8 of 12 tests passed \(66\.\d%\)\*\*/)
    expect(merged.summary.match(/## ❌ Claude Batch Evals/g)).toHaveLength(1)
    expect(merged.summary).not.toContain('this job ran its slice')
    const comments = ourComments()
    expect(comments).toHaveLength(1)
    expect(comments[0].body).toMatch(/\*\*8 of 12 tests passed \(66\.\d%\)\*\*/)
    const results = await readResults('eval-results.json')
    expect(results.tests).toHaveLength(TESTS)

    // The gate is the merge job's: met, the step passes, and the one comment is updated, not repeated.
    const lenient = await run({ suite: '', merge: 'shards/*', 'min-pass-rate': '0.6' })
    expect(lenient.exitCode).toBe(0)
    expect(lenient.outputs).toMatchObject({ status: 'passed', total: '12' })
    expect(ourComments()).toHaveLength(1)
    expect(ourComments()[0].body).toContain('✅')
  })

  it('fails the merge naming the missing shard, and a glob that matches nothing', async () => {
    await runShards()
    await rename(path.join(workspace, 'shards/shard-2.json.gz'), path.join(workspace, 'shard-2.json.gz'))
    const missing = await run({ suite: '', merge: 'shards/*' })
    expect(missing.exitCode).toBe(1)
    expect(missing.log).toMatch(/::error::merge lacks shard 2 of 3 \(it has 1, 3\)/)
    expect(missing.outputs.status).toBe('error')
    expect(ourComments()).toHaveLength(0)

    const none = await run({ suite: '', merge: 'nowhere/*.json' })
    expect(none.exitCode).toBe(1)
    expect(none.log).toContain("::error::merge: 'nowhere/*.json' matches no file under")
  })

  it('the suite run whole and its three shards merged: the same verdict, counts, verdicts and costs', async () => {
    const whole = await run({ 'results-file': 'whole.json' })
    await runShards()
    const merged = await run({ suite: '', merge: 'shards/*', 'results-file': 'merged.json' })
    expect(merged.exitCode).toBe(whole.exitCode)
    // Costs too, exactly: both add the same per-request costs (femto-dollars, not floats).
    const same = ['status', 'total', 'passed', 'failed', 'errored', 'pass-rate', 'flaky']
    const costs = ['cost-batch-usd', 'cost-standard-usd', 'savings-usd']
    const pick = (outputs: Record<string, string>) =>
      Object.fromEntries([...same, ...costs].map((name) => [name, outputs[name]]))
    expect(pick(merged.outputs)).toEqual(pick(whole.outputs))
    expect(Number(whole.outputs['cost-batch-usd'])).toBeGreaterThan(0)
    const [wholeResults, mergedResults] = await Promise.all([
      readResults('whole.json'),
      readResults('merged.json'),
    ])
    expect(mergedResults.status).toBe(wholeResults.status)
    expect(verdicts(mergedResults)).toEqual(verdicts(wholeResults))
    expect(Object.keys(verdicts(wholeResults))).toHaveLength(TESTS)
  })
})
