/** planRun: the settings to the run's plan, as both the action and the command line start a run. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { planRun, type PlanSettings } from '../../src/pipeline/plan.js'
import { estimateRun } from '../../src/pipeline/estimate-run.js'
import { SuiteError } from '../../src/suite/loader.js'

let workspace: string
let logged: { info: string[]; warning: string[] }
const log = {
  info: (text: string) => logged.info.push(text),
  warning: (text: string) => logged.warning.push(text),
}
beforeEach(() => {
  workspace = mkdtempSync(path.join(tmpdir(), 'plan-'))
  logged = { info: [], warning: [] }
})
afterEach(() => rmSync(workspace, { recursive: true, force: true }))

const settings = (more: Partial<PlanSettings> = {}): PlanSettings => ({
  workspace,
  allowedPaths: [],
  pricingFile: undefined,
  suitePatterns: ['suite.yml'],
  model: undefined,
  providerOverride: undefined,
  repeat: 1,
  baselineFile: undefined,
  cache: 'auto',
  ...more,
})

const longSystem = 'You answer questions about the refund policy. '.repeat(600)

function writeSuite(text: string): void {
  writeFileSync(path.join(workspace, 'suite.yml'), text)
}

describe('planRun', () => {
  it('loads the suites, builds a request per sample, marks the shared prefix as cache: 1h asks, and says so', async () => {
    writeSuite(
      [
        'model: claude-sonnet-4-5',
        `system: ${JSON.stringify(longSystem)}`,
        'tests:',
        '  - prompt: Can I return shoes?',
        '    assert: [{ type: contains, value: yes }]',
        '  - prompt: How long do refunds take?',
        '    repeat: 3',
      ].join('\n'),
    )
    const plan = await planRun(settings({ cache: '1h' }), log)
    expect(plan.files).toEqual([path.join(workspace, 'suite.yml')])
    expect(plan.cases).toHaveLength(2)
    expect(plan.requests).toHaveLength(4)
    expect(plan.sampleByCustomId.size).toBe(4)
    expect(plan.plans).toEqual([
      expect.objectContaining({ model: 'claude-sonnet-4-5', requests: 4, ttl: '1h' }),
    ])
    expect(JSON.stringify(plan.requests[0].params.system)).toContain(
      '"cache_control":{"type":"ephemeral","ttl":"1h"}',
    )
    expect(plan.baseline).toBeUndefined()
    expect(logged.info[0]).toBe('Loaded 2 tests (4 requests with repeats) from suite.yml.')
    expect(logged.info[1]).toMatch(
      /^Prompt caching: claude-sonnet-4-5: 1h cache on the system \(about [\d,]+ tokens\) shared by 4 requests: as cache: 1h asks/,
    )
  })

  it("auto marks from the baseline's realized hit rate, and without a baseline leaves the prefix unmarked", async () => {
    writeSuite(
      [
        'model: claude-sonnet-4-5',
        `system: ${JSON.stringify(longSystem)}`,
        'tests:',
        '  - prompt: Hi',
        '    repeat: 40',
      ].join('\n'),
    )
    const unmarked = await planRun(settings(), log)
    expect(JSON.stringify(unmarked.requests)).not.toContain('cache_control')
    expect(logged.info[1]).toMatch(
      /^Prompt caching: claude-sonnet-4-5: not marked, .* shared by 40 requests: expected 30% by default, without a baseline < break-even 53% for 1h writes/,
    )
    // The baseline: 10 requests touched the cache, 9 read it: 90%.
    const usage = (read: boolean) => ({
      input_tokens: 10,
      output_tokens: 5,
      cache_creation_input_tokens: read ? 0 : 3_000,
      cache_read_input_tokens: read ? 3_000 : 0,
    })
    const tests = Array.from({ length: 10 }, (_, i) => ({
      id: 't',
      sample: i + 1,
      status: 'passed',
      model: 'claude-sonnet-4-5',
      usage: usage(i > 0),
    }))
    const results = {
      schema_version: 1,
      generated_at: '2026-01-01T00:00:00Z',
      cost: { total_usd: null },
      tests,
    }
    writeFileSync(path.join(workspace, 'baseline.json'), JSON.stringify(results))
    logged = { info: [], warning: [] }
    const marked = await planRun(settings({ baselineFile: 'baseline.json' }), log)
    expect(JSON.stringify(marked.requests[0].params.system)).toContain('"ttl":"1h"')
    expect(logged.info).toContainEqual(
      expect.stringMatching(
        /: 1h cache on .* shared by 40 requests: pays above a 53% hit rate; expected 90% from the baseline\.$/,
      ),
    )
  })

  it("leaves the requests unmarked with cache off, and logs the load's warnings", async () => {
    writeSuite(
      [
        'providers: [openai:gpt-4o]',
        `prompts: [${JSON.stringify(longSystem + '{{q}}')}]`,
        'tests: [{ vars: { q: hi } }]',
      ].join('\n'),
    )
    const plan = await planRun(settings({ cache: 'off', model: 'claude-haiku-4-5' }), log)
    expect(plan.plans).toEqual([])
    expect(JSON.stringify(plan.requests)).not.toContain('cache_control')
    expect(plan.warnings.length).toBeGreaterThan(0)
    expect(logged.warning).toEqual(plan.warnings)
  })

  it("answers promptfoo's echo provider on the runner: its requests are not sent, its results are its prompts", async () => {
    writeSuite(
      [
        'providers: [echo, anthropic:messages:claude-haiku-4-5]',
        "prompts: ['Say {{word}}']",
        'tests: [{ vars: { word: hello }, assert: [{ type: contains, value: hello }] }]',
      ].join('\n'),
    )
    const plan = await planRun(settings(), log)
    expect(plan.sampleByCustomId.size).toBe(2)
    expect(plan.requests.map((request) => request.params.model)).toEqual(['claude-haiku-4-5'])
    expect(plan.echoed).toHaveLength(1)
    const [{ custom_id, result }] = plan.echoed
    expect(plan.sampleByCustomId.get(custom_id)?.evalCase.params.model).toBe('echo')
    expect(result).toMatchObject({
      type: 'succeeded',
      message: {
        content: [{ type: 'text', text: 'Say hello' }],
        usage: { input_tokens: 0, output_tokens: 0 },
      },
    })
    expect(plan.warnings).toEqual([])
  })

  it('throws every problem of the suite at once, at its line', async () => {
    writeSuite(['tests:', '  - prompt: hi', '    max_tokens: lots', '    colour: red'].join('\n'))
    const error = await planRun(settings(), log).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(SuiteError)
    expect((error as SuiteError).problems.map(({ file, line }) => `${file}:${line}`)).toEqual(
      expect.arrayContaining(['suite.yml:3', 'suite.yml:4']),
    )
  })

  it('warns of a baseline that is not there yet, as a first run has none', async () => {
    writeSuite('model: claude-haiku-4-5\ntests: [{ prompt: hi }]\n')
    const plan = await planRun(settings({ baselineFile: 'nightly.json' }), log)
    expect(plan.baseline).toBeUndefined()
    expect(logged.warning).toEqual([expect.stringMatching(/^No baseline results file at nightly\.json/)])
  })
})

describe('estimateRun', () => {
  it('counts with the counter given, and counts the tests a judge grades apart', async () => {
    writeSuite(
      [
        'model: claude-haiku-4-5',
        'max_tokens: 100',
        'tests:',
        '  - prompt: hi',
        '    assert: [{ type: llm-rubric, value: is polite }]',
        '  - prompt: bye',
      ].join('\n'),
    )
    const plan = await planRun(settings(), log)
    const { estimate, judgedTests } = await estimateRun(plan, async () => 1_000)
    expect(estimate).toMatchObject({
      requests: 2,
      inputTokens: 2_000,
      maxOutputTokens: 200,
      method: 'count_tokens',
    })
    expect(judgedTests).toBe(1)
    expect((await estimateRun(plan, { notCounted: 'no key' })).estimate.method).toBe('heuristic')
  })
})
