/** Cost honesty through the committed bundle: the max-cost-increase gate, and the estimate when count_tokens fails. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { emulatorInputs, runAction } from '../../test-servers/action-runner.js'
import { startBatchEmulator, type BatchEmulator } from '../../test-servers/batch-emulator.js'
import { femtoFromUsd } from '../../src/report/baseline.js'
import { usdString } from '../../src/cost/usd.js'

const SUITE = [
  'model: claude-haiku-4-5',
  'max_tokens: 200',
  'tests:',
  '  - description: short',
  '    vars: { topic: reset }',
  '  - description: long',
  `    vars: { topic: "${'warranty terms '.repeat(200)}" }`,
  '  - description: added',
  '    vars: { topic: lights }',
].join('\n')
const PROMPTS = 'prompts:\n  - "Tell me about the {{ topic }}."\n'

let emulator: BatchEmulator
let workspace: string

beforeEach(async () => {
  emulator = await startBatchEmulator({ processingMs: 1 })
  workspace = await mkdtemp(path.join(tmpdir(), 'cost-gate-'))
  await writeFile(path.join(workspace, 'suite.yml'), `${PROMPTS}${SUITE}`)
})
afterEach(async () => {
  await Promise.all([emulator.close(), rm(workspace, { recursive: true, force: true })])
})

const run = (inputs: Record<string, string>) =>
  runAction({ workspace, inputs: emulatorInputs(emulator.url, { suite: 'suite.yml', ...inputs }) })

interface Entry {
  id: string
  description: string
  cost_usd: { batch: string; standard: string; savings: string } | null
}

/** The first run's results as a cheaper baseline: each test at a quarter of its cost, without `added`. */
async function cheaperBaseline(): Promise<Entry[]> {
  const results = JSON.parse(await readFile(path.join(workspace, 'eval-results.json'), 'utf8'))
  const tests = (results.tests as Entry[]).filter((entry) => entry.description !== 'added')
  for (const entry of tests) {
    const quarter = usdString((femtoFromUsd(entry.cost_usd?.batch ?? '0') ?? 0n) / 4n)
    entry.cost_usd = { batch: quarter, standard: quarter, savings: '0' }
  }
  results.tests = tests
  await writeFile(path.join(workspace, 'baseline.json'), JSON.stringify(results))
  return tests
}

describe('max-cost-increase, run from dist/', () => {
  it('fails the step when the tests in both runs cost more than allowed, listing the tests whose cost rose', async () => {
    const first = await run({})
    expect(first.exitCode).toBe(0)
    // Without a baseline the gate checks nothing, and one line says so.
    const alone = await run({ 'max-cost-increase': '10%' })
    expect(alone.exitCode).toBe(0)
    expect(alone.summary).toContain(
      'max-cost-increase (10%) checked nothing: there is no baseline to compare with.',
    )
    expect(alone.summary).toMatch(/### Cost per test\n\nMost expensive tests at batch prices/)

    const baseline = await cheaperBaseline()
    const gated = await run({ baseline: 'baseline.json', 'max-cost-increase': '10%' })
    expect(gated.exitCode).toBe(1)
    expect(gated.outputs.status).toBe('failed')
    // Four times the baseline's cost: +300%, over the tests in both runs only (% is %25 in a workflow command).
    expect(gated.log).toMatch(
      /::error::.*the 2 tests in both this run and the baseline cost \+\$[\d.]+ \(\+300\.0%25\) at batch prices, over max-cost-increase \(10%25\)/,
    )
    expect(gated.summary).toContain('max-cost-increase 10%: **exceeded**.')
    expect(gated.summary).toContain('Apart from the comparison: 1 test new')
    // The test whose cost rose the most first: the long prompt's.
    const [long, short] = ['long', 'short'].map(
      (description) => baseline.find((e) => e.description === description) as Entry,
    )
    const rose = gated.summary.slice(gated.summary.indexOf('**Cost rose the most (2)**'))
    expect(rose.indexOf(long.id)).toBeGreaterThan(0)
    expect(rose.indexOf(long.id)).toBeLessThan(rose.indexOf(short.id))
    expect(rose).toContain(`\n- ${long.id} — long ($0.0001469 → $0.0005875)\n`)

    const results = JSON.parse(await readFile(path.join(workspace, 'eval-results.json'), 'utf8'))
    expect(results.baseline.cost_comparison).toMatchObject({
      compared_tests: 2,
      increase_percent: expect.closeTo(300, 3),
      max_increase: { percent: 10 },
      exceeded: true,
      new_tests: { count: 1 },
      removed_tests: { count: 0, usd: '0' },
    })
    // Exact amounts in the file: the long test's cost before is the baseline's.
    expect(results.baseline.cost_comparison.increases[0]).toEqual({
      id: long.id,
      before_usd: long.cost_usd?.batch,
      after_usd: '0.0005875',
    })
    expect(results.baseline.cost_comparison.increases[1].id).toBe(short.id)

    // In USD, a limit above the rise lets the run pass.
    const within = await run({ baseline: 'baseline.json', 'max-cost-increase': '$5' })
    expect(within.exitCode).toBe(0)
    expect(within.summary).toContain('max-cost-increase $5.00: within.')
  })
})

describe('the estimate when count_tokens fails, run from dist/', () => {
  it('says first that it fell back to the heuristic and why, and checks max-cost at the upper end of its range', async () => {
    emulator.setCountTokensUnavailable(true)
    const result = await run({ 'max-cost': '0.0001' })
    expect(result.exitCode).toBe(1)
    expect(result.log).toMatch(
      /^Estimated cost at batch prices \(input tokens by heuristic \(4 characters a token, ±30%\), because count_tokens failed: 404 .*\): \$[\d.]+ to \$[\d.]+\.$/m,
    )
    expect(result.log).toMatch(
      /::error::The worst-case estimate, .*input tokens by heuristic .*at the band's upper end\), exceeds max-cost/,
    )
    const lines = result.summary.split('\n').filter((line) => line !== '')
    expect(lines[1]).toMatch(
      /^\*\*Estimated by heuristic, not counted\*\*: Input tokens by heuristic .*because count\\_tokens failed: 404/,
    )
    expect(lines[2]).toMatch(
      /^3 requests · about [\d,]+ input tokens \([\d,]+ to [\d,]+\) · up to 600 output tokens\.$/,
    )
  })
})
