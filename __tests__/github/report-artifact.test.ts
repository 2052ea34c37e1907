/**
 * The HTML report's upload, through the real `@actions/artifact` (real zip, real Twirp client, the real Azure
 * Storage client) against the local fake of the artifact service. No mocks.
 *
 * `@actions/artifact` reads its environment at each call, so setting `process.env` around the calls is enough.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { uploadHtmlReport } from '../../src/github/report-artifact.js'
import {
  startFakeArtifactService,
  unzip,
  type FakeArtifactService,
} from '../../test-servers/fake-artifact-service.js'

const TOUCHED = [
  'ACTIONS_RESULTS_URL',
  'ACTIONS_RUNTIME_TOKEN',
  'GITHUB_SERVER_URL',
  'GITHUB_REPOSITORY',
  'GITHUB_RUN_ID',
]
const savedEnv = new Map(TOUCHED.map((name) => [name, process.env[name]]))
const PAGE = '<!doctype html><title>Eval report</title><p>3 of 4 tests passed</p>\n'

let fake: FakeArtifactService
let workspace: string

function useEnv(env: Record<string, string>): void {
  for (const name of TOUCHED) Reflect.deleteProperty(process.env, name)
  Object.assign(process.env, { GITHUB_REPOSITORY: 'acme/support-bot', GITHUB_RUN_ID: '4242' }, env)
}

beforeAll(async () => {
  workspace = await mkdtemp(path.join(tmpdir(), 'report-artifact-'))
  await writeFile(path.join(workspace, 'report.html'), PAGE)
})

beforeEach(async () => {
  fake = await startFakeArtifactService()
  useEnv(fake.env)
})

afterEach(async () => {
  await fake.close()
})

afterAll(async () => {
  for (const [name, value] of savedEnv) {
    if (value === undefined) Reflect.deleteProperty(process.env, name)
    else process.env[name] = value
  }
  await rm(workspace, { recursive: true, force: true })
})

describe('uploadHtmlReport', () => {
  it("uploads the report, a path relative to the workspace, as a zip of the page and links the run's artifact", async () => {
    const result = await uploadHtmlReport('report.html', 'claude-batch-evals-report', workspace)

    const [artifact] = fake.artifacts()
    expect(fake.artifacts()).toHaveLength(1)
    expect(artifact.name).toBe('claude-batch-evals-report')
    expect(result).toEqual({
      url: `https://github.com/acme/support-bot/actions/runs/4242/artifacts/${artifact.id}`,
    })
    expect([...unzip(artifact.data as Buffer)].map(([name, data]) => [name, data.toString('utf8')])).toEqual([
      ['report.html', PAGE],
    ])
  })

  it('takes an absolute path too, and links on the server the runner names (GHE.com)', async () => {
    useEnv({ ...fake.env, GITHUB_SERVER_URL: 'https://acme.ghe.com/' })
    const result = await uploadHtmlReport(path.join(workspace, 'report.html'), 'evals', '/elsewhere')
    expect(result).toEqual({
      url: `https://acme.ghe.com/acme/support-bot/actions/runs/4242/artifacts/${fake.artifacts()[0].id}`,
    })
  })

  it('skips, with why and what to do instead, without the runtime variables (a local run, act)', async () => {
    useEnv({})
    const result = await uploadHtmlReport('report.html', 'claude-batch-evals-report', workspace)
    expect(result).toEqual({
      skipped: expect.stringContaining('no ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL'),
    })
    expect(result).toEqual({ skipped: expect.stringContaining('actions/upload-artifact') })
    expect(fake.calls).toEqual([])
  })

  it('skips on GitHub Enterprise Server without calling the service', async () => {
    useEnv({ ...fake.env, GITHUB_SERVER_URL: 'https://github.acme.example' })
    const result = await uploadHtmlReport('report.html', 'claude-batch-evals-report', workspace)
    expect(result).toEqual({
      skipped: expect.stringContaining('https://github.acme.example is a GitHub Enterprise Server'),
    })
    expect(fake.calls).toEqual([])
  })

  it('skips with the service error when the artifact cannot be created, without throwing', async () => {
    fake.failWith('POST', /CreateArtifact$/, 403, 'artifact storage quota has been hit')
    const result = await uploadHtmlReport('report.html', 'claude-batch-evals-report', workspace)
    expect(result).toEqual({
      skipped: expect.stringMatching(
        /^The HTML report was not uploaded as the artifact claude-batch-evals-report: .*artifact storage quota has been hit/,
      ),
    })
    expect(fake.artifacts()).toEqual([])
  })

  it('skips when the blob upload is refused, and the artifact is never finalized', async () => {
    fake.failWith('PUT', /comp=block/, 403, 'signature expired')
    const result = await uploadHtmlReport('report.html', 'claude-batch-evals-report', workspace)
    expect(result).toEqual({ skipped: expect.stringContaining('not uploaded as the artifact') })
    expect(fake.calls.some((call) => call.path.endsWith('/FinalizeArtifact'))).toBe(false)
  })

  it('skips when the run already has an artifact of that name (a matrix job without distinct names)', async () => {
    expect(await uploadHtmlReport('report.html', 'evals', workspace)).toHaveProperty('url')
    const second = await uploadHtmlReport('report.html', 'evals', workspace)
    expect(second).toEqual({ skipped: expect.stringContaining('already exists on the workflow run') })
  })

  it('skips a missing report file with its path', async () => {
    const result = await uploadHtmlReport('missing.html', 'evals', workspace)
    expect(result).toEqual({ skipped: expect.stringContaining(path.join(workspace, 'missing.html')) })
  })
})
