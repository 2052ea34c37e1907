/**
 * A file on a branch of the user's repository, read and rewritten through the REST Git database with the
 * job's token: the run history's store. The branch is created as an orphan (a commit with no parents) the
 * first time; every write is a commit on top of the branch's head, and the ref is moved without force, so a
 * concurrent writer's commit is never lost: a write that is not a fast forward is made again on the new head
 * (so a head read hours before, at the run's start, is safe to write on).
 */
import type { Octokit } from './pr-comment.js'

export interface BranchFile {
  owner: string
  repo: string
  branch: string
  /** A file at the root of the branch's tree. */
  path: string
}

/** A write that lost a race this many times in a row gives up. */
export const MAX_ATTEMPTS = 3

export interface Rewritten<T> {
  /** What `rewrite` returned for the text the commit was made on. */
  result: T
  commit: string
  /** Writes made again because the branch moved. */
  retries: number
}

const status = (error: unknown) => (error as { status?: number }).status

/** The branch's head, its tree and the file's text there; each undefined when there is none. */
export interface BranchRead {
  head: string | undefined
  tree: string | undefined
  text: string | undefined
}

/** The file as the branch's head has it (a branch or file not there yet reads as undefined). */
export async function readBranchFile(octokit: Octokit, file: BranchFile): Promise<BranchRead> {
  const head = await branchHead(octokit, file)
  if (head === undefined) return { head, tree: undefined, text: undefined }
  const { owner, repo } = file
  const tree = (await octokit.rest.git.getCommit({ owner, repo, commit_sha: head })).data.tree.sha
  return { head, tree, text: await fileText(octokit, file, tree) }
}

/**
 * Commits the text `rewrite` makes of the file at the branch's head, and moves the branch to that commit.
 * `read` is the file as read earlier (the run's start), written on without reading again; `rewrite` may run
 * more than once, each time on the text of the branch's newest head.
 */
export async function rewriteBranchFile<T>(
  octokit: Octokit,
  file: BranchFile,
  message: string,
  rewrite: (text: string | undefined) => { text: string; result: T },
  read?: BranchRead,
): Promise<Rewritten<T>> {
  const { owner, repo, branch, path } = file
  const git = octokit.rest.git
  for (let attempt = 1; ; attempt++) {
    const {
      head,
      tree: base,
      text: before,
    } = attempt === 1 && read ? read : await readBranchFile(octokit, file)
    const { text, result } = rewrite(before)
    const blob = await git.createBlob({
      owner,
      repo,
      content: Buffer.from(text).toString('base64'),
      encoding: 'base64',
    })
    const tree = await git.createTree({
      owner,
      repo,
      ...(base === undefined ? {} : { base_tree: base }),
      tree: [{ path, mode: '100644', type: 'blob', sha: blob.data.sha }],
    })
    const commit = await git.createCommit({
      owner,
      repo,
      message,
      tree: tree.data.sha,
      parents: head === undefined ? [] : [head],
    })
    const sha = commit.data.sha
    try {
      if (head === undefined) await git.createRef({ owner, repo, ref: `refs/heads/${branch}`, sha })
      else await git.updateRef({ owner, repo, ref: `heads/${branch}`, sha, force: false })
      return { result, commit: sha, retries: attempt - 1 }
    } catch (error) {
      // 422: the branch moved since it was read (not a fast forward), or another run created it first.
      if (status(error) !== 422 || attempt >= MAX_ATTEMPTS) throw error
    }
  }
}

/** The branch's head commit, or undefined when there is no such branch. */
async function branchHead(
  octokit: Octokit,
  { owner, repo, branch }: BranchFile,
): Promise<string | undefined> {
  try {
    const { data } = await octokit.rest.git.getRef({ owner, repo, ref: `heads/${branch}` })
    return data.object.sha
  } catch (error) {
    if (status(error) === 404) return undefined
    throw error
  }
}

/** The file's text in a tree (through its blob: up to 100 MB, where the contents API stops at 1 MB). */
async function fileText(
  octokit: Octokit,
  { owner, repo, path }: BranchFile,
  tree: string,
): Promise<string | undefined> {
  const { data } = await octokit.rest.git.getTree({ owner, repo, tree_sha: tree })
  const entry = data.tree.find((item) => item.path === path && item.type === 'blob')
  if (!entry?.sha) return undefined
  const blob = await octokit.rest.git.getBlob({ owner, repo, file_sha: entry.sha })
  return Buffer.from(blob.data.content, blob.data.encoding === 'base64' ? 'base64' : 'utf8').toString('utf8')
}
