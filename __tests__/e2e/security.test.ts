/**
 * Attacks on the action, as a pull request or a prompt-injected model could make them, run against the
 * committed bundle the way the runner runs it (test-servers/action-runner.ts), with the real SDK and Octokit
 * talking to the Batch API emulator and the fake GitHub API on loopback. Each one must fail: nothing in a
 * suite or a model output reaches a secret, a file outside the workspace, or code.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { runAction, type ActionRun } from '../../test-servers/action-runner.js'
import { startBatchEmulator, type BatchEmulator } from '../../test-servers/batch-emulator.js'
import { startFakeGitHub, type FakeGitHub } from '../../test-servers/fake-github.js'

const API_KEY = 'sk-ant-api03-security-probe-0123456789abcdef'
const GITHUB_TOKEN = 'ghs_securityProbeToken0123456789abcdef'
const MARKER = '<!-- claude-batch-evals:report -->'
const pullRequestEvent = {
  name: 'pull_request',
  payload: { action: 'synchronize', number: 7, pull_request: { number: 7, head: { sha: 'abc123' } } },
}
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/
/** A line of /etc/passwd on every Linux machine. */
const PASSWD_LINE = /root:x?:0:0:/

let emulator: BatchEmulator
let github: FakeGitHub
let workspace: string
/** Outside the workspace: what an attack would read or write. */
let outside: string

beforeEach(async () => {
  emulator = await startBatchEmulator({ processingMs: 1 })
  github = await startFakeGitHub({ token: GITHUB_TOKEN })
  workspace = await mkdtemp(path.join(tmpdir(), 'workspace-'))
  outside = await mkdtemp(path.join(tmpdir(), 'outside-'))
  await mkdir(path.join(workspace, 'evals'))
  await writeFile(path.join(outside, 'secret.txt'), 'TOP SECRET OUTSIDE THE WORKSPACE\n')
})

afterEach(async () => {
  await Promise.all([
    emulator.close(),
    github.close(),
    rm(workspace, { recursive: true, force: true }),
    rm(outside, { recursive: true, force: true }),
  ])
})

async function runSuite(
  file: string,
  suite: string,
  options: { baseUrl?: string; inputs?: Record<string, string> } = {},
): Promise<ActionRun & { comment: string; results: string }> {
  await writeFile(path.join(workspace, 'evals', file), suite)
  const result = await runAction({
    workspace,
    event: pullRequestEvent,
    inputs: {
      suite: 'evals/*.yml',
      'anthropic-api-key': API_KEY,
      'anthropic-base-url': options.baseUrl ?? emulator.url,
      'poll-interval': '10ms',
      'retry-errored': 'false',
      ...options.inputs,
    },
    env: { GITHUB_TOKEN, GITHUB_API_URL: github.url },
  })
  const comment = github
    .comments('acme', 'support-bot', 7)
    .filter((c) => c.body.startsWith(MARKER))
    .map((c) => c.body)
    .join('\n')
  const resultsFile = path.join(workspace, 'eval-results.json')
  const results = existsSync(resultsFile) ? await readFile(resultsFile, 'utf8') : ''
  return { ...result, comment, results }
}

/** Restarts the emulator with scripted model replies, by the text of the last user message. */
async function answering(replies: Record<string, string>): Promise<void> {
  await emulator.close()
  emulator = await startBatchEmulator({ processingMs: 1, replies })
}

/** Everything the run wrote or posted that people read. */
function everythingWritten(run: ActionRun & { comment: string; results: string }): string {
  return [withoutMasks(run.log), run.summary, run.comment, run.results, JSON.stringify(run.outputs)].join(
    '\n',
  )
}

/** The log less its `::add-mask::` commands, which the runner consumes and never shows. */
function withoutMasks(log: string): string {
  return log.replace(/^::add-mask::.*$/gm, '')
}

/** Everything the emulator was asked to send to the model. */
function sentToTheModel(): string {
  return JSON.stringify(emulator.createdBatches())
}

