/**
 * The reuse decision: which of a run's requests a stored results file answers (by content key, succeeded
 * results only, a stored sample for each sample, never a conversation's later turn), when (reuse, its
 * event, reuse-max-age), and the judge's stored replies.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { contentKey } from '../../src/batch/request-keys.js'
import { buildBatchRequests } from '../../src/batch/requests.js'
import { planReuse, reuseOn, unansweredBy, type ReuseSettings } from '../../src/pipeline/reuse.js'
import type { RunLog } from '../../src/pipeline/run-log.js'
import { bareCase } from '../fixtures/cases.js'
import type { EvalCase } from '../../src/model.js'

const DAY = 86_400_000
const WRITTEN = Date.parse('2026-12-01T00:00:00.000Z')

const ask = (id: string, question: string, extra: Partial<EvalCase> = {}): EvalCase => ({
  ...bareCase({
    custom_id: id,
    params: { model: 'claude-haiku-4-5', max_tokens: 50, messages: [{ role: 'user', content: question }] },
  }),
  ...extra,
})

function entry(evalCase: EvalCase, fields: Record<string, unknown> = {}) {
  return {
    id: evalCase.id,
    custom_id: evalCase.id,
    sample: 1,
    samples: 1,
    status: 'passed',
    file: 's.yml',
    line: 1,
    request: evalCase.params,
    content_key: contentKey(evalCase.params),
    result_type: 'succeeded',
    output: `stored answer of ${evalCase.id}`,
    usage: null,
    cost_usd: { batch: '0.001', standard: '0.002', savings: '0.001' },
    ...fields,
  }
}

function resultsFile(tests: unknown[], extra: Record<string, unknown> = {}) {
  return JSON.stringify({
    schema_version: 1,
    generated_at: new Date(WRITTEN).toISOString(),
    status: 'passed',
    failure_reasons: [],
    summary: { min_pass_rate: 1 },
    batch_ids: [],
    cost: { by_model: [] },
    unexpected_custom_ids: [],
    run: { id: '1234', branch: 'main', commit: 'abc1234def' },
    ...extra,
    tests,
  })
}

let workspace: string
let lines: string[]
const log: RunLog = { info: (line) => lines.push(line), warning: (line) => lines.push(`warning: ${line}`) }

beforeEach(() => {
  workspace = mkdtempSync(path.join(tmpdir(), 'reuse-unit-'))
  lines = []
})
afterEach(() => rmSync(workspace, { recursive: true, force: true }))

function decide(cases: EvalCase[], text: string, settings: Partial<ReuseSettings> = {}, now = WRITTEN + DAY) {
  writeFileSync(path.join(workspace, 'main.json'), text)
  const plan = buildBatchRequests(cases)
  const reuse = planReuse(
    {
      reuse: 'always',
      reuseMaxAgeMs: 7 * DAY,
      eventName: '',
      baselineFile: 'main.json',
      workspace,
      allowedPaths: [],
      ...settings,
    },
    plan,
    log,
    now,
  )
  return { reuse, plan }
}

describe('reuseOn', () => {
  it('is on for pull requests under auto, always under always, never under off', () => {
    expect(reuseOn({ reuse: 'auto', eventName: 'pull_request' })).toBe(true)
    expect(reuseOn({ reuse: 'auto', eventName: 'pull_request_target' })).toBe(true)
    expect(reuseOn({ reuse: 'auto', eventName: 'schedule' })).toBe(false)
    expect(reuseOn({ reuse: 'auto', eventName: 'workflow_dispatch' })).toBe(false)
    expect(reuseOn({ reuse: 'auto', eventName: '' })).toBe(false)
    expect(reuseOn({ reuse: 'always', eventName: 'schedule' })).toBe(true)
    expect(reuseOn({ reuse: 'off', eventName: 'pull_request' })).toBe(false)
  })
})

describe('planReuse', () => {
  it('answers a request whose key a succeeded entry has, under another id, and sends the rest', () => {
    const kept = ask('kept', 'Capital of France?')
    const changed = ask('changed', 'Capital of Spain, revised?')
    const renamed = ask('renamed-now', 'Capital of Italy?')
    const stored = [
      entry(kept),
      entry(ask('changed', 'Capital of Spain?')),
      entry(ask('renamed-before', 'Capital of Italy?')),
    ]
    const { reuse } = decide([kept, changed, renamed], resultsFile(stored))
    expect(reuse?.sent.map((request) => request.custom_id)).toEqual(['changed'])
    expect(reuse?.results.map((line) => line.custom_id)).toEqual(['kept', 'renamed-now'])
    const [first] = reuse?.results ?? []
    expect(first.result.type === 'succeeded' && first.result.message.content).toEqual([
      { type: 'text', text: 'stored answer of kept', citations: null },
    ])
    expect(reuse?.reusedFrom.get('kept')).toEqual({
      file: 'main.json',
      run_id: '1234',
      branch: 'main',
      commit: 'abc1234def',
      generated_at: '2026-12-01T00:00:00.000Z',
    })
    expect(reuse?.savedBatch).toBe(2n * 10n ** 12n)
  })

  it('names a file with no run by the run baseline: auto restored it as', () => {
    const kept = ask('kept', 'Capital of France?')
    const baselineSource = {
      name: 'run 99 of main (abc1234)',
      branch: 'main',
      runId: '99',
      commit: 'abc1234',
      savedAt: '2026-12-01T00:00:00.000Z',
    }
    const { reuse } = decide([kept], resultsFile([entry(kept)], { run: undefined }), { baselineSource })
    expect(reuse?.source).toMatchObject({ run_id: '99', branch: 'main', commit: 'abc1234' })
  })

  it('reuses nothing from a baseline whose entries cannot be read back, and says why', () => {
    const kept = ask('kept', 'Capital of France?')
    const handMade = JSON.stringify({
      schema_version: 1,
      generated_at: '2026-12-01T00:00:00.000Z',
      tests: [],
    })
    expect(decide([kept], handMade).reuse).toBeUndefined()
    expect(lines.join('\n')).toMatch(/^Reuse: nothing is reused, every request is sent: main\.json lacks/)
  })

  it('keeps, when collecting, only the reused results the batches did not answer', () => {
    const cases = [ask('a', 'a?'), ask('b', 'b?'), ask('c', 'c?')]
    const { reuse } = decide(cases, resultsFile(cases.map((evalCase) => entry(evalCase))))
    if (!reuse) throw new Error('reuse expected')
    const left = unansweredBy(reuse, (customId) => customId === 'b')
    expect(left.results.map((line) => line.custom_id)).toEqual(['a', 'c'])
    expect([...left.reusedFrom.keys()]).toEqual(['a', 'c'])
    expect(left.savedBatch).toBe(2n * 10n ** 12n)
  })

  it('never reuses an errored, expired or canceled result', () => {
    const cases = ['errored', 'expired', 'canceled'].map((type) => ask(type, `${type}?`))
    const stored = cases.map((evalCase) =>
      entry(evalCase, { result_type: evalCase.id, status: 'errored', output: null }),
    )
    const { reuse } = decide(cases, resultsFile(stored))
    expect(reuse?.sent).toHaveLength(3)
    expect(reuse?.results).toHaveLength(0)
  })

  it('gives each sample of a repeated test a stored sample of its own, and sends the ones missing', () => {
    const repeated = ask('t', 'Roll a die', { repeat: 3 })
    const stored = [1, 2].map((sample) =>
      entry(repeated, { custom_id: `t_r${sample}`, sample, samples: 2, output: `sample ${sample}` }),
    )
    const { reuse } = decide([repeated], resultsFile(stored))
    expect(reuse?.results.map((line) => line.custom_id)).toEqual(['t_r1', 't_r2'])
    expect(reuse?.sent.map((request) => request.custom_id)).toEqual(['t_r3'])
  })

  it("never reuses a conversation's later turn, whose request holds the earlier turns' outputs", () => {
    const first = ask('turn-1', 'Hi')
    const later = ask('turn-2', 'And then?', {
      conversation: { turn: 1, after: first, outputToken: '<<out>>' } as EvalCase['conversation'],
    })
    const { reuse } = decide([first, later], resultsFile([entry(first), entry(later)]))
    expect(reuse?.results.map((line) => line.custom_id)).toEqual(['turn-1'])
    expect(reuse?.sent.map((request) => request.custom_id)).toEqual(['turn-2'])
  })

  it('reuses nothing from a file older than reuse-max-age, and says so', () => {
    const kept = ask('kept', 'Capital of France?')
    const { reuse } = decide([kept], resultsFile([entry(kept)]), {}, WRITTEN + 8 * DAY)
    expect(reuse).toBeUndefined()
    expect(lines.join('\n')).toMatch(/main\.json was written 8 days ago, more than reuse-max-age \(7 days\)/)
  })

  it('does not reuse again an entry first made longer ago than reuse-max-age', () => {
    const old = ask('old', 'Old?')
    const fresh = ask('fresh', 'Fresh?')
    const stored = [
      entry(old, {
        reused_from: {
          file: 'x.json',
          run_id: '1',
          branch: 'main',
          commit: 'c',
          generated_at: '2026-11-20T00:00:00.000Z',
        },
      }),
      entry(fresh, {
        reused_from: {
          file: 'x.json',
          run_id: '2',
          branch: 'main',
          commit: 'd',
          generated_at: '2026-11-30T00:00:00.000Z',
        },
      }),
    ]
    const { reuse } = decide([old, fresh], resultsFile(stored))
    expect(reuse?.sent.map((request) => request.custom_id)).toEqual(['old'])
    // An entry reused before names the run it was first made in, not the file it was read from.
    expect(reuse?.reusedFrom.get('fresh')).toMatchObject({
      run_id: '2',
      generated_at: '2026-11-30T00:00:00.000Z',
    })
  })

  it("keeps the judge's stored replies with their cost and when they were made", () => {
    const replies = [
      { key: 'judge_a', model: 'claude-sonnet-4-6', reply: '{"pass": true}', cost_batch_usd: '0.0005' },
      {
        key: 'judge_b',
        model: 'claude-sonnet-4-6',
        reply: '{}',
        cost_batch_usd: null,
        made_at: '2026-11-01T00:00:00.000Z',
      },
    ]
    const { reuse } = decide([ask('a', 'a?')], resultsFile([], { judge_replies: replies }))
    expect(reuse?.judgeReplies).toEqual([
      {
        key: 'judge_a',
        model: 'claude-sonnet-4-6',
        reply: '{"pass": true}',
        batchCost: 5n * 10n ** 11n,
        madeAt: '2026-12-01T00:00:00.000Z',
      },
    ])
  })

  it('is off without a baseline, saying so only when asked for always', () => {
    const kept = ask('kept', 'Capital of France?')
    expect(decide([kept], resultsFile([]), { baselineFile: undefined }).reuse).toBeUndefined()
    expect(lines).toEqual(['Reuse: no baseline results file, so every request is sent.'])
    lines = []
    expect(decide([kept], resultsFile([]), { reuse: 'auto', eventName: 'schedule' }).reuse).toBeUndefined()
    expect(lines).toEqual([])
  })
})
