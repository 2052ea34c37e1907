/**
 * regrade: a run graded against the emulator, then its results file graded again by the suite as it is
 * now, with nothing sent (but the judge's batch, when asked for).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { RunState, RunStateStore } from '../../src/batch/run-state.js'
import { UserError } from '../../src/common/user-error.js'
import { INPUT_DEFAULTS, type InputName } from '../../src/github/action-interface.js'
import { evaluate } from '../../src/pipeline/evaluate.js'
import { regrade, type JudgesMode } from '../../src/pipeline/regrade.js'
import type { GradedRun, RunHost } from '../../src/pipeline/run-host.js'
import { readSettings, type Settings } from '../../src/pipeline/settings.js'
import {
  startBatchEmulator,
  type BatchEmulator,
  type StandInReply,
} from '../../test-servers/batch-emulator.js'

const TOOLS = `[{ name: lookup, description: Looks a city up, input_schema: { type: object, properties: { city: { type: string } }, required: [city] } }]`

/** Five tests: plain text, a tool call with thinking, a rubric for the judge, a cost bound, an error. */
const suite = (capital = 'Paris', tool = 'lookup') => `
prompts: ['{{q}}']
providers:
  - id: anthropic:messages:claude-haiku-4-5
    config: { max_tokens: 50, tools: ${TOOLS} }
tests:
  - description: capital
    vars: { q: capital of France? }
    assert: [{ type: contains, value: ${capital} }]
  - description: tool
    vars: { q: look Lyon up }
    assert:
      - type: is-valid-tool-call
      - type: contains
        value: '"name":"${tool}"'
      - type: javascript
        value: "context.providerResponse.raw.content.some(b => b.type === 'thinking')"
  - description: polite
    vars: { q: say hi }
    assert: [{ type: llm-rubric, value: is polite }, { type: cost, threshold: 0.01 }]
  - description: down
    vars: { q: fail please }
    assert: [{ type: contains, value: x }]
`

const replies: Record<string, StandInReply> = {
  'capital of France?': 'Paris.',
  'look Lyon up': {
    content: [
      { type: 'thinking', thinking: 'a lookup', signature: 'sig' },
      { type: 'text', text: 'Looking.', citations: null },
      {
        type: 'tool_use',
        id: 'toolu_1',
        name: 'lookup',
        input: { city: 'Lyon' },
        caller: { type: 'direct' },
      },
    ],
  },
  'say hi': 'Hello, kind friend!',
  'fail please': { error: { type: 'invalid_request_error', message: 'bad request' } },
}

const noStore: RunStateStore = {
  name: 'nowhere',
  load: async () => undefined,
  save: async (_state: RunState) => undefined,
}

/** A host that keeps what it is told. */
function recordingHost() {
  const host = {
    logs: [] as string[],
    warnings: [] as string[],
    graded: undefined as GradedRun | undefined,
  }
  const runHost: RunHost = {
    log: { info: (text) => host.logs.push(text), warning: (text) => host.warnings.push(text) },
    runState: noStore,
    runUrl: undefined,
    batchesChanged: () => undefined,
    progress: () => undefined,
    estimated: async () => undefined,
    pending: async () => {
      throw new Error('not expected to detach')
    },
    graded: async (run) => {
      host.graded = run
    },
    failed: async () => undefined,
  }
  return { host, runHost }
}

let workspace: string
let emulator: BatchEmulator
beforeEach(async () => {
  workspace = mkdtempSync(path.join(tmpdir(), 'regrade-'))
  emulator = await startBatchEmulator({
    processingMs: 1,
    replies,
    judgeReplies: { 'Hello, kind friend!': { pass: true, reason: 'kind' } },
    onWarning: () => undefined,
  })
})
afterEach(async () => {
  await emulator.close()
  rmSync(workspace, { recursive: true, force: true })
})

function settingsFor(values: Partial<Record<InputName, string>>): Settings {
  const defaults: Partial<Record<InputName, string>> = INPUT_DEFAULTS
  const given: Partial<Record<InputName, string>> = {
    suite: 'suite.yml',
    'anthropic-api-key': 'sk-test',
    'anthropic-base-url': emulator.url,
    'poll-interval': '10ms',
    'retry-errored': 'false',
    'html-report': '',
    ...values,
  }
  const read = (name: InputName) => given[name] ?? defaults[name] ?? ''
  return readSettings(
    { read, readOrOff: read, onSecret: () => undefined, requireApiKey: false },
    { GITHUB_WORKSPACE: workspace },
  )
}

const signal = new AbortController().signal
const entriesOf = (file: string) =>
  (JSON.parse(readFileSync(path.join(workspace, file), 'utf8')) as { tests: Record<string, unknown>[] }).tests
const grades = (entries: Record<string, unknown>[]) =>
  entries.map(({ id, status, verdict, score, reason, assertions, usage, cost_usd }) => ({
    id,
    status,
    verdict,
    score,
    reason,
    assertions,
    usage,
    cost_usd,
  }))

/** Runs the suite as written now against the emulator, into run.json. */
async function runSuite(): Promise<void> {
  const { host, runHost } = recordingHost()
  expect(
    await evaluate(settingsFor({ 'results-file': path.join(workspace, 'run.json') }), runHost, signal),
  ).toBe('graded')
  expect(host.graded?.report.total).toBe(4)
}

async function regradeRun(judges: JudgesMode, values: Partial<Record<InputName, string>> = {}) {
  const { host, runHost } = recordingHost()
  const text = readFileSync(path.join(workspace, 'run.json'), 'utf8')
  const settings = settingsFor({ 'results-file': path.join(workspace, 'regraded.json'), ...values })
  const end = await regrade(settings, { text, file: 'run.json' }, judges, runHost, signal)
  return { end, ...host }
}

