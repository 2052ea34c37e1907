/**
 * baseline: auto in the action: a push run stores its results, a pull request's run compares with its base
 * branch's newest, none found is said once, and a pull request's run is never stored. Through the real
 * `@actions/cache` against the local fake of the cache service.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { autoBaseline } from '../../src/action/auto-baseline.js'
import { INPUT_DEFAULTS, type InputName } from '../../src/github/action-interface.js'
import { loadBaseline } from '../../src/pipeline/input-files.js'
import { readSettings, type Settings } from '../../src/pipeline/settings.js'
import { allowedRoots, confinedSuiteIO } from '../../src/suite/file-system.js'
import { UserError } from '../../src/common/user-error.js'
import { startFakeActionsCache, type FakeActionsCache } from '../../test-servers/fake-actions-cache.js'

const TOUCHED = [
  'ACTIONS_CACHE_SERVICE_V2',
  'ACTIONS_RESULTS_URL',
  'ACTIONS_CACHE_URL',
  'ACTIONS_RUNTIME_TOKEN',
  'GITHUB_SERVER_URL',
  'GITHUB_WORKSPACE',
  'RUNNER_TEMP',
]
const savedEnv = new Map(TOUCHED.map((name) => [name, process.env[name]]))

let fake: FakeActionsCache
let workspace: string
let runnerTemp: string

beforeEach(async () => {
  fake = await startFakeActionsCache()
  workspace = await mkdtemp(path.join(tmpdir(), 'auto-baseline-ws-'))
  runnerTemp = await mkdtemp(path.join(tmpdir(), 'auto-baseline-temp-'))
  for (const name of TOUCHED) Reflect.deleteProperty(process.env, name)
  Object.assign(process.env, fake.env, { RUNNER_TEMP: runnerTemp, GITHUB_WORKSPACE: workspace })
})
afterEach(async () => {
  await fake.close()
  await Promise.all([workspace, runnerTemp].map((dir) => rm(dir, { recursive: true, force: true })))
})
afterAll(() => {
  for (const [name, value] of savedEnv) {
    if (value === undefined) Reflect.deleteProperty(process.env, name)
    else process.env[name] = value
  }
})

const PUSH_ON_MAIN = { GITHUB_EVENT_NAME: 'push', GITHUB_REF_NAME: 'main' }
const PULL_REQUEST = {
  GITHUB_EVENT_NAME: 'pull_request',
  GITHUB_REF_NAME: '12/merge',
  GITHUB_BASE_REF: 'main',
}

function settingsFor(values: Partial<Record<InputName, string>>, env: Record<string, string>): Settings {
  const given: Partial<Record<InputName, string>> = { suite: 'suite.yml', baseline: 'auto', ...values }
  const read = (name: InputName) =>
    given[name] ?? (INPUT_DEFAULTS as Partial<Record<InputName, string>>)[name] ?? ''
  return readSettings(
    { read, readOrOff: read, onSecret: () => undefined, requireApiKey: false },
    { GITHUB_WORKSPACE: workspace, ...env },
  )
}

/** What the code printed (through `@actions/core`, i.e. stdout) as the user's log has it: no ::debug:: lines. */
async function logOf<T>(run: () => Promise<T>): Promise<{ value: T; log: string }> {
  const write = process.stdout.write
  let log = ''
  process.stdout.write = ((chunk: string | Uint8Array) => {
    log += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')
    return true
  }) as typeof write
  try {
    const value = await run()
    return {
      value,
      log: log
        .split('\n')
        .filter((line) => !line.startsWith('::debug::'))
        .join('\n'),
    }
  } finally {
    process.stdout.write = write
  }
}

function fileOf(settings: Settings): string {
  if (settings.baselineFile === undefined) throw new Error('no baseline file')
  return settings.baselineFile
}

/** A results file of a run whose one test had this status. */
function resultsText(status: 'passed' | 'failed', generatedAt: string): string {
  return JSON.stringify({
    schema_version: 1,
    generated_at: generatedAt,
    cost: { total_usd: null },
    tests: [{ id: 't1', description: 'greets', status, cost_usd: null }],
  })
}

/** A graded push run on main that stores its results file. */
async function pushRun(status: 'passed' | 'failed', runId: string, commit: string): Promise<string> {
  const env = { ...PUSH_ON_MAIN, GITHUB_RUN_ID: runId, GITHUB_SHA: commit }
  const { value: auto, log: restoreLog } = await logOf(() => autoBaseline(settingsFor({}, env), env))
  const results = path.join(workspace, 'eval-results.json')
  await writeFile(results, resultsText(status, `2026-01-0${runId.slice(-1)}T00:00:00.000Z`))
  const { log } = await logOf(() => auto.store(results))
  return restoreLog + log
}

