/**
 * The stored runs of baseline: auto, through the real `@actions/cache` (real tar, real HTTP) against the local
 * fake of the cache service. `@actions/cache` reads its environment at each call, so setting `process.env`
 * around the calls is enough.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import {
  BASELINE_KEY_PREFIX,
  restoreLatestRun,
  storeRun,
  suiteIdentity,
  type RestoredRun,
} from '../../src/github/baseline-cache.js'
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
let root: string

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'baseline-cache-'))
  await mkdir(path.join(root, 'workspace'), { recursive: true })
})
afterAll(async () => {
  for (const [name, value] of savedEnv) {
    if (value === undefined) Reflect.deleteProperty(process.env, name)
    else process.env[name] = value
  }
  await rm(root, { recursive: true, force: true })
})
beforeEach(async () => {
  fake = await startFakeActionsCache()
  for (const name of TOUCHED) Reflect.deleteProperty(process.env, name)
  Object.assign(process.env, fake.env, {
    RUNNER_TEMP: path.join(root, 'runner-temp'),
    GITHUB_WORKSPACE: path.join(root, 'workspace'),
  })
})
afterEach(async () => {
  await fake.close()
  await rm(path.join(root, 'runner-temp'), { recursive: true, force: true })
})

const SUITE = suiteIdentity(['evals/*.yml'], '')

/** Stores a results file with this text as a run of the suite on `branch`. */
async function store(text: string, branch: string, runId: string, commit: string, suite = SUITE) {
  const file = path.join(root, 'workspace', 'eval-results.json')
  await writeFile(file, text)
  return storeRun(file, { suite, branch, runId, commit })
}

async function restoredText(restored: RestoredRun): Promise<string | undefined> {
  return 'run' in restored ? readFile(restored.run.file, 'utf8') : undefined
}

describe('suiteIdentity', () => {
  test('the same patterns and comment-header are one suite; another header or pattern is another', () => {
    expect(suiteIdentity([' evals/*.yml '], '')).toBe(SUITE)
    expect(SUITE).toMatch(/^[0-9a-f]{16}$/)
    expect(suiteIdentity(['evals/*.yml'], 'Nightly evals')).not.toBe(SUITE)
    expect(suiteIdentity(['evals/*.yml', 'more/*.yml'], '')).not.toBe(SUITE)
  })
})

describe('storeRun and restoreLatestRun against the cache service', () => {
  test('of two stored runs of a branch, the newest is restored, with its run id and commit', async () => {
    expect(await store('{"run":1}', 'main', '100', 'aaaaaaaaaaaaaaaaaaaa')).toContain(
      'as the baseline of the next run on main',
    )
    await store('{"run":2}', 'main', '101', 'BBBBBBBBBBBBBBBBBBBBBBBBBBBB')
    const keys = fake.entries().map((entry) => entry.key)
    expect(keys).toHaveLength(2)
    expect(keys[1]).toMatch(new RegExp(`^${BASELINE_KEY_PREFIX}${SUITE}-main:\\d+-101-bbbbbbbbbbbb$`))

    const restored = await restoreLatestRun({ suite: SUITE, branch: 'main' })
    expect(await restoredText(restored)).toBe('{"run":2}')
    expect(restored).toMatchObject({
      run: { branch: 'main', runId: '101', commit: 'bbbbbbbbbbbb', key: keys[1] },
    })
    if ('run' in restored) expect(restored.run.savedAt.getTime()).toBeGreaterThan(0)
  })

  test("another branch, one whose name starts with this one's, or another suite finds nothing", async () => {
    await store('{"run":"next"}', 'main-next', '7', 'abc')
    await store('{"run":"other suite"}', 'main', '8', 'abc', suiteIdentity(['other/*.yml'], ''))
    const none = await restoreLatestRun({ suite: SUITE, branch: 'main' })
    expect(none).toEqual({ none: 'no run of this suite on main is stored in the actions cache' })
    expect(await restoredText(await restoreLatestRun({ suite: SUITE, branch: 'main-next' }))).toBe(
      '{"run":"next"}',
    )
  })

  test('a branch with a comma (no key may hold one) is stored and found', async () => {
    await store('{"run":"comma"}', 'fix,typo%', '9', '')
    expect(fake.entries()[0].key).toContain('-fix%2Ctypo%25:')
    const restored = await restoreLatestRun({ suite: SUITE, branch: 'fix,typo%' })
    expect(await restoredText(restored)).toBe('{"run":"comma"}')
    expect(restored).toMatchObject({ run: { runId: '9', commit: '' } })
  })

  test('a file left on disk from earlier is not a restored run', async () => {
    const first = await store('{"run":1}', 'main', '1', 'abc')
    expect(first).toContain('Stored')
    const restored = await restoreLatestRun({ suite: SUITE, branch: 'main' })
    if (!('run' in restored)) throw new Error('not restored')
    await writeFile(restored.run.file, '{"stray":true}')
    expect(await restoreLatestRun({ suite: SUITE, branch: 'gone' })).toHaveProperty('none')
    await expect(readFile(restored.run.file)).rejects.toThrow(/ENOENT/)
  })

  test('without the cache service, neither stores nor restores, and says why', async () => {
    for (const name of ['ACTIONS_RESULTS_URL', 'ACTIONS_CACHE_URL']) Reflect.deleteProperty(process.env, name)
    expect(await store('{}', 'main', '1', 'abc')).toMatch(
      /^This run is not stored as a baseline: the actions cache is not available here/,
    )
    expect(await restoreLatestRun({ suite: SUITE, branch: 'main' })).toEqual({
      none: 'the actions cache is not available here (no ACTIONS_RESULTS_URL or ACTIONS_CACHE_URL in the environment)',
    })
    expect(fake.calls).toEqual([])
  })

  test('a failing service is a miss, not an error (@actions/cache warns of the failure itself)', async () => {
    await store('{"run":1}', 'main', '1', 'abc')
    fake.failWith('POST', /GetCacheEntryDownloadURL/, 403, 'forbidden')
    expect(await restoreLatestRun({ suite: SUITE, branch: 'main' })).toEqual({
      none: 'no run of this suite on main is stored in the actions cache',
    })
  })
})
