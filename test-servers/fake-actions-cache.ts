/**
 * A fake of the GitHub Actions cache service (cache service v2), for tests.
 *
 * It is real HTTP (node:http only) that the real `@actions/cache` talks to: give the action (or the test's
 * `process.env`) the variables in `fake.env`. Those are the ones the runner gives a JavaScript action:
 * `ACTIONS_CACHE_SERVICE_V2` selects the v2 protocol (without it `@actions/cache` speaks the retired v1
 * REST API to `ACTIONS_CACHE_URL`, which this fake does not implement), `ACTIONS_RESULTS_URL` is where the
 * v2 API lives, `ACTIONS_RUNTIME_TOKEN` is the bearer token every API call carries.
 *
 * The v2 protocol has two planes:
 * - The control plane: Twirp, JSON flavour, `POST {ACTIONS_RESULTS_URL}twirp/github.actions.results.api.v1.CacheService/{Method}`,
 *   `authorization: Bearer <ACTIONS_RUNTIME_TOKEN>`, bodies in protobuf JSON with the proto field names
 *   (`restore_keys`, `size_bytes`, `signed_upload_url`...); errors are Twirp's `{code, msg}` with the
 *   matching HTTP status.
 *   - `CreateCacheEntry {key, version}` -> `{ok, signed_upload_url}`; 409 `already_exists` when an entry with
 *     that key and version exists; `{ok: false, message: 'cache write denied: ...'}` when the token is
 *     read-only (`setWritable(false)`).
 *   - `FinalizeCacheEntryUpload {key, version, size_bytes}` -> `{ok, entry_id}` (int64 as a string).
 *   - `GetCacheEntryDownloadURL {key, restore_keys, version}` -> `{ok, signed_download_url, matched_key}`, or
 *     `{ok: false}` on a miss. Matching follows GitHub's documented order, among finalized entries of the same
 *     version: `key` exactly, then entries whose key starts with `key`, then each restore key in turn as a
 *     prefix; among several prefix matches the most recently created wins.
 * - The data plane: Azure Blob Storage, reached through the signed (SAS) URLs above, which point at this fake
 *   (`{url}/{account}/{container}/{blob}?sv=...&sp=w|r&sig=...`, the IP-style addressing Azurite uses, so the
 *   Azure SDK parses it). `@actions/cache` uploads with `@azure/storage-blob`'s `BlockBlobClient.uploadFile`:
 *   one Put Blob (`PUT`, `x-ms-blob-type: BlockBlob`) up to 128 MiB, else Put Block (`PUT ?comp=block&blockid=`)
 *   and Put Block List (`PUT ?comp=blocklist`, an XML `<BlockList>`); both are served. It downloads with a
 *   plain `GET` (the Azure SDK is only used for `*.blob.core.windows.net` hosts); `HEAD` and single `Range`
 *   requests are served too. The `sig` must be the one handed out for that blob, and `sp` must grant the
 *   operation (w for PUT, r for GET/HEAD), else 403 `AuthenticationFailed` as Azure answers.
 *
 * What the fake does not model: cache scopes (branches), eviction, v1, GHES. State lives in memory; there are
 * no timers, so nothing keeps the process alive after `close()`.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface FakeActionsCacheOptions {
  /** Port to listen on (127.0.0.1). Default 0: a random free port. */
  port?: number
  /** The runtime token every Twirp call must carry. Default 'test-runtime-token'. */
  token?: string
}

export interface FakeCacheEntry {
  key: string
  version: string
  /** The archive's size in bytes. */
  size: number
}

export interface FakeCacheCall {
  method: string
  /** The URL path including the query string. */
  path: string
}