describe('templates from a pull request cannot run code', () => {
  const payloads = [
    `{{ range.constructor("return process.env")() }}`,
    `{{ cycler.constructor("return global.process.mainModule.require('fs').writeFileSync('PWNED', 'x')")() }}`,
    `{{ joiner.constructor("return process")().env }}`,
    `{{ range["constructor"]("return process.env")() }}`,
    `{% set key = "constr" ~ "uctor" %}{{ range[key]("return process.env")() }}`,
    `{{ "".constructor.constructor("return process.env")() }}`,
    `{{ [].constructor.constructor("return process")().env }}`,
    `{{ constructor.constructor("return process.env")() }}`,
    `{{ __proto__ }}`,
  ]

  it('refuses or neutralises every published sandbox escape, and no key reaches a prompt', async () => {
    const tests = payloads.map(
      (payload, i) => `  - id: escape-${i}\n    prompt: '${payload.replace(/'/g, "''")}'\n`,
    )
    const run = await runSuite('templates.yml', `model: claude-haiku-4-5\ntests:\n${tests.join('')}`)

    expect(existsSync(path.join(workspace, 'PWNED'))).toBe(false)
    expect(sentToTheModel()).not.toContain(API_KEY)
    expect(sentToTheModel()).not.toContain('GITHUB_WORKSPACE')
    expect(everythingWritten(run)).not.toContain(API_KEY)
    expect(everythingWritten(run)).not.toContain(GITHUB_TOKEN)
    // Each payload is named at its line, all of them in one run, and nothing is billed.
    for (let i = 0; i < payloads.length; i++)
      expect(run.summary).toContain(`evals/templates.yml:${4 + 2 * i}:`)
    expect(run.exitCode).toBe(1)
    expect(emulator.createdBatches()).toEqual([])
  })
})