it('grades the stored outputs as the run did: same verdicts, scores, reasons, usage and cost', async () => {
  writeFileSync(path.join(workspace, 'suite.yml'), suite())
  await runSuite()
  const stored = entriesOf('run.json')
  // Only the message with blocks besides text keeps them.
  expect(stored.map((entry) => 'content' in entry)).toEqual([false, true, false, false])
  expect(stored.map((entry) => entry.status)).toEqual(['passed', 'passed', 'passed', 'errored'])
  const batchesBefore = emulator.createdBatches().length

  const regraded = await regradeRun('submit')
  expect(regraded.end).toBe('graded')
  expect(grades(entriesOf('regraded.json'))).toEqual(grades(stored))
  // The judge's batch, and nothing else, was sent.
  const sent = emulator.createdBatches().slice(batchesBefore)
  expect(sent).toHaveLength(1)
  expect(sent[0]?.requests.every((request) => request.custom_id.startsWith('judge_'))).toBe(true)
  expect(regraded.graded?.report.batchIds).toEqual([sent[0]?.id])
  expect(regraded.graded?.report.loadWarnings).toContain(
    'Regraded from run.json: the 4 output(s) are the stored ones, not requested again. Their cost (role ' +
      "outputs) is what they cost when they were made; this regrade's own cost is the judge's requests (role judge).",
  )
})

it('with --judges skip, sends nothing and makes model-graded assertions errored grades naming --judges submit', async () => {
  writeFileSync(path.join(workspace, 'suite.yml'), suite())
  await runSuite()
  const batchesBefore = emulator.createdBatches().length
  const regraded = await regradeRun('skip', { 'anthropic-api-key': '', 'anthropic-base-url': '' })
  expect(emulator.createdBatches()).toHaveLength(batchesBefore)
  const polite = entriesOf('regraded.json')[2] as { status: string; assertions: Record<string, unknown>[] }
  expect(polite.status).toBe('failed')
  expect(polite.assertions[0]).toMatchObject({ type: 'llm-rubric', pass: false, errored: true })
  expect(polite.assertions[0]?.reason).toContain('--judges submit')
  expect(polite.assertions[1]).toMatchObject({ type: 'cost', pass: true })
  expect(regraded.logs).toContain(
    'Model-graded assertions: 1 judge requests are not sent (--judges skip): those assertions are errored grades.',
  )
  expect(regraded.graded?.report.loadWarnings.at(-1)).toMatch(/this regrade's own cost is nothing\.$/)
})

it('grades by the assertions as they are now: a changed assertion changes the verdict', async () => {
  writeFileSync(path.join(workspace, 'suite.yml'), suite())
  await runSuite()
  writeFileSync(path.join(workspace, 'suite.yml'), suite('Lyon', 'search'))
  await regradeRun('skip')
  const [capital, tool] = entriesOf('regraded.json') as { status: string; reason: string }[]
  expect(capital).toMatchObject({ status: 'failed', reason: expect.stringContaining('Lyon') })
  expect(tool?.status).toBe('failed')
  expect(tool?.reason).toContain('search')
})

it('leaves out the tests whose request changed, with one warning, and regrades the rest', async () => {
  writeFileSync(path.join(workspace, 'suite.yml'), suite())
  await runSuite()
  const changed = suite().replace('capital of France?', 'capital of Spain?')
  writeFileSync(path.join(workspace, 'suite.yml'), changed)
  const regraded = await regradeRun('skip')
  expect(regraded.warnings).toContain(
    "1 test(s) have no stored output in run.json (new, or their request changed since): 'suite/capital'. They " +
      'are left out of this regrade: run them with `claude-batch-evals run`.',
  )
  expect(entriesOf('regraded.json').map((entry) => entry.description)).toEqual(['tool', 'polite', 'down'])
})

it('ignores cache_control marks and key order when matching requests', async () => {
  writeFileSync(path.join(workspace, 'suite.yml'), suite())
  await runSuite()
  const file = path.join(workspace, 'run.json')
  const document = JSON.parse(readFileSync(file, 'utf8')) as { tests: { request: Record<string, unknown> }[] }
  const [first] = document.tests
  if (first)
    first.request = {
      cache_control: { type: 'ephemeral' },
      ...Object.fromEntries(Object.entries(first.request).reverse()),
    }
  writeFileSync(file, JSON.stringify(document))
  const regraded = await regradeRun('skip')
  expect(regraded.warnings).toEqual([])
  expect(regraded.graded?.report.total).toBe(4)
})

it('refuses a results file none of whose entries match, naming it', async () => {
  writeFileSync(path.join(workspace, 'suite.yml'), suite())
  await runSuite()
  writeFileSync(path.join(workspace, 'suite.yml'), suite().replace(/vars: \{ q: /g, 'vars: { q: other '))
  const regrading = regradeRun('skip')
  await expect(regrading).rejects.toThrow(UserError)
  await expect(regradeRun('skip')).rejects.toThrow(/^No test of the suites has a stored output in run\.json/)
})

it('asks for a key or base URL only when --judges submit has judge requests to send', async () => {
  writeFileSync(path.join(workspace, 'suite.yml'), suite())
  await runSuite()
  const noKey = { 'anthropic-api-key': '', 'anthropic-base-url': '' }
  await expect(regradeRun('submit', noKey)).rejects.toThrow(/^--judges submit sends the judge requests/)
  writeFileSync(
    path.join(workspace, 'suite.yml'),
    suite().replace('type: llm-rubric, value: is polite', 'type: icontains, value: hello'),
  )
  expect((await regradeRun('submit', noKey)).end).toBe('graded')
})
