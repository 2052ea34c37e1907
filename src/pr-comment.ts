/** The one sticky PR comment, through the real Octokit of `@actions/github`. */
import * as github from '@actions/github'

/** Hidden in the rendered comment; finds our comment among the PR's others. Model output can't forge it. */
export const COMMENT_MARKER = '<!-- claude-batch-evals:report -->'

type Octokit = ReturnType<typeof github.getOctokit>

export interface PullRequestRef {
  owner: string
  repo: string
  number: number
}

/** The pull request the run belongs to, for `pull_request` and `pull_request_target` events. */
export function pullRequestOf(context: typeof github.context): PullRequestRef | undefined {
  const number = context.payload.pull_request?.number
  if (typeof number !== 'number' || !process.env.GITHUB_REPOSITORY) return undefined
  return { ...context.repo, number }
}

/**
 * Updates the comment that carries the marker, or creates it. Walks every page of comments: a busy PR
 * has hundreds, and ours may be among the first.
 */
export async function upsertComment(
  octokit: Octokit,
  pr: PullRequestRef,
  markdown: string,
): Promise<{ url: string; created: boolean }> {
  const body = `${COMMENT_MARKER}\n${markdown}`
  const { owner, repo, number } = pr
  const pages = octokit.paginate.iterator(octokit.rest.issues.listComments, {
    owner,
    repo,
    issue_number: number,
    per_page: 100,
  })
  for await (const { data: comments } of pages) {
    const existing = comments.find((comment) => comment.body?.startsWith(COMMENT_MARKER))
    if (existing) {
      const { data } = await octokit.rest.issues.updateComment({ owner, repo, comment_id: existing.id, body })
      return { url: data.html_url, created: false }
    }
  }
  const { data } = await octokit.rest.issues.createComment({ owner, repo, issue_number: number, body })
  return { url: data.html_url, created: true }
}
