/**
 * A fake of the GitHub REST API's issue-comment endpoints, for tests.
 *
 * It is real HTTP (node:http only) that the real Octokit from `@actions/github` talks to: pass `fake.url` as
 * `baseUrl` to `github.getOctokit(token, { baseUrl })`, or set it as `GITHUB_API_URL` before `@actions/github`
 * is loaded. State lives in memory; there are no timers, so nothing keeps the process alive after `close()`.
 *
 * Every success body is typed with Octokit's own response types (taken from the client `getOctokit` returns),
 * so `tsc` catches drift from the API contract.
 *
 * Routes (all require `authorization: token X` or `Bearer X` with the configured token, else 401):
 * - GET    /repos/{owner}/{repo}/issues/{issue_number}/comments   (per_page, page; `Link` header)
 * - POST   /repos/{owner}/{repo}/issues/{issue_number}/comments   {body} -> 201
 * - GET    /repos/{owner}/{repo}/issues/comments/{comment_id}
 * - PATCH  /repos/{owner}/{repo}/issues/comments/{comment_id}     {body} -> 200
 * - DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}     -> 204
 * - GET    /repos/{owner}/{repo}/commits/{sha}/pulls              (scripted with `setCommitPulls`)
 * - the Git database's refs, blobs, trees and commits (fake-git-data.ts; `git` reads and scripts them)
 */
import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { getOctokit } from '@actions/github'
import { fakeGitData, type FakeGitData } from './fake-git-data.js'

type Rest = ReturnType<typeof getOctokit>['rest']
type DataOf<F extends (...args: never[]) => Promise<{ data: unknown }>> = Awaited<ReturnType<F>>['data']

/** GitHub's `issue-comment` schema, as Octokit types it. */
export type IssueComment = DataOf<Rest['issues']['createComment']>
/** GitHub's `simple-user` schema. */
export type SimpleUser = NonNullable<IssueComment['user']>
/** GitHub's `pull-request-simple` schema (an item of `GET /repos/{owner}/{repo}/commits/{sha}/pulls`). */
export type PullRequestSimple = DataOf<Rest['repos']['listPullRequestsAssociatedWithCommit']>[number]
type Repository = PullRequestSimple['head']['repo']

/** GitHub's error body (`basic-error` / `validation-error` schemas). */
export interface GitHubErrorBody {
  message: string
  documentation_url: string
  status: string
  errors?: { resource: string; code: string; field: string; message: string }[]
}

export interface FakeComment {
  id: number
  body: string
  /** The author's login. */
  user: string
  created_at: string
  updated_at: string
}

export interface FakeGitHubOptions {
  /** Port to listen on (127.0.0.1). Default 0: a random free port. */
  port?: number
  /** The token every call must carry. Default 'test-token'. */
  token?: string
  /** Login of the token's user: the author of comments created through the API. Default 'github-actions[bot]'. */
  botLogin?: string
}

export interface FakeCall {
  method: string
  /** The URL path including the query string, e.g. `/repos/o/r/issues/1/comments?per_page=100`. */
  path: string
}

export interface FakeGitHub {
  /** `http://127.0.0.1:PORT`, no trailing slash: use it as `GITHUB_API_URL` / Octokit's `baseUrl`. */
  url: string
  /** Every call received, in order (refused ones included). */
  calls: FakeCall[]
  /** The current comments of an issue or pull request, oldest first. */
  comments(owner: string, repo: string, issue: number): FakeComment[]
  /** Adds pre-existing comments (oldest first), written by `user` (default 'someone'). */
  seedComments(owner: string, repo: string, issue: number, bodies: string[], user?: string): void
  /**
   * Scripts `GET /repos/{owner}/{repo}/commits/{sha}/pulls`: the open pull requests with these numbers. As
   * GitHub lists every open pull request that contains the commit, `heads` may give one another head sha.
   */
  setCommitPulls(
    owner: string,
    repo: string,
    sha: string,
    numbers: number[],
    heads?: Record<number, string>,
  ): void
  /**
   * From now on, calls with this method (case-insensitive) whose path (query string included) matches
   * `pathPattern` answer `status` with GitHub's error body. Checked after authentication, latest rule first.
   */
  failWith(method: string, pathPattern: RegExp, status: number, message?: string): void
  /** The repositories' Git database: branch heads, files at a branch, a ref raced. */
  git: Omit<FakeGitData, 'route'>
  /** Removes every rule added with `failWith`. */
  clearFailures(): void
  close(): Promise<void>
}

