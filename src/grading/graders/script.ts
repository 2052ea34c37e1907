/**
 * JavaScript written in a suite, as promptfoo runs it: an inline expression (`output.length < 100`), a
 * multi-line function body (with its own `return`), or `file://module.js[:functionName]`. Either way the
 * code is called as (output, context) and may return a Promise.
 */
import { isFileRef } from '../../suite/file-refs.js'
import { importFunction, isErrorLike, oneLine, show } from './values.js'
import { AssertionCompileError, type GraderIO } from './types.js'

export type ScriptFunction = (output: unknown, context: unknown) => Promise<unknown>

export interface CompiledScript {
  /** How reasons name the code: the inline source (shortened) or the file reference. */
  label: string
  /** True for a multi-line inline body, which must `return` its result itself. */
  isBody: boolean
  run: ScriptFunction
}

const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor as new (
  ...args: string[]
) => (...args: unknown[]) => Promise<unknown>

/**
 * promptfoo's rule: a multi-line value is a function body, used as written; a single line is an expression,
 * returned. A single line that starts with a declaration (`const s = JSON.parse(output).score; s > 0.5`)
 * returns its last statement.
 */
export function functionBody(code: string): string {
  if (code.includes('\n')) return code
  const trimmed = code.trim().replace(/;+\s*$/, '')
  if (/^(?:const|let|var)\s/.test(trimmed)) {
    const semicolon = lastTopLevelSemicolon(trimmed)
    if (semicolon !== -1 && trimmed.slice(semicolon + 1).trim() !== '') {
      return `${trimmed.slice(0, semicolon + 1)} return ${trimmed.slice(semicolon + 1).trim()}`
    }
    return trimmed
  }
  return `return ${trimmed}`
}

/** The index of the last `;` outside strings, template literals, comments and brackets, or -1. */
function lastTopLevelSemicolon(code: string): number {
  let depth = 0
  let last = -1
  for (let i = 0; i < code.length; i++) {
    const char = code[i]
    if (char === '"' || char === "'" || char === '`') {
      for (i++; i < code.length && code[i] !== char; i++) if (code[i] === '\\') i++
    } else if (char === '/' && code[i + 1] === '/') {
      break
    } else if (char === '/' && code[i + 1] === '*') {
      const end = code.indexOf('*/', i + 2)
      i = end === -1 ? code.length : end + 1
    } else if (char === '(' || char === '[' || char === '{') depth++
    else if (char === ')' || char === ']' || char === '}') depth--
    else if (char === ';' && depth === 0) last = i
  }
  return last
}

/** Compiles inline code now (a syntax error is the author's to fix before anything runs), or imports the file. */
export async function compileScript(
  source: unknown,
  baseDir: string,
  io: GraderIO,
  key: string,
  what: string,
): Promise<CompiledScript> {
  if (typeof source !== 'string' || source.trim() === '') {
    throw new AssertionCompileError(
      `${what} needs JavaScript: an expression such as output.trim(), a multi-line function body, ` +
        'or file://module.js[:functionName]',
      key,
    )
  }
  const code = source.trimEnd()
  if (isFileRef(source)) {
    const fn = await importFunction(source.trim(), baseDir, io, key)
    return { label: source.trim(), isBody: false, run: async (output, context) => fn(output, context) }
  }
  let fn: (...args: unknown[]) => Promise<unknown>
  try {
    fn = new AsyncFunction('output', 'context', functionBody(code))
  } catch (error) {
    throw new AssertionCompileError(
      `${what} is not valid JavaScript: ${(error as Error).message} (in ${show(oneLine(code), 60)})`,
      key,
    )
  }
  return {
    label: show(oneLine(code), 60),
    isBody: code.includes('\n'),
    run: (output, context) => fn(output, context),
  }
}

/** An error as a reason shows it: `TypeError: x is not a function`. */
export function describeError(error: unknown): string {
  if (isErrorLike(error)) return oneLine(`${error.name ?? 'Error'}: ${error.message}`, 300)
  return oneLine(`${typeof error === 'string' ? error : show(error)}`, 300)
}
