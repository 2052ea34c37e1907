/** Assertion values: `file://` references, lists, and how a value is shown in a reason. */
import path from 'node:path'
import { parse as parseYaml } from 'yaml'
import { cut } from '../../common/cut-text.js'
import { FileRefusedError, isFileRef } from '../../suite/file-refs.js'
import { AssertionCompileError, type GraderIO } from './types.js'

/** What a grader's compile step gets: the assertion as written, checked for the common keys. */
export interface CompileContext {
  /** The type as written, e.g. `not-contains`. */
  type: string
  /** Without the not- prefix. */
  base: string
  negate: boolean
  /** The value as written. */
  value: unknown
  threshold: number | undefined
  config: unknown
  /** The values of the grader's extraKeys, as written (absent when not written). */
  extra: Record<string, unknown>
  baseDir: string
  io: GraderIO
}

/** As suite/file-refs.ts's isFileRef recognises a reference. */
const FILE_PREFIX = 'file://'
const SCRIPT_EXTENSIONS = /\.(?:js|cjs|mjs)$/i

/**
 * `file://path`, or `file://path.js:functionName` as promptfoo writes it: the part after the last colon
 * names an export only when what precedes it is a script (so `C:\x.txt` and `a:b/c.json` stay paths).
 */
export function parseFileRef(
  ref: string,
  baseDir: string,
): { path: string; functionName: string | undefined } {
  const rest = ref.slice(FILE_PREFIX.length)
  const colon = rest.lastIndexOf(':')
  if (colon > 1 && SCRIPT_EXTENSIONS.test(rest.slice(0, colon))) {
    return {
      path: path.resolve(baseDir, rest.slice(0, colon)),
      functionName: rest.slice(colon + 1) || undefined,
    }
  }
  return { path: path.resolve(baseDir, rest), functionName: undefined }
}

export function isScriptPath(file: string): boolean {
  return SCRIPT_EXTENSIONS.test(file)
}

const textCache = new WeakMap<GraderIO, Map<string, string>>()
const moduleCache = new WeakMap<GraderIO, Map<string, Promise<Record<string, unknown>>>>()

/**
 * Reads a file once per GraderIO (a suite's defaultTest compiles the same reference for every test). A file
 * the IO refuses is told of `ref`, the reference as written.
 */
export function readFileOnce(io: GraderIO, file: string, key = 'value', ref = file): string {
  let cache = textCache.get(io)
  if (!cache) textCache.set(io, (cache = new Map()))
  const cached = cache.get(file)
  if (cached !== undefined) return cached
  let text: string
  try {
    text = io.readText(file)
  } catch (error) {
    if (error instanceof FileRefusedError) throw new AssertionCompileError(error.about(ref), key)
    const why = isErrorLike(error) && error.code === 'ENOENT' ? 'no such file' : messageOf(error)
    throw new AssertionCompileError(`cannot read ${file}: ${why}`, key)
  }
  cache.set(file, text)
  return text
}

/** Imports a module once per GraderIO; a module the IO refuses is told of `ref`, the reference as written. */
export async function importOnce(
  io: GraderIO,
  file: string,
  key = 'value',
  ref = file,
): Promise<Record<string, unknown>> {
  let cache = moduleCache.get(io)
  if (!cache) moduleCache.set(io, (cache = new Map()))
  let loading = cache.get(file)
  if (!loading) cache.set(file, (loading = io.importModule(file)))
  try {
    return await loading
  } catch (error) {
    cache.delete(file)
    if (error instanceof FileRefusedError) throw new AssertionCompileError(error.about(ref), key)
    throw new AssertionCompileError(`cannot import ${file}: ${messageOf(error)}`, key)
  }
}

/** The function a `file://module.js[:name]` reference designates: the named export, else the default export. */
export async function importFunction(
  ref: string,
  baseDir: string,
  io: GraderIO,
  key: string,
): Promise<(...args: unknown[]) => unknown> {
  const { path: file, functionName } = parseFileRef(ref, baseDir)
  if (!isScriptPath(file)) {
    throw new AssertionCompileError(
      `${ref} is not a JavaScript file: give a .js, .mjs or .cjs module that exports a function`,
      key,
    )
  }
  const exports = await importOnce(io, file, key, ref)
  const names = Object.keys(exports).filter((name) => name !== 'default')
  const listed = names.length > 0 ? `it exports ${names.join(', ')}` : 'it has no named exports'
  if (functionName !== undefined) {
    const fn = Object.prototype.hasOwnProperty.call(exports, functionName) ? exports[functionName] : undefined
    if (typeof fn !== 'function') {
      throw new AssertionCompileError(`${file} exports no function named '${functionName}' (${listed})`, key)
    }
    return fn as (...args: unknown[]) => unknown
  }
  const fallback = exports.default
  if (typeof fallback === 'function') return fallback as (...args: unknown[]) => unknown
  throw new AssertionCompileError(
    `${file} has no default export that is a function (${listed}); ` +
      `export one, or name the function: ${ref}:functionName`,
    key,
  )
}

/**
 * A data file as promptfoo reads one: .json, .yaml and .yml are parsed, .txt is trimmed text. A script
 * there is refused: only `javascript` runs code.
 */
export function loadDataFile(ref: string, baseDir: string, io: GraderIO, key = 'value'): unknown {
  const { path: file } = parseFileRef(ref, baseDir)
  const extension = path.extname(file).toLowerCase()
  if (isScriptPath(file)) {
    throw new AssertionCompileError(
      `${ref}: only a javascript assertion runs a script; give the value itself, or a .txt, .json or .yaml file`,
      key,
    )
  }
  const text = readFileOnce(io, file, key, ref)
  if (extension === '.txt') return text.trim()
  if (extension === '.json' || extension === '.yaml' || extension === '.yml') {
    try {
      return extension === '.json' ? JSON.parse(text) : parseYaml(text)
    } catch (error) {
      throw new AssertionCompileError(`${file} does not parse: ${oneLine(messageOf(error))}`, key)
    }
  }
  throw new AssertionCompileError(
    `${ref}: unsupported file type '${extension || '(none)'}'; use a .txt, .json, .yaml or .yml file`,
    key,
  )
}