describe('file:// references stay inside the workspace', () => {
  it('refuses relative escapes, absolute paths, /proc, and symlinks pointing out, each at its line', async () => {
    await symlink('/etc/passwd', path.join(workspace, 'evals', 'passwd-link.txt'))
    await symlink(outside, path.join(workspace, 'evals', 'outside-dir'))
    const refs = [
      'file://../../../../../../../../etc/passwd',
      'file:///etc/hostname',
      'file:///proc/self/environ',
      'file://passwd-link.txt',
      'file://outside-dir/secret.txt',
      `file://${path.join(outside, 'secret.txt')}`,
    ]
    const tests = refs.map(
      (ref, i) => `  - id: read-${i}\n    vars:\n      leak: ${ref}\n    prompt: 'Echo {{ leak }}'\n`,
    )
    const run = await runSuite('files.yml', `model: claude-haiku-4-5\ntests:\n${tests.join('')}`)

    expect(run.exitCode).toBe(1)
    expect(emulator.createdBatches()).toEqual([])
    for (let i = 0; i < refs.length; i++) {
      expect(run.summary).toMatch(new RegExp(`evals/files\\.yml:${5 + 4 * i}:[^\\n]*outside the workspace`))
    }
    expect(run.summary).toContain('allowed-paths')
    const written = everythingWritten(run)
    expect(written).not.toMatch(PASSWD_LINE)
    expect(written).not.toContain('TOP SECRET')
    expect(written).not.toContain(API_KEY)
    expect(written).not.toContain(GITHUB_TOKEN)
  })

  it('refuses a tests glob that matches a symlink pointing out, and a prompt file outside', async () => {
    await mkdir(path.join(workspace, 'evals', 'cases'))
    await writeFile(path.join(outside, 'evil.yaml'), '- prompt: TOP SECRET CASE\n')
    await symlink(path.join(outside, 'evil.yaml'), path.join(workspace, 'evals', 'cases', 'evil.yaml'))
    await writeFile(path.join(workspace, 'evals', 'cases', 'good.yaml'), '- prompt: hello\n')
    const run = await runSuite(
      'globs.yml',
      `model: claude-haiku-4-5\nprompts:\n  - file://${path.join(outside, 'secret.txt')}\ntests: file://cases/*.yaml\n`,
    )
    expect(run.exitCode).toBe(1)
    expect(emulator.createdBatches()).toEqual([])
    expect(run.summary).toMatch(/evals\/globs\.yml:3:[^\n]*outside the workspace/)
    expect(run.summary).toMatch(/evals\/globs\.yml:4:[^\n]*cases\/evil\.yaml[^\n]*outside the workspace/)
    expect(everythingWritten(run)).not.toContain('TOP SECRET')
  })

  it('refuses pricing and baseline files that a pull request made symlinks pointing out', async () => {
    await symlink('/etc/passwd', path.join(workspace, 'prices.yml'))
    await symlink('/etc/passwd', path.join(workspace, 'baseline.json'))
    const suite = 'model: claude-haiku-4-5\ntests:\n  - prompt: hi\n'
    const pricing = await runSuite('pricing.yml', suite, { inputs: { pricing: 'prices.yml' } })
    expect(pricing.summary).toMatch(
      /The 'pricing' input: [^\n]*prices\.yml resolves to \/etc\/passwd, outside/,
    )
    const baseline = await runSuite('pricing.yml', suite, { inputs: { baseline: 'baseline.json' } })
    expect(baseline.summary).toMatch(
      /The 'baseline' input: baseline\.json resolves to \/etc\/passwd, outside/,
    )
    for (const run of [pricing, baseline]) {
      expect(run.exitCode).toBe(1)
      expect(everythingWritten(run)).not.toMatch(PASSWD_LINE)
    }
    expect(emulator.createdBatches()).toEqual([])
  })

  it('reads a file in a directory that allowed-paths lists', async () => {
    const run = await runSuite(
      'allowed.yml',
      `model: claude-haiku-4-5\ntests:\n  - vars:\n      doc: file://${path.join(outside, 'secret.txt')}\n    prompt: 'Echo {{ doc }}'\n`,
      { inputs: { 'allowed-paths': outside } },
    )
    expect(run.outputs.total).toBe('1')
    expect(sentToTheModel()).toContain('TOP SECRET OUTSIDE THE WORKSPACE')
  })
})

/** A server that answers every Anthropic call with a 401 whose message echoes the credentials it was sent. */
async function startKeyEchoingApi(): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    request.resume()
    request.on('end', () => {
      response.writeHead(401, { 'content-type': 'application/json', 'request-id': 'req_echo' })
      response.end(
        JSON.stringify({
          type: 'error',
          error: {
            type: 'authentication_error',
            message: `invalid credentials: ${request.headers.authorization ?? request.headers['x-api-key']}`,
          },
        }),
      )
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }
}

describe('secrets are redacted from everything the action writes or posts', () => {
  it('keeps an API error that echoes the key out of the summary, the comment and the log', async () => {
    const api = await startKeyEchoingApi()
    try {
      const run = await runSuite('echo.yml', 'model: claude-haiku-4-5\ntests:\n  - prompt: hi\n', {
        baseUrl: api.url,
      })
      expect(run.exitCode).toBe(1)
      expect(run.summary).toContain('invalid credentials: Bearer ***')
      expect(run.comment).toContain('invalid credentials: Bearer ***')
      expect(everythingWritten(run)).not.toContain(API_KEY)
    } finally {
      api.server.close()
    }
  })

  it('masks the GitHub token at start-up, and redacts a GitHub error that echoes it', async () => {
    github.failWith('GET', /\/pulls\/7$/, 500, `upstream said: bad token ${GITHUB_TOKEN}`)
    github.failWith('GET', /\/commits\/[^/]+\/pulls$/, 500, `upstream said: bad token ${GITHUB_TOKEN}`)
    const run = await runSuite('token.yml', 'model: claude-haiku-4-5\ntests:\n  - prompt: hi\n')
    expect(run.log).toContain(`::add-mask::${GITHUB_TOKEN}`)
    expect(withoutMasks(run.log)).not.toContain(GITHUB_TOKEN)
    expect(run.summary).not.toContain(GITHUB_TOKEN)
  })
})