describe('autoBaseline', () => {
  test("a pull request compares with the newest run stored by its base branch's pushes, named by run and commit", async () => {
    const first = await pushRun('passed', '1001', 'a'.repeat(40))
    // The first run of main finds none: said once, as information.
    expect(first.match(/baseline: auto:/g)).toHaveLength(1)
    expect(first).toMatch(
      /Stored this run's results in the actions cache as the baseline of the next run on main \(key claude-batch-evals-baseline-[0-9a-f]{16}-main:\d+-1001-aaaaaaaaaaaa\)\./,
    )
    expect(first).toContain(
      'baseline: auto: no run of this suite on main is stored in the actions cache, so the report has no comparison and every request is sent.',
    )
    expect(first).not.toContain('::warning::')
    const second = await pushRun('failed', '1002', 'b'.repeat(40))
    // The second compares with the first.
    expect(second).toContain(
      'baseline: auto: the latest run of this suite on main in the actions cache is run 1001 of main (aaaaaaa)',
    )

    const settings = settingsFor({}, PULL_REQUEST)
    const now = Date.now() + 3 * 86_400_000
    const { value: auto, log } = await logOf(() => autoBaseline(settings, PULL_REQUEST, now))
    expect(log).toMatch(/is run 1002 of main \(bbbbbbb\), stored 3 days ago\./)
    expect(auto.settings.baselineSource).toMatchObject({
      name: 'run 1002 of main (bbbbbbb)',
      branch: 'main',
      runId: '1002',
      commit: 'b'.repeat(12),
    })
    expect(path.isAbsolute(auto.settings.baselineFile ?? '')).toBe(true)

    // The plan's baseline reader opens it, confined as ever: its directory is allowed, nothing more.
    const io = confinedSuiteIO(allowedRoots(workspace, auto.settings.allowedPaths))
    const messages: string[] = []
    const runLog = {
      info: (m: string) => messages.push(m),
      warning: (m: string) => messages.push(`warning: ${m}`),
    }
    const baseline = loadBaseline(workspace, fileOf(auto.settings), io, runLog, auto.settings.baselineSource)
    expect(baseline).toMatchObject({
      file: 'run 1002 of main (bbbbbbb)',
      passed: 0,
      total: 1,
      generatedAt: '2026-01-02T00:00:00.000Z',
    })
    expect(baseline?.source?.runId).toBe('1002')
    expect(messages).toEqual([
      'Comparing with the baseline run 1002 of main (bbbbbbb) (1 tests, written 2026-01-02T00:00:00.000Z).',
    ])
    expect(auto.settings.allowedPaths).toEqual([path.dirname(fileOf(auto.settings))])

    // The pull request's run is not stored: the base branch keeps its two.
    const entries = fake.entries().length
    const stored = await logOf(() => auto.store(path.join(workspace, 'eval-results.json')))
    expect(stored.log).toContain(
      "baseline: auto: this pull request's run is not stored (its next run compares with main again).",
    )
    expect(fake.entries()).toHaveLength(entries)
    expect(entries).toBe(2)
  })

  test('a pull request whose base branch stored nothing says so once, as a warning with the fix, and runs without one', async () => {
    const { value: auto, log } = await logOf(() => autoBaseline(settingsFor({}, PULL_REQUEST), PULL_REQUEST))
    expect(auto.settings.baselineFile).toBeUndefined()
    expect(auto.settings.baselineSource).toBeUndefined()
    expect(log.match(/baseline: auto:/g)).toHaveLength(1)
    expect(log).toContain(
      '::warning::baseline: auto: no run of this suite on main is stored in the actions cache, so the report has no ' +
        'comparison and every request is sent. Runs on main store one when their workflow sets baseline: auto (on a push or a schedule).',
    )
  })

  test('another suite in the same repository (another comment-header) does not see the run', async () => {
    await pushRun('passed', '1001', 'a'.repeat(40))
    const env = PULL_REQUEST
    const { value: auto } = await logOf(() =>
      autoBaseline(settingsFor({ 'comment-header': 'Safety evals' }, env), env),
    )
    expect(auto.settings.baselineFile).toBeUndefined()
  })

  test('a corrupt stored results file is a warning and no comparison, never a failed run', async () => {
    await pushRun('passed', '1001', 'a'.repeat(40))
    const { value: auto } = await logOf(() => autoBaseline(settingsFor({}, PULL_REQUEST), PULL_REQUEST))
    await writeFile(fileOf(auto.settings), '{"schema_version": 1, "tests": [')
    const io = confinedSuiteIO(allowedRoots(workspace, auto.settings.allowedPaths))
    const warnings: string[] = []
    const runLog = { info: () => undefined, warning: (m: string) => warnings.push(m) }
    expect(
      loadBaseline(workspace, fileOf(auto.settings), io, runLog, auto.settings.baselineSource),
    ).toBeUndefined()
    expect(warnings).toEqual([
      expect.stringMatching(
        /^baseline run 1001 of main \(aaaaaaa\) is not valid JSON.*It is not compared with/,
      ),
    ])
  })

  test('a path is left as given, and nothing is stored', async () => {
    const settings = settingsFor({ baseline: 'main-results.json' }, PUSH_ON_MAIN)
    const auto = await autoBaseline(settings, PUSH_ON_MAIN)
    expect(auto.settings).toBe(settings)
    await writeFile(
      path.join(workspace, 'eval-results.json'),
      resultsText('passed', '2026-01-01T00:00:00.000Z'),
    )
    await auto.store(path.join(workspace, 'eval-results.json'))
    expect(fake.calls).toEqual([])
  })

  test('on the command line, where there is no Actions cache, auto asks for a path', () => {
    const io = confinedSuiteIO(allowedRoots(workspace, []))
    const runLog = { info: () => undefined, warning: () => undefined }
    expect(() => loadBaseline(workspace, 'auto', io, runLog)).toThrow(UserError)
    expect(() => loadBaseline(workspace, 'auto', io, runLog)).toThrow(
      "baseline: auto finds an earlier run in the GitHub Actions cache, which only the action has. Here, give the path of an earlier run's results file (--baseline eval-results.json).",
    )
  })
})
