/**
 * The Git database endpoints of the fake GitHub API (fake-github.ts routes to it): refs, blobs, trees and
 * commits, with GitHub's semantics where a client depends on them: a ref update that is not a fast forward is
 * refused with 422 unless forced, creating a ref that exists is 422, unknown objects are 404 or 422. Blob
 * shas are git's own; tree and commit shas are content hashes of their own (stable, not git's). Trees are
 * flat: a path with a `/` is refused with a 500 that says so.
 *
 * - GET   /repos/{owner}/{repo}/git/ref/heads/{branch}
 * - POST  /repos/{owner}/{repo}/git/refs            {ref, sha} -> 201
 * - PATCH /repos/{owner}/{repo}/git/refs/heads/{branch}   {sha, force}
 * - POST  /repos/{owner}/{repo}/git/blobs           {content, encoding} -> 201
 * - GET   /repos/{owner}/{repo}/git/blobs/{sha}
 * - POST  /repos/{owner}/{repo}/git/trees           {tree, base_tree} -> 201
 * - GET   /repos/{owner}/{repo}/git/trees/{sha}
 * - POST  /repos/{owner}/{repo}/git/commits         {message, tree, parents} -> 201
 * - GET   /repos/{owner}/{repo}/git/commits/{sha}
 */
import { createHash } from 'node:crypto'
import type { getOctokit } from '@actions/github'

type Git = ReturnType<typeof getOctokit>['rest']['git']
type DataOf<F extends (...args: never[]) => Promise<{ data: unknown }>> = Awaited<ReturnType<F>>['data']

const DOCS = 'https://docs.github.com/rest/git'

interface TreeEntry {
  path: string
  mode: string
  type: 'blob'
  sha: string
}

interface StoredCommit {
  tree: string
  parents: string[]
  message: string
  date: string
}

export interface GitReply {
  status: number
  body: unknown
}

/** How the fake's HTTP layer makes an error reply. */
export type GitError = (status: number, message: string, docs: string) => Error

export interface FakeGitData {
  /** The reply to a Git database call, or undefined when the path is not one. */
  route(method: string, path: string, body: () => Promise<unknown>): Promise<GitReply | undefined>
  /** A branch's head commit, if the branch exists. */
  branchHead(owner: string, repo: string, branch: string): string | undefined
  /** A file's text at a branch's head, if both exist. */
  fileAt(owner: string, repo: string, branch: string, path: string): string | undefined
  /** Runs `hook` (once) when the next ref creation or update arrives, before it is applied: to race it. */
  beforeNextRefWrite(hook: () => Promise<void>): void
}

function sha1(text: string | Buffer): string {
  return createHash('sha1').update(text).digest('hex')
}

