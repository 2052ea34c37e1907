/**
 * The actions-cache run-state store, driven through the real `@actions/cache` (real tar and zstd/gzip, real
 * HTTP, the real Azure Storage client) against the local fake of the cache service. No mocks.
 *
 * `@actions/cache` reads its environment (ACTIONS_* and RUNNER_TEMP, GITHUB_WORKSPACE) at each call, not at
 * import, so setting `process.env` around the calls is enough.
 */
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { BlockBlobClient } from '@azure/storage-blob'
import { actionsCacheRunStateStore, DEFAULT_KEY_PREFIX } from '../../src/github/run-state-cache.js'
import { runKeyOf, type RunState } from '../../src/batch/run-state.js'
import { startFakeActionsCache, type FakeActionsCache } from '../../test-servers/fake-actions-cache.js'

/** Every variable these tests set; each is restored to its value before the tests afterwards. */
const TOUCHED = [
  'ACTIONS_CACHE_SERVICE_V2',
  'ACTIONS_RESULTS_URL',
  'ACTIONS_CACHE_URL',
  'ACTIONS_RUNTIME_TOKEN',
  'ACTIONS_CACHE_MODE',
  'GITHUB_SERVER_URL',
  'GITHUB_WORKSPACE',
  'RUNNER_TEMP',
]
const savedEnv = new Map(TOUCHED.map((name) => [name, process.env[name]]))

let fake: FakeActionsCache
let root: string
let runnerTemp: string

function useEnv(env: Record<string, string>): void {
  for (const name of TOUCHED) Reflect.deleteProperty(process.env, name)
  Object.assign(process.env, env, { RUNNER_TEMP: runnerTemp, GITHUB_WORKSPACE: path.join(root, 'workspace') })
}

/** A fresh runner: nothing of an earlier attempt is left on disk. */
async function freshRunner(): Promise<void> {
  await rm(path.join(runnerTemp, 'claude-batch-evals'), { recursive: true, force: true })
}

function state(runKey: string, batchIds: string[]): RunState {
  return { runKey, batchIds, savedAt: new Date().toISOString() }
}

function twirpCalls(): string[] {
  return fake.calls
    .filter((c) => c.path.startsWith('/twirp/'))
    .map((c) => c.path.replace('/twirp/github.actions.results.api.v1.CacheService/', ''))
}

/**
 * What the code under test printed (through `@actions/core`, i.e. stdout) while `run` ran, as a user sees the
 * log: without `::debug::` lines, which the runner hides. Everything is still printed.
 */
async function logOf(run: () => Promise<unknown>): Promise<string> {
  const write = process.stdout.write
  let log = ''
  process.stdout.write = function (this: NodeJS.WriteStream, chunk: string | Uint8Array, ...rest: unknown[]) {
    log += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')
    return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest)
  } as typeof write
  try {
    await run()
    return log
      .split('\n')
      .filter((line) => !line.startsWith('::debug::') && !line.startsWith('::add-mask::'))
      .join('\n')
  } finally {
    process.stdout.write = write
  }
}

const RUN_A = runKeyOf(['{"custom_id":"a"}'], { commit: 'abc123', runId: '1' })
const RUN_B = runKeyOf(['{"custom_id":"b"}'], { commit: 'abc123', runId: '1' })

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'run-state-cache-'))
  runnerTemp = path.join(root, 'runner-temp')
  await mkdir(path.join(root, 'workspace'), { recursive: true })
  await mkdir(runnerTemp, { recursive: true })
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
  useEnv(fake.env)
  await freshRunner()
})

afterEach(async () => {
  await fake.close()
})

