import { rmSync } from 'node:fs'
import { gradeTest } from '../../../src/grading/graders/index.js'
import { inlineModule, pythonGrader } from '../../../src/grading/graders/python.js'
import { pythonEnvironment } from '../../../src/grading/graders/python-process.js'
import type { CompiledAssertion } from '../../../src/model.js'
import { FileRefusedError } from '../../../src/suite/file-refs.js'
import { BASE_DIR, compileError, grade, gradingInput, io, tempDir } from './fixtures.js'

const dirs: string[] = []
function dir(files: Record<string, string>): string {
  const made = tempDir(files)
  dirs.push(made)
  return made
}
afterAll(() => {
  for (const made of dirs) rmSync(made, { recursive: true, force: true })
})

/**
 * A python grader of its own (its own python3, started on its first call), made with other options (another
 * command, a short time limit): grades outputs with Python code, one call at a time or several at once.
 */
function graderWith(options: { command: string; timeoutMs: number }) {
  const grader = pythonGrader(options)
  return async (value: string, output = 'Paris') => {
    const check = await grader.compile({
      type: 'python',
      base: 'python',
      negate: false,
      value,
      threshold: undefined,
      config: undefined,
      extra: {},
      baseDir: BASE_DIR,
      io,
    })
    const assertion: CompiledAssertion = {
      type: 'python',
      value,
      weight: 1,
      internals: { negate: false, readsOutput: true, check } as CompiledAssertion['internals'],
    }
    return (await gradeTest([assertion], gradingInput(output))).results[0]
  }
}