describe('regular expressions run within a time budget', () => {
  it('finishes and reports a run whose regex assertions backtrack catastrophically', async () => {
    const hostile = `${'a'.repeat(40)}!`
    await answering({ 'linear fallback': hostile, 'out of budget': hostile })
    const run = await runSuite(
      'redos.yml',
      [
        'model: claude-haiku-4-5',
        'tests:',
        '  - prompt: linear fallback',
        '    assert:',
        '      - type: regex',
        "        value: '^(\\w+\\s?)*$'",
        '  - prompt: out of budget',
        '    assert:',
        '      - type: regex',
        "        value: '^(a+)+\\1$'",
        '',
      ].join('\n'),
    )
    // The linear engine takes over from the first and finds no match; the second, with a backreference it
    // cannot run, runs out of its budget and fails its test with the reason.
    expect(run.outputs).toMatchObject({ status: 'failed', total: '2', failed: '2', errored: '0' })
    expect(run.summary).toContain('regex: expected output to match /^(')
    expect(run.summary).toContain('ran past its 1 s budget on this output (catastrophic backtracking)')
    expect(run.comment).toContain('## ❌ Claude Batch Evals: failed')
  })
})

describe('text from suites and models cannot issue workflow commands or break Markdown', () => {
  it('escapes a suite file name with a newline and workflow commands in it', async () => {
    const run = await runSuite(
      'x\n::warning::pwned\n::add-mask::x.yml',
      'model: claude-haiku-4-5\ntests:\n  - prompt: hi\n    assert:\n      - type: contains\n        value: never\n',
    )
    expect(run.outputs.total).toBe('1')
    expect(run.log).not.toMatch(/^::(warning|add-mask)::(pwned|x)/m)
  })

  it('refuses a model id with a newline at its line, and never logs it as a command', async () => {
    const run = await runSuite(
      'model.yml',
      'model: "claude-haiku-4-5\\n::warning::pwned"\ntests:\n  - prompt: hi\n',
    )
    expect(run.exitCode).toBe(1)
    expect(run.summary).toMatch(/evals\/model\.yml:1:[^\n]*model/)
    expect(run.log).not.toMatch(/^::warning::pwned/m)
    expect(emulator.createdBatches()).toEqual([])
  })

  it('links a hostile file name as one encoded link that mentions nobody', async () => {
    const run = await runSuite(
      'x)@someone!.yml',
      'model: claude-haiku-4-5\ntests:\n  - prompt: hi\n    assert:\n      - type: contains\n        value: never\n',
    )
    expect(run.outputs.failed).toBe('1')
    expect(run.summary).toContain('x%29%40someone%21.yml#L3')
    expect(run.summary).not.toMatch(/@someone/)
    expect(run.comment).not.toMatch(/@someone/)
  })

  it('shows control characters, bidi overrides and lone surrogates from the model as inert text', async () => {
    const hostile =
      'ok \u001b[31mred \u202eevil\u2066 \ud800 \u0007\n::warning::pwned </pre><script>x</script>'
    await answering({ hi: hostile })
    const run = await runSuite(
      'controls.yml',
      'model: claude-haiku-4-5\ntests:\n  - prompt: hi\n    assert:\n      - type: equals\n        value: fine\n',
    )
    expect(run.outputs.failed).toBe('1')
    for (const text of [run.summary, run.comment]) {
      expect(text).toContain('red')
      // eslint-disable-next-line no-control-regex
      expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/)
      expect(text).not.toMatch(LONE_SURROGATE)
      expect(text).not.toContain('<script>')
    }
    expect(run.log).not.toMatch(/^::warning::pwned/m)
  })
})