describe('actionsCacheRunStateStore against the cache service', () => {
  test('a save is found by a later attempt with the same run key', async () => {
    const store = actionsCacheRunStateStore()
    expect(store.name).toBe('actions cache')
    const saved = state(RUN_A, ['msgbatch_01', 'msgbatch_02'])
    await store.save(saved)

    const entries = fake.entries()
    expect(entries).toHaveLength(1)
    expect(entries[0].key).toMatch(new RegExp(`^${DEFAULT_KEY_PREFIX}${RUN_A}-\\d+$`))
    expect(entries[0].version).toMatch(/^[0-9a-f]{64}$/)
    // A real compressed tar: zstd's or gzip's magic number.
    const archive = fake.archive(entries[0].key)
    expect(archive?.length).toBe(entries[0].size)
    expect(archive?.subarray(0, 4).toString('hex')).toMatch(/^28b52ffd|^1f8b/)
    expect(twirpCalls()).toEqual(['CreateCacheEntry', 'FinalizeCacheEntryUpload'])
    expect(fake.calls.filter((c) => c.method === 'PUT')).toHaveLength(1) // one Put Blob

    await freshRunner()
    const log = await logOf(async () => expect(await store.load(RUN_A)).toEqual(saved))
    expect(log).toContain('Found 2 batch(es) of an earlier attempt in the actions cache')
    expect(twirpCalls()).toEqual(['CreateCacheEntry', 'FinalizeCacheEntryUpload', 'GetCacheEntryDownloadURL'])
    expect(fake.calls.filter((c) => c.method === 'GET')).toHaveLength(1) // the archive download
  })

  test('the latest save of a run wins', async () => {
    const store = actionsCacheRunStateStore()
    await store.save(state(RUN_A, ['msgbatch_01']))
    const later = state(RUN_A, ['msgbatch_01', 'msgbatch_followup'])
    await store.save(later)
    expect(fake.entries()).toHaveLength(2)

    await freshRunner()
    expect(await store.load(RUN_A)).toEqual(later)
  })

  test('another run key finds nothing, even with a state file of that key on disk', async () => {
    const store = actionsCacheRunStateStore()
    await store.save(state(RUN_A, ['msgbatch_01']))
    expect(await store.load(RUN_B)).toBeUndefined()

    // Only what the cache restores counts: a file left on disk is not a saved state.
    const stray = path.join(runnerTemp, 'claude-batch-evals', `run-state-${RUN_B}.json`)
    await writeFile(stray, JSON.stringify(state(RUN_B, ['msgbatch_stray'])))
    expect(await store.load(RUN_B)).toBeUndefined()
    expect(twirpCalls().filter((c) => c === 'GetCacheEntryDownloadURL')).toHaveLength(2)
  })

  test('without zstd on the PATH the archive is gzip, and it round-trips', async () => {
    const bin = path.join(root, 'bin-without-zstd')
    await mkdir(bin, { recursive: true })
    for (const tool of ['tar', 'gzip']) {
      const found = (process.env.PATH ?? '')
        .split(path.delimiter)
        .map((dir) => path.join(dir, tool))
        .find((file) => existsSync(file))
      if (found === undefined) throw new Error(`${tool} is not on the PATH`)
      await symlink(found, path.join(bin, tool)).catch(() => undefined)
    }
    const pathBefore = process.env.PATH
    const saved = state(RUN_A, ['msgbatch_gz'])
    process.env.PATH = bin
    try {
      const store = actionsCacheRunStateStore()
      await store.save(saved)
      const [entry] = fake.entries()
      expect(fake.archive(entry.key)?.subarray(0, 2).toString('hex')).toBe('1f8b')
      await freshRunner()
      expect(await store.load(RUN_A)).toEqual(saved)
    } finally {
      process.env.PATH = pathBefore
    }
    // The compression is part of the version too: where zstd is back on the PATH, the gzip entry is not found.
    const zstdOnPath = (process.env.PATH ?? '')
      .split(path.delimiter)
      .some((dir) => existsSync(path.join(dir, 'zstd')))
    expect(await actionsCacheRunStateStore().load(RUN_A)).toEqual(zstdOnPath ? undefined : saved)
  })

  test('the state file path is part of the cache version: another directory misses', async () => {
    await actionsCacheRunStateStore().save(state(RUN_A, ['msgbatch_01']))
    const elsewhere = actionsCacheRunStateStore({ directory: path.join(root, 'elsewhere') })
    expect(await elsewhere.load(RUN_A)).toBeUndefined()
    expect(twirpCalls()).toContain('GetCacheEntryDownloadURL')
  })

  test('a failing service is logged, not thrown: save records nothing and load finds nothing', async () => {
    const store = actionsCacheRunStateStore()
    fake.failWith(
      'POST',
      /CreateCacheEntry/,
      409,
      'cache entry with the same key, version, and scope already exists',
    )
    const conflictLog = await logOf(() => store.save(state(RUN_A, ['msgbatch_01'])))
    expect(conflictLog).toContain('Failed to save: Unable to reserve cache with key')
    expect(conflictLog).toContain('The batches were not recorded in the actions cache')
    expect(fake.entries()).toEqual([])

    fake.clearFailures()
    fake.setWritable(false)
    const deniedLog = await logOf(() => store.save(state(RUN_A, ['msgbatch_01'])))
    expect(deniedLog).toMatch(/::warning::Failed to save: .*More details: cache write denied:/)
    expect(fake.entries()).toEqual([])
    fake.setWritable(true)

    fake.clearFailures()
    fake.failWith('PUT', /./, 403, 'upload refused')
    const uploadLog = await logOf(async () => {
      await expect(store.save(state(RUN_A, ['msgbatch_01']))).resolves.toBeUndefined()
    })
    expect(uploadLog).toContain('::warning::Failed to save: upload refused')
    expect(fake.entries()).toEqual([])

    fake.clearFailures()
    await store.save(state(RUN_A, ['msgbatch_01']))
    expect(fake.entries()).toHaveLength(1)
    fake.failWith('POST', /GetCacheEntryDownloadURL/, 403, 'cache read denied: no readable scopes')
    const loadLog = await logOf(async () => expect(await store.load(RUN_A)).toBeUndefined())
    expect(loadLog).toContain('::warning::Failed to restore: ')
    expect(loadLog).toContain('cache read denied: no readable scopes')

    // @actions/cache does not check the download's status: it tries to extract the error body, and tar fails.
    fake.clearFailures()
    fake.failWith('GET', /./, 404)
    const downloadLog = await logOf(async () => expect(await store.load(RUN_A)).toBeUndefined())
    expect(downloadLog).toContain('::warning::Failed to restore:')
  })

  test('a wrong runtime token is refused by the service and only logged', async () => {
    useEnv({ ...fake.env, ACTIONS_RUNTIME_TOKEN: 'not-the-token' })
    const store = actionsCacheRunStateStore()
    await expect(store.save(state(RUN_A, ['msgbatch_01']))).resolves.toBeUndefined()
    expect(await store.load(RUN_A)).toBeUndefined()
    expect(fake.entries()).toEqual([])
    expect(twirpCalls()).toEqual(['CreateCacheEntry', 'GetCacheEntryDownloadURL'])
  })
})

