/**
 * `history` through the bundle, as the runner runs it: three scheduled runs on the default branch record
 * themselves on the eval-history branch of the fake GitHub, and the third's job summary and HTML report chart
 * all three.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import * as octokitClient from '@actions/github'
import { PROJECT_ROOT, runAction, type RunActionOptions } from '../../test-servers/action-runner.js'
import { loadReplies, startBatchEmulator, type BatchEmulator } from '../../test-servers/batch-emulator.js'
import { startFakeGitHub, type FakeGitHub } from '../../test-servers/fake-github.js'
import { embeddedData } from '../fixtures/html-page.js'
import { rewriteBranchFile } from '../../src/github/history-branch.js'
import { historyFileName, parseHistory } from '../../src/report/history.js'

let emulator: BatchEmulator
let github: FakeGitHub
let workspace: string

beforeEach(async () => {
  emulator = await startBatchEmulator({
    processingMs: 1,
    replies: loadReplies(path.join(PROJECT_ROOT, 'examples/replies.json')),
  })
  github = await startFakeGitHub({ token: 'gh-token' })
  workspace = await mkdtemp(path.join(tmpdir(), 'workspace-'))
  await mkdir(path.join(workspace, 'evals'))
  await copyFile(path.join(PROJECT_ROOT, 'examples/support.yml'), path.join(workspace, 'evals/support.yml'))
})

afterEach(async () => {
  await Promise.all([emulator.close(), github.close(), rm(workspace, { recursive: true, force: true })])
})

const FILE = historyFileName('', ['evals/support.yml'])
const SCHEDULE = { name: 'schedule', payload: { schedule: '0 3 * * *' } }

function run(runNumber: number, event: RunActionOptions['event'] = SCHEDULE, ref = 'refs/heads/main') {
  return runAction({
    workspace,
    event,
    inputs: {
      suite: 'evals/support.yml',
      'anthropic-api-key': 'sk-test',
      'anthropic-base-url': emulator.url,
      'poll-interval': '100ms',
      'html-report-artifact': '',
      history: 'true',
    },
    env: {
      GITHUB_TOKEN: 'gh-token',
      GITHUB_API_URL: github.url,
      GITHUB_REF: ref,
      GITHUB_SHA: `${runNumber}`.repeat(40).slice(0, 40),
      GITHUB_RUN_NUMBER: String(runNumber),
    },
  })
}

const historyText = () => github.git.fileAt('acme', 'support-bot', 'eval-history', FILE)
/** The history the run's HTML report embeds, or null. */
const pageHistory = async () => {
  const page = await readFile(path.join(workspace, 'claude-batch-evals-report.html'), 'utf8')
  return (embeddedData(page).data as { history: { location: string; runs: { run: string }[] } | null })
    .history
}

describe('history: true', () => {
  it('three scheduled runs make a trend chart in the summary from the history branch', async () => {
    for (const runNumber of [1, 2]) {
      const result = await run(runNumber)
      expect(result.log).toContain(`History: recorded this run in eval-history:${FILE} (${runNumber} run`)
    }
    // A line someone broke by hand is skipped with a warning, never fatal.
    const octokit = octokitClient.getOctokit('gh-token', { baseUrl: github.url })
    await rewriteBranchFile(
      octokit,
      { owner: 'acme', repo: 'support-bot', branch: 'eval-history', path: FILE },
      'a hand edit',
      (text) => ({ text: `${text ?? ''}{"broken\n`, result: null }),
    )

    const callsBefore = github.calls.length
    const third = await run(3)
    // The branch is read once, at the start (its ref, commit, tree and file); the record is written on that read.
    const gitReads = github.calls
      .slice(callsBefore)
      .filter((c) => c.method === 'GET' && c.path.includes('/git/'))
      .map((c) => decodeURIComponent(c.path).replace(/[0-9a-f]{40}$/, 'SHA'))
    expect(gitReads).toEqual([
      '/repos/acme/support-bot/git/ref/heads/eval-history',
      '/repos/acme/support-bot/git/commits/SHA',
      '/repos/acme/support-bot/git/trees/SHA',
      '/repos/acme/support-bot/git/blobs/SHA',
    ])

    const { records, corruptLines } = parseHistory(historyText() ?? '')
    expect(corruptLines).toEqual([])
    expect(records.map((r) => [r.run, r.commit, r.total, r.passed, r.passRate])).toEqual([
      ['1', '1'.repeat(40), 6, 3, 0.5],
      ['2', '2'.repeat(40), 6, 3, 0.5],
      ['3', '3'.repeat(40), 6, 3, 0.5],
    ])
    expect(records[2].costUsd).toBe(Number(third.outputs['cost-batch-usd']))
    expect(Object.keys(records[2].tests ?? {})).toHaveLength(6)

    expect(third.log).toMatch(/warning.*History: Skipped 1 unreadable line of eval-history:/)
    expect(third.summary).toContain(
      `### History\n\n3 runs recorded in \`eval-history:${FILE}\`; this one passed 50%`,
    )
    const charts = [...third.summary.matchAll(/```mermaid\nxychart-beta\n([\s\S]*?)```/g)].map((m) => m[1])
    expect(charts).toHaveLength(2)
    expect(charts[0]).toContain('  line [50, 50, 50]')
    expect(charts[0]).toMatch(/x-axis \["\d\d-\d\d #1", "\d\d-\d\d #2", "\d\d-\d\d #3"\]/)
    expect(charts[1]).toMatch(/ {2}bar \[[\d.]+, [\d.]+, [\d.]+\]/)
    // The HTML report, written before the run was recorded, charts the three runs too.
    const history = await pageHistory()
    expect(history?.location).toBe(`eval-history:${FILE}`)
    expect(history?.runs.map((r) => r.run)).toEqual(['1', '2', '3'])
  })

  it('does not record a pull request run, nor one of another branch', async () => {
    const pr = await run(
      1,
      {
        name: 'pull_request',
        payload: {
          number: 7,
          pull_request: { number: 7, head: { sha: 'abc' } },
          repository: { default_branch: 'main' },
        },
      },
      'refs/pull/7/merge',
    )
    expect(pr.log).toContain(
      'History: not recorded: this run is of refs/pull/7/merge, not of the default branch main.',
    )
    const push = await run(
      2,
      { name: 'push', payload: { repository: { default_branch: 'main' } } },
      'refs/heads/dev',
    )
    expect(push.log).toContain('not of the default branch main')
    expect(github.git.branchHead('acme', 'support-bot', 'eval-history')).toBeUndefined()
    expect(push.summary).not.toContain('### History')
    expect(await pageHistory()).toBeNull()

    const main = await run(3, { name: 'push', payload: { repository: { default_branch: 'main' } } })
    expect(main.summary).toContain('### History')
    // The branch did not exist when the run started: its page charts it alone.
    expect((await pageHistory())?.runs.map((r) => r.run)).toEqual(['3'])
    expect(parseHistory(historyText() ?? '').records).toHaveLength(1)
  })

  it('warns and goes on when the token cannot write the branch', async () => {
    github.failWith('POST', /\/git\/blobs$/, 403, 'Resource not accessible by integration')
    const result = await run(1)
    expect(result.log).toContain(
      'History: This run could not be recorded in eval-history:' +
        FILE +
        " (403). Give the job 'permissions: contents: write'",
    )
    expect(result.outputs.status).toBe('failed') // the suite's own verdict, as without history
    expect(result.summary).toContain('> This run could not be recorded')
  })
})
