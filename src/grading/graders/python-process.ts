/**
 * Runs Python grading functions in a child `python3` that a grader keeps while the run lasts, one call at a
 * time: no shell, each call and its arguments a JSON line on the child's stdin (nothing is put into argv or a
 * command line), an environment with no secrets in it, and a time limit per call, after which the child is
 * killed and the next call starts another. Whatever the code prints goes to stderr; each answer is a JSON line
 * on stdout. An idle child does not keep the action's process alive, and ends when its stdin closes.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'

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

/** The most of one answer kept: a grading result is small, and a runaway print loop goes to stderr anyway. */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024
const STDERR_TAIL = 2000

/**
 * The child's loop: per line of stdin, runs the call's source as a module named after its file (once per
 * source, as an import would: its globals last while the child does), calls the function, and writes
 * {"result": ...} or {"raised": "ValueError: ..."} as a line to the real stdout. Dataclasses, objects with
 * __dict__ and numpy-style scalars (.item()) become JSON; NaN is refused (JSON has none). The code reads an
 * empty stdin.
 */
const WORKER = String.raw`
import dataclasses, json, os, sys, traceback
def plain(value):
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if callable(getattr(value, "item", None)):
        return value.item()
    if hasattr(value, "__dict__"):
        return vars(value)
    raise TypeError("the result holds a %s, which is not JSON" % type(value).__name__)
modules = {}
def module(filename, source):
    key = (filename, source)
    if key not in modules:
        if os.path.isabs(filename) and os.path.dirname(filename) not in sys.path:
            sys.path.insert(0, os.path.dirname(filename))
        name = os.path.splitext(os.path.basename(filename))[0] or "grader"
        namespace = {"__name__": name, "__file__": filename}
        exec(compile(source, filename, "exec"), namespace)
        modules[key] = namespace
    return modules[key]
def grade(call):
    filename = call["filename"]
    try:
        namespace = module(filename, call["source"])
        name = namespace["__name__"]
        function = namespace.get(call["function"])
        if not callable(function):
            defined = sorted(k for k, v in namespace.items() if callable(v) and not k.startswith("_") and getattr(v, "__module__", None) == name)
            raise LookupError("%s defines no function %s (it defines %s)" % (filename, call["function"], ", ".join(defined) or "none"))
        return json.dumps({"result": function(call["output"], call["context"])}, default=plain, allow_nan=False)
    except BaseException as error:
        frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == filename]
        where = " (line %d)" % frames[-1].lineno if frames else ""
        return json.dumps({"raised": "%s: %s%s" % (type(error).__name__, error, where)})
def main():
    calls, answers = sys.stdin.buffer, sys.stdout
    sys.stdin, sys.stdout = open(os.devnull), sys.stderr
    for line in calls:
        answers.write(grade(json.loads(line.decode("utf-8"))) + "\n")
        answers.flush()
main()
`

function cannotStart(command: string, error: NodeJS.ErrnoException): string {
  return error.code === 'ENOENT'
    ? `${command} was not found on the runner's PATH; python assertions need Python 3 ` +
        '(add actions/setup-python before this step)'
    : `${command} could not be started: ${error.message}`
}

function answerOf(line: string): PythonOutcome {
  let parsed: unknown
  try {
    parsed = JSON.parse(line)
  } catch {
    return { failed: `python3 answered ${JSON.stringify(line.slice(0, 80))}, which is not JSON` }
  }
  const { result, raised } = parsed as { result?: unknown; raised?: string }
  return raised !== undefined ? { raised } : { result }
}

type Handle = { ref?(): void; unref?(): void }

/** One child python3 and the call it is answering. */
class Worker {
  /** Set once the child has exited or been killed: the runner starts another for the next call. */
  retired = false
  private readonly child: ChildProcessWithoutNullStreams
  private pending: { resolve(outcome: PythonOutcome): void; timer: NodeJS.Timeout } | undefined
  private partial: Buffer[] = []
  private partialBytes = 0
  private stderr = ''
  private startFailure: string | undefined

  constructor(private readonly options: PythonOptions) {
    this.child = spawn(options.command, ['-c', WORKER], {
      env: pythonEnvironment(),
      stdio: ['pipe', 'pipe', 'pipe'],
      windowsHide: true,
    })
    this.child.stdout.on('data', (chunk: Buffer) => this.read(chunk))
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-STDERR_TAIL)
    })
    // The child may exit before reading its stdin (no Python behind a shim): 'close' tells why.
    this.child.stdin.on('error', () => {})
    this.child.on('error', (error: NodeJS.ErrnoException) => {
      this.startFailure ??= cannotStart(options.command, error)
      // A process that could not start may not emit 'close'.
      if (this.child.pid === undefined) this.end({ failed: this.startFailure })
    })
    this.child.on('close', (code, signal) => {
      const said = this.stderr.trim().split('\n').pop() ?? ''
      const exit = signal ? `was ended by ${signal}` : `exited with code ${code}`
      const why =
        this.startFailure ?? `${options.command} ${exit} without an answer${said ? `: ${said}` : ''}`
      this.end({ failed: why })
    })
    this.hold(false)
  }

  ask(call: PythonCall): Promise<PythonOutcome> {
    if (this.retired) return Promise.resolve({ failed: this.startFailure ?? 'python3 has exited' })
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.end({ failed: `the code did not finish within ${this.options.timeoutMs / 1000} s` })
      }, this.options.timeoutMs)
      this.pending = { resolve, timer }
      this.hold(true)
      this.child.stdin.write(`${JSON.stringify({ ...call, function: call.functionName })}\n`)
    })
  }

  private read(chunk: Buffer): void {
    let start = 0
    for (let end = chunk.indexOf(10); end !== -1; end = chunk.indexOf(10, start)) {
      this.partial.push(chunk.subarray(start, end))
      const line = Buffer.concat(this.partial).toString('utf8')
      this.partial = []
      this.partialBytes = 0
      start = end + 1
      this.settle(answerOf(line))
    }
    if (start < chunk.length) {
      this.partial.push(chunk.subarray(start))
      this.partialBytes += chunk.length - start
      if (this.partialBytes > MAX_ANSWER_BYTES) {
        this.end({ failed: `its answer passed ${MAX_ANSWER_BYTES / 1024 / 1024} MB` })
      }
    }
  }

  private settle(outcome: PythonOutcome): void {
    const pending = this.pending
    if (!pending) return
    this.pending = undefined
    clearTimeout(pending.timer)
    if (!this.retired) this.hold(false)
    pending.resolve(outcome)
  }

  /** Kills the child (if it still runs) and answers the pending call with why. */
  private end(outcome: PythonOutcome): void {
    if (!this.retired) {
      this.retired = true
      this.child.kill('SIGKILL')
    }
    this.settle(outcome)
  }

  /** Lets an idle child and its pipes leave the event loop free to end the action's process. */
  private hold(busy: boolean): void {
    for (const handle of [this.child, this.child.stdin, this.child.stdout, this.child.stderr] as Handle[]) {
      if (busy) handle.ref?.()
      else handle.unref?.()
    }
  }
}

/** Runs calls one after another in a child python3, started on the first call and again after one dies. */
export class PythonRunner {
  private worker: Worker | undefined
  private queue: Promise<unknown> = Promise.resolve()

  constructor(private readonly options: PythonOptions) {}

  run(call: PythonCall): Promise<PythonOutcome> {
    const outcome = this.queue.then(() => {
      if (!this.worker || this.worker.retired) this.worker = new Worker(this.options)
      return this.worker.ask(call)
    })
    this.queue = outcome.catch(() => undefined)
    return outcome
  }
}