describe('actionsCacheRunStateStore without the cache service', () => {
  const without = (name: string) => () =>
    Object.fromEntries(Object.entries(fake.env).filter(([key]) => key !== name))
  test.each([
    ['no cache service at all', () => ({}), 'The actions cache is not available'],
    // The fake is cache service v2, which needs ACTIONS_RESULTS_URL; ACTIONS_CACHE_URL is v1's.
    [
      "a URL of the other service version (@actions/cache's availability decides)",
      without('ACTIONS_RESULTS_URL'),
      'The actions cache is not available',
    ],
    [
      'no runtime token (refused by @actions/cache)',
      without('ACTIONS_RUNTIME_TOKEN'),
      'ACTIONS_RUNTIME_TOKEN',
    ],
  ])(
    'with %s, load finds nothing and save returns, saying so in the log, and nothing is sent',
    async (_, env, said) => {
      useEnv(env())
      const store = actionsCacheRunStateStore()
      const log = await logOf(async () => {
        await expect(store.save(state(RUN_A, ['msgbatch_01']))).resolves.toBeUndefined()
        expect(await store.load(RUN_A)).toBeUndefined()
      })
      expect(log).toContain(said)
      expect(fake.calls).toEqual([])
    },
  )

  it('says once that the cache is not available, however often the run saves and loads', async () => {
    useEnv({})
    const store = actionsCacheRunStateStore()
    const log = await logOf(async () => {
      expect(await store.load(RUN_A)).toBeUndefined()
      await store.save(state(RUN_A, ['msgbatch_01']))
      await store.save(state(RUN_A, ['msgbatch_01', 'msgbatch_02']))
    })
    expect(log.match(/The actions cache is not available/g)).toHaveLength(1)
    expect(log).toContain(
      "the batches are not recorded there, and no earlier attempt's batches can be found there",
    )
  })
})

