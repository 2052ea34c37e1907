/**
 * A fake of the GitHub Actions artifact service (artifacts v4), for tests: real HTTP (node:http only) that the
 * real `@actions/artifact` uploads to. Give the action (or the test's `process.env`) the variables in `fake.env`.
 *
 * What `@actions/artifact`'s `uploadArtifact` sends (lib/internal/upload/upload-artifact.js, blob-upload.js):
 * - It decodes `ACTIONS_RUNTIME_TOKEN` as a JWT (unverified) for the run's and the job's backend ids, from a
 *   `scp` claim holding `Actions.Results:<workflowRunBackendId>:<workflowJobRunBackendId>`; the fake's token is
 *   such a JWT, and every call must carry it as `authorization: Bearer`.
 * - The control plane, Twirp JSON at the origin of `ACTIONS_RESULTS_URL` (its path is dropped),
 *   `POST /twirp/github.actions.results.api.v1.ArtifactService/{Method}`, proto field names:
 *   - `CreateArtifact {workflow_run_backend_id, workflow_job_run_backend_id, name, version: 7, mime_type,
 *     expires_at?}` -> `{ok, signed_upload_url}`; 409 `already_exists` when the run has an artifact of that name
 *     (names are unique within a workflow run).
 *   - `FinalizeArtifact {..., name, size, hash: 'sha256:<hex>'}` -> `{ok, artifact_id}` (int64 as a string);
 *     `size` and `hash` must match the uploaded blob.
 *   Errors are Twirp's `{code, msg}`; the client retries 429 and 5xx with back-off from 3 s, so tests that fail
 *   a call on purpose should pick a 4xx.
 * - The data plane: `@azure/storage-blob`'s `BlockBlobClient.uploadStream` to the signed URL, which is always
 *   Put Block (`PUT ?comp=block&blockid=`) per 8 MiB chunk, then Put Block List (`PUT ?comp=blocklist`, XML).
 *   The URL points at this fake, `{url}/{account}/{container}/{blob}?sv=...&sp=cw&sig=...` (Azurite's IP-style
 *   addressing, so the Azure SDK parses it); a wrong `sig` is 403 `AuthenticationFailed`, as Azure answers.
 *
 * Not modelled: listing, download, deletion, retention, GHES. State lives in memory; no timers.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { inflateRawSync } from 'node:zlib'

export interface FakeArtifact {
  id: number
  name: string
  mimeType: string | undefined
  /** The uploaded blob (a zip unless the client skipped archiving); undefined until finalized. */
  data: Buffer | undefined
}

export interface FakeArtifactService {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  url: string
  /**
   * What the runner gives a JavaScript action for artifacts: `ACTIONS_RESULTS_URL` (`url` + '/'),
   * `ACTIONS_RUNTIME_TOKEN` (a JWT naming the run's backend ids) and `GITHUB_SERVER_URL` (https://github.com: on
   * any other host `@actions/artifact` assumes GHES and refuses to upload).
   */
  env: Record<string, string>
  /** The finalized artifacts, in upload order. */
  artifacts(): FakeArtifact[]
  /** Every request received, in order (refused ones included): method and path with query. */
  calls: { method: string; path: string }[]
  /** From now on, requests of `method` whose path matches `pathPattern` answer `status` (after authentication). */
  failWith(method: string, pathPattern: RegExp, status: number, message?: string): void
  close(): Promise<void>
}