describe('python', () => {
  it('runs an inline expression of output and context', async () => {
    expect(await grade({ type: 'python', value: "'Paris' in output" }, 'It is Paris.')).toMatchObject({
      pass: true,
      score: 1,
      reason: `"'Paris' in output" returned true`,
    })
    const context = "context['vars']['city'] == 'Paris' and context['prompt'].startswith('What')"
    expect((await grade({ type: 'python', value: context }, 'x')).pass).toBe(true)
    expect((await grade({ type: 'python', value: 'len(output) < 3' }, 'Paris')).pass).toBe(false)
  })

  it('runs a multi-line body that returns, and reads a number and a dict as promptfoo does', async () => {
    const body = 'words = output.split()\nif not words:\n    return 0\nreturn len(words) / 10'
    expect(await grade({ type: 'python', value: body }, 'one two three')).toMatchObject({
      pass: true,
      score: 0.3,
    })
    expect((await grade({ type: 'python', value: body, threshold: 0.5 }, 'one two three')).pass).toBe(false)
    const dict = "return {'pass': 'Paris' in output, 'score': 0.9, 'reason': 'named the capital'}"
    // One line that returns is a body (promptfoo would return 'return ...', a syntax error).
    expect(await grade({ type: 'python', value: dict }, 'Paris')).toMatchObject({
      pass: true,
      score: 0.9,
      reason: 'named the capital',
    })
    // promptfoo applies the threshold to a dict's score too, unlike javascript's.
    expect(await grade({ type: 'python', value: dict, threshold: 0.95 }, 'Paris')).toMatchObject({
      pass: false,
      reason: 'python score 0.90 < threshold 0.95: named the capital',
    })
    const missing = await grade({ type: 'python', value: 'x = 1\nx += 1' }, 'Paris')
    expect(missing).toMatchObject({ pass: false, errored: true })
    expect(missing.reason).toContain('(a multi-line value is a function body: end it with return)')
  })

  it.each([
    ["'true'", true, 1],
    ["'FALSE'", false, 0],
    ["'0.7'", true, 0.7],
    ['\'{"pass": true, "score": 0.6}\'', true, 0.6],
    ["{'pass_': False, 'score': 0.2, 'reason': 'dataclass spelling'}", false, 0.2],
  ])('reads %s as promptfoo does', async (value, pass, score) => {
    expect(await grade({ type: 'python', value }, 'Paris')).toMatchObject({ pass, score })
  })

  it('calls get_assert of a file, or the function it names, with the transformed output and config', async () => {
    const folder = dir({
      'check.py': [
        'from helper import WANTED',
        'def get_assert(output, context):',
        "    return {'pass': output['city'] == WANTED, 'score': 1, 'reason': context['config']['why']}",
        'def short(output, context):',
        '    return len(output) < 10',
      ].join('\n'),
      'helper.py': "WANTED = 'Paris'\n",
    })
    const result = await grade(
      {
        type: 'python',
        value: 'file://check.py',
        transform: '({ city: output.trim() })',
        config: { why: 'from config' },
      },
      ' Paris ',
      {},
      folder,
    )
    expect(result).toMatchObject({ pass: true, reason: 'from config' })
    expect((await grade({ type: 'python', value: 'file://check.py:short' }, 'Paris', {}, folder)).pass).toBe(
      true,
    )
    const absent = await grade({ type: 'python', value: 'file://check.py:long' }, 'Paris', {}, folder)
    expect(absent).toMatchObject({ pass: false, errored: true })
    expect(absent.reason).toContain('defines no function long (it defines get_assert, short)')
  })

  it('makes an exception, a result it cannot read and a syntax error errored grades with the reason', async () => {
    const raised = await grade({ type: 'python', value: "raise ValueError('no answer')\nreturn 1" }, 'x')
    expect(raised).toMatchObject({ pass: false, errored: true })
    expect(raised.reason).toBe(
      `"raise ValueError('no answer') return 1" raised ValueError: no answer (line 2)`,
    )
    const notJson = await grade({ type: 'python', value: 'object()' }, 'x')
    expect(notJson).toMatchObject({ errored: true })
    expect(notJson.reason).toContain('which is not JSON')
    const syntax = await grade({ type: 'not-python', value: 'output ==' }, 'x')
    expect(syntax).toMatchObject({ pass: false, errored: true })
    expect(syntax.reason).toMatch(/raised SyntaxError: /)
    expect((await grade({ type: 'python', value: "'word'" }, 'x')).reason).toBe(
      `"'word'" returned "word"; return a boolean, a number or {pass, score, reason}`,
    )
  })

  it('prints go to stderr, not into the answer', async () => {
    const result = await grade({ type: 'python', value: "print('{not json')\nreturn True" }, 'x')
    expect(result).toMatchObject({ pass: true })
  })

  it('runs with no secret in its environment', async () => {
    const env = pythonEnvironment({
      PATH: '/usr/bin',
      HOME: '/home/runner',
      ANTHROPIC_API_KEY: 'sk-ant-secret',
      GITHUB_TOKEN: 'ghs_secret',
      INPUT_ANTHROPIC_API_KEY: 'sk-ant-secret',
      ACTIONS_RUNTIME_TOKEN: 'secret',
    })
    expect(env).toEqual({
      PATH: '/usr/bin',
      HOME: '/home/runner',
      PYTHONIOENCODING: 'utf-8',
      PYTHONDONTWRITEBYTECODE: '1',
    })
    const saved = process.env.ANTHROPIC_API_KEY
    process.env.ANTHROPIC_API_KEY = 'sk-ant-test-secret'
    try {
      const value = "import os\nreturn 'ANTHROPIC_API_KEY' not in os.environ and 'PATH' in os.environ"
      expect((await graderWith({ command: 'python3', timeoutMs: 60_000 })(value)).pass).toBe(true)
    } finally {
      if (saved === undefined) delete process.env.ANTHROPIC_API_KEY
      else process.env.ANTHROPIC_API_KEY = saved
    }
  })

  it('without python3, or past its time limit, is an errored grade for that test with the reason', async () => {
    const missing = await graderWith({ command: 'python3-not-installed', timeoutMs: 60_000 })('True')
    expect(missing).toMatchObject({
      pass: false,
      errored: true,
      reason:
        '"True" could not run: python3-not-installed was not found on the runner\'s PATH; python assertions need Python 3 (add actions/setup-python before this step)',
    })
    const endless = await graderWith({ command: 'python3', timeoutMs: 300 })('while True:\n    pass')
    expect(endless).toMatchObject({ pass: false, errored: true })
    expect(endless.reason).toBe('"while True: pass" could not run: the code did not finish within 0.3 s')
  })

  it('answers calls made at once each with its own output, in one python3 kept for the run', async () => {
    const python = graderWith({ command: 'python3', timeoutMs: 60_000 })
    const outputs = ['Paris', 'Lyon', 'Nice', 'Lille', 'Metz']
    const results = await Promise.all(
      outputs.map((output) => python("return {'pass': True, 'score': 1, 'reason': output}", output)),
    )
    expect(results.map((result) => result.reason)).toEqual(outputs)
    const pids = await Promise.all([python('__import__("os").getpid()'), python('__import__("os").getpid()')])
    expect(pids[0].reason).toBe(pids[1].reason)
  })

  it("runs a file's module once, as an import would: its globals last from one output to the next", async () => {
    const folder = dir({
      'count.py':
        'calls = 0\ndef get_assert(output, context):\n    global calls\n    calls += 1\n    return calls\n',
    })
    const first = await grade({ type: 'python', value: 'file://count.py' }, 'a', {}, folder)
    const second = await grade({ type: 'python', value: 'file://count.py' }, 'b', {}, folder)
    expect([first.score, second.score]).toEqual([1, 1])
    expect([first.reason, second.reason]).toEqual([
      'file://count.py returned 1',
      'file://count.py returned 2',
    ])
  })

  it('makes code that ends python3 or reads stdin an errored grade, and the next call still runs', async () => {
    const python = graderWith({ command: 'python3', timeoutMs: 60_000 })
    const exited = await python("import os, sys\nprint('bye', file=sys.stderr)\nos._exit(3)")
    expect(exited).toMatchObject({ pass: false, errored: true })
    expect(exited.reason).toMatch(/could not run: python3 exited with code 3 without an answer: bye$/)
    const reads = await python('input()')
    expect(reads).toMatchObject({ errored: true })
    expect(reads.reason).toBe('"input()" raised EOFError: EOF when reading a line (line 2)')
    // The next call gets a python3 of its own.
    expect((await python("output == 'Paris'")).pass).toBe(true)
  })

  it('reads a file only inside the workspace and allowed paths, as every file:// is', async () => {
    const refusing = {
      ...io,
      readText: (file: string): string => {
        throw new FileRefusedError(file, '/elsewhere/secret.py', 'outside')
      },
    }
    const grader = pythonGrader({ command: 'python3', timeoutMs: 1000 })
    await expect(
      (async () =>
        grader.compile({
          type: 'python',
          base: 'python',
          negate: false,
          value: 'file://../secret.py',
          threshold: undefined,
          config: undefined,
          extra: {},
          baseDir: BASE_DIR,
          io: refusing,
        }))(),
    ).rejects.toThrow(
      "file://../secret.py resolves to /elsewhere/secret.py, outside the workspace and the 'allowed-paths' directories",
    )
  })

  it('refuses a value that is not Python or a .py file when the suite loads', async () => {
    expect(await compileError({ type: 'python', value: 'file://check.js' })).toMatchObject({
      key: 'value',
      message:
        'file://check.js is not a Python file: give file://check.py (which defines get_assert) or file://check.py:function_name',
    })
    expect((await compileError({ type: 'python', value: 'file://absent.py' })).message).toMatch(
      /^cannot read .*absent\.py: no such file$/,
    )
    expect((await compileError({ type: 'python' })).message).toMatch(/^python needs a 'value': Python/)
  })
})

describe('inlineModule', () => {
  it('returns a one-line expression, and indents a body by its own first indentation', () => {
    expect(inlineModule('len(output) > 3')).toBe('def main(output, context):\n    return len(output) > 3\n')
    expect(inlineModule('if output:\n\treturn 1\nreturn 0')).toBe(
      'def main(output, context):\n\tif output:\n\t\treturn 1\n\treturn 0\n',
    )
  })
})
