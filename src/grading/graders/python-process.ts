/**
 * Runs a Python grading function in a child `python3`: no shell, the code and its arguments on stdin as JSON
 * (nothing is put into argv or a command line), an environment with no secrets in it, and a time limit.
 * Whatever the code prints goes to stderr; the one JSON answer goes to stdout.
 */
import { spawn } from 'node:child_process'

/** Where the code comes from and which function of it to call with (output, context). */
export interface PythonCall {
  /** The module's source. */
  source: string
  /** The file the source was read from (its folder is put first on sys.path), or a label for inline code. */
  filename: string
  functionName: string
  output: unknown
  context: unknown
}

export interface PythonOptions {
  /** The interpreter to run (`python3`, looked up on PATH). */
  command: string
  timeoutMs: number
}

/** The function's return value, or why there is none (an exception in the code, or no Python to run it). */
export type PythonOutcome = { result: unknown } | { raised: string } | { failed: string }

/**
 * The variables the child sees: what locates Python and its packages (a setup-python step's, a venv's,
 * pyenv's) and the locale. Nothing else of the action's environment (ANTHROPIC_API_KEY, GITHUB_TOKEN, INPUT_*,
 * ACTIONS_RUNTIME_TOKEN...) is passed.
 */
const PASSED_VARIABLES = [
  'PATH',
  'HOME',
  'LANG',
  'LANGUAGE',
  'LC_ALL',
  'LC_CTYPE',
  'TZ',
  'TMPDIR',
  'TEMP',
  'TMP',
  'SYSTEMROOT',
  'LD_LIBRARY_PATH',
  'pythonLocation',
  'PYTHONPATH',
  'PYTHONHOME',
  'VIRTUAL_ENV',
  'CONDA_PREFIX',
  'PYENV_ROOT',
  'PYENV_VERSION',
]

export function pythonEnvironment(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const passed: NodeJS.ProcessEnv = { PYTHONIOENCODING: 'utf-8', PYTHONDONTWRITEBYTECODE: '1' }
  for (const name of PASSED_VARIABLES) if (env[name] !== undefined) passed[name] = env[name]
  return passed
}

/** The most of stdout kept: a grading result is small, and a runaway print loop goes to stderr anyway. */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024
const STDERR_TAIL = 2000

/**
 * The runner: reads the call from stdin, runs the module's source as a module named after its file, calls
 * the function, and writes {"result": ...} or {"raised": "ValueError: ..."} to the real stdout. Dataclasses,
 * objects with __dict__ and numpy-style scalars (.item()) become JSON; NaN is refused (JSON has none).
 */
const RUNNER = String.raw`
import dataclasses, json, os, sys, traceback
def plain(value):
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if callable(getattr(value, "item", None)):
        return value.item()
    if hasattr(value, "__dict__"):
        return vars(value)
    raise TypeError("the result holds a %s, which is not JSON" % type(value).__name__)
def main():
    call = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    answer_to = sys.stdout
    sys.stdout = sys.stderr
    filename = call["filename"]
    try:
        if os.path.isabs(filename):
            sys.path.insert(0, os.path.dirname(filename))
        name = os.path.splitext(os.path.basename(filename))[0] or "grader"
        namespace = {"__name__": name, "__file__": filename}
        exec(compile(call["source"], filename, "exec"), namespace)
        function = namespace.get(call["function"])
        if not callable(function):
            defined = sorted(k for k, v in namespace.items() if callable(v) and not k.startswith("_") and getattr(v, "__module__", None) == name)
            raise LookupError("%s defines no function %s (it defines %s)" % (filename, call["function"], ", ".join(defined) or "none"))
        answer = {"result": function(call["output"], call["context"])}
        text = json.dumps(answer, default=plain, allow_nan=False)
    except BaseException as error:
        frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == filename]
        where = " (line %d)" % frames[-1].lineno if frames else ""
        text = json.dumps({"raised": "%s: %s%s" % (type(error).__name__, error, where)})
    answer_to.write(text)
    answer_to.flush()
main()
`

function cannotStart(command: string, error: NodeJS.ErrnoException): string {
  return error.code === 'ENOENT'
    ? `${command} was not found on the runner's PATH; python assertions need Python 3 ` +
        '(add actions/setup-python before this step)'
    : `${command} could not be started: ${error.message}`
}

export function runPython(call: PythonCall, options: PythonOptions): Promise<PythonOutcome> {
  return new Promise((resolve) => {
    const child = spawn(options.command, ['-c', RUNNER], {
      env: pythonEnvironment(),
      stdio: ['pipe', 'pipe', 'pipe'],
      windowsHide: true,
    })
    const answer: Buffer[] = []
    let answerBytes = 0
    let stderr = ''
    let failure: string | undefined
    const timer = setTimeout(() => {
      failure ??= `the code did not finish within ${options.timeoutMs / 1000} s`
      child.kill('SIGKILL')
    }, options.timeoutMs)
    child.stdout.on('data', (chunk: Buffer) => {
      answerBytes += chunk.length
      if (answerBytes <= MAX_ANSWER_BYTES) answer.push(chunk)
      else if (failure === undefined) {
        failure = `its answer passed ${MAX_ANSWER_BYTES / 1024 / 1024} MB`
        child.kill('SIGKILL')
      }
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_TAIL)
    })
    child.on('error', (error: NodeJS.ErrnoException) => {
      // A process that could not start may not emit 'close'.
      if (child.pid === undefined) {
        clearTimeout(timer)
        resolve({ failed: cannotStart(options.command, error) })
      }
      failure ??= cannotStart(options.command, error)
    })
    // The child may exit before reading stdin (no Python behind a shim): that EPIPE is told by 'close'.
    child.stdin.on('error', () => {})
    child.stdin.end(JSON.stringify({ ...call, function: call.functionName }))
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      if (failure !== undefined) return resolve({ failed: failure })
      const text = Buffer.concat(answer).toString('utf8')
      let parsed: unknown
      try {
        parsed = JSON.parse(text)
      } catch {
        const said = stderr.trim().split('\n').pop() ?? ''
        const exit = signal ? `was ended by ${signal}` : `exited with code ${code}`
        return resolve({ failed: `${options.command} ${exit} without an answer${said ? `: ${said}` : ''}` })
      }
      const { result, raised } = parsed as { result?: unknown; raised?: string }
      resolve(raised !== undefined ? { raised } : { result })
    })
  })
}
