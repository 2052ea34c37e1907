/** Cost through the committed bundle: dry runs, the max-cost budget, and prompt caching's decision and outcome. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { emulatorInputs, runAction, type RunActionOptions } from '../../test-servers/action-runner.js'
import { startBatchEmulator, type BatchEmulator } from '../../test-servers/batch-emulator.js'

const LONG_SYSTEM = 'You answer questions about the Acme router manual. '.repeat(400)
const suite = (system: string, topics: string[]) =>
  [
    'model: claude-haiku-4-5',
    'max_tokens: 2000',
    `system: ${JSON.stringify(system)}`,
    'tests:',
    ...topics.map((topic) => `  - prompt: Tell me about the ${topic}.`),
  ].join('\n')
/** Enough requests sharing the prefix for some to find it cached after the first wave. */
const TOPICS = Array.from({ length: 24 }, (_, i) => `topic ${i + 1}`)

let emulator: BatchEmulator
let workspace: string

beforeEach(async () => {
  emulator = await startBatchEmulator({ processingMs: 1 })
  workspace = await mkdtemp(path.join(tmpdir(), 'cost-'))
})
afterEach(async () => {
  await Promise.all([emulator.close(), rm(workspace, { recursive: true, force: true })])
})

async function run(
  system: string,
  inputs: RunActionOptions['inputs'],
  topics = ['reset', 'warranty', 'lights'],
) {
  await writeFile(path.join(workspace, 'suite.yml'), suite(system, topics))
  return runAction({
    workspace,
    inputs: emulatorInputs(emulator.url, { suite: 'suite.yml', ...inputs }),
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
    expect(result.summary).toContain('Budget (max-cost): $0.01 · **over**.')
    expect(result.outputs.status).toBe('over-budget')
    expect(creates()).toEqual([])
  })

  it('runs within max-cost', async () => {
    const result = await run('Be brief.', { 'max-cost': '1' })
    expect(result.outputs.status).toBe('passed')
    expect(creates()).toHaveLength(1)
    // A short system prompt gets no cache breakpoint.
    const [plain] = emulator.createdBatches()
    expect(plain.requests.map((r) => (r.params as { system: unknown }).system)).toEqual(
      Array(3).fill('Be brief.'),
    )
  })

  it('estimates input tokens as the batch then bills them, when count_tokens is reachable', async () => {
    const dry = await run(LONG_SYSTEM, { 'dry-run': 'true', cache: 'off' })
    expect(dry.log).toMatch(
      /Estimated cost at batch prices \(input tokens by count_tokens\): \$[\d.]+ to \$[\d.]+/,
    )
    const estimated = Number(/3 requests · ([\d,]+) input tokens/.exec(dry.summary)?.[1].replace(/,/g, ''))
    const real = await run(LONG_SYSTEM, { cache: 'off' })
    const [off] = emulator.createdBatches()
    expect(JSON.stringify(off.requests)).not.toContain('cache_control')
    const results = JSON.parse(await readFile(real.outputs['results-file'], 'utf8'))
    const billed = results.tests.reduce(
      (sum: number, t: { usage: { input_tokens: number } }) => sum + t.usage.input_tokens,
      0,
    )
    // The emulator counts exactly as it bills; the real API's count_tokens is an estimate within a few percent.
    expect(estimated).toBe(billed)
  })

  it("reports the realized hit rate and what cache: 1h saved or cost against off, from the results' usage", async () => {
    const result = await run(LONG_SYSTEM, { cache: '1h' }, TOPICS)
    expect(result.outputs.status).toBe('passed')
    const [cached] = emulator.createdBatches()
    const systems = cached.requests.map((r) => (r.params as { system: unknown }).system)
    expect(systems).toEqual(
      Array(TOPICS.length).fill([
        { type: 'text', text: LONG_SYSTEM, cache_control: { type: 'ephemeral', ttl: '1h' } },
      ]),
    )
    expect(result.log).toMatch(
      /Prompt caching: claude-haiku-4-5: 1h cache on the system .* as cache: 1h asks/,
    )
    const results = JSON.parse(await readFile(result.outputs['results-file'], 'utf8'))
    type Usage = {
      input_tokens: number
      cache_creation_input_tokens: number
      cache_read_input_tokens: number
    }
    const usages: Usage[] = results.tests.map((t: { usage: Usage }) => t.usage)
    const writes = usages.reduce((sum, u) => sum + u.cache_creation_input_tokens, 0)
    const reads = usages.reduce((sum, u) => sum + u.cache_read_input_tokens, 0)
    const hits = usages.filter((u) => u.cache_read_input_tokens > 0).length
    // The emulator's cache is best effort: the first wave misses, later requests read at a seeded rate.
    expect(hits).toBeGreaterThan(0)
    expect(hits).toBeLessThan(TOPICS.length)
    // Haiku 4.5 at batch prices, per million tokens: input $0.50, 1-hour write $1.00, read $0.05. Against off,
    // every cached token would have been input: reads save $0.45 each, writes cost $0.50 more.
    const savedBatch = (reads * 0.45 - writes * 0.5) / 1e6
    expect(results.cost.cache).toMatchObject({
      marked_requests: TOPICS.length,
      hit_requests: hits,
      hit_rate: hits / TOPICS.length,
    })
    expect(Number(results.cost.cache.saved_usd.batch)).toBeCloseTo(savedBatch, 12)
    const rate = `${Math.floor((hits / TOPICS.length) * 1000) / 10}`.replace(/\.0$/, '')
    expect(result.summary).toContain(
      `Prompt caching: ${hits} of ${TOPICS.length} marked requests (${rate}%) read their prefix from the cache;`,
    )
    // Most of the batch runs in its first wave: caching cost more than it saved, and the summary says so.
    expect(savedBatch).toBeLessThan(0)
    const lost = /\*\*caching cost \$([\d.]+) more\*\* at batch prices than cache: off/.exec(result.summary)
    expect(Number(lost?.[1])).toBeCloseTo(-savedBatch, 4)

    // cache: auto reads that run as its baseline: the realized rate decides, and the log says so.
    await writeFile(path.join(workspace, 'baseline.json'), JSON.stringify(results))
    const auto = await run(LONG_SYSTEM, { baseline: 'baseline.json', 'dry-run': 'true' }, TOPICS)
    const expected = `${Math.round((hits / TOPICS.length) * 100)}%`
    expect(auto.log).toMatch(
      new RegExp(`Prompt caching: claude-haiku-4-5: .*expected ${expected} from the baseline`),
    )
    expect(auto.summary).toContain(`expected ${expected} from the baseline`)
  })

  it('leaves a prefix unmarked with cache: auto and no baseline, where 30% would not pay, and says why', async () => {
    const result = await run(LONG_SYSTEM, {})
    const [sent] = emulator.createdBatches()
    expect(JSON.stringify(sent.requests)).not.toContain('cache_control')
    expect(result.log).toContain(
      'Prompt caching: claude-haiku-4-5: not marked, the system (about 5,100 tokens) shared by 3 requests: ' +
        'expected 0% by default, without a baseline, as all 3 requests would start together and miss',
    )
    expect(result.summary).not.toContain('Prompt caching:')
  })

  it('prices a model the table lacks from the pricing file, and leaves its cost empty without one', async () => {
    await writeFile(
      path.join(workspace, 'prices.yml'),
      'models:\n  claude-mystery-9:\n    input: 2\n    output: 10\n',
    )
    await writeFile(
      path.join(workspace, 'suite.yml'),
      'model: claude-mystery-9\ntests:\n  - prompt: Hello there\n',
    )
    const inputs = emulatorInputs(emulator.url, { suite: 'suite.yml' })
    const unpriced = await runAction({ workspace, inputs })
    expect(unpriced.outputs['cost-batch-usd']).toBe('')
    expect(unpriced.summary).toContain(
      "Cost unknown for 1 test(s) on claude-mystery-9: model 'claude-mystery-9' is not in the price table",
    )
    const priced = await runAction({
      workspace,
      inputs: { ...inputs, pricing: 'prices.yml', suite: 'suite.yml' },
    })
    expect(priced.log).toContain('prices.yml: 1 model(s) added, 0 changed.')
    // Stand-in usage: 3 input tokens ("Hello there") and 9 output tokens, at $2 / $10 per million, halved.
    const results = JSON.parse(await readFile(priced.outputs['results-file'], 'utf8'))
    const { input_tokens: input, output_tokens: output } = results.tests[0].usage
    expect(priced.outputs['cost-batch-usd']).toBe(String((input * 2 + output * 10) / 2 / 1e6))
  })

  it('prices a model released since the last table and a dated snapshot id; an unpriced one says how to price it', async () => {
    await writeFile(
      path.join(workspace, 'suite.yml'),
      [
        'providers:',
        '  - anthropic:messages:claude-fable-5-2',
        '  - anthropic:messages:claude-haiku-4-5-20251001',
        'tests:',
        '  - prompt: Hello there',
      ].join('\n'),
    )
    const run = await runAction({ workspace, inputs: emulatorInputs(emulator.url, { suite: 'suite.yml' }) })
    const results = JSON.parse(await readFile(run.outputs['results-file'], 'utf8'))
    const batchUsd = (model: string, input: number, output: number) => {
      const { usage } = results.tests.find((test: { model: string }) => test.model === model)
      return (usage.input_tokens * input + usage.output_tokens * output) / 2 / 1e6
    }
    // Fable 5.2 at $8 / $40 per million tokens, Haiku 4.5's snapshot at its alias's $1 / $5; halved.
    expect(Number(run.outputs['cost-batch-usd'])).toBeCloseTo(
      batchUsd('claude-fable-5-2', 8, 40) + batchUsd('claude-haiku-4-5-20251001', 1, 5),
      12,
    )

    await writeFile(
      path.join(workspace, 'suite.yml'),
      'model: claude-mystery-9\ntests:\n  - prompt: Hello there\n',
    )
    const unpriced = await runAction({
      workspace,
      inputs: emulatorInputs(emulator.url, { suite: 'suite.yml' }),
    })
    expect(unpriced.summary).toContain('give its prices with the pricing input')
    expect(unpriced.summary).toContain('examples/pricing.json')
  })
})
