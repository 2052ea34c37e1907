/** Cost before spending, through the committed bundle: dry runs, the max-cost budget, and cache: auto. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { runAction, type RunActionOptions } from '../test-servers/action-runner.js'
import { startBatchEmulator, type BatchEmulator } from '../test-servers/batch-emulator.js'

const LONG_SYSTEM = 'You answer questions about the Acme router manual. '.repeat(400)
const suite = (system: string) =>
  [
    'model: claude-haiku-4-5',
    'max_tokens: 2000',
    `system: ${JSON.stringify(system)}`,
    'tests:',
    ...['reset', 'warranty', 'lights'].map((topic) => `  - prompt: Tell me about the ${topic}.`),
  ].join('\n')

let emulator: BatchEmulator
let workspace: string

beforeEach(async () => {
  emulator = await startBatchEmulator({ processingMs: 100 })
  workspace = await mkdtemp(path.join(tmpdir(), 'cost-'))
})
afterEach(async () => {
  await Promise.all([emulator.close(), rm(workspace, { recursive: true, force: true })])
})

async function run(system: string, inputs: RunActionOptions['inputs']) {
  await writeFile(path.join(workspace, 'suite.yml'), suite(system))
  return runAction({
    workspace,
    inputs: {
      suite: 'suite.yml',
      'anthropic-api-key': 'sk-test',
      'anthropic-base-url': emulator.url,
      'poll-interval': '100ms',
      ...inputs,
    },
  })
}

const creates = () => emulator.calls.filter((c) => c.method === 'POST' && c.path === '/v1/messages/batches')

describe('cost before spending, run from dist/', () => {
  it('dry-run validates, estimates and reports, and submits nothing', async () => {
    const result = await run('Be brief.', { 'dry-run': 'true' })
    expect(result.exitCode).toBe(0)
    expect(result.outputs.status).toBe('dry-run')
    expect(result.outputs['estimated-cost-batch-usd']).toMatch(/^0\.0\d+$/)
    expect(result.summary).toContain('## 🧮 Claude Batch Evals: dry run')
    expect(result.summary).toMatch(/3 requests · \d+ input tokens · up to 6,000 output tokens/)
    expect(result.summary).toContain('Nothing was submitted.')
    expect(creates()).toEqual([])
  })

  it('submits nothing when the worst case exceeds max-cost, and says by how much', async () => {
    // Worst case: 3 x 2,000 output tokens at $2.50 per million (Haiku 4.5, batch) is $0.015 alone.
    const result = await run('Be brief.', { 'max-cost': '0.01' })
    expect(result.exitCode).toBe(1)
    expect(result.log).toMatch(
      /::error::The worst-case estimate, \$0\.01\d+ at batch prices \(every output at max_tokens\), exceeds max-cost \(\$0\.01\); nothing was submitted\./,
    )
    expect(result.summary).toContain('Budget (max-cost): $0.01 · **over, or not checkable**.')
    expect(creates()).toEqual([])
  })

  it('runs within max-cost', async () => {
    const result = await run('Be brief.', { 'max-cost': '1' })
    expect(result.outputs.status).toBe('passed')
    expect(creates()).toHaveLength(1)
  })

  it('places identical cache breakpoints on a long shared system prompt, and none on a short one', async () => {
    await run(LONG_SYSTEM, {})
    const [cached] = emulator.createdBatches()
    const systems = cached.requests.map((r) => (r.params as { system: unknown }).system)
    expect(systems).toEqual(
      Array(3).fill([{ type: 'text', text: LONG_SYSTEM, cache_control: { type: 'ephemeral', ttl: '1h' } }]),
    )

    await run('Be brief.', { 'batch-id': '' })
    const plain = emulator.createdBatches()[1]
    expect(plain.requests.map((r) => (r.params as { system: unknown }).system)).toEqual(
      Array(3).fill('Be brief.'),
    )

    await run(LONG_SYSTEM.replace('Acme', 'Globex'), { cache: 'off' })
    const off = emulator.createdBatches()[2]
    expect(JSON.stringify(off.requests)).not.toContain('cache_control')
  })
})
