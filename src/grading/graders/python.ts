/**
 * promptfoo's python assertion: Python code decides, as an inline expression of `output` and `context`, a
 * multi-line function body that returns, or `file://check.py` (its `get_assert(output, context)`, or the
 * function `file://check.py:name` names). It returns a bool, a number or a {pass, score, reason} dict, read as
 * the javascript assertion's result is, but that a dict's score below the `threshold` fails, as in promptfoo.
 * The code runs in a child python3 that the grader keeps for the run (python-process.ts).
 */
import path from 'node:path'
import { isFileRef } from '../../suite/file-refs.js'
import type { GraderDefinition } from './grader.js'
import { interpret } from './javascript.js'
import { PythonRunner, type PythonOptions } from './python-process.js'
import { AssertionCompileError, type Finding, type Subject } from './types.js'
import { fixed, oneLine, readFileOnce, show, textValue } from './values.js'

const PYTHON_TIMEOUT_MS = 60_000
const INLINE_FILENAME = '<python assertion>'

/**
 * promptfoo's wrapping of inline code: one line is returned; a body is indented as its own lines are. One line
 * that is a return statement is a body (promptfoo would make it `return return ...`, a syntax error).
 */
export function inlineModule(code: string): string {
  if (!code.includes('\n')) {
    const line = code.trim()
    return `def main(output, context):\n    ${/^return\b/.test(line) ? line : `return ${line}`}\n`
  }
  const indent = /^(?!\s*$)[ \t]+/m.exec(code)?.[0] ?? '    '
  const body = code
    .split('\n')
    .map((line) => indent + line)
    .join('\n')
  return `def main(output, context):\n${body}\n`
}

/** `file://check.py` or `file://check.py:function_name`. */
function parsePythonRef(ref: string, baseDir: string): { file: string; functionName: string } {
  const match = /^file:\/\/(.+?\.py)(?::([A-Za-z_]\w*))?$/.exec(ref.trim())
  if (!match) {
    throw new AssertionCompileError(
      `${ref} is not a Python file: give file://check.py (which defines get_assert) or file://check.py:function_name`,
      'value',
    )
  }
  return { file: path.resolve(baseDir, match[1]), functionName: match[2] ?? 'get_assert' }
}

/**
 * promptfoo's reading of what Python returned, before the javascript assertion's rules: "true"/"false" are
 * booleans, a string that starts with { is a JSON dict, another string a number; a dict's `pass_` (Python's
 * spelling of a keyword) is its pass; None is no result.
 */
function fromPython(result: unknown): unknown {
  if (typeof result === 'string') {
    const text = result.trim()
    if (/^true$/i.test(text)) return true
    if (/^false$/i.test(text)) return false
    if (text.startsWith('{')) {
      try {
        return fromPython(JSON.parse(text))
      } catch {
        return result
      }
    }
    const number = Number.parseFloat(text)
    return Number.isNaN(number) ? result : number
  }
  if (result !== null && typeof result === 'object' && !Array.isArray(result)) {
    const dict = result as Record<string, unknown>
    if (dict.pass === undefined && dict.pass_ !== undefined) return { ...dict, pass: dict.pass_ }
  }
  return result ?? undefined
}

export function pythonGrader(options: PythonOptions): GraderDefinition {
  const runner = new PythonRunner(options)
  return {
    value: 'required',
    valueHelp:
      'Python: an expression of output and context (e.g. len(output) < 100), a multi-line function body ' +
      'that returns, or file://check.py[:function_name]',
    threshold: {
      kind: 'number',
      help:
        'the lowest returned number (or score of a returned {pass, score, reason}) that passes; without it, ' +
        'a number passes when > 0',
    },
    readsOutput: true,
    takesConfig: true,
    compile(c) {
      const code = textValue(c, c.value, 'Python code or file://check.py')
      const fromFile = isFileRef(code.trim())
      let source: string
      let filename: string
      let functionName: string
      if (fromFile) {
        const ref = parsePythonRef(code, c.baseDir)
        source = readFileOnce(c.io, ref.file, 'value', code.trim())
        filename = ref.file
        functionName = ref.functionName
      } else {
        source = inlineModule(code.trimEnd())
        filename = INLINE_FILENAME
        functionName = 'main'
      }
      const label = fromFile ? code.trim() : show(oneLine(code), 60)
      const script = { label, isBody: !fromFile && code.trimEnd().includes('\n') }
      const { config, threshold } = c
      return async (subject: Subject): Promise<Finding> => {
        const context = subject.scriptContext()
        if (config !== undefined) context.config = config
        const outcome = await runner.run({ source, filename, functionName, output: subject.output, context })
        if ('failed' in outcome) return errored(`${label} could not run: ${outcome.failed}`)
        if ('raised' in outcome) return errored(`${label} raised ${oneLine(outcome.raised, 300)}`)
        const result = fromPython(outcome.result)
        const finding = interpret(result, script, threshold)
        const score = (result as { score?: unknown } | undefined)?.score
        if (
          !finding.error &&
          threshold !== undefined &&
          typeof result === 'object' &&
          typeof score === 'number' &&
          score < threshold
        ) {
          return {
            pass: false,
            score: finding.score,
            reason: `python score ${fixed(score)} < threshold ${threshold}: ${finding.reason}`,
          }
        }
        return finding
      }
    },
  }
}

function errored(reason: string): Finding {
  return { pass: false, score: 0, reason, error: true }
}

export const PYTHON_GRADERS: Record<string, GraderDefinition> = {
  python: pythonGrader({ command: 'python3', timeoutMs: PYTHON_TIMEOUT_MS }),
}
