/**
 * The GitHub REST fake, driven by the real Octokit from `@actions/github` over real HTTP (no mocks).
 */
import * as github from '@actions/github'
import { MAX_COMMENT_LENGTH, startFakeGitHub, type FakeGitHub } from '../../test-servers/fake-github.js'

const OWNER = 'acme'
const REPO = 'widgets'
const PR = 7

let fake: FakeGitHub

beforeEach(async () => {
  fake = await startFakeGitHub()
})

afterEach(async () => {
  await fake.close()
})

function octokit(token = 'test-token') {
  return github.getOctokit(token, { baseUrl: fake.url })
}

/** What Octokit rejects with on an HTTP error: `@octokit/request-error`'s `RequestError` (named 'HttpError'). */
interface RequestError extends Error {
  status: number
  response?: { status: number; data: unknown }
}

/** The RequestError a promise rejects with (fails the test when it resolves or fails otherwise). */
async function rejection(promise: Promise<unknown>): Promise<RequestError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(Error)
    expect((error as Error).name).toBe('HttpError')
    return error as RequestError
  }
  throw new Error('expected the request to fail')
}

describe('issue comments', () => {
  test('create, read back, then update a comment', async () => {
    const client = octokit()
    const created = await client.rest.issues.createComment({
      owner: OWNER,
      repo: REPO,
      issue_number: PR,
      body: 'v1',
    })
    expect(created.status).toBe(201)
    expect(created.data).toMatchObject({
      body: 'v1',
      user: { login: 'github-actions[bot]', type: 'Bot', id: 41898282 },
      html_url: `https://github.com/${OWNER}/${REPO}/pull/${PR}#issuecomment-${created.data.id}`,
      issue_url: `${fake.url}/repos/${OWNER}/${REPO}/issues/${PR}`,
      url: `${fake.url}/repos/${OWNER}/${REPO}/issues/comments/${created.data.id}`,
      author_association: 'NONE',
    })
    expect(created.data.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    const id = Number(created.data.id)

    const fetched = await client.rest.issues.getComment({ owner: OWNER, repo: REPO, comment_id: id })
    expect(fetched.data.body).toBe('v1')

    const updated = await client.rest.issues.updateComment({
      owner: OWNER,
      repo: REPO,
      comment_id: id,
      body: 'v2',
    })
    expect(updated.status).toBe(200)
    expect(updated.data).toMatchObject({ id, body: 'v2', user: { login: 'github-actions[bot]' } })

    expect(fake.comments(OWNER, REPO, PR)).toEqual([
      {
        id,
        body: 'v2',
        user: 'github-actions[bot]',
        created_at: created.data.created_at,
        updated_at: updated.data.updated_at,
      },
    ])
    expect(fake.comments(OWNER, REPO, PR + 1)).toEqual([])
  })

  test('delete removes a comment, and only from its issue', async () => {
    fake.seedComments(OWNER, REPO, PR, ['keep', 'drop'])
    fake.seedComments(OWNER, REPO, PR + 1, ['other issue'])
    const [keep, drop] = fake.comments(OWNER, REPO, PR)
    const response = await octokit().rest.issues.deleteComment({
      owner: OWNER,
      repo: REPO,
      comment_id: drop.id,
    })
    expect(response.status).toBe(204)
    expect(fake.comments(OWNER, REPO, PR).map((c) => [c.id, c.body, c.user])).toEqual([
      [keep.id, 'keep', 'someone'],
    ])
    expect(fake.comments(OWNER, REPO, PR + 1).map((c) => c.body)).toEqual(['other issue'])
  })

  test('updating an unknown comment is a 404', async () => {
    const error = await rejection(
      octokit().rest.issues.updateComment({ owner: OWNER, repo: REPO, comment_id: 123, body: 'x' }),
    )
    expect(error.response?.status).toBe(error.status)
    expect(error.status).toBe(404)
    expect(error.response?.data).toEqual({
      message: 'Not Found',
      documentation_url: 'https://docs.github.com/rest/issues/comments#update-an-issue-comment',
      status: '404',
    })
  })

  test('a comment of another repository is not found through this one', async () => {
    fake.seedComments(OWNER, 'other', PR, ['elsewhere'])
    const [{ id }] = fake.comments(OWNER, 'other', PR)
    const error = await rejection(
      octokit().rest.issues.getComment({ owner: OWNER, repo: REPO, comment_id: id }),
    )
    expect(error.status).toBe(404)
  })

  test('a body over 65536 characters is refused with 422 as GitHub does', async () => {
    const error = await rejection(
      octokit().rest.issues.createComment({
        owner: OWNER,
        repo: REPO,
        issue_number: PR,
        body: 'x'.repeat(MAX_COMMENT_LENGTH + 1),
      }),
    )
    expect(error.status).toBe(422)
    expect(error.message).toContain('Body is too long (maximum is 65536 characters)')
    expect(fake.comments(OWNER, REPO, PR)).toEqual([])
  })

  test('paginate walks 250 seeded comments in order, 100 per page', async () => {
    const bodies = Array.from({ length: 250 }, (_, i) => `comment ${i + 1}`)
    fake.seedComments(OWNER, REPO, PR, bodies)
    const client = octokit()

    const all = await client.paginate(client.rest.issues.listComments, {
      owner: OWNER,
      repo: REPO,
      issue_number: PR,
      per_page: 100,
    })
    expect(all).toHaveLength(250)
    expect(all.map((c) => c.body)).toEqual(bodies)
    expect(all.every((c) => c.user?.login === 'someone' && c.user.type === 'User')).toBe(true)
    expect(new Set(all.map((c) => c.id)).size).toBe(250)

    const listPath = `/repos/${OWNER}/${REPO}/issues/${PR}/comments`
    expect(fake.calls).toEqual([
      { method: 'GET', path: `${listPath}?per_page=100` },
      { method: 'GET', path: `${listPath}?per_page=100&page=2` },
      { method: 'GET', path: `${listPath}?per_page=100&page=3` },
    ])
  })

  test('the Link header has GitHub format, and per_page defaults to 30', async () => {
    fake.seedComments(
      OWNER,
      REPO,
      PR,
      Array.from({ length: 65 }, (_, i) => `c${i}`),
    )
    const client = octokit()
    const list = `${fake.url}/repos/${OWNER}/${REPO}/issues/${PR}/comments`

    const first = await client.rest.issues.listComments({ owner: OWNER, repo: REPO, issue_number: PR })
    expect(first.data).toHaveLength(30)
    expect(first.headers.link).toBe(`<${list}?page=2>; rel="next", <${list}?page=3>; rel="last"`)

    const middle = await client.rest.issues.listComments({
      owner: OWNER,
      repo: REPO,
      issue_number: PR,
      page: 2,
    })
    expect(middle.data.map((c) => c.body)).toEqual(Array.from({ length: 30 }, (_, i) => `c${i + 30}`))
    expect(middle.headers.link).toBe(
      `<${list}?page=1>; rel="prev", <${list}?page=3>; rel="next", <${list}?page=3>; rel="last", <${list}?page=1>; rel="first"`,
    )

    const last = await client.rest.issues.listComments({
      owner: OWNER,
      repo: REPO,
      issue_number: PR,
      page: 3,
    })
    expect(last.data.map((c) => c.body)).toEqual(['c60', 'c61', 'c62', 'c63', 'c64'])
    expect(last.headers.link).toBe(`<${list}?page=2>; rel="prev", <${list}?page=1>; rel="first"`)

    const capped = await client.rest.issues.listComments({
      owner: OWNER,
      repo: REPO,
      issue_number: PR,
      per_page: 500,
    })
    expect(capped.data).toHaveLength(65)
    expect(capped.headers.link).toBeUndefined()
  })
})

describe('errors', () => {
  test('a wrong token is a 401 RequestError with GitHub body', async () => {
    const error = await rejection(
      octokit('wrong-token').rest.issues.listComments({ owner: OWNER, repo: REPO, issue_number: PR }),
    )
    expect(error.response?.status).toBe(error.status)
    expect(error.status).toBe(401)
    expect(error.response?.data).toEqual({
      message: 'Bad credentials',
      documentation_url: 'https://docs.github.com/rest',
      status: '401',
    })
  })

  test('a Bearer authorization with the right token is accepted, a missing one is refused', async () => {
    const listUrl = `${fake.url}/repos/${OWNER}/${REPO}/issues/${PR}/comments`
    const bearer = await fetch(listUrl, { headers: { authorization: 'Bearer test-token' } })
    expect(bearer.status).toBe(200)
    expect(await bearer.json()).toEqual([])

    const anonymous = await fetch(listUrl)
    expect(anonymous.status).toBe(401)
    expect(await anonymous.json()).toEqual({
      message: 'Requires authentication',
      documentation_url: 'https://docs.github.com/rest',
      status: '401',
    })
  })

  test('failWith makes matching calls fail, and only those', async () => {
    fake.failWith('post', /\/issues\/\d+\/comments$/, 403, 'Resource not accessible by integration')
    const client = octokit()
    const error = await rejection(
      client.rest.issues.createComment({ owner: OWNER, repo: REPO, issue_number: PR, body: 'hi' }),
    )
    expect(error.response?.status).toBe(error.status)
    expect(error.status).toBe(403)
    expect(error.response?.data).toEqual({
      message: 'Resource not accessible by integration',
      documentation_url: 'https://docs.github.com/rest',
      status: '403',
    })
    expect(fake.comments(OWNER, REPO, PR)).toEqual([])

    const listed = await client.rest.issues.listComments({ owner: OWNER, repo: REPO, issue_number: PR })
    expect(listed.status).toBe(200)

    fake.clearFailures()
    const created = await client.rest.issues.createComment({
      owner: OWNER,
      repo: REPO,
      issue_number: PR,
      body: 'hi',
    })
    expect(created.status).toBe(201)
  })

  test('an unknown route is a 404 Not Found', async () => {
    const error = await rejection(
      octokit().request('GET /repos/{owner}/{repo}/labels', { owner: OWNER, repo: REPO }),
    )
    expect(error.status).toBe(404)
    expect(error.response?.data).toEqual({
      message: 'Not Found',
      documentation_url: 'https://docs.github.com/rest',
      status: '404',
    })
  })
})

describe('pull requests of a commit', () => {
  const SHA = 'a'.repeat(40)

  test('none by default', async () => {
    const response = await octokit().rest.repos.listPullRequestsAssociatedWithCommit({
      owner: OWNER,
      repo: REPO,
      commit_sha: SHA,
    })
    expect(response.data).toEqual([])
  })

  test('scripted with setCommitPulls', async () => {
    fake.setCommitPulls(OWNER, REPO, SHA, [12, 3])
    const response = await octokit().rest.repos.listPullRequestsAssociatedWithCommit({
      owner: OWNER,
      repo: REPO,
      commit_sha: SHA,
    })
    expect(response.data.map((pr) => [pr.number, pr.state, pr.html_url, pr.head.sha])).toEqual([
      [12, 'open', `https://github.com/${OWNER}/${REPO}/pull/12`, SHA],
      [3, 'open', `https://github.com/${OWNER}/${REPO}/pull/3`, SHA],
    ])
    expect(fake.calls).toEqual([{ method: 'GET', path: `/repos/${OWNER}/${REPO}/commits/${SHA}/pulls` }])
  })
})

test('calls records every call with method and path, refused ones included', async () => {
  const client = octokit()
  const { data } = await client.rest.issues.createComment({
    owner: OWNER,
    repo: REPO,
    issue_number: PR,
    body: 'a',
  })
  await client.rest.issues.updateComment({ owner: OWNER, repo: REPO, comment_id: Number(data.id), body: 'b' })
  await rejection(
    octokit('nope').rest.issues.listComments({ owner: OWNER, repo: REPO, issue_number: PR, per_page: 5 }),
  )
  expect(fake.calls).toEqual([
    { method: 'POST', path: `/repos/${OWNER}/${REPO}/issues/${PR}/comments` },
    { method: 'PATCH', path: `/repos/${OWNER}/${REPO}/issues/comments/${data.id}` },
    { method: 'GET', path: `/repos/${OWNER}/${REPO}/issues/${PR}/comments?per_page=5` },
  ])
})