const TWIRP_PREFIX = '/twirp/github.actions.results.api.v1.ArtifactService/'
const ACCOUNT = 'fakeartifacts'
const CONTAINER = 'actions-results'
const RUN_BACKEND_ID = 'c4d1f1a0-7e2b-4f4e-9a55-0d1e2f3a4b5c'
const JOB_BACKEND_ID = '9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d'
const TWIRP_STATUS: Record<string, number> = {
  invalid_argument: 400,
  unauthenticated: 401,
  permission_denied: 403,
  not_found: 404,
  bad_route: 404,
  already_exists: 409,
  failed_precondition: 412,
  internal: 500,
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

const base64url = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url')

interface Stored extends FakeArtifact {
  blob: string
  sig: string
  blocks: Map<string, Buffer>
  committed: Buffer | undefined
}

export async function startFakeArtifactService(): Promise<FakeArtifactService> {
  const token = [
    base64url({ alg: 'RS256', typ: 'JWT' }),
    base64url({ scp: `Actions.GenericRead:0 Actions.Results:${RUN_BACKEND_ID}:${JOB_BACKEND_ID}` }),
    'fake-signature',
  ].join('.')
  const calls: { method: string; path: string }[] = []
  const stored: Stored[] = []
  const failures: { method: string; pattern: RegExp; status: number; message: string }[] = []
  let url = ''

  function own(request: Record<string, unknown>): Stored | undefined {
    if (
      request.workflow_run_backend_id !== RUN_BACKEND_ID ||
      request.workflow_job_run_backend_id !== JOB_BACKEND_ID
    ) {
      throw new HttpError(400, 'invalid_argument', 'the backend ids are not those of the runtime token')
    }
    if (typeof request.name !== 'string' || request.name === '') {
      throw new HttpError(400, 'invalid_argument', 'name is required')
    }
    return stored.find((a) => a.name === request.name)
  }

  function createArtifact(request: Record<string, unknown>): object {
    if (own(request) !== undefined) {
      throw new HttpError(
        409,
        'already_exists',
        'an artifact with this name already exists on the workflow run',
      )
    }
    if (request.version !== 7) throw new HttpError(400, 'invalid_argument', 'unsupported artifact version')
    const artifact: Stored = {
      id: 1000 + stored.length + 1,
      name: request.name as string,
      mimeType: typeof request.mime_type === 'string' ? request.mime_type : undefined,
      data: undefined,
      blob: `${RUN_BACKEND_ID}/${randomUUID()}.zip`,
      sig: randomBytes(24).toString('base64'),
      blocks: new Map(),
      committed: undefined,
    }
    stored.push(artifact)
    const query = new URLSearchParams({ sv: '2025-01-05', sr: 'b', sp: 'cw', sig: artifact.sig })
    return {
      ok: true,
      signed_upload_url: `${url}/${ACCOUNT}/${CONTAINER}/${artifact.blob}?${query.toString()}`,
    }
  }

  function finalizeArtifact(request: Record<string, unknown>): object {
    const artifact = own(request)
    if (artifact === undefined) throw new HttpError(404, 'not_found', 'artifact not found')
    const data = artifact.committed
    if (data === undefined) throw new HttpError(412, 'failed_precondition', 'the artifact was not uploaded')
    if (Number(request.size) !== data.length) {
      throw new HttpError(
        400,
        'invalid_argument',
        `size ${String(request.size)} is not the ${data.length} uploaded`,
      )
    }
    const hash = `sha256:${createHash('sha256').update(data).digest('hex')}`
    if (request.hash !== undefined && request.hash !== hash) {
      throw new HttpError(400, 'invalid_argument', 'hash does not match the uploaded content')
    }
    artifact.data = data
    return { ok: true, artifact_id: String(artifact.id) }
  }

  async function twirp(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    rawPath: string,
  ): Promise<void> {
    const auth = req.headers.authorization?.match(/^bearer\s+(\S+)\s*$/i)?.[1]
    if (auth !== token) throw new HttpError(401, 'unauthenticated', 'invalid or missing runtime token')
    failIfRuled(method, rawPath)
    if (method !== 'POST') throw new HttpError(404, 'bad_route', `unsupported method ${method}`)
    let request: Record<string, unknown>
    try {
      request = JSON.parse((await readBody(req)).toString('utf8')) as Record<string, unknown>
    } catch {
      throw new HttpError(400, 'malformed', 'the request body is not JSON')
    }
    const rpc = rawPath.slice(TWIRP_PREFIX.length)
    if (rpc === 'CreateArtifact') sendJson(res, 200, createArtifact(request))
    else if (rpc === 'FinalizeArtifact') sendJson(res, 200, finalizeArtifact(request))
    else throw new HttpError(404, 'bad_route', `no handler for path ${rawPath}`)
  }

  async function storage(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    rawPath: string,
  ): Promise<void> {
    const target = new URL(rawPath, url)
    const blob = decodeURIComponent(target.pathname.slice(`/${ACCOUNT}/${CONTAINER}/`.length))
    const artifact = stored.find((a) => a.blob === blob)
    if (artifact === undefined || target.searchParams.get('sig') !== artifact.sig) {
      throw new HttpError(403, 'AuthenticationFailed', 'Server failed to authenticate the request.')
    }
    failIfRuled(method, rawPath)
    const body = await readBody(req)
    const comp = target.searchParams.get('comp')
    if (method === 'PUT' && comp === 'block') {
      const blockId = target.searchParams.get('blockid')
      if (!blockId) throw new HttpError(400, 'InvalidQueryParameterValue', 'blockid is required.')
      artifact.blocks.set(blockId, body)
    } else if (method === 'PUT' && comp === 'blocklist') {
      const ids = [...body.toString('utf8').matchAll(/<(Latest|Uncommitted)>([^<]*)<\/\1>/g)].map((m) => m[2])
      const blocks = ids.map((id) => artifact.blocks.get(id))
      if (blocks.some((block) => block === undefined)) {
        throw new HttpError(400, 'InvalidBlockList', 'The specified block list is invalid.')
      }
      artifact.committed = Buffer.concat(blocks as Buffer[])
    } else {
      throw new HttpError(
        405,
        'UnsupportedHttpVerb',
        `${method} ?comp=${comp ?? ''} is not served by this fake.`,
      )
    }
    res
      .writeHead(201, {
        'x-ms-request-id': randomUUID(),
        'x-ms-version': '2025-01-05',
        'x-ms-request-server-encrypted': 'true',
        etag: `"0x${randomBytes(8).toString('hex').toUpperCase()}"`,
        'content-length': '0',
      })
      .end()
  }

  function failIfRuled(method: string, rawPath: string): void {
    const rule = [...failures].reverse().find((r) => r.method === method && r.pattern.test(rawPath))
    if (rule === undefined) return
    const code = Object.entries(TWIRP_STATUS).find(([, s]) => s === rule.status)?.[0] ?? 'internal'
    throw new HttpError(rule.status, rawPath.startsWith('/twirp/') ? code : 'InjectedFailure', rule.message)
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase()
    const rawPath = req.url ?? '/'
    calls.push({ method, path: rawPath })
    const isTwirp = rawPath.startsWith('/twirp/')
    try {
      if (rawPath.startsWith(TWIRP_PREFIX)) await twirp(req, res, method, rawPath)
      else if (rawPath.startsWith(`/${ACCOUNT}/${CONTAINER}/`)) await storage(req, res, method, rawPath)
      else throw new HttpError(404, isTwirp ? 'bad_route' : 'ResourceNotFound', `no handler for ${rawPath}`)
    } catch (error) {
      const known = error instanceof HttpError ? error : new HttpError(500, 'internal', String(error))
      if (isTwirp) {
        sendJson(res, known.status, { code: known.code, msg: known.message })
      } else {
        const xml = `<?xml version="1.0" encoding="utf-8"?><Error><Code>${known.code}</Code><Message>${known.message}</Message></Error>`
        res
          .writeHead(known.status, { 'x-ms-error-code': known.code, 'content-type': 'application/xml' })
          .end(xml)
      }
    }
  }

  const server = createServer((req, res) => void handle(req, res))
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  return {
    url,
    env: {
      ACTIONS_RESULTS_URL: `${url}/`,
      ACTIONS_RUNTIME_TOKEN: token,
      GITHUB_SERVER_URL: 'https://github.com',
    },
    artifacts: () =>
      stored
        .filter((a) => a.data !== undefined)
        .map(({ id, name, mimeType, data }) => ({ id, name, mimeType, data: Buffer.from(data as Buffer) })),
    calls,
    failWith: (method, pathPattern, status, message) => {
      const pattern = new RegExp(pathPattern.source, pathPattern.flags.replace(/[gy]/g, ''))
      failures.push({
        method: method.toUpperCase(),
        pattern,
        status,
        message: message ?? `injected failure (HTTP ${status})`,
      })
    },
    close: async () => {
      const closed = once(server, 'close')
      server.close()
      server.closeAllConnections()
      await closed
    },
  }
}

/**
 * The files of a zip, by name: read from its central directory, so it works on the streamed zips `archiver`
 * writes (sizes in data descriptors). Stored (0) and deflated (8) entries only; no zip64.
 */
export function unzip(zip: Buffer): Map<string, Buffer> {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]))
  if (end < 0) throw new Error('unzip: no end of central directory record')
  const count = zip.readUInt16LE(end + 10)
  let at = zip.readUInt32LE(end + 16)
  const files = new Map<string, Buffer>()
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`unzip: bad central directory entry at ${at}`)
    const method = zip.readUInt16LE(at + 10)
    const compressedSize = zip.readUInt32LE(at + 20)
    const nameLength = zip.readUInt16LE(at + 28)
    const extraLength = zip.readUInt16LE(at + 30)
    const commentLength = zip.readUInt16LE(at + 32)
    const local = zip.readUInt32LE(at + 42)
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength)
    const dataStart = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28)
    const raw = zip.subarray(dataStart, dataStart + compressedSize)
    if (method !== 0 && method !== 8) throw new Error(`unzip: ${name} uses compression method ${method}`)
    files.set(name, method === 8 ? inflateRawSync(raw) : Buffer.from(raw))
    at += 46 + nameLength + extraLength + commentLength
  }
  return files
}

function sendJson(res: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
  })
  res.end(text)
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}