describe('the fake cache service', () => {
  async function twirp(method: string, body: object, token = fake.env.ACTIONS_RUNTIME_TOKEN) {
    const response = await fetch(`${fake.url}/twirp/github.actions.results.api.v1.CacheService/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    })
    return { status: response.status, body: (await response.json()) as Record<string, unknown> }
  }

  test('serves Put Block + Put Block List uploads (the Azure SDK path for large archives)', async () => {
    const data = Buffer.from(Array.from({ length: 10_000 }, (_, i) => i % 251))
    const created = await twirp('CreateCacheEntry', { key: 'big', version: 'v1' })
    expect(created).toEqual({ status: 200, body: { ok: true, signed_upload_url: expect.any(String) } })
    const uploadUrl = created.body.signed_upload_url as string
    expect(uploadUrl.startsWith(`${fake.url}/`)).toBe(true)

    await new BlockBlobClient(uploadUrl).uploadData(data, {
      blockSize: 4096,
      maxSingleShotSize: 0,
      concurrency: 2,
    })
    const puts = fake.calls
      .filter((c) => c.method === 'PUT')
      .map((c) => new URL(c.path, fake.url).searchParams.get('comp'))
    expect(puts.filter((comp) => comp === 'block')).toHaveLength(3)
    expect(puts.at(-1)).toBe('blocklist')

    expect(
      await twirp('FinalizeCacheEntryUpload', { key: 'big', version: 'v1', size_bytes: '9' }),
    ).toMatchObject({
      status: 400,
      body: { code: 'invalid_argument' },
    })
    expect(
      await twirp('FinalizeCacheEntryUpload', { key: 'big', version: 'v1', size_bytes: '10000' }),
    ).toEqual({
      status: 200,
      body: { ok: true, entry_id: expect.stringMatching(/^\d+$/) },
    })
    expect(fake.entries()).toEqual([{ key: 'big', version: 'v1', size: 10_000 }])

    const found = await twirp('GetCacheEntryDownloadURL', { key: 'bi', restore_keys: [], version: 'v1' })
    expect(found.body).toMatchObject({ ok: true, matched_key: 'big' })
    const download = await fetch(found.body.signed_download_url as string)
    expect(download.status).toBe(200)
    expect(Buffer.from(await download.arrayBuffer())).toEqual(data)
    // The download URL is read-only; the upload URL cannot read.
    expect((await fetch(found.body.signed_download_url as string, { method: 'PUT', body: 'x' })).status).toBe(
      403,
    )
    expect((await fetch(uploadUrl)).status).toBe(403)

    expect(await twirp('CreateCacheEntry', { key: 'big', version: 'v1' })).toMatchObject({
      status: 409,
      body: { code: 'already_exists' },
    })
    expect(await twirp('GetCacheEntryDownloadURL', { key: 'big', version: 'v2' })).toEqual({
      status: 200,
      body: { ok: false, signed_download_url: '', matched_key: '' },
    })
    expect(await twirp('GetCacheEntryDownloadURL', { key: 'big', version: 'v1' }, 'wrong')).toMatchObject({
      status: 401,
      body: { code: 'unauthenticated' },
    })
  })

  test('key matching: exact key, then key as a prefix, then restore keys in order, newest first', async () => {
    async function put(key: string): Promise<void> {
      const { body } = await twirp('CreateCacheEntry', { key, version: 'v' })
      const put = await fetch(body.signed_upload_url as string, {
        method: 'PUT',
        headers: { 'x-ms-blob-type': 'BlockBlob' },
        body: key,
      })
      expect(put.status).toBe(201)
      expect(
        (await twirp('FinalizeCacheEntryUpload', { key, version: 'v', size_bytes: String(key.length) }))
          .status,
      ).toBe(200)
    }
    for (const key of ['run-1', 'run-2', 'other-1', 'other-2', 'run']) await put(key)
    const matched = async (key: string, restoreKeys: string[]) =>
      (await twirp('GetCacheEntryDownloadURL', { key, restore_keys: restoreKeys, version: 'v' })).body
        .matched_key
    expect(await matched('run', [])).toBe('run')
    expect(await matched('run-', [])).toBe('run-2')
    expect(await matched('none', ['other-', 'run-'])).toBe('other-2')
    expect(await matched('none', ['nothing', 'run-1'])).toBe('run-1')
    expect(await matched('none', ['nothing'])).toBe('')
  })

  test('close leaves nothing running', async () => {
    const other = await startFakeActionsCache()
    await fetch(`${other.url}/twirp/github.actions.results.api.v1.CacheService/CreateCacheEntry`, {
      method: 'POST',
    })
    await other.close()
    await expect(fetch(`${other.url}/`)).rejects.toThrow()
  })
})

test('the restored file is the JSON the store wrote', async () => {
  const store = actionsCacheRunStateStore()
  const saved = state(RUN_A, ['msgbatch_01'])
  await store.save(saved)
  await freshRunner()
  await store.load(RUN_A)
  const file = path.join(runnerTemp, 'claude-batch-evals', `run-state-${RUN_A}.json`)
  expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(saved)
})
