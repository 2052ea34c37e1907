/**
 * The history branch's file through the real Octokit against the fake GitHub's Git database over real HTTP:
 * an orphan branch made on first write, commits on top of the head, and a write made again when the branch
 * moved between its read and its ref update.
 */
import * as github from '@actions/github'
import {
  MAX_ATTEMPTS,
  readBranchFile,
  rewriteBranchFile,
  type BranchFile,
} from '../../src/github/history-branch.js'
import { startFakeGitHub, type FakeGitHub } from '../../test-servers/fake-github.js'

const FILE: BranchFile = { owner: 'acme', repo: 'widgets', branch: 'eval-history', path: 'suite.jsonl' }

let fake: FakeGitHub
beforeEach(async () => {
  fake = await startFakeGitHub()
})
afterEach(async () => {
  await fake.close()
})

const octokit = () => github.getOctokit('test-token', { baseUrl: fake.url })
/** Appends a line; the result is the text it was given. */
const append = (line: string) => (text: string | undefined) => ({
  text: `${text ?? ''}${line}\n`,
  result: text,
})

describe('rewriteBranchFile', () => {
  it('creates the branch as an orphan, then commits on its head', async () => {
    const first = await rewriteBranchFile(octokit(), FILE, 'first', append('one'))
    expect(first).toMatchObject({ result: undefined, retries: 0 })
    const { data: root } = await octokit().rest.git.getCommit({
      owner: 'acme',
      repo: 'widgets',
      commit_sha: first.commit,
    })
    expect(root.parents).toEqual([])

    const second = await rewriteBranchFile(octokit(), FILE, 'second', append('two'))
    expect(second.result).toBe('one\n')
    expect(fake.git.fileAt('acme', 'widgets', 'eval-history', 'suite.jsonl')).toBe('one\ntwo\n')
    const { data: next } = await octokit().rest.git.getCommit({
      owner: 'acme',
      repo: 'widgets',
      commit_sha: second.commit,
    })
    expect(next.parents.map((p) => p.sha)).toEqual([first.commit])
    expect(next.message).toBe('second')
    expect(fake.git.branchHead('acme', 'widgets', 'eval-history')).toBe(second.commit)
  })

  it('keeps the other files of the branch', async () => {
    await rewriteBranchFile(octokit(), { ...FILE, path: 'other.jsonl' }, 'other', append('x'))
    await rewriteBranchFile(octokit(), FILE, 'mine', append('y'))
    expect(fake.git.fileAt('acme', 'widgets', 'eval-history', 'other.jsonl')).toBe('x\n')
    expect(fake.git.fileAt('acme', 'widgets', 'eval-history', 'suite.jsonl')).toBe('y\n')
  })

  it('writes again on the new head when the branch moved under its update, losing neither record', async () => {
    await rewriteBranchFile(octokit(), FILE, 'first', append('one'))
    fake.git.beforeNextRefWrite(async () => {
      await rewriteBranchFile(octokit(), FILE, 'concurrent', append('other run'))
    })
    const written = await rewriteBranchFile(octokit(), FILE, 'mine', append('this run'))
    expect(written.retries).toBe(1)
    expect(written.result).toBe('one\nother run\n')
    expect(fake.git.fileAt('acme', 'widgets', 'eval-history', 'suite.jsonl')).toBe(
      'one\nother run\nthis run\n',
    )
    const refused = fake.calls.filter((c) => c.method === 'PATCH' && c.path.includes('/git/refs/'))
    expect(refused).toHaveLength(3) // the concurrent one, this run's refused one, and its retry
  })

  it('writes again when another run created the branch first', async () => {
    fake.git.beforeNextRefWrite(async () => {
      await rewriteBranchFile(octokit(), FILE, 'other', append('other run'))
    })
    const written = await rewriteBranchFile(octokit(), FILE, 'mine', append('this run'))
    expect(written.retries).toBe(1)
    expect(fake.git.fileAt('acme', 'widgets', 'eval-history', 'suite.jsonl')).toBe('other run\nthis run\n')
  })

  it(`gives up after ${MAX_ATTEMPTS} refused updates, with GitHub's 422`, async () => {
    await rewriteBranchFile(octokit(), FILE, 'first', append('one'))
    const moveUnder = () =>
      fake.git.beforeNextRefWrite(async () => {
        await rewriteBranchFile(octokit(), FILE, 'concurrent', append('other'))
        moveUnder()
      })
    moveUnder()
    await expect(rewriteBranchFile(octokit(), FILE, 'mine', append('mine'))).rejects.toMatchObject({
      status: 422,
    })
  })

  it('passes on a refusal that is not a race, such as a read-only token', async () => {
    fake.failWith('POST', /\/git\/blobs$/, 403, 'Resource not accessible by integration')
    await expect(rewriteBranchFile(octokit(), FILE, 'mine', append('x'))).rejects.toMatchObject({
      status: 403,
    })
    expect(fake.git.branchHead('acme', 'widgets', 'eval-history')).toBeUndefined()
  })

  it('writes on a read made earlier without reading again, and reads again only when the branch moved', async () => {
    expect(await readBranchFile(octokit(), FILE)).toEqual({
      head: undefined,
      tree: undefined,
      text: undefined,
    })
    await rewriteBranchFile(octokit(), FILE, 'first', append('one'))
    const read = await readBranchFile(octokit(), FILE)
    expect(read.text).toBe('one\n')

    const before = fake.calls.length
    const written = await rewriteBranchFile(octokit(), FILE, 'second', append('two'), read)
    const gets = fake.calls.slice(before).filter((c) => c.method === 'GET')
    expect(gets).toEqual([])
    expect(written).toMatchObject({ result: 'one\n', retries: 0 })

    // The same read, now stale: the ref update is refused, and the retry reads the new head.
    const stale = await rewriteBranchFile(octokit(), FILE, 'third', append('three'), read)
    expect(stale).toMatchObject({ result: 'one\ntwo\n', retries: 1 })
    expect(fake.git.fileAt('acme', 'widgets', 'eval-history', 'suite.jsonl')).toBe('one\ntwo\nthree\n')
  })
})