export interface FakeActionsCache {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  url: string
  /**
   * The environment to give the action so that `@actions/cache` uses this fake: `ACTIONS_CACHE_SERVICE_V2`,
   * `ACTIONS_RESULTS_URL`, `ACTIONS_CACHE_URL` (both `url` + '/', as the runner sets them), `ACTIONS_RUNTIME_TOKEN`
   * and `GITHUB_SERVER_URL` (https://github.com: on any other host `@actions/cache` assumes GHES and v1).
   */
  env: Record<string, string>
  /** The finalized cache entries, oldest first. */
  entries(): FakeCacheEntry[]
  /** The bytes of a finalized entry's archive (a tar, zstd- or gzip-compressed), or undefined. */
  archive(key: string, version?: string): Buffer | undefined
  /** Every request received, in order (refused ones included). */
  calls: FakeCacheCall[]
  /**
   * From now on, requests with this method (case-insensitive) whose path (query string included) matches
   * `pathPattern` answer `status`: a Twirp error on the API, an Azure Storage error on blobs. Checked after
   * authentication, latest rule first. 5xx statuses make the clients retry with back-off (seconds); prefer 4xx.
   */
  failWith(method: string, pathPattern: RegExp, status: number, message?: string): void
  /** Removes every rule added with `failWith`. */
  clearFailures(): void
  /**
   * Makes the run's token read-only (or writable again): `CreateCacheEntry` then answers as the service does
   * for a token the issuer downgraded, `{ok: false, message: 'cache write denied: ...'}`.
   */
  setWritable(writable: boolean): void
  close(): Promise<void>
}

const TWIRP_PREFIX = '/twirp/github.actions.results.api.v1.CacheService/'
const ACCOUNT = 'fakeactionscache'
const CONTAINER = 'actions-cache'
const STORAGE_VERSION = '2025-01-05'
const MAX_KEY_LENGTH = 512
/** The stable prefix of the service's write-denial message, which `@actions/cache` dispatches on. */
const WRITE_DENIED = 'cache write denied:'

/** Twirp's error codes and the HTTP status each maps to (https://twitchtv.github.io/twirp/docs/spec_v7.html). */
const TWIRP_CODES: Record<string, number> = {
  invalid_argument: 400,
  malformed: 400,
  out_of_range: 400,
  unauthenticated: 401,
  permission_denied: 403,
  bad_route: 404,
  not_found: 404,
  already_exists: 409,
  aborted: 409,
  failed_precondition: 412,
  resource_exhausted: 429,
  canceled: 408,
  unknown: 500,
  internal: 500,
  dataloss: 500,
  unimplemented: 501,
  unavailable: 503,
  deadline_exceeded: 504,
}

/** Twirp error body. */
interface TwirpErrorBody {
  code: string
  msg: string
}

/** The JSON (proto field names) of the v2 CacheService messages, as `@actions/cache` sends and reads them. */
interface CreateCacheEntryRequest {
  key?: string
  version?: string
}
interface CreateCacheEntryResponse {
  ok: boolean
  signed_upload_url: string
  message?: string
}
interface FinalizeCacheEntryUploadRequest {
  key?: string
  version?: string
  /** int64, so a string in protobuf JSON (a number is accepted too). */
  size_bytes?: string | number
}
interface FinalizeCacheEntryUploadResponse {
  ok: boolean
  entry_id: string
}
interface GetCacheEntryDownloadURLRequest {
  key?: string
  restore_keys?: string[]
  version?: string
}
interface GetCacheEntryDownloadURLResponse {
  ok: boolean
  signed_download_url: string
  matched_key: string
}

interface StoredEntry {
  id: number
  key: string
  version: string
  /** The blob's name within the container. */
  blob: string
  finalized: boolean
}

interface Blob {
  /** The committed content, once Put Blob or Put Block List succeeded. */
  data: Buffer | undefined
  /** Staged, uncommitted blocks by block id. */
  blocks: Map<string, Buffer>
  etag: string
  lastModified: Date
  /** The `sig` of each SAS handed out for this blob, with its permissions. */
  signatures: Map<string, string>
}

class TwirpError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

class StorageError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

const STORAGE_CODES: Record<number, string> = {
  400: 'InvalidInput',
  403: 'AuthenticationFailed',
  404: 'BlobNotFound',
  409: 'BlobAlreadyExists',
  412: 'ConditionNotMet',
  500: 'InternalError',
  503: 'ServerBusy',
}

