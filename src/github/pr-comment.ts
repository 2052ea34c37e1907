/** The report's PR comment, through the real Octokit of `@actions/github`. */
import { createHash } from 'node:crypto'
import * as github from '@actions/github'
import type { RunState } from '../batch/run-state.js'
import { postable } from '../common/visible-text.js'

export type Octokit = ReturnType<typeof github.getOctokit>
export type CommentMode = 'update' | 'new'

export interface PullRequestRef {
  owner: string
  repo: string
  number: number
}

const STATE_MARKER = /^<!-- claude-batch-evals:state (\{.*\}) -->$/m

/** The author of what a workflow's GITHUB_TOKEN writes. */
export const GITHUB_TOKEN_LOGIN = 'github-actions[bot]'

/**
 * The pull request the run belongs to: the event's for `pull_request` and `pull_request_target`; for
 * `push`, an open pull request whose head is the pushed commit, if any; none otherwise.
 */
export async function pullRequestOf(
  context: typeof github.context,
  octokit: Octokit | undefined,
): Promise<PullRequestRef | undefined> {
  if (!process.env.GITHUB_REPOSITORY) return undefined
  const number = context.payload.pull_request?.number
  if (typeof number === 'number') return { ...context.repo, number }
  if (context.eventName !== 'push' || !octokit) return undefined
  const { data: pulls } = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({
    ...context.repo,
    commit_sha: context.sha,
  })
  // The API lists the pull requests that contain the commit, not only those whose head it is.
  const open = pulls.find((pull) => pull.state === 'open' && pull.head.sha === context.sha)
  return open ? { ...context.repo, number: open.number } : undefined
}

/** The run state hidden in a comment body, if any. */
export function stateInComment(body: string): RunState | undefined {
  const json = STATE_MARKER.exec(body)?.[1]
  if (!json) return undefined
  try {
    const state = JSON.parse(json) as RunState
    return typeof state.runKey === 'string' && Array.isArray(state.batchIds) ? state : undefined
  } catch {
    return undefined
  }
}

interface CommentOptions {
  /** `update`: one comment per PR (and header), updated by every run; `new`: one comment per run. */
  mode: CommentMode
  /** Keeps the comments of different suites in one PR apart. */
  header: string
}

type IssueComment = Awaited<ReturnType<Octokit['rest']['issues']['listComments']>>['data'][number]

/**
 * The comment this run writes its report into. It is found by a hidden marker (per header) among the PR's
 * comments, on every page, and only among comments the token itself wrote, so that nobody can make the
 * action overwrite or trust a comment of theirs by copying the marker.
 */
export class ReportComment {
  readonly marker: string
  /** The header the report's heading shows, if any. */
  readonly title: string | undefined
  private commentId: number | undefined
  private author: Promise<(comment: IssueComment) => boolean> | undefined

  constructor(
    private readonly octokit: Octokit,
    readonly pr: PullRequestRef,
    private readonly options: CommentOptions,
  ) {
    const tag = options.header
      ? `:${createHash('sha256').update(options.header).digest('hex').slice(0, 12)}`
      : ''
    this.marker = `<!-- claude-batch-evals:report${tag} -->`
    this.title = options.header || undefined
  }

  /**
   * The body: the marker, the run's state (hidden, for a re-run to resume), then the report; well-formed, as
   * GitHub stores it in UTF-8, which has no lone surrogates.
   */
  body(markdown: string, state: RunState | undefined): string {
    const hiddenState = state ? `<!-- claude-batch-evals:state ${JSON.stringify(state)} -->\n` : ''
    return postable(`${this.marker}\n${hiddenState}${markdown}`)
  }

  /**
   * Tells our comments from anyone else's: the token's own user; or, when `GET /user` is forbidden (the
   * GITHUB_TOKEN has no user: 403), the GITHUB_TOKEN's bot. Any bot would take other apps' comments for ours
   * (renovate[bot] copying the marker, say), and overwrite them or trust their hidden state. Another failure
   * (a 5xx) is thrown: guessing then would post a second comment and lose the first one's state.
   */
  private isOurs(): Promise<(comment: IssueComment) => boolean> {
    const authoredBy = (login: string) => (comment: IssueComment) => comment.user?.login === login
    this.author ??= this.octokit.rest.users.getAuthenticated().then(
      ({ data }) => authoredBy(data.login),
      (error: unknown) => {
        if ((error as { status?: number }).status === 403) return authoredBy(GITHUB_TOKEN_LOGIN)
        this.author = undefined // asked again next time
        throw error
      },
    )
    return this.author
  }

  /** Our comments on the PR, oldest first. */
  private async ours(): Promise<IssueComment[]> {
    const isOurs = await this.isOurs()
    const found: IssueComment[] = []
    const pages = this.octokit.paginate.iterator(this.octokit.rest.issues.listComments, {
      owner: this.pr.owner,
      repo: this.pr.repo,
      issue_number: this.pr.number,
      per_page: 100,
    })
    for await (const { data } of pages) {
      found.push(...data.filter((comment) => comment.body?.startsWith(this.marker) && isOurs(comment)))
    }
    return found
  }

  /** The state an earlier attempt of this run left in its comment, whose comment this run then updates. */
  async loadState(runKey: string): Promise<RunState | undefined> {
    for (const comment of (await this.ours()).reverse()) {
      const state = comment.body ? stateInComment(comment.body) : undefined
      if (state?.runKey === runKey) {
        this.commentId = comment.id
        return state
      }
    }
    return undefined
  }

  /** Writes the report: into this run's comment, else (mode update) the PR's, else a new one. */
  async write(markdown: string, state: RunState | undefined): Promise<{ url: string; created: boolean }> {
    const body = this.body(markdown, state)
    const { owner, repo, number } = this.pr
    if (this.commentId === undefined && this.options.mode === 'update')
      this.commentId = (await this.ours()).at(-1)?.id
    if (this.commentId !== undefined) {
      const { data } = await this.octokit.rest.issues.updateComment({
        owner,
        repo,
        comment_id: this.commentId,
        body,
      })
      return { url: data.html_url, created: false }
    }
    const { data } = await this.octokit.rest.issues.createComment({ owner, repo, issue_number: number, body })
    this.commentId = data.id
    return { url: data.html_url, created: true }
  }
}
