/**
 * The committed bundle, run as the Actions runner runs it (`node dist/index.js`, INPUT_* variables,
 * GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, a pull_request event), against the Batch API emulator and the fake
 * GitHub API on loopback.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { PROJECT_ROOT, runAction, type RunActionOptions } from '../../test-servers/action-runner.js'
import { embeddedData } from '../fixtures/html-page.js'
import { loadReplies, startBatchEmulator, type BatchEmulator } from '../../test-servers/batch-emulator.js'
import { startFakeArtifactService, unzip } from '../../test-servers/fake-artifact-service.js'
import { startFakeGitHub, type FakeGitHub } from '../../test-servers/fake-github.js'

const API_KEY = 'sk-ant-test-0123456789'
const MARKER = '<!-- claude-batch-evals:report -->'
const pullRequestEvent = {
  name: 'pull_request',
  payload: { action: 'synchronize', number: 7, pull_request: { number: 7, head: { sha: 'abc123' } } },
}

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

function run(inputs: RunActionOptions['inputs'] = {}, event: RunActionOptions['event'] = pullRequestEvent) {
  return runAction({
    workspace,
    event,
    inputs: {
      suite: 'evals/support.yml',
      'anthropic-api-key': API_KEY,
      'anthropic-base-url': emulator.url,
      'poll-interval': '100ms',
      ...inputs,
    },
    env: { GITHUB_TOKEN: 'gh-token', GITHUB_API_URL: github.url },
  })
}

const ourComments = () => github.comments('acme', 'support-bot', 7).filter((c) => c.body.startsWith(MARKER))

const SUITES = path.join(PROJECT_ROOT, '__tests__', 'fixtures', 'suites')

describe('the action, run from dist/ as the runner runs it', () => {
  it('reports a failed verdict everywhere, and fails the step', async () => {
    const result = await run({ 'junit-file': 'reports/junit.xml' })

    expect(result.exitCode).toBe(1)
    expect(result.outputs).toEqual({
      status: 'failed',
      // The overloaded request is retried in two follow-up batches (retry-errored), and errors again.
      'batch-ids': expect.stringMatching(/^msgbatch_\w+\nmsgbatch_\w+\nmsgbatch_\w+$/),
      total: '6',
      passed: '3',
      failed: '2',
      errored: '1',
      'pass-rate': '0.5',
      // Before submitting: 6 requests of max_tokens 300 at most, all priced (heuristic input count).
      'estimated-cost-batch-usd': expect.stringMatching(/^0\.004\d+$/),
      'cost-batch-usd': '0.0002905',
      'cost-standard-usd': '0.000581',
      'savings-usd': '0.0002905',
      'results-file': path.join(workspace, 'eval-results.json'),
      'comment-url': expect.stringMatching(
        /^https:\/\/github\.com\/acme\/support-bot\/pull\/7#issuecomment-\d+$/,
      ),
      // Each test ran once, and there is no baseline to flip against.
      flaky: '0',
      regressions: '',
      fixes: '',
      'html-report': path.join(workspace, 'claude-batch-evals-report.html'),
      // Outside the runner's artifact service, the report is not uploaded.
      'html-report-url': '',
    })
    const [batchId] = result.outputs['batch-ids'].split('\n')
    expect(result.log).toContain(`Created batch ${batchId} with 6 requests.`)
    expect(result.log).toContain(
      'Retrying 1 request(s) that errored (overloaded, API or timeout errors) or expired: round 2 of 2.',
    )
    expect(result.log).toMatch(/: ended; processing 0, succeeded 5, errored 1, canceled 0, expired 0/)
    expect(result.log).toContain('::error::Evals failed: pass rate 50%25 is below the minimum of 100%25')
    // The API key is never printed, except to mask it.
    expect(result.log.split('\n').filter((line) => line.includes(API_KEY))).toEqual([
      `::add-mask::${API_KEY}`,
    ])

    expect(result.summary).toContain('## ❌ Claude Batch Evals: failed')
    expect(result.summary).toContain('**3 of 6 tests passed (50%)** · minimum 100% · 2 failed · 1 errored')
    expect(result.summary).toContain('overloaded\\_error: Overloaded')
    expect(result.summary).toContain(
      '| claude-haiku-4-5 | 6 | 171 | 0 | 0 | 82 | $0.0002905 | $0.000581 | $0.0002905 (50%) |\n' +
        '| **total** | 6 | 171 | 0 | 0 | 82 | $0.0002905 | $0.000581 | $0.0002905 (50%) |',
    )

    const comments = ourComments()
    expect(comments).toHaveLength(1)
    // The marker, the run's hidden state (for a re-run to resume), then the same report as the summary.
    const [marker, state, ...report] = comments[0].body.split('\n')
    expect(marker).toBe(MARKER)
    expect(JSON.parse(state.replace(/^<!-- claude-batch-evals:state (.*) -->$/, '$1'))).toMatchObject({
      batchIds: result.outputs['batch-ids'].split('\n'),
    })
    expect(report.join('\n')).toBe(result.summary)

    const results = JSON.parse(await readFile(result.outputs['results-file'], 'utf8'))
    expect(results).toMatchObject({ schema_version: 1, status: 'failed', summary: { total: 6, passed: 3 } })
    // The HTML report embeds the results file whole, and the summary says where it is.
    const page = embeddedData(await readFile(result.outputs['html-report'], 'utf8'))
    expect(page.results).toEqual(results)
    expect(result.summary).toContain('the HTML report `claude-batch-evals-report.html`')
    expect(results.tests).toHaveLength(6)
    expect(results.tests.find((t: { id: string }) => t.id === 'warranty-length')).toMatchObject({
      file: 'evals/support.yml',
      line: 39,
      prompt: 'How long is the warranty on mesh kits?',
      output: 'Mesh kits come with a one-year warranty.',
      status: 'failed',
      result_type: 'succeeded',
      assertions: [
        { type: 'not-icontains', pass: true },
        {
          type: 'contains',
          value: 'two years',
          pass: false,
          reason: 'expected output to contain "two years"',
        },
      ],
      usage: { service_tier: 'batch' },
    })
    expect(results.tests.find((t: { id: string }) => t.id === 'outage-escalation')).toMatchObject({
      status: 'errored',
      result_type: 'errored',
      error: { type: 'overloaded_error', message: 'Overloaded' },
      output: null,
      cost_usd: { batch: '0', standard: '0' },
    })

    // Annotations at the suite lines, and JUnit XML.
    expect(result.log).toContain(
      '::error title=Failed%3A warranty-length,file=evals/support.yml,line=39::Quotes the two-year warranty%0Acontains: expected output to contain',
    )
    expect(result.log).toContain(
      '::error title=Errored%3A outage-escalation,file=evals/support.yml,line=55::Escalates a reported outage to a human%0Aoverloaded_error: Overloaded',
    )
    expect(result.summary).toContain('The first 3 tests are annotated at their suite lines.')
    expect(result.summary).toContain(
      '[evals/support.yml:39](https://github.com/acme/support-bot/blob/abc123/evals/support.yml#L39)',
    )
    const junit = await readFile(path.join(workspace, 'reports/junit.xml'), 'utf8')
    expect(junit.match(/<testcase /g)).toHaveLength(6)
    expect(junit).toContain('<testcase name="warranty-length"')
    expect(junit).toMatch(/<error message="overloaded_error: Overloaded"/)
  })

  it('keeps exactly one comment per PR across re-runs, found among many pages of others', async () => {
    github.seedComments(
      'acme',
      'support-bot',
      7,
      Array.from({ length: 230 }, (_, i) => `review note ${i}`),
    )
    const first = await run()
    github.seedComments('acme', 'support-bot', 7, ['a later comment'])
    const second = await run()

    expect(ourComments()).toHaveLength(1)
    expect(github.comments('acme', 'support-bot', 7)).toHaveLength(232)
    expect(second.outputs['comment-url']).toBe(first.outputs['comment-url'])
    expect(ourComments()[0].body).toContain(second.outputs['batch-ids'].split('\n')[0])
    expect(second.log).toContain(`Updated the report comment: ${first.outputs['comment-url']}`)
    const creates = github.calls.filter((c) => c.method === 'POST')
    expect(creates).toHaveLength(1)
  })

  it('passes when the pass rate meets min-pass-rate and nothing errored', async () => {
    await writeFile(
      path.join(workspace, 'evals/support.yml'),
      (await readFile(path.join(workspace, 'evals/support.yml'), 'utf8')).replace(
        /\n {2}- id: outage-escalation[\s\S]*$/,
        '\n',
      ),
    )
    const result = await run({ 'min-pass-rate': '60%' })
    expect(result.outputs).toMatchObject({
      status: 'passed',
      total: '5',
      passed: '3',
      failed: '2',
      errored: '0',
    })
    expect(result.exitCode).toBe(0)
    expect(result.summary).toContain('## ✅ Claude Batch Evals: passed')
  })

  it('refuses a malformed suite with file:line errors before any request reaches the Batch API', async () => {
    await writeFile(
      path.join(workspace, 'evals/broken.yml'),
      'model: claude-haiku-4-5\ntests:\n  - prompt: Hi {{ name }}\n  - prompt: ok\n    assert:\n      - type: contians\n        value: x\n',
    )
    const result = await run({ suite: 'evals/*.yml' })
    expect(result.exitCode).toBe(1)
    expect(result.log).toContain('The suite has 2 problems; nothing was submitted.')
    expect(result.summary).toContain(
      'evals/broken.yml:3: the template uses {{ name }} but vars has no such key (vars: none)',
    )
    expect(result.summary).toContain("evals/broken.yml:6: unknown assertion type 'contians'")
    expect(emulator.calls).toEqual([])
    // The pull request hears of it too, in its one comment.
    const [comment] = ourComments()
    expect(comment.body).toContain('## ❌ Claude Batch Evals: error')
    expect(comment.body).toContain("evals/broken.yml:6: unknown assertion type 'contians'")
  })

  it('warns, and still reports, when the token may not comment', async () => {
    github.failWith('POST', /\/issues\/7\/comments/, 403, 'Resource not accessible by integration')
    const result = await run()
    expect(result.exitCode).toBe(1)
    expect(result.outputs.status).toBe('failed')
    expect(result.outputs['comment-url']).toBeUndefined()
    expect(result.log).toMatch(/::warning::Could not write the PR comment \(403\).*pull-requests: write/)
    expect(result.summary).toContain('## ❌ Claude Batch Evals: failed')
  })

  it('posts no comment outside a pull request, or with comment: false', async () => {
    const scheduled = await run({}, { name: 'schedule', payload: { schedule: '0 3 * * *' } })
    expect(scheduled.log).toContain(
      'No pull request for this schedule: the report is in the job summary, outputs and files only.',
    )
    const silenced = await run({ comment: 'false' })
    expect(silenced.outputs.status).toBe('failed')
    expect(github.calls).toEqual([])
  })

  it('writes no HTML report when html-report is empty', async () => {
    const result = await run({ 'html-report': '', comment: 'false' })
    expect(result.outputs['html-report']).toBe('')
    await expect(readFile(path.join(workspace, 'claude-batch-evals-report.html'))).rejects.toThrow(/ENOENT/)
    expect(result.summary).not.toContain('HTML report')
  })

  it('uploads the HTML report as an artifact of the run, and links it from the summary and the comment', async () => {
    const artifacts = await startFakeArtifactService()
    try {
      const result = await runAction({
        workspace,
        event: pullRequestEvent,
        inputs: {
          suite: 'evals/support.yml',
          'anthropic-api-key': API_KEY,
          'anthropic-base-url': emulator.url,
          'poll-interval': '100ms',
        },
        env: { GITHUB_TOKEN: 'gh-token', GITHUB_API_URL: github.url, ...artifacts.env },
      })
      const [artifact] = artifacts.artifacts()
      expect(artifact.name).toBe('claude-batch-evals-report')
      const page = await readFile(path.join(workspace, 'claude-batch-evals-report.html'))
      expect(artifact.data).toBeInstanceOf(Buffer)
      expect([...unzip(artifact.data as Buffer)]).toEqual([['claude-batch-evals-report.html', page]])
      const url = `https://github.com/acme/support-bot/actions/runs/4242/artifacts/${artifact.id}`
      expect(result.outputs['html-report-url']).toBe(url)
      expect(result.summary).toContain(`[the HTML report](${url})`)
      expect(ourComments()[0].body).toContain(`[the HTML report](${url})`)
    } finally {
      await artifacts.close()
    }
  })

  it('explains a missing API key', async () => {
    const result = await run({ 'anthropic-api-key': '' })
    expect(result.exitCode).toBe(1)
    expect(result.log).toContain("::error::No Anthropic API key. Set the 'anthropic-api-key' input")
    expect(emulator.calls).toEqual([])
  })

  it('runs a suite that uses every suite feature and grader, and grades it all', async () => {
    await emulator.close()
    emulator = await startBatchEmulator({
      processingMs: 1,
      replies: loadReplies(path.join(SUITES, 'everything', 'replies.json')),
    })
    const resultsFile = path.join(workspace, 'everything-results.json')
    const result = await runAction({
      workspace: SUITES,
      event: pullRequestEvent,
      inputs: {
        suite: 'everything/suite.yaml',
        'anthropic-api-key': API_KEY,
        'anthropic-base-url': emulator.url,
        'poll-interval': '100ms',
        'results-file': resultsFile,
        'html-report': path.join(workspace, 'everything-report.html'),
        comment: 'false',
      },
    })
    expect(result.outputs).toMatchObject({
      status: 'passed',
      total: '21',
      passed: '21',
      failed: '0',
      errored: '0',
    })
    expect(result.exitCode).toBe(0)
    const [batch] = emulator.createdBatches()
    expect(batch.requests).toHaveLength(21)
    const results = JSON.parse(await readFile(resultsFile, 'utf8'))
    const weather = results.tests.find((t: { id: string }) => t.id === 'weather-tool')
    expect(weather).toMatchObject({
      file: 'everything/suite.yaml',
      status: 'passed',
      assertions: [
        { type: 'not-icontains', pass: true, metric: 'style' },
        { type: 'is-valid-tool-call', pass: true },
        { type: 'javascript', pass: true, reason: 'asked for the weather in Paris' },
        { type: 'cost', pass: true },
      ],
    })
    expect(result.summary).toContain('### Metrics')
    expect(result.summary).toMatch(/\| accuracy \| 4 \| 100% \|/)
  })

  it('annotates each failing test once, leaving one of the ten annotations for the step failure', async () => {
    const tests = Array.from({ length: 12 }, (_, i) =>
      [`  - id: t${i}`, `    prompt: Question ${i}?`, '    assert: [{ type: contains, value: never }]'].join(
        '\n',
      ),
    )
    await writeFile(
      path.join(workspace, 'evals/failing.yml'),
      [
        'model: claude-haiku-4-5',
        'tests:',
        '  - id: repeated',
        '    repeat: 5',
        '    prompt: Again?',
        '    assert: [{ type: contains, value: never }]',
        ...tests,
      ].join('\n'),
    )
    const result = await run({ suite: 'evals/failing.yml' })
    const errors = result.log.split('\n').filter((line) => line.startsWith('::error'))
    expect(errors).toHaveLength(10)
    expect(errors.filter((line) => line.includes('Failed%3A repeated'))).toHaveLength(1)
    expect(errors.at(-1)).toMatch(/^::error::Evals failed: /)
    expect(result.summary).toContain('The first 9 tests are annotated at their suite lines.')
  })
  it('finds the pull request of a pushed commit, and keeps suites apart with comment-header', async () => {
    // Pull request 5 contains the commit too, but its head is a later one: not this run's.
    github.setCommitPulls('acme', 'support-bot', 'f00d', [5, 7], { 5: 'beef' })
    const push = { name: 'push', payload: { after: 'f00d' } }
    const support = await runAction({
      workspace,
      event: push,
      inputs: {
        suite: 'evals/support.yml',
        'anthropic-api-key': API_KEY,
        'anthropic-base-url': emulator.url,
        'poll-interval': '100ms',
        'comment-header': 'Support',
      },
      env: { GITHUB_TOKEN: 'gh-token', GITHUB_API_URL: github.url, GITHUB_SHA: 'f00d' },
    })
    expect(support.outputs['comment-url']).toMatch(/pull\/7#issuecomment-/)
    const first = github.comments('acme', 'support-bot', 7)
    expect(first).toHaveLength(1)
    expect(first[0].body).toContain('## ❌ Claude Batch Evals · Support: failed')
    const other = await run({ 'comment-header': 'Billing' })
    expect(github.comments('acme', 'support-bot', 7)).toHaveLength(2)
    expect(other.outputs['comment-url']).not.toBe(support.outputs['comment-url'])
  })

  it('writes one comment per run with comment-mode: new, and never takes over a comment someone else wrote', async () => {
    github.seedComments('acme', 'support-bot', 7, [`${MARKER}\nI copied your marker`], 'mallory')
    await run({ 'comment-mode': 'new' })
    // A new commit's run (the same job re-run would resume its own comment instead).
    const suitePath = path.join(workspace, 'evals/support.yml')
    await writeFile(
      suitePath,
      (await readFile(suitePath, 'utf8')).replace('Where is my order?', 'Where is my parcel?'),
    )
    await run({ 'comment-mode': 'new' })
    const comments = github.comments('acme', 'support-bot', 7)
    expect(comments.map((c) => c.user)).toEqual(['mallory', 'github-actions[bot]', 'github-actions[bot]'])
    expect(comments[0].body).toBe(`${MARKER}\nI copied your marker`)
  })
})