function twirpCodeFor(status: number): string {
  return (
    Object.entries(TWIRP_CODES).find(([, s]) => s === status)?.[0] ?? (status >= 500 ? 'internal' : 'unknown')
  )
}

function requireString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '')
    throw new TwirpError('invalid_argument', `${field} is required`)
  return value
}

export async function startFakeActionsCache(
  options: FakeActionsCacheOptions = {},
): Promise<FakeActionsCache> {
  const token = options.token ?? 'test-runtime-token'
  const calls: FakeCacheCall[] = []
  const entries: StoredEntry[] = [] // creation order
  const blobs = new Map<string, Blob>()
  const failures: { method: string; pattern: RegExp; status: number; message: string | undefined }[] = []
  let nextEntryId = 1
  let writable = true
  let url = ''

  /** A SAS URL for the blob, valid for `permissions`, signed with a fresh random signature. */
  function signedUrl(blobName: string, permissions: 'r' | 'w'): string {
    const blob = blobs.get(blobName)
    if (blob === undefined) throw new Error(`fake-actions-cache: no blob ${blobName}`)
    const sig = randomBytes(32).toString('base64')
    blob.signatures.set(sig, permissions)
    const query = new URLSearchParams({
      sv: STORAGE_VERSION,
      sr: 'b',
      sp: permissions,
      se: new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      sig,
    })
    return `${url}/${ACCOUNT}/${CONTAINER}/${blobName}?${query.toString()}`
  }

  function findEntry(key: string, version: string, finalized: boolean): StoredEntry | undefined {
    return entries.find((e) => e.key === key && e.version === version && e.finalized === finalized)
  }

  function match(key: string, restoreKeys: string[], version: string): StoredEntry | undefined {
    const candidates = entries.filter((e) => e.finalized && e.version === version)
    const exact = candidates.find((e) => e.key === key)
    if (exact !== undefined) return exact
    for (const prefix of [key, ...restoreKeys]) {
      const newest = candidates.filter((e) => e.key.startsWith(prefix)).at(-1)
      if (newest !== undefined) return newest
    }
    return undefined
  }

  // ---- control plane (Twirp) ----

  function createCacheEntry(request: CreateCacheEntryRequest): CreateCacheEntryResponse {
    const key = requireString(request.key, 'key')
    const version = requireString(request.version, 'version')
    if (key.length > MAX_KEY_LENGTH) {
      throw new TwirpError('invalid_argument', `key is longer than ${MAX_KEY_LENGTH} characters`)
    }
    if (!writable) {
      return {
        ok: false,
        signed_upload_url: '',
        message: `${WRITE_DENIED} the token of this run is read-only`,
      }
    }
    if (findEntry(key, version, true) !== undefined) {
      throw new TwirpError(
        'already_exists',
        'cache entry with the same key, version, and scope already exists',
      )
    }
    // An entry reserved earlier but never finalized (its upload failed) is reserved afresh.
    const stale = findEntry(key, version, false)
    if (stale !== undefined) entries.splice(entries.indexOf(stale), 1)
    const id = nextEntryId++
    const blob = `${id}-${createHash('sha256').update(`${key}\n${version}`).digest('hex').slice(0, 16)}`
    blobs.set(blob, {
      data: undefined,
      blocks: new Map(),
      etag: '',
      lastModified: new Date(),
      signatures: new Map(),
    })
    entries.push({ id, key, version, blob, finalized: false })
    return { ok: true, signed_upload_url: signedUrl(blob, 'w') }
  }

  function finalizeCacheEntryUpload(
    request: FinalizeCacheEntryUploadRequest,
  ): FinalizeCacheEntryUploadResponse {
    const key = requireString(request.key, 'key')
    const version = requireString(request.version, 'version')
    const size = Number(request.size_bytes ?? Number.NaN)
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new TwirpError('invalid_argument', 'size_bytes must be a non-negative integer')
    }
    const entry = findEntry(key, version, false)
    if (entry === undefined) throw new TwirpError('not_found', 'cache entry not found')
    const data = blobs.get(entry.blob)?.data
    if (data === undefined) throw new TwirpError('failed_precondition', 'the cache archive was not uploaded')
    if (data.length !== size) {
      throw new TwirpError(
        'invalid_argument',
        `size_bytes ${size} does not match the uploaded ${data.length} bytes`,
      )
    }
    entry.finalized = true
    return { ok: true, entry_id: String(entry.id) }
  }

  function getCacheEntryDownloadURL(
    request: GetCacheEntryDownloadURLRequest,
  ): GetCacheEntryDownloadURLResponse {
    const key = requireString(request.key, 'key')
    const version = requireString(request.version, 'version')
    const restoreKeys = request.restore_keys ?? []
    if (!Array.isArray(restoreKeys) || restoreKeys.some((k) => typeof k !== 'string')) {
      throw new TwirpError('invalid_argument', 'restore_keys must be a list of strings')
    }
    const entry = match(key, restoreKeys, version)
    if (entry === undefined) return { ok: false, signed_download_url: '', matched_key: '' }
    return { ok: true, signed_download_url: signedUrl(entry.blob, 'r'), matched_key: entry.key }
  }

  async function twirp(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    rawPath: string,
  ): Promise<void> {
    try {
      const auth = req.headers.authorization?.match(/^bearer\s+(\S+)\s*$/i)?.[1]
      if (auth !== token) throw new TwirpError('unauthenticated', 'invalid or missing runtime token')
      failIfRuled(method, rawPath, (status, message) => new TwirpError(twirpCodeFor(status), message))
      if (method !== 'POST')
        throw new TwirpError('bad_route', `unsupported method ${method} (only POST is allowed)`)
      if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
        throw new TwirpError(
          'bad_route',
          `unexpected Content-Type: ${req.headers['content-type'] ?? '(none)'}`,
        )
      }
      const rpc = new URL(rawPath, url).pathname.slice(TWIRP_PREFIX.length)
      let request: unknown
      try {
        request = JSON.parse((await readBody(req)).toString('utf8')) as unknown
      } catch {
        throw new TwirpError('malformed', 'the request body is not JSON')
      }
      if (typeof request !== 'object' || request === null || Array.isArray(request)) {
        throw new TwirpError('malformed', 'the request body is not a JSON object')
      }
      let body: object
      if (rpc === 'CreateCacheEntry') body = createCacheEntry(request)
      else if (rpc === 'FinalizeCacheEntryUpload') body = finalizeCacheEntryUpload(request)
      else if (rpc === 'GetCacheEntryDownloadURL') body = getCacheEntryDownloadURL(request)
      else throw new TwirpError('bad_route', `no handler for path ${rawPath}`)
      sendJson(res, 200, body)
    } catch (error) {
      if (error instanceof TwirpError) {
        const body: TwirpErrorBody = { code: error.code, msg: error.message }
        sendJson(res, TWIRP_CODES[error.code] ?? 500, body)
      } else {
        console.error('fake-actions-cache:', error)
        const body: TwirpErrorBody = { code: 'internal', msg: 'internal error' }
        sendJson(res, 500, body)
      }
    }
  }

  // ---- data plane (Azure Blob Storage) ----

  function blobHeaders(blob: Blob, extra: Record<string, string> = {}): Record<string, string> {
    return {
      etag: blob.etag,
      'last-modified': blob.lastModified.toUTCString(),
      ...storageHeaders(),
      ...extra,
    }
  }

  function commit(blob: Blob, data: Buffer): void {
    blob.data = data
    blob.blocks.clear()
    blob.lastModified = new Date()
    blob.etag = `"0x${randomBytes(8).toString('hex').toUpperCase()}"`
  }

  async function storage(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    rawPath: string,
  ): Promise<void> {
    try {
      const requestUrl = new URL(rawPath, url)
      const blobName = decodeURIComponent(requestUrl.pathname.slice(`/${ACCOUNT}/${CONTAINER}/`.length))
      const blob = blobs.get(blobName)
      const sig = requestUrl.searchParams.get('sig') ?? ''
      const granted = blob?.signatures.get(sig)
      const needed = method === 'PUT' ? 'w' : 'r'
      if (
        granted === undefined ||
        !granted.includes(needed) ||
        requestUrl.searchParams.get('sp') !== granted
      ) {
        throw new StorageError(
          403,
          'AuthenticationFailed',
          'Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.',
        )
      }
      failIfRuled(method, rawPath, (status, message) => {
        return new StorageError(status, STORAGE_CODES[status] ?? 'InternalError', message)
      })
      if (blob === undefined)
        throw new StorageError(404, 'BlobNotFound', 'The specified blob does not exist.')

      if (method === 'PUT') {
        const comp = requestUrl.searchParams.get('comp')
        const body = await readBody(req)
        const declared = req.headers['content-length']
        if (declared !== undefined && Number(declared) !== body.length) {
          throw new StorageError(400, 'InvalidHeaderValue', 'Content-Length does not match the body.')
        }
        const md5 = createHash('md5').update(body).digest('base64')
        if (comp === null) {
          if (req.headers['x-ms-blob-type'] !== 'BlockBlob') {
            throw new StorageError(
              400,
              'MissingRequiredHeader',
              'An HTTP header that is mandatory is missing: x-ms-blob-type.',
            )
          }
          commit(blob, body)
          sendStorage(
            res,
            201,
            blobHeaders(blob, { 'content-md5': md5, 'x-ms-request-server-encrypted': 'true' }),
          )
          return
        }
        if (comp === 'block') {
          const blockId = requestUrl.searchParams.get('blockid')
          if (blockId === null || blockId === '') {
            throw new StorageError(
              400,
              'InvalidQueryParameterValue',
              'Value for one of the query parameters is invalid: blockid.',
            )
          }
          blob.blocks.set(blockId, body)
          sendStorage(res, 201, {
            'content-md5': md5,
            'x-ms-request-server-encrypted': 'true',
            ...storageHeaders(),
          })
          return
        }
        if (comp === 'blocklist') {
          const ids = [
            ...body.toString('utf8').matchAll(/<(Latest|Committed|Uncommitted)>([^<]*)<\/\1>/g),
          ].map((m) => m[2])
          const parts: Buffer[] = []
          for (const id of ids) {
            const block = blob.blocks.get(id)
            if (block === undefined) {
              throw new StorageError(400, 'InvalidBlockList', 'The specified block list is invalid.')
            }
            parts.push(block)
          }
          commit(blob, Buffer.concat(parts))
          sendStorage(res, 201, blobHeaders(blob, { 'x-ms-request-server-encrypted': 'true' }))
          return
        }
        throw new StorageError(
          400,
          'InvalidQueryParameterValue',
          `Value for one of the query parameters is invalid: comp.`,
        )
      }

      if (method === 'GET' || method === 'HEAD') {
        const data = blob.data
        if (data === undefined)
          throw new StorageError(404, 'BlobNotFound', 'The specified blob does not exist.')
        const headers = blobHeaders(blob, {
          'content-type': 'application/octet-stream',
          'accept-ranges': 'bytes',
          'x-ms-blob-type': 'BlockBlob',
        })
        const range = (req.headers['x-ms-range'] ?? req.headers.range)
          ?.toString()
          .match(/^bytes=(\d+)-(\d*)$/)
        let status = 200
        let slice = data
        if (range) {
          const start = Number(range[1])
          const end = range[2] === '' ? data.length - 1 : Math.min(Number(range[2]), data.length - 1)
          if (start >= data.length || end < start) {
            throw new StorageError(
              416,
              'InvalidRange',
              'The range specified is invalid for the current size of the resource.',
            )
          }
          status = 206
          slice = data.subarray(start, end + 1)
          headers['content-range'] = `bytes ${start}-${end}/${data.length}`
        }
        headers['content-length'] = String(slice.length)
        res.writeHead(status, headers)
        res.end(method === 'HEAD' ? undefined : slice)
        return
      }
      throw new StorageError(
        405,
        'UnsupportedHttpVerb',
        `The resource doesn't support the specified HTTP verb ${method}.`,
      )
    } catch (error) {
      if (error instanceof StorageError) {
        sendStorageError(res, method, error)
      } else {
        console.error('fake-actions-cache:', error)
        sendStorageError(
          res,
          method,
          new StorageError(500, 'InternalError', 'The server encountered an internal error.'),
        )
      }
    }
  }

  function failIfRuled(
    method: string,
    rawPath: string,
    toError: (status: number, message: string) => Error,
  ): void {
    for (const rule of [...failures].reverse()) {
      if (rule.method === method && rule.pattern.test(rawPath)) {
        throw toError(rule.status, rule.message ?? `injected failure (HTTP ${rule.status})`)
      }
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase()
    const rawPath = req.url ?? '/'
    calls.push({ method, path: rawPath })
    if (rawPath.startsWith(TWIRP_PREFIX)) {
      await twirp(req, res, method, rawPath)
    } else if (rawPath.startsWith(`/${ACCOUNT}/${CONTAINER}/`)) {
      await storage(req, res, method, rawPath)
    } else if (rawPath.startsWith('/twirp/')) {
      const body: TwirpErrorBody = { code: 'bad_route', msg: `no handler for path ${rawPath}` }
      sendJson(res, 404, body)
    } else {
      sendStorageError(
        res,
        method,
        new StorageError(404, 'ResourceNotFound', 'The specified resource does not exist.'),
      )
    }
  }

  const server = createServer((req, res) => void handle(req, res))
  server.listen(options.port ?? 0, '127.0.0.1')
  await once(server, 'listening')
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  return {
    url,
    env: {
      ACTIONS_CACHE_SERVICE_V2: 'True',
      ACTIONS_RESULTS_URL: `${url}/`,
      ACTIONS_CACHE_URL: `${url}/`,
      ACTIONS_RUNTIME_TOKEN: token,
      GITHUB_SERVER_URL: 'https://github.com',
    },
    entries: () =>
      entries
        .filter((e) => e.finalized)
        .map((e) => ({ key: e.key, version: e.version, size: blobs.get(e.blob)?.data?.length ?? 0 })),
    archive: (key, version) => {
      const entry = entries.find(
        (e) => e.finalized && e.key === key && (version === undefined || e.version === version),
      )
      const data = entry === undefined ? undefined : blobs.get(entry.blob)?.data
      return data === undefined ? undefined : Buffer.from(data)
    },
    calls,
    failWith: (method, pathPattern, status, message) => {
      // A copy without the g/y flags, whose lastIndex would make `test` stateful.
      const pattern = new RegExp(pathPattern.source, pathPattern.flags.replace(/[gy]/g, ''))
      failures.push({ method: method.toUpperCase(), pattern, status, message })
    },
    clearFailures: () => {
      failures.length = 0
    },
    setWritable: (value) => {
      writable = value
    },
    close: async () => {
      const closed = once(server, 'close')
      server.close()
      server.closeAllConnections()
      await closed
    },
  }
}