/** The value with `file://` references (itself, or the items of a list) replaced by the files' contents. */
export function resolveDataValue(c: CompileContext): unknown {
  if (isFileRef(c.value)) return loadDataFile(c.value, c.baseDir, c.io)
  if (Array.isArray(c.value)) {
    return c.value.map((item: unknown) => (isFileRef(item) ? loadDataFile(item, c.baseDir, c.io) : item))
  }
  return c.value
}

/** A single text value (numbers and booleans as promptfoo writes them, e.g. `contains: 42`). */
export function textValue(c: CompileContext, value: unknown, what: string, allowEmpty = false): string {
  if (value === undefined || value === null) {
    throw new AssertionCompileError(`${c.type} needs a 'value': ${what}`, 'value')
  }
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
    throw new AssertionCompileError(`${c.type} needs a 'value' that is a string (${what})`, 'value')
  }
  const text = String(value)
  if (text === '' && !allowEmpty) {
    throw new AssertionCompileError(`${c.type} has an empty 'value'; give ${what}`, 'value')
  }
  return text
}

/** A list value: a YAML list, or a comma-separated string as promptfoo allows ("a, b", quotes keep commas). */
export function listValue(c: CompileContext, value: unknown, what: string): string[] {
  let items: unknown[]
  if (typeof value === 'string') {
    try {
      items = splitCommaSeparated(value)
    } catch (error) {
      throw new AssertionCompileError(`${c.type} has a malformed 'value': ${messageOf(error)}`, 'value')
    }
  } else if (Array.isArray(value)) {
    items = value
  } else if (value === undefined || value === null) {
    throw new AssertionCompileError(`${c.type} needs a 'value': ${what}`, 'value')
  } else {
    throw new AssertionCompileError(
      `${c.type} needs a 'value' that is a list (or a comma-separated string) of ${what}`,
      'value',
    )
  }
  const list = items.map((item) => {
    if (typeof item !== 'string' && typeof item !== 'number' && typeof item !== 'boolean') {
      throw new AssertionCompileError(
        `${c.type} needs a list of strings (${what}); got ${show(item)}`,
        'value',
      )
    }
    return String(item)
  })
  if (list.length === 0 || list.some((item) => item === '')) {
    throw new AssertionCompileError(`${c.type} needs a non-empty list of non-empty ${what}`, 'value')
  }
  return list
}

/**
 * promptfoo's comma-separated values: fields are trimmed, repeated commas are skipped, and a field in
 * double quotes keeps its commas and spaces ("" or \" for a quote inside).
 */
export function splitCommaSeparated(value: string): string[] {
  const fields: string[] = []
  let i = 0
  while (i < value.length) {
    while (i < value.length && (value[i] === ',' || /\s/.test(value[i]))) i++
    if (i >= value.length) break
    if (value[i] === '"') {
      let field = ''
      let closed = false
      i++
      while (i < value.length) {
        const char = value[i]
        if (char === '\\' && (value[i + 1] === '"' || value[i + 1] === '\\')) {
          field += value[i + 1]
          i += 2
        } else if (char === '"' && value[i + 1] === '"') {
          field += '"'
          i += 2
        } else if (char === '"') {
          closed = true
          i++
          break
        } else {
          field += char
          i++
        }
      }
      if (!closed) throw new Error('a quoted item has no closing quote')
      while (i < value.length && /\s/.test(value[i])) i++
      if (i < value.length && value[i] !== ',') throw new Error('a quoted item must be followed by a comma')
      fields.push(field)
    } else {
      const end = value.indexOf(',', i)
      const stop = end === -1 ? value.length : end
      fields.push(value.slice(i, stop).trim())
      i = stop
    }
  }
  return fields
}

/** A value as a reason shows it: JSON-quoted (so on one line), cut at `max` characters. */
export function show(value: unknown, max = 80): string {
  if (typeof value === 'string') {
    return JSON.stringify(cut(value, max))
  }
  const json = JSON.stringify(value) ?? String(value)
  return cut(json, max)
}

/** A list as a reason shows it: `"a", "b"`, cut after a few items. */
export function showList(items: readonly string[], max = 5): string {
  const shown = items.slice(0, max).map((item) => show(item, 40))
  return items.length > max ? `${shown.join(', ')} and ${items.length - max} more` : shown.join(', ')
}

export function messageOf(error: unknown): string {
  // Duck-typed: errors from another realm (a vm context, a worker) are not `instanceof Error` here.
  if (isErrorLike(error)) return error.message || error.name || 'error'
  return String(error)
}

export function isErrorLike(error: unknown): error is { name?: string; message: string; code?: unknown } {
  return (
    error !== null &&
    typeof error === 'object' &&
    typeof (error as { message?: unknown }).message === 'string'
  )
}

const LINE_BREAK = /[\r\n]/

/** Collapses whitespace runs with line breaks, so that a reason stays on one line. */
export function oneLine(text: string, max = 500): string {
  // The test first: most reasons have no line break, and the replace costs more than the test.
  const flat = (LINE_BREAK.test(text) ? text.replace(/\s*[\r\n]+\s*/g, ' ') : text).trim()
  return cut(flat, max)
}

/** A score as reasons show it. */
export function fixed(score: number, digits = 2): string {
  return score.toFixed(digits)
}