export function fakeGitData(apiUrl: () => string, error: GitError): FakeGitData {
  // Objects are content-addressed, so one store serves every repository; refs are per repository.
  const blobs = new Map<string, Buffer>()
  const trees = new Map<string, TreeEntry[]>()
  const commits = new Map<string, StoredCommit>()
  const refs = new Map<string, string>()
  const refHooks: (() => Promise<void>)[] = []

  const refKey = (owner: string, repo: string, branch: string) =>
    `${owner}/${repo}`.toLowerCase() + `:${branch}`
  const api = (owner: string, repo: string) => `${apiUrl()}/repos/${owner}/${repo}/git`

  function blobJson(owner: string, repo: string, sha: string): DataOf<Git['getBlob']> {
    const content = blobs.get(sha)
    if (!content) throw error(404, 'Not Found', `${DOCS}/blobs#get-a-blob`)
    // GitHub wraps the base64 at 60 characters.
    const base64 = content.toString('base64').replace(/.{60}/g, '$&\n')
    return {
      sha,
      node_id: `B_${sha}`,
      size: content.length,
      url: `${api(owner, repo)}/blobs/${sha}`,
      content: base64,
      encoding: 'base64',
    }
  }

  function treeJson(owner: string, repo: string, sha: string): DataOf<Git['getTree']> {
    const entries = trees.get(sha)
    if (!entries) throw error(404, 'Not Found', `${DOCS}/trees#get-a-tree`)
    return {
      sha,
      url: `${api(owner, repo)}/trees/${sha}`,
      truncated: false,
      tree: entries.map((entry) => ({
        ...entry,
        size: blobs.get(entry.sha)?.length ?? 0,
        url: `${api(owner, repo)}/blobs/${entry.sha}`,
      })),
    }
  }

  function commitJson(owner: string, repo: string, sha: string): DataOf<Git['getCommit']> {
    const commit = commits.get(sha)
    if (!commit) throw error(404, 'Not Found', `${DOCS}/commits#get-a-commit-object`)
    const person = {
      name: 'github-actions[bot]',
      email: 'github-actions[bot]@users.noreply.github.com',
      date: commit.date,
    }
    return {
      sha,
      node_id: `C_${sha}`,
      url: `${api(owner, repo)}/commits/${sha}`,
      html_url: `https://github.com/${owner}/${repo}/commit/${sha}`,
      author: person,
      committer: person,
      message: commit.message,
      tree: { sha: commit.tree, url: `${api(owner, repo)}/trees/${commit.tree}` },
      parents: commit.parents.map((parent) => ({
        sha: parent,
        url: `${api(owner, repo)}/commits/${parent}`,
        html_url: `https://github.com/${owner}/${repo}/commit/${parent}`,
      })),
      verification: {
        verified: false,
        reason: 'unsigned',
        signature: null,
        payload: null,
        verified_at: null,
      },
    }
  }

  function refJson(owner: string, repo: string, branch: string, sha: string): DataOf<Git['getRef']> {
    return {
      ref: `refs/heads/${branch}`,
      node_id: `REF_${sha1(branch)}`,
      url: `${api(owner, repo)}/refs/heads/${branch}`,
      object: { type: 'commit', sha, url: `${api(owner, repo)}/commits/${sha}` },
    }
  }

  /** Whether `ancestor` is `sha` or reachable from it through parents. */
  function reaches(sha: string, ancestor: string): boolean {
    const queue = [sha]
    const seen = new Set<string>()
    while (queue.length > 0) {
      const next = queue.pop() as string
      if (next === ancestor) return true
      if (seen.has(next)) continue
      seen.add(next)
      queue.push(...(commits.get(next)?.parents ?? []))
    }
    return false
  }

  function createBlob(payload: { content?: unknown; encoding?: unknown }): string {
    if (typeof payload.content !== 'string')
      throw error(422, 'Invalid request.\n\n"content" wasn\'t supplied.', `${DOCS}/blobs`)
    const content =
      payload.encoding === 'base64'
        ? Buffer.from(payload.content, 'base64')
        : Buffer.from(payload.content, 'utf8')
    const sha = sha1(Buffer.concat([Buffer.from(`blob ${content.length}\0`), content]))
    blobs.set(sha, content)
    return sha
  }

  function createTree(payload: { tree?: unknown; base_tree?: unknown }): string {
    const docs = `${DOCS}/trees#create-a-tree`
    if (!Array.isArray(payload.tree)) throw error(422, 'Invalid request.\n\n"tree" wasn\'t supplied.', docs)
    const entries = new Map<string, TreeEntry>()
    if (typeof payload.base_tree === 'string') {
      const base = trees.get(payload.base_tree)
      if (!base) throw error(422, 'Invalid tree info', docs)
      for (const entry of base) entries.set(entry.path, entry)
    }
    for (const item of payload.tree as {
      path?: unknown
      mode?: unknown
      type?: unknown
      sha?: unknown
      content?: unknown
    }[]) {
      if (typeof item.path !== 'string' || item.path.includes('/')) {
        throw error(500, `fake-github: only flat trees are supported (path ${String(item.path)})`, docs)
      }
      if (item.type !== 'blob') throw error(422, 'Invalid tree info', docs)
      const sha = typeof item.content === 'string' ? createBlob({ content: item.content }) : item.sha
      if (sha === null) {
        entries.delete(item.path)
        continue
      }
      if (typeof sha !== 'string' || !blobs.has(sha)) throw error(422, 'Invalid tree info', docs)
      entries.set(item.path, { path: item.path, mode: String(item.mode ?? '100644'), type: 'blob', sha })
    }
    const list = [...entries.values()].sort((a, b) => (a.path < b.path ? -1 : 1))
    const sha = sha1(`tree ${JSON.stringify(list)}`)
    trees.set(sha, list)
    return sha
  }

  function createCommit(payload: { message?: unknown; tree?: unknown; parents?: unknown }): string {
    const docs = `${DOCS}/commits#create-a-commit`
    if (typeof payload.message !== 'string' || typeof payload.tree !== 'string') {
      throw error(422, 'Invalid request.\n\n"message" and "tree" are required.', docs)
    }
    if (!trees.has(payload.tree)) throw error(422, 'Tree SHA does not exist', docs)
    const parents = (payload.parents ?? []) as unknown[]
    if (!Array.isArray(parents) || parents.some((p) => typeof p !== 'string' || !commits.has(p))) {
      throw error(422, 'Parent SHA does not exist or is not a commit object', docs)
    }
    const commit: StoredCommit = {
      tree: payload.tree,
      parents: parents as string[],
      message: payload.message,
      date: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    }
    const sha = sha1(`commit ${JSON.stringify(commit)} ${commits.size}`)
    commits.set(sha, commit)
    return sha
  }

  async function route(
    method: string,
    path: string,
    body: () => Promise<unknown>,
  ): Promise<GitReply | undefined> {
    const m = path.match(/^\/repos\/([^/]+)\/([^/]+)\/git\/(.+)$/)
    if (!m) return undefined
    // Octokit percent-encodes the `/` of `heads/<branch>`; GitHub reads it as a `/`.
    const [owner, repo, rest] = [decodeURIComponent(m[1]), decodeURIComponent(m[2]), decodeURIComponent(m[3])]
    const payload = async () => ((await body()) ?? {}) as Record<string, unknown>
    let p: RegExpMatchArray | null
    if ((p = rest.match(/^ref\/heads\/(.+)$/)) && method === 'GET') {
      const branch = p[1]
      const sha = refs.get(refKey(owner, repo, branch))
      if (!sha) throw error(404, 'Not Found', `${DOCS}/refs#get-a-reference`)
      return { status: 200, body: refJson(owner, repo, branch, sha) }
    }
    if (rest === 'refs' && method === 'POST') {
      const docs = `${DOCS}/refs#create-a-reference`
      const { ref, sha } = await payload()
      if (typeof ref !== 'string' || !ref.startsWith('refs/heads/') || typeof sha !== 'string') {
        throw error(422, 'Reference name must start with refs/ and sha is required', docs)
      }
      const branch = ref.slice('refs/heads/'.length)
      for (const hook of refHooks.splice(0)) await hook()
      if (!commits.has(sha)) throw error(422, 'Object does not exist', docs)
      if (refs.has(refKey(owner, repo, branch))) throw error(422, 'Reference already exists', docs)
      refs.set(refKey(owner, repo, branch), sha)
      return { status: 201, body: refJson(owner, repo, branch, sha) }
    }
    if ((p = rest.match(/^refs\/heads\/(.+)$/)) && method === 'PATCH') {
      const docs = `${DOCS}/refs#update-a-reference`
      const branch = p[1]
      const { sha, force } = await payload()
      for (const hook of refHooks.splice(0)) await hook()
      const current = refs.get(refKey(owner, repo, branch))
      if (!current) throw error(422, 'Reference does not exist', docs)
      if (typeof sha !== 'string' || !commits.has(sha)) throw error(422, 'Object does not exist', docs)
      if (force !== true && !reaches(sha, current)) throw error(422, 'Update is not a fast forward', docs)
      refs.set(refKey(owner, repo, branch), sha)
      return { status: 200, body: refJson(owner, repo, branch, sha) }
    }
    if (rest === 'blobs' && method === 'POST') {
      const sha = createBlob(await payload())
      return {
        status: 201,
        body: { sha, url: `${api(owner, repo)}/blobs/${sha}` } satisfies DataOf<Git['createBlob']>,
      }
    }
    if ((p = rest.match(/^blobs\/([0-9a-f]{40})$/)) && method === 'GET')
      return { status: 200, body: blobJson(owner, repo, p[1]) }
    if (rest === 'trees' && method === 'POST')
      return { status: 201, body: treeJson(owner, repo, createTree(await payload())) }
    if ((p = rest.match(/^trees\/([0-9a-f]{40})$/)) && method === 'GET')
      return { status: 200, body: treeJson(owner, repo, p[1]) }
    if (rest === 'commits' && method === 'POST') {
      return { status: 201, body: commitJson(owner, repo, createCommit(await payload())) }
    }
    if ((p = rest.match(/^commits\/([0-9a-f]{40})$/)) && method === 'GET')
      return { status: 200, body: commitJson(owner, repo, p[1]) }
    return undefined
  }

  return {
    route,
    branchHead: (owner, repo, branch) => refs.get(refKey(owner, repo, branch)),
    fileAt: (owner, repo, branch, path) => {
      const head = refs.get(refKey(owner, repo, branch))
      const tree = head === undefined ? undefined : trees.get(commits.get(head)?.tree ?? '')
      const entry = tree?.find((e) => e.path === path)
      return entry && blobs.get(entry.sha)?.toString('utf8')
    },
    beforeNextRefWrite: (hook) => {
      refHooks.push(hook)
    },
  }
}
