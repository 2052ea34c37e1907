/**
 * on-timeout: standard with a deadline, through the committed bundle (or ACTION_BUNDLE): the batch has
 * processed two of three requests when the deadline's wait ends; it is cancelled, the two keep their batch
 * results, and the third is answered by the standard Messages API, so the verdict comes with its cost mix.
 * The batch is scripted (it never ends on its own), so the outcome does not hang on how fast the action runs.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { emulatorInputs, runAction } from '../../test-servers/action-runner.js'
import { startBatchEmulator, type BatchEmulator } from '../../test-servers/batch-emulator.js'
import { storedEntries, type StoredEntry } from '../../src/report/stored-run.js'

const SUITE = [
  'model: claude-haiku-4-5',
  'tests:',
  '  - id: capital',
  '    prompt: Capital of France?',
  '    assert: [{ type: icontains, value: paris }]',
  '  - id: greeting',
  '    prompt: Say hello',
  '    assert: [{ type: icontains, value: hello }]',
  '  - id: sum',
  '    prompt: 2+2?',
  '    assert: [{ type: contains, value: "4" }]',
].join('\n')
// The standard API's answer fails its assertion: the verdict is made of both kinds of result.
const REPLIES = { 'Capital of France?': 'Paris.', 'Say hello': 'Hello!', '2+2?': 'Five.' }

let emulator: BatchEmulator
let workspace: string

beforeEach(async () => {
  workspace = await mkdtemp(path.join(tmpdir(), 'standard-fallback-'))
  await writeFile(path.join(workspace, 'suite.yml'), SUITE)
})
afterEach(async () => {
  await Promise.all([emulator?.close(), rm(workspace, { recursive: true, force: true })])
})

type Entry = StoredEntry & { cost_usd: NonNullable<StoredEntry['cost_usd']> }

describe('on-timeout: standard at the deadline, run from dist/', () => {
  it('returns the verdict with the cost mix: two requests at batch price, one at standard', async () => {
    emulator = await startBatchEmulator({ replies: REPLIES })
    emulator.scriptNextBatches({ processed: 2 })
    const run = await runAction({
      workspace,
      event: { name: 'workflow_dispatch', payload: {} },
      inputs: emulatorInputs(emulator.url, { suite: 'suite.yml', 'on-timeout': 'standard', deadline: '3s' }),
    })

    // The verdict, per the grades of both: the standard API's answer fails.
    expect(run.exitCode).toBe(1)
    expect(run.outputs).toMatchObject({
      status: 'failed',
      total: '3',
      passed: '2',
      failed: '1',
      errored: '0',
    })
    expect(emulator.createdBatches()).toHaveLength(1)
    expect(emulator.calls.filter((call) => call.path === '/v1/messages')).toHaveLength(1)
    expect(run.log).toMatch(
      /Deadline \S+Z: waiting at most \d+s for the batches \(max-wait is longer\), keeping \d+s to send what they do not finish by the standard API\./,
    )
    expect(run.log).toContain('Standard API: 1 answered, 0 errored.')

    // Read as every reader of results files reads them.
    const text = await readFile(run.outputs['results-file'], 'utf8')
    const entries = [...storedEntries(text, 'eval-results.json')] as Entry[]
    expect(entries.map((e) => [e.id, e.status, e.usage?.service_tier])).toEqual([
      ['capital', 'passed', 'batch'],
      ['greeting', 'passed', 'batch'],
      ['sum', 'failed', 'standard'],
    ])
    // Billed: the batch's at half the standard price, the standard API's at the standard price.
    for (const entry of entries) {
      const [batch, standard] = [Number(entry.cost_usd.batch), Number(entry.cost_usd.standard)]
      expect(batch).toBeCloseTo(entry.usage?.service_tier === 'standard' ? standard : standard / 2, 12)
    }
    // cost-batch-usd is what the run cost: each request at the price it was billed at.
    const sum = (pick: (e: Entry) => string) => entries.reduce((total, e) => total + Number(pick(e)), 0)
    expect(Number(run.outputs['cost-batch-usd'])).toBeCloseTo(
      sum((e) => e.cost_usd.batch),
      12,
    )
    expect(Number(run.outputs['cost-standard-usd'])).toBeCloseTo(
      sum((e) => e.cost_usd.standard),
      12,
    )
    const standardEntry = entries[2] as Entry
    const saved = Number(standardEntry.cost_usd.standard) / 2
    expect(run.summary).toMatch(
      /Price mix: 2 requests at batch price, 1 at standard price \(sent by the standard API when the batches ran out of time, on-timeout: standard\); waiting for the batches would have saved \$0\.\d+\./,
    )
    const said = /would have saved \$(\d+\.\d+)\./.exec(run.summary)?.[1]
    expect(Number(said)).toBeCloseTo(saved, 12)
  })
  it('checks max-cost against the worst case at standard prices, as every request could go to the standard API', async () => {
    emulator = await startBatchEmulator({ replies: REPLIES })
    const run = (inputs: Record<string, string>) =>
      runAction({
        workspace,
        event: { name: 'workflow_dispatch', payload: {} },
        inputs: emulatorInputs(emulator.url, { suite: 'suite.yml', ...inputs }),
      })
    const dry = await run({ 'dry-run': 'true' })
    const worstAtBatch = Number(dry.outputs['estimated-cost-batch-usd'])
    expect(worstAtBatch).toBeGreaterThan(0)
    // Above the worst case at batch prices, below it at standard prices (twice as much).
    const maxCost = String(worstAtBatch * 1.5)
    const gated = await run({ 'on-timeout': 'standard', 'max-cost': maxCost })
    expect(gated.outputs.status).toBe('over-budget')
    expect(gated.log).toContain(
      'at standard prices (on-timeout: standard may send every request through the standard API)',
    )
    expect(emulator.createdBatches()).toHaveLength(0)
    // The same budget without on-timeout: standard is checked at batch prices, and the run goes ahead.
    const allowed = await run({ 'max-cost': maxCost })
    expect(allowed.outputs.status).toBe('failed')
    expect(emulator.createdBatches()).toHaveLength(1)
  })
})