function storageHeaders(): Record<string, string> {
  return {
    'x-ms-request-id': randomUUID(),
    'x-ms-version': STORAGE_VERSION,
    date: new Date().toUTCString(),
  }
}

function sendJson(res: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body)
  res
    .writeHead(status, {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(text)),
    })
    .end(text)
}

function sendStorage(res: ServerResponse, status: number, headers: Record<string, string>): void {
  res.writeHead(status, { ...headers, 'content-length': '0' }).end()
}

/** Azure Storage's error: `x-ms-error-code` and an XML `<Error>` body (no body on HEAD). */
function sendStorageError(res: ServerResponse, method: string, error: StorageError): void {
  const requestId = randomUUID()
  const xml =
    '\uFEFF<?xml version="1.0" encoding="utf-8"?>' +
    `<Error><Code>${error.code}</Code><Message>${escapeXml(error.message)}\nRequestId:${requestId}\nTime:${new Date().toISOString()}</Message></Error>`
  const headers = {
    ...storageHeaders(),
    'x-ms-request-id': requestId,
    'x-ms-error-code': error.code,
    'content-type': 'application/xml',
    'content-length': String(Buffer.byteLength(xml)),
  }
  res.writeHead(error.status, headers).end(method === 'HEAD' ? undefined : xml)
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}
