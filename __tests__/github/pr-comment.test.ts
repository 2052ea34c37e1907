/**
 * The report's PR comment, through the real Octokit from `@actions/github` against the GitHub fake over real
 * HTTP (no mocks). The fake answers `GET /user` 403, as GitHub does for a workflow's GITHUB_TOKEN.
 */
import * as github from '@actions/github'
import { ReportComment } from '../../src/github/pr-comment.js'
import type { RunState } from '../../src/batch/run-state.js'
import { startFakeGitHub, type FakeGitHub } from '../../test-servers/fake-github.js'

const PR = { owner: 'acme', repo: 'widgets', number: 7 }
const MARKER = '<!-- claude-batch-evals:report -->'

let fake: FakeGitHub

beforeEach(async () => {
  fake = await startFakeGitHub()
})

afterEach(async () => {
  await fake.close()
})

function reportComment(): ReportComment {
  return new ReportComment(github.getOctokit('test-token', { baseUrl: fake.url }), PR, {
    mode: 'update',
    header: '',
  })
}

const stateOf = (runKey: string, batchId: string): RunState => ({
  runKey,
  batchIds: [batchId],
  savedAt: '2026-01-01T00:00:00Z',
})

/** A comment body as the action writes it, with hidden state. */
const bodyWith = (state: RunState, report: string) =>
  `${MARKER}\n<!-- claude-batch-evals:state ${JSON.stringify(state)} -->\n${report}`

const comments = () => fake.comments(PR.owner, PR.repo, PR.number)

/** A comment the workflow's GITHUB_TOKEN wrote earlier, with this state. */
const seedOurs = (state: RunState, report: string) =>
  fake.seedComments(PR.owner, PR.repo, PR.number, [bodyWith(state, report)], 'github-actions[bot]')

describe('ReportComment with the GITHUB_TOKEN (GET /user refused)', () => {
  it("leaves another bot's comment that carries the marker alone, and does not trust its state", async () => {
    const planted = bodyWith(stateOf('run-1', 'msgbatch_planted'), 'not ours')
    fake.seedComments(PR.owner, PR.repo, PR.number, [planted], 'renovate[bot]')
    const comment = reportComment()

    expect(await comment.loadState('run-1')).toBeUndefined()
    const { created } = await comment.write('## report', stateOf('run-1', 'msgbatch_ours'))

    expect(created).toBe(true)
    expect(comments().map(({ user, body }) => [user, body])).toEqual([
      ['renovate[bot]', planted],
      ['github-actions[bot]', bodyWith(stateOf('run-1', 'msgbatch_ours'), '## report')],
    ])
    expect(fake.calls.some((call) => call.method === 'PATCH')).toBe(false)
  })

  it('finds and updates the comment github-actions[bot] wrote, and resumes from its state', async () => {
    fake.seedComments(PR.owner, PR.repo, PR.number, [`${MARKER}\nby a person`], 'someone')
    seedOurs(stateOf('run-1', 'msgbatch_earlier'), 'running')
    const comment = reportComment()

    expect(await comment.loadState('run-1')).toEqual(stateOf('run-1', 'msgbatch_earlier'))
    const { created } = await comment.write('## done', undefined)

    expect(created).toBe(false)
    expect(comments().map(({ user, body }) => [user, body])).toEqual([
      ['someone', `${MARKER}\nby a person`],
      ['github-actions[bot]', `${MARKER}\n## done`],
    ])
  })
})

describe('ReportComment when GET /user fails for another reason', () => {
  it('does not guess the author on a 5xx, and asks again next time', async () => {
    seedOurs(stateOf('run-1', 'msgbatch_a'), 'ours')
    const comment = reportComment()
    fake.failWith('GET', /^\/user$/, 502, 'Server Error')
    await expect(comment.loadState('run-1')).rejects.toMatchObject({ status: 502 })

    fake.clearFailures()
    expect(await comment.loadState('run-1')).toEqual(stateOf('run-1', 'msgbatch_a'))
    expect(fake.calls.filter((call) => call.path === '/user')).toHaveLength(2)
  })
})
