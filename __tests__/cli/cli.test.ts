/** runCli: the commands against the sources, in a temporary workspace, with their output and exit codes. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { COMMANDS, runCli } from '../../src/cli/cli.js'
import { displayOf } from '../../src/cli/terminal.js'
import { clearSecrets } from '../../src/common/redaction.js'
import { INPUTS } from '../../src/github/action-interface.js'
import { startBatchEmulator, type BatchEmulator } from '../../test-servers/batch-emulator.js'
import { writeRun } from '../fixtures/html-report-runs.js'

let workspace: string
beforeEach(() => {
  workspace = mkdtempSync(path.join(tmpdir(), 'cli-'))
})
afterEach(() => {
  rmSync(workspace, { recursive: true, force: true })
  clearSecrets()
})

async function cli(argv: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = ''
  let stderr = ''
  const code = await runCli(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env,
    cwd: workspace,
  })
  return { code, stdout, stderr }
}

const SUITE = [
  'model: claude-haiku-4-5',
  'max_tokens: 100',
  'tests:',
  '  - prompt: How many days do I have to return my router?',
  '    assert: [{ type: contains, value: 30 days }]',
  '  - prompt: Is the warranty two years?',
  '    assert: [{ type: llm-rubric, value: says yes }]',
].join('\n')

function write(name: string, text: string): void {
  writeFileSync(path.join(workspace, name), text)
}

describe('help', () => {
  it('lists the commands, and says how to get help, with no command (exit 2) or --help (exit 0)', async () => {
    const bare = await cli([])
    expect(bare.code).toBe(2)
    expect(bare.stderr).toMatch(/^claude-batch-evals: /)
    expect(bare.stderr).toMatch(/^ {2}validate +Check suites/m)
    expect(bare.stderr).toMatch(/^ {2}estimate +What a run would cost/m)
    const help = await cli(['--help'])
    expect(help).toMatchObject({ code: 0, stdout: bare.stderr })
  })

  it("shows each command's usage, examples, flags, and every other input as accepted but not used", async () => {
    for (const command of COMMANDS) {
      const { code, stdout } = await cli([command.name, '--help'])
      expect(code).toBe(0)
      expect(stdout).toContain(`Usage: claude-batch-evals ${command.name} ${command.usage}`)
      expect(stdout).toContain(`Examples:\n  claude-batch-evals ${command.name} `)
      const notUsed = stdout.slice(stdout.indexOf('Accepted but not used')).replace(/\s+/g, ' ')
      for (const name of INPUTS) {
        if (command.uses.includes(name)) expect(stdout).toMatch(new RegExp(`^ {2}--${name}\\b`, 'm'))
        else expect(notUsed).toContain(`--${name}`)
      }
    }
  })

  it("answers a mistyped flag with the one meant and the command's help (exit 2)", async () => {
    expect(await cli(['estimate', 'a.yml', '--max-cots', '5'])).toMatchObject({
      code: 2,
      stderr:
        "error: Unknown flag '--max-cots' (did you mean '--max-cost'?).\n" +
        "See 'claude-batch-evals estimate --help'.\n",
    })
    expect((await cli(['--modle'])).stderr).toBe(
      "error: Unknown flag '--modle' (did you mean '--model'?).\nSee 'claude-batch-evals --help'.\n",
    )
  })

  it('answers an unknown command with the one meant, and no suite with the usage (exit 2)', async () => {
    expect(await cli(['validat', 'a.yml'])).toMatchObject({
      code: 2,
      stderr:
        "error: Unknown command 'validat' (did you mean 'validate'?).\nSee 'claude-batch-evals --help'.\n",
    })
    expect(await cli(['estimate'])).toMatchObject({
      code: 2,
      stderr:
        'error: Give the suite files, directories or globs: claude-batch-evals estimate SUITE...\n' +
        "See 'claude-batch-evals estimate --help'.\n",
    })
  })
})

describe('report', () => {
  const read = (file: string) => readFileSync(path.join(workspace, file), 'utf8')

  it('prints the stored verdict, counts and cost, and exits 1 for a failed run, 0 for a passed one', async () => {
    await writeRun(workspace, 'failed', [{ text: 'Paris' }, { text: 'Lyon' }])
    const failed = await cli(['report', 'failed.json'])
    expect(failed.stderr).toBe('')
    expect(failed.stdout).toMatch(/^FAILED 1 of 2 tests passed \(50%; minimum 100%\)/)
    expect(failed.stdout).toContain('  - pass rate 50% is below the minimum of 100%\n')
    // The stored grades: what the assertion expected and what the model wrote.
    expect(failed.stdout).toMatch(/^✗ failed test-1 — capital number 1 {2}evals\/geo\.yml:11$/m)
    expect(failed.stdout).toMatch(/^ +expected: Paris\n +got: +Lyon$/m)
    expect(failed.stdout).toMatch(/^Cost: \$0\.000035 at batch prices; \$0\.00007 at standard prices/m)
    expect(failed.code).toBe(1)
    await writeRun(workspace, 'passed', [{ text: 'Paris' }])
    expect(await cli(['report', 'passed.json'])).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^PASSED 1 of 1 tests passed/),
    })
    // The same run passes with a lower bar given: the verdict is decided again.
    const lenient = await cli(['report', 'failed.json', '--min-pass-rate', '50%'])
    expect(lenient.stdout).toContain('decided again')
    expect(lenient.code).toBe(0)
  })

  it('compares with --baseline, failing on a regression with --fail-on regression', async () => {
    const before = await writeRun(workspace, 'before', [{ text: 'Paris' }, { text: 'Lyon' }])
    await writeRun(workspace, 'after', [{ text: 'Lyon' }, { text: 'Paris' }], before)
    const gated = await cli(['report', 'after.json', '--baseline', 'before.json', '--fail-on', 'regression'])
    expect(gated.stdout).toContain('1 test regressed against the baseline')
    expect(gated.stdout).toContain('the file records: failed.')
    expect(gated.code).toBe(1)
    // Without --baseline, the recorded verdict, and what the recorded comparison found.
    const recorded = await cli(['report', 'after.json'])
    expect(recorded.stdout).toContain(
      'The run was compared with the baseline baseline.json: 1 regressed, 1 fixed. ',
    )
    expect(recorded.stdout).toContain('Give --baseline baseline.json to see which.')
    expect(recorded.code).toBe(1)
  })

  it("shows a model's output as text: no escape sequence of it reaches the terminal", async () => {
    await writeRun(workspace, 'hostile', [{ text: 'Lyon \x1b[2J\x1b]0;owned\x07' }])
    const { code, stdout } = await cli(['report', 'hostile.json'])
    expect(code).toBe(1)
    expect(stdout).not.toContain('\x1b')
    expect(stdout).not.toContain('\x07')
    expect(stdout).toContain('\\x1b[2J')
  })

  it('colours the report on a terminal, unless NO_COLOR', async () => {
    await writeRun(workspace, 'run', [{ text: 'Lyon' }])
    const onTerminal = async (env: NodeJS.ProcessEnv) => {
      let stdout = ''
      const streams = { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: () => true } }
      const terminal = { isTTY: true, columns: 60 }
      const code = await runCli(['report', 'run.json'], {
        ...streams,
        env,
        cwd: workspace,
        display: displayOf(terminal, terminal, env),
      })
      return { code, stdout }
    }
    const coloured = await onTerminal({})
    expect(coloured.code).toBe(1)
    expect(coloured.stdout.startsWith('\x1b[1m\x1b[31mFAILED\x1b[39m\x1b[22m 0 of 1 tests passed')).toBe(true)
    // Cut to the terminal's 60 columns.
    expect(coloured.stdout).toContain('(ignoring…')
    expect((await onTerminal({ NO_COLOR: '1' })).stdout).toMatch(/^FAILED/)
  })

  it('writes the HTML page with --html and prints where', async () => {
    await writeRun(workspace, 'run', [{ text: 'Paris' }])
    const { code, stdout } = await cli(['report', 'run.json', '--html', 'out/page.html'])
    expect(code).toBe(0)
    const page = path.join(workspace, 'out', 'page.html')
    expect(stdout).toContain(`HTML report: ${page}\n`)
    expect(read('out/page.html')).toContain(JSON.stringify(JSON.parse(read('run.json')).tests[0].output))
  })

  it('exits 2 naming the file for a missing, a non-results and a newer file, and asks for RESULTS.json', async () => {
    expect(await cli(['report', 'none.json'])).toMatchObject({
      code: 2,
      stderr: `error: The results file ${path.join(workspace, 'none.json')} does not exist.\n`,
    })
    write('suite.json', '{"tests": []}')
    expect((await cli(['report', 'suite.json'])).stderr).toContain(
      'error: suite.json is not a results file of claude-batch-evals (it has no schema_version)',
    )
    write('newer.json', '{"schema_version": 7}')
    expect((await cli(['report', 'newer.json'])).stderr).toContain('a newer claude-batch-evals wrote it')
    expect(await cli(['report'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('error: Give RESULTS.json: claude-batch-evals report RESULTS.json'),
    })
    expect((await cli(['validate', 'a.yml', '--html', 'x.html'])).stderr).toContain(
      "error: Flag '--html' is a flag of report, merge, not of validate.",
    )
  })

  it('lists --html in its help, apart from the inputs', async () => {
    const { stdout } = await cli(['report', '--help'])
    expect(stdout).toMatch(/^Flags of report:\n {2}--html OUT\.html\n {6}Also writes/m)
    expect(stdout).toMatch(/^ {2}--baseline$/m)
  })
})

describe('validate', () => {
  it('prints the number of tests and requests of valid suites (exit 0)', async () => {
    write('suite.yml', SUITE)
    const { code, stdout, stderr } = await cli(['validate', 'suite.yml', '--repeat', '3'])
    expect(stderr).toBe('')
    expect(stdout).toBe(
      'Loaded 2 tests (6 requests with repeats) from suite.yml.\nValid: 2 tests, 6 requests.\n',
    )
    expect(code).toBe(0)
  })

  it('prints every problem of every suite at its file:line (exit 2)', async () => {
    write('a.yml', ['tests:', '  - prompt: hi', '    max_tokens: lots'].join('\n'))
    write('b.yml', ['model: claude-haiku-4-5', 'tests:', '  - prompt: hi', '    colour: red'].join('\n'))
    const { code, stdout, stderr } = await cli(['validate', 'a.yml', 'b.yml'])
    expect(code).toBe(2)
    expect(stdout).toBe('')
    const lines = stderr.trimEnd().split('\n')
    expect(lines).toEqual([
      expect.stringMatching(/^a\.yml:3: /),
      expect.stringMatching(/^b\.yml:4: /),
      '2 problems.',
    ])
  })

  it('shows the warnings of a promptfoo suite it maps', async () => {
    write(
      'promptfooconfig.yaml',
      ['providers: [openai:gpt-4o]', 'prompts: ["{{q}}"]', 'tests: [{ vars: { q: hi } }]'].join('\n'),
    )
    const { code, stdout, stderr } = await cli(['validate', '.', '--model', 'claude-haiku-4-5'])
    expect(stderr).toMatch(/^warning: /)
    expect(stdout).toContain('Valid: 1 test, 1 request.')
    expect(code).toBe(0)
  })

  it('refuses a request the model capability table says the API would refuse (exit 2), sending nothing', async () => {
    write(
      'suite.yml',
      ['model: claude-haiku-4-5', 'tests:', '  - id: big', '    prompt: hi', '    max_tokens: 70000'].join(
        '\n',
      ),
    )
    const { code, stderr } = await cli(['validate', 'suite.yml'])
    expect(code).toBe(2)
    expect(stderr).toContain(
      'big (suite.yml:3): the API would answer "max_tokens: 70000 > 64000, which is the maximum allowed number of output tokens for claude-haiku-4-5". Fix: set max_tokens to 64000 or less.',
    )
  })

  it('names a bad flag value as the input it is (exit 2)', async () => {
    write('suite.yml', SUITE)
    expect(await cli(['validate', 'suite.yml', '--cache', 'sometimes'])).toMatchObject({
      code: 2,
      stderr: "error: --cache is 'sometimes'; write one of: auto, 5m, 1h, off.\n",
    })
  })

  it('shows what a suite says as text: no escape sequence reaches the terminal', async () => {
    write('suite.yml', ['tests:', '  - prompt: hi', '    "\\e[2J\\e]0;owned\\a": 1'].join('\n'))
    const { code, stderr } = await cli(['validate', 'suite.yml'])
    expect(code).toBe(2)
    expect(stderr).not.toContain('\x1b')
    expect(stderr).not.toContain('\x07')
    expect(stderr).toContain('\\x1b[2J\\x1b]0;owned\\x07')
  })
})

describe('secrets', () => {
  it('redacts the API key from anything a suite makes the command print', async () => {
    write('suite.yml', ['tests:', '  - prompt: hi', '    sk-ant-cli-secret-key: 1'].join('\n'))
    const { code, stderr } = await cli(['estimate', 'suite.yml'], {
      ANTHROPIC_API_KEY: 'sk-ant-cli-secret-key',
    })
    expect(code).toBe(2)
    expect(stderr).toMatch(/^suite\.yml:3: .*'\*\*\*'/m)
    expect(stderr).not.toContain('sk-ant-cli-secret-key')
  })
})

describe('estimate', () => {
  let emulator: BatchEmulator
  beforeAll(async () => {
    emulator = await startBatchEmulator()
  })
  afterAll(() => emulator.close())

  it('estimates by the heuristic without a key, and says so and how to count exactly', async () => {
    write('suite.yml', SUITE)
    const { code, stdout, stderr } = await cli(['estimate', 'suite.yml'])
    expect(stderr).toBe('')
    expect(stdout).toContain('2 requests, ')
    expect(stdout).toContain(', up to 200 output tokens.')
    expect(stdout).toContain(
      'Estimated cost at batch prices (input tokens by heuristic (4 characters a token, ±30%), because no API key was given (set ANTHROPIC_API_KEY',
    )
    expect(stdout).toMatch(
      /^Estimated cost at batch prices \(.+\): \$[\d.]+ to \$[\d.]+, not counting the judge's requests for 1 test/m,
    )
    expect(stdout).toMatch(/^At standard prices: \$[\d.]+ to \$[\d.]+\.$/m)
    expect(stdout).toMatch(/Nothing was submitted or billed\.\n$/)
    expect(code).toBe(0)
  })

  it('counts with count_tokens where the key and base URL point, and submits nothing', async () => {
    write('suite.yml', SUITE)
    const before = emulator.calls.length
    const { code, stdout } = await cli(['estimate', 'suite.yml', '--anthropic-base-url', emulator.url], {
      ANTHROPIC_API_KEY: 'sk-ant-cli-test-key',
    })
    const calls = emulator.calls.slice(before).map((call) => `${call.method} ${call.path}`)
    expect(calls).toEqual(['POST /v1/messages/count_tokens', 'POST /v1/messages/count_tokens'])
    expect(stdout).toContain('\nEstimated cost at batch prices (input tokens by count_tokens): $')
    expect(code).toBe(0)
  })

  it('says count_tokens could not be reached, and where, when it falls back', async () => {
    write('suite.yml', SUITE)
    emulator.setCountTokensUnavailable(true)
    try {
      const { stdout } = await cli(['estimate', 'suite.yml'], {
        ANTHROPIC_API_KEY: 'sk-ant-cli-test-key',
        ANTHROPIC_BASE_URL: emulator.url,
      })
      expect(stdout).toMatch(
        /^Estimated cost at batch prices \(input tokens by heuristic .*because count_tokens failed: 404 /m,
      )
      expect(stdout).toContain(`count_tokens was asked at ${emulator.url}.`)
    } finally {
      emulator.setCountTokensUnavailable(false)
    }
  })

  it('checks --max-cost against the worst case, and exits 1 when the action would submit nothing', async () => {
    write('suite.yml', SUITE)
    expect(await cli(['estimate', 'suite.yml', '--max-cost', '100'])).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('Budget (max-cost): $100; the worst case is within it.'),
    })
    expect(await cli(['estimate', 'suite.yml', '--max-cost', '0.000001'])).toMatchObject({
      code: 1,
      stdout: expect.stringContaining(
        'Budget (max-cost): $0.000001; the worst case is over it: the action would submit nothing.',
      ),
    })
    write('unpriced.yml', SUITE.replace('claude-haiku-4-5', 'claude-unpriced-9'))
    expect(await cli(['estimate', 'unpriced.yml', '--max-cost', '100'])).toMatchObject({
      code: 1,
      stdout: expect.stringContaining(
        'Budget (max-cost): $100; not checkable: the cost of the unpriced requests',
      ),
    })
  })
})