/** GitHub's maximum comment length, in characters. */
export const MAX_COMMENT_LENGTH = 65536

const DOCS = 'https://docs.github.com/rest'
const COMMENT_DOCS = `${DOCS}/issues/comments`
const WEB = 'https://github.com'

/** The reason phrase GitHub's error bodies use for a status with no more specific message. */
const STATUS_MESSAGES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Bad credentials',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  410: 'Gone',
  422: 'Validation Failed',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
}

interface StoredComment extends FakeComment {
  owner: string
  repo: string
  issue: number
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly documentationUrl = DOCS,
    readonly errors?: GitHubErrorBody['errors'],
  ) {
    super(message)
  }
}

function repoKey(owner: string, repo: string): string {
  return `${owner}/${repo}`.toLowerCase()
}

/** GitHub's timestamp format: ISO 8601 in UTC, whole seconds. */
function timestamp(date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

function nodeId(prefix: string, id: number): string {
  return `${prefix}_${Buffer.from(`fake:${id}`).toString('base64url')}`
}

export async function startFakeGitHub(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const token = options.token ?? 'test-token'
  const botLogin = options.botLogin ?? 'github-actions[bot]'

  const calls: FakeCall[] = []
  const store = new Map<number, StoredComment>() // insertion order = creation order
  const commitPulls = new Map<string, { numbers: number[]; heads: Record<number, string> }>()
  const failures: { method: string; pattern: RegExp; status: number; message: string | undefined }[] = []
  const userIds = new Map<string, number>([['github-actions[bot]', 41898282]])
  let nextCommentId = 1_000_000_001
  let url = ''
  const git = fakeGitData(
    () => url,
    (status, message, docs) => new HttpError(status, message, docs),
  )

  function userOf(login: string): SimpleUser {
    let id = userIds.get(login)
    if (id === undefined) {
      id = 100_000 + userIds.size
      userIds.set(login, id)
    }
    const bot = login.endsWith('[bot]')
    const api = `${url}/users/${encodeURIComponent(login)}`
    return {
      login,
      id,
      node_id: nodeId(bot ? 'BOT' : 'U', id),
      avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
      gravatar_id: '',
      url: api,
      html_url: bot ? `${WEB}/apps/${login.slice(0, -'[bot]'.length)}` : `${WEB}/${login}`,
      followers_url: `${api}/followers`,
      following_url: `${api}/following{/other_user}`,
      gists_url: `${api}/gists{/gist_id}`,
      starred_url: `${api}/starred{/owner}{/repo}`,
      subscriptions_url: `${api}/subscriptions`,
      organizations_url: `${api}/orgs`,
      repos_url: `${api}/repos`,
      events_url: `${api}/events{/privacy}`,
      received_events_url: `${api}/received_events`,
      type: bot ? 'Bot' : 'User',
      user_view_type: 'public',
      site_admin: false,
    }
  }

  function commentJson(c: StoredComment): IssueComment {
    const repoApi = `${url}/repos/${c.owner}/${c.repo}`
    return {
      id: c.id,
      node_id: nodeId('IC', c.id),
      url: `${repoApi}/issues/comments/${c.id}`,
      html_url: `${WEB}/${c.owner}/${c.repo}/pull/${c.issue}#issuecomment-${c.id}`,
      issue_url: `${repoApi}/issues/${c.issue}`,
      user: userOf(c.user),
      created_at: c.created_at,
      updated_at: c.updated_at,
      author_association: c.user.toLowerCase() === c.owner.toLowerCase() ? 'OWNER' : 'NONE',
      body: c.body,
      reactions: {
        url: `${repoApi}/issues/comments/${c.id}/reactions`,
        total_count: 0,
        '+1': 0,
        '-1': 0,
        laugh: 0,
        hooray: 0,
        confused: 0,
        heart: 0,
        rocket: 0,
        eyes: 0,
      },
      performed_via_github_app: null,
    }
  }

  function repositoryJson(owner: string, repo: string): Repository {
    const api = `${url}/repos/${owner}/${repo}`
    const html = `${WEB}/${owner}/${repo}`
    return {
      id: 500_000,
      node_id: nodeId('R', 500_000),
      name: repo,
      full_name: `${owner}/${repo}`,
      license: null,
      forks: 0,
      owner: userOf(owner),
      private: false,
      html_url: html,
      description: null,
      fork: false,
      url: api,
      archive_url: `${api}/{archive_format}{/ref}`,
      assignees_url: `${api}/assignees{/user}`,
      blobs_url: `${api}/git/blobs{/sha}`,
      branches_url: `${api}/branches{/branch}`,
      collaborators_url: `${api}/collaborators{/collaborator}`,
      comments_url: `${api}/comments{/number}`,
      commits_url: `${api}/commits{/sha}`,
      compare_url: `${api}/compare/{base}...{head}`,
      contents_url: `${api}/contents/{+path}`,
      contributors_url: `${api}/contributors`,
      deployments_url: `${api}/deployments`,
      downloads_url: `${api}/downloads`,
      events_url: `${api}/events`,
      forks_url: `${api}/forks`,
      git_commits_url: `${api}/git/commits{/sha}`,
      git_refs_url: `${api}/git/refs{/sha}`,
      git_tags_url: `${api}/git/tags{/sha}`,
      git_url: `git://github.com/${owner}/${repo}.git`,
      issue_comment_url: `${api}/issues/comments{/number}`,
      issue_events_url: `${api}/issues/events{/number}`,
      issues_url: `${api}/issues{/number}`,
      keys_url: `${api}/keys{/key_id}`,
      labels_url: `${api}/labels{/name}`,
      languages_url: `${api}/languages`,
      merges_url: `${api}/merges`,
      milestones_url: `${api}/milestones{/number}`,
      notifications_url: `${api}/notifications{?since,all,participating}`,
      pulls_url: `${api}/pulls{/number}`,
      releases_url: `${api}/releases{/id}`,
      ssh_url: `git@github.com:${owner}/${repo}.git`,
      stargazers_url: `${api}/stargazers`,
      statuses_url: `${api}/statuses/{sha}`,
      subscribers_url: `${api}/subscribers`,
      subscription_url: `${api}/subscription`,
      tags_url: `${api}/tags`,
      teams_url: `${api}/teams`,
      trees_url: `${api}/git/trees{/sha}`,
      clone_url: `${html}.git`,
      mirror_url: null,
      hooks_url: `${api}/hooks`,
      svn_url: html,
      homepage: null,
      language: 'TypeScript',
      forks_count: 0,
      stargazers_count: 0,
      watchers_count: 0,
      size: 0,
      default_branch: 'main',
      open_issues_count: 0,
      has_issues: true,
      has_projects: true,
      has_wiki: true,
      has_pages: false,
      has_downloads: true,
      archived: false,
      disabled: false,
      visibility: 'public',
      pushed_at: '2024-01-01T00:00:00Z',
      created_at: '2024-01-01T00:00:00Z',
      updated_at: '2024-01-01T00:00:00Z',
      open_issues: 0,
      watchers: 0,
    }
  }

  function pullJson(owner: string, repo: string, sha: string, n: number): PullRequestSimple {
    const api = `${url}/repos/${owner}/${repo}`
    const html = `${WEB}/${owner}/${repo}/pull/${n}`
    const author = userOf('someone')
    const id = 2_000_000 + n
    const created = '2024-01-01T00:00:00Z'
    const link = (href: string) => ({ href })
    return {
      url: `${api}/pulls/${n}`,
      id,
      node_id: nodeId('PR', id),
      html_url: html,
      diff_url: `${html}.diff`,
      patch_url: `${html}.patch`,
      issue_url: `${api}/issues/${n}`,
      commits_url: `${api}/pulls/${n}/commits`,
      review_comments_url: `${api}/pulls/${n}/comments`,
      review_comment_url: `${api}/pulls/comments{/number}`,
      comments_url: `${api}/issues/${n}/comments`,
      statuses_url: `${api}/statuses/${sha}`,
      number: n,
      state: 'open',
      locked: false,
      title: `Pull request #${n}`,
      user: author,
      body: null,
      labels: [],
      milestone: null,
      active_lock_reason: null,
      created_at: created,
      updated_at: created,
      closed_at: null,
      merged_at: null,
      merge_commit_sha: null,
      assignee: null,
      assignees: [],
      requested_reviewers: [],
      requested_teams: [],
      head: {
        label: `${owner}:pr-${n}`,
        ref: `pr-${n}`,
        repo: repositoryJson(owner, repo),
        sha,
        user: userOf(owner),
      },
      base: {
        label: `${owner}:main`,
        ref: 'main',
        repo: repositoryJson(owner, repo),
        sha: '0'.repeat(40),
        user: userOf(owner),
      },
      _links: {
        comments: link(`${api}/issues/${n}/comments`),
        commits: link(`${api}/pulls/${n}/commits`),
        statuses: link(`${api}/statuses/${sha}`),
        html: link(html),
        issue: link(`${api}/issues/${n}`),
        review_comments: link(`${api}/pulls/${n}/comments`),
        review_comment: link(`${api}/pulls/comments{/number}`),
        self: link(`${api}/pulls/${n}`),
      },
      author_association: 'CONTRIBUTOR',
      auto_merge: null,
      draft: false,
    }
  }

  function addComment(owner: string, repo: string, issue: number, body: string, user: string): StoredComment {
    const now = timestamp()
    const comment: StoredComment = {
      id: nextCommentId++,
      owner,
      repo,
      issue,
      body,
      user,
      created_at: now,
      updated_at: now,
    }
    store.set(comment.id, comment)
    return comment
  }

  function issueComments(owner: string, repo: string, issue: number): StoredComment[] {
    const key = repoKey(owner, repo)
    return [...store.values()].filter((c) => c.issue === issue && repoKey(c.owner, c.repo) === key)
  }

  function findComment(owner: string, repo: string, id: number, docs: string): StoredComment {
    const comment = store.get(id)
    if (comment === undefined || repoKey(comment.owner, comment.repo) !== repoKey(owner, repo)) {
      throw new HttpError(404, 'Not Found', docs)
    }
    return comment
  }

  /** Validates a create/update body as GitHub does (422 when `body` is missing or too long). */
  function commentBody(payload: unknown, docs: string): string {
    const body = (payload as { body?: unknown } | null)?.body
    if (typeof body !== 'string') {
      throw new HttpError(422, 'Invalid request.\n\n"body" wasn\'t supplied.', docs)
    }
    if ([...body].length > MAX_COMMENT_LENGTH) {
      throw new HttpError(422, 'Validation Failed', docs, [
        {
          resource: 'IssueComment',
          code: 'unprocessable',
          field: 'data',
          message: `Body is too long (maximum is ${MAX_COMMENT_LENGTH} characters)`,
        },
      ])
    }
    return body
  }

  /**
   * One page of `items` and GitHub's `Link` header for it (absent when everything fits on one page): `prev`,
   * `next`, `last`, `first`, each the request's own URL with `page` replaced.
   */
  function paginate<T>(items: T[], requestUrl: URL): { page: T[]; link: string | undefined } {
    const perPageParam = Number.parseInt(requestUrl.searchParams.get('per_page') ?? '', 10)
    const pageParam = Number.parseInt(requestUrl.searchParams.get('page') ?? '', 10)
    const perPage = Number.isNaN(perPageParam) || perPageParam < 1 ? 30 : Math.min(perPageParam, 100)
    const page = Number.isNaN(pageParam) || pageParam < 1 ? 1 : pageParam
    const lastPage = Math.max(1, Math.ceil(items.length / perPage))
    const slice = items.slice((page - 1) * perPage, page * perPage)
    if (lastPage === 1) return { page: slice, link: undefined }
    const pageUrl = (n: number) => {
      const u = new URL(`${url}${requestUrl.pathname}${requestUrl.search}`)
      u.searchParams.set('page', String(n))
      return u.toString()
    }
    const links: string[] = []
    if (page > 1) links.push(`<${pageUrl(Math.min(page - 1, lastPage))}>; rel="prev"`)
    if (page < lastPage)
      links.push(`<${pageUrl(page + 1)}>; rel="next"`, `<${pageUrl(lastPage)}>; rel="last"`)
    if (page > 1) links.push(`<${pageUrl(1)}>; rel="first"`)
    return { page: slice, link: links.join(', ') }
  }

  interface Reply {
    status: number
    body?: unknown
    headers?: Record<string, string>
  }

  async function route(req: IncomingMessage, requestUrl: URL): Promise<Reply> {
    const method = req.method ?? 'GET'
    const path = requestUrl.pathname
    let m: RegExpMatchArray | null

    if ((m = path.match(/^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/))) {
      const [owner, repo, issue] = [decodeURIComponent(m[1]), decodeURIComponent(m[2]), Number(m[3])]
      if (method === 'GET') {
        const { page, link } = paginate(issueComments(owner, repo, issue), requestUrl)
        const body: IssueComment[] = page.map(commentJson)
        return { status: 200, body, headers: link === undefined ? {} : { link } }
      }
      if (method === 'POST') {
        const text = commentBody(await readJson(req), `${COMMENT_DOCS}#create-an-issue-comment`)
        const created = addComment(owner, repo, issue, text, botLogin)
        const body: IssueComment = commentJson(created)
        return { status: 201, body, headers: { location: body.url } }
      }
    }

    if ((m = path.match(/^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/))) {
      const [owner, repo, id] = [decodeURIComponent(m[1]), decodeURIComponent(m[2]), Number(m[3])]
      if (method === 'GET') {
        const body: IssueComment = commentJson(
          findComment(owner, repo, id, `${COMMENT_DOCS}#get-an-issue-comment`),
        )
        return { status: 200, body }
      }
      if (method === 'PATCH') {
        const docs = `${COMMENT_DOCS}#update-an-issue-comment`
        const comment = findComment(owner, repo, id, docs)
        comment.body = commentBody(await readJson(req), docs)
        comment.updated_at = timestamp()
        const body: IssueComment = commentJson(comment)
        return { status: 200, body }
      }
      if (method === 'DELETE') {
        findComment(owner, repo, id, `${COMMENT_DOCS}#delete-an-issue-comment`)
        store.delete(id)
        return { status: 204 }
      }
    }

    const gitReply = await git.route(method, path, () => readJson(req))
    if (gitReply) return gitReply

    if (path === '/user' && method === 'GET') {
      // As for the GITHUB_TOKEN of a workflow: an installation token has no user.
      throw new HttpError(403, 'Resource not accessible by integration')
    }

    if ((m = path.match(/^\/repos\/([^/]+)\/([^/]+)\/commits\/([^/]+)\/pulls$/)) && method === 'GET') {
      const [owner, repo, sha] = [
        decodeURIComponent(m[1]),
        decodeURIComponent(m[2]),
        decodeURIComponent(m[3]),
      ]
      const { numbers, heads } = commitPulls.get(`${repoKey(owner, repo)}@${sha}`) ?? {
        numbers: [],
        heads: {},
      }
      const { page, link } = paginate(numbers, requestUrl)
      const body: PullRequestSimple[] = page.map((n) => pullJson(owner, repo, heads[n] ?? sha, n))
      return { status: 200, body, headers: link === undefined ? {} : { link } }
    }

    throw new HttpError(404, 'Not Found')
  }

  function send(res: ServerResponse, reply: Reply): void {
    const headers: Record<string, string> = {
      'x-github-media-type': 'github.v3; format=json',
      'x-github-api-version-selected': '2022-11-28',
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '4999',
      'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
      'x-ratelimit-used': '1',
      'x-ratelimit-resource': 'core',
      ...reply.headers,
    }
    if (reply.body === undefined) {
      res.writeHead(reply.status, headers).end()
      return
    }
    const text = JSON.stringify(reply.body)
    headers['content-type'] = 'application/json; charset=utf-8'
    headers['content-length'] = String(Buffer.byteLength(text))
    res.writeHead(reply.status, headers).end(text)
  }

  function errorReply(error: HttpError): Reply {
    const body: GitHubErrorBody = {
      message: error.message,
      ...(error.errors === undefined ? {} : { errors: error.errors }),
      documentation_url: error.documentationUrl,
      status: String(error.status),
    }
    return { status: error.status, body }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase()
    const rawPath = req.url ?? '/'
    calls.push({ method, path: rawPath })
    const requestUrl = new URL(rawPath, url)
    try {
      const auth = req.headers.authorization
      if (auth === undefined) throw new HttpError(401, 'Requires authentication')
      const presented = auth.match(/^(?:token|bearer)\s+(\S+)\s*$/i)?.[1]
      if (presented !== token) throw new HttpError(401, 'Bad credentials')
      for (const rule of [...failures].reverse()) {
        if (rule.method === method && rule.pattern.test(rawPath)) {
          throw new HttpError(
            rule.status,
            rule.message ?? STATUS_MESSAGES[rule.status] ?? `HTTP ${rule.status}`,
          )
        }
      }
      send(res, await route(req, requestUrl))
    } catch (error) {
      if (error instanceof HttpError) {
        send(res, errorReply(error))
      } else {
        console.error('fake-github:', error)
        send(res, errorReply(new HttpError(500, 'Internal Server Error')))
      }
    }
  }

  const server = createServer((req, res) => void handle(req, res))
  server.listen(options.port ?? 0, '127.0.0.1')
  await once(server, 'listening')
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  return {
    url,
    calls,
    comments: (owner, repo, issue) =>
      issueComments(owner, repo, issue).map(({ id, body, user, created_at, updated_at }) => ({
        id,
        body,
        user,
        created_at,
        updated_at,
      })),
    seedComments: (owner, repo, issue, bodies, user = 'someone') => {
      for (const body of bodies) addComment(owner, repo, issue, body, user)
    },
    setCommitPulls: (owner, repo, sha, numbers, heads = {}) => {
      commitPulls.set(`${repoKey(owner, repo)}@${sha}`, { numbers: [...numbers], heads: { ...heads } })
    },
    failWith: (method, pathPattern, status, message) => {
      // A copy without the g/y flags, whose lastIndex would make `test` stateful.
      const pattern = new RegExp(pathPattern.source, pathPattern.flags.replace(/[gy]/g, ''))
      failures.push({ method: method.toUpperCase(), pattern, status, message })
    },
    clearFailures: () => {
      failures.length = 0
    },
    git,
    close: async () => {
      const closed = once(server, 'close')
      server.close()
      server.closeAllConnections()
      await closed
    },
  }
}

/** Reads a JSON request body; 400 "Problems parsing JSON" as GitHub when it is not JSON. */
async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  const text = Buffer.concat(chunks).toString('utf8')
  if (text.trim() === '') return null
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw new HttpError(400, 'Problems parsing JSON')
  }
}
