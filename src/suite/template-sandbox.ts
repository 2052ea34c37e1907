/**
 * What keeps a suite's nunjucks templates to reading the data they are given. A suite may come from a pull
 * request, and plain nunjucks lets a template reach JavaScript: `{{ range.constructor("return process")() }}`
 * is the Function constructor, and its compiler writes some names into the code it generates unescaped, so
 * that `{{ x is "a\",code,\"" }}` runs `code`. Two guards:
 *
 * - Once per template text, refusedParts walks the parsed template and refuses what leads to code: reads of
 *   `constructor`, `__proto__`, `prototype` and friends, names that are not plain names, regular expression
 *   literals, include/import/extends.
 * - At run time, SANDBOX_RUNTIME replaces nunjucks' lookups, so that a key computed while rendering
 *   (`{% set k = "constr" ~ "uctor" %}{{ range[k] }}`) reaches only the own keys of plain data, a few string,
 *   array and number methods, and the vars and nunjucks' globals (range, cycler, joiner) by name.
 */
import nunjucks from 'nunjucks'
import { didYouMean } from '../common/did-you-mean.js'
import { UserError } from '../common/user-error.js'

/** A node of nunjucks' parse tree (nunjucks/src/nodes.js): its `fields` name its children. */
interface TemplateNode {
  readonly typename: string
  readonly fields: readonly string[]
  readonly lineno: number
  readonly colno: number
  readonly [field: string]: unknown
}

interface Frame {
  lookup(name: string): unknown
}

interface Context {
  ctx: Record<string, unknown>
  env: { globals: Record<string, unknown> }
}

type Runtime = Record<string, unknown> & {
  SafeString: new (value: string) => object
  callWrap(fn: unknown, name: string, context: Context, args: unknown[]): unknown
}

/** The parts of nunjucks that @types/nunjucks leaves out. */
const internals = nunjucks as unknown as {
  parser: { parse(source: string, extensions: unknown[], options: object): TemplateNode }
  nodes: { Node: abstract new (...args: never[]) => TemplateNode }
  runtime: Runtime
}

/**
 * A lookup or call refused while rendering: `what` the template does, then `why` it may not and what to
 * write instead. Its line is known only to nunjucks' error around it, hence `located`.
 */
export class TemplateRefusal extends UserError {
  constructor(
    readonly what: string,
    readonly why: string,
  ) {
    super(`${what}, ${why}`)
    this.name = 'TemplateRefusal'
  }

  located(line: number): string {
    return `${this.what} (template line ${line}), ${this.why}`
  }
}

/** Keys that lead from any value to JavaScript's prototypes, the Function constructor or the call stack. */
const CODE_KEYS = new Set([
  'constructor',
  '__proto__',
  'prototype',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
  'caller',
  'callee',
  'arguments',
])

/**
 * Names a template may not give or read by name. `caller` (the body of a `{% call %}`) and `arguments` (a
 * common var) are read from the vars, the template and the globals only, so they stay usable.
 */
const CODE_NAMES = new Set([...CODE_KEYS].filter((key) => key !== 'caller' && key !== 'arguments'))

/** Letters, digits, _ and $, not starting with a digit: what nunjucks may write into code as it is. */
const PLAIN_NAME = /^[\p{L}_$][\p{L}\p{Nd}_$]*$/u

const READ_OWN_KEYS =
  "templates read only the data in their vars; read a var's own keys, e.g. {{ item.name }}"

const show = (text: string) => JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)

/** Where a node is, for messages: a template is often many lines long. */
const at = (node: TemplateNode) => `(template line ${node.lineno + 1})`

function isNode(value: unknown): value is TemplateNode {
  return value instanceof internals.nodes.Node
}

function isStringLiteral(value: unknown): value is TemplateNode & { value: string } {
  return isNode(value) && value.typename === 'Literal' && typeof value.value === 'string'
}

/** The parsed template; throws nunjucks' own error, with its line, for a template that does not parse. */
export function parseTemplate(source: string, options: object): TemplateNode {
  return internals.parser.parse(source, [], options)
}

/**
 * Why a parsed template may not run, or undefined when it may. `filters` are the filters it may use: nunjucks
 * looks a filter up only when rendering reaches it, so an unknown one would otherwise pass a check.
 */
export function refusedParts(root: TemplateNode, filters: readonly string[]): string | undefined {
  const pending: unknown[] = [root]
  while (pending.length > 0) {
    const value = pending.pop()
    if (Array.isArray(value)) {
      pending.push(...value)
    } else if (isNode(value)) {
      const refused = refusalOf(value) ?? filterRefusal(value, filters)
      if (refused) return refused
      for (const field of value.fields) pending.push(value[field])
    }
  }
  return undefined
}

function refusalOf(node: TemplateNode): string | undefined {
  switch (node.typename) {
    case 'Symbol':
      return nameRefusal(node.value as string, node)
    case 'LookupVal':
      return isStringLiteral(node.val) && CODE_KEYS.has(node.val.value)
        ? `the template reads .${node.val.value} ${at(node)}, which leads to JavaScript code, not data: ${READ_OWN_KEYS}`
        : undefined
    case 'Pair':
      // A dict's key: {"__proto__": x} would set the dict's prototype.
      return isStringLiteral(node.key) ? nameRefusal(node.key.value, node) : undefined
    case 'Literal':
      return node.value instanceof RegExp
        ? `the template has a regular expression ${at(node)}: templates do not run regular expressions; ` +
            'use a regex assertion on the output instead'
        : undefined
    case 'FunCall':
      return calleeRefusal(node.name as TemplateNode)
    case 'Is': {
      const test = node.right as TemplateNode
      const name = test.typename === 'FunCall' ? (test.name as TemplateNode) : test
      return name.typename === 'Symbol'
        ? undefined
        : notANameRefusal(name, 'after `is` comes a test, e.g. odd')
    }
    case 'For':
    case 'AsyncEach':
    case 'AsyncAll':
      return namesRefusal(node.name, 'the loop variable')
    case 'Set':
      return namesRefusal(node.targets, 'the variable it sets')
    case 'Macro':
    case 'Caller':
      return namesRefusal(node.name, 'the macro') ?? macroArgumentsRefusal(node.args as TemplateNode)
    case 'Include':
    case 'Import':
    case 'FromImport':
    case 'Extends':
      return (
        `the template uses another template ${at(node)}: templates in a suite cannot read other files; ` +
        'write the text in the template, or pass it in a var (vars may be file:// references)'
      )
    case 'CallExtension':
    case 'CallExtensionAsync':
      return `the template uses an unknown tag ${at(node)}`
    default:
      return undefined
  }
}

/** The names a parsed template reads: its variables, and the names it gives (loop variables, macros...). */
export function namesRead(root: TemplateNode): Set<string> {
  const names = new Set<string>()
  const pending: unknown[] = [root]
  while (pending.length > 0) {
    const value = pending.pop()
    if (Array.isArray(value)) pending.push(...value)
    else if (isNode(value)) {
      if (value.typename === 'Symbol') names.add(value.value as string)
      for (const field of value.fields) pending.push(value[field])
    }
  }
  return names
}

function filterRefusal(node: TemplateNode, filters: readonly string[]): string | undefined {
  if (node.typename !== 'Filter' && node.typename !== 'FilterAsync') return undefined
  const name = (node.name as TemplateNode).value as string
  if (filters.includes(name)) return undefined
  // `x | constructor` is refused as the name it is; a filter's name is a Symbol, checked on its own.
  if (nameRefusal(name, node)) return undefined
  return (
    `the template uses the filter '${name}' ${at(node)}, which nunjucks does not have${didYouMean(name, filters)}: ` +
    "use one of nunjucks' filters or load; a suite's own filters (nunjucksFilters) apply in its prompts only"
  )
}

function nameRefusal(name: string, node: TemplateNode): string | undefined {
  if (CODE_NAMES.has(name)) {
    return `the template uses the name ${name} ${at(node)}, which leads to JavaScript code, not data: use another name`
  }
  if (!PLAIN_NAME.test(name)) {
    return `the template has ${show(name)} where a name belongs ${at(node)}: a name is letters, digits and _, not starting with a digit`
  }
  return undefined
}

function notANameRefusal(node: TemplateNode, example: string): string {
  const written = typeof node.value === 'string' ? ` ${show(node.value)}` : ''
  return `the template has${written} where a name belongs ${at(node)}: ${example}`
}

/** Loop variables, set targets and macro names are names, which nunjucks writes into code as they are. */
function namesRefusal(value: unknown, what: string): string | undefined {
  for (const node of [value].flat() as TemplateNode[]) {
    const names = node.typename === 'Array' ? (node.children as TemplateNode[]) : [node]
    const wrong = names.find((name) => name.typename !== 'Symbol')
    if (wrong) return notANameRefusal(wrong, `${what} is a name, e.g. item`)
  }
  return undefined
}

/** A macro's arguments: names, then name=default pairs. */
function macroArgumentsRefusal(args: TemplateNode): string | undefined {
  for (const arg of args.children as TemplateNode[]) {
    const names =
      arg.typename === 'KeywordArgs' ? (arg.children as TemplateNode[]).map((pair) => pair.key) : [arg]
    const refused = namesRefusal(names, "a macro's argument")
    if (refused) return refused
  }
  return undefined
}

/**
 * nunjucks writes the name of what a template calls (`x["key"]()`) into its code for its error messages,
 * escaping quotes but not backslashes.
 */
function calleeRefusal(node: TemplateNode): string | undefined {
  if (node.typename === 'FunCall') return calleeRefusal(node.name as TemplateNode)
  if (node.typename === 'LookupVal') {
    return calleeRefusal(node.target as TemplateNode) ?? calleeRefusal(node.val as TemplateNode)
  }
  if (isStringLiteral(node) && /[\\\r\n]/.test(node.value)) {
    return `the template calls through the key ${show(node.value)} ${at(node)}: a key with a backslash or a line break cannot be called`
  }
  return undefined
}

// Run time.

const { runtime } = internals
const { SafeString } = runtime

/** Methods that return only data: no callbacks taken, no regular expressions built from their arguments. */
const STRING_METHODS = new Set([
  'at',
  'charAt',
  'concat',
  'endsWith',
  'includes',
  'indexOf',
  'lastIndexOf',
  'padEnd',
  'padStart',
  'replace',
  'replaceAll',
  'slice',
  'split',
  'startsWith',
  'substr',
  'substring',
  'toLowerCase',
  'toString',
  'toUpperCase',
  'trim',
  'trimEnd',
  'trimStart',
])
const ARRAY_METHODS = new Set([
  'at',
  'concat',
  'includes',
  'indexOf',
  'join',
  'lastIndexOf',
  'slice',
  'toString',
])
const NUMBER_METHODS = new Set(['toFixed', 'toPrecision', 'toString'])
const NO_METHODS = new Set<string>()

/** The functions that turn text into code. */
const CODE_RUNNERS = new Set<unknown>([
  Function,
  eval,
  Object.getPrototypeOf(async function () {}).constructor,
  Object.getPrototypeOf(function* () {}).constructor,
  Object.getPrototypeOf(async function* () {}).constructor,
])

function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

const bound =
  (method: (...args: unknown[]) => unknown, holder: unknown) =>
  (...args: unknown[]) =>
    method.apply(holder, args)

/** A key the template could not read: undefined, as nunjucks gives, unless the key leads to code. */
function unreadable(key: string | number): undefined {
  if (typeof key === 'string' && CODE_KEYS.has(key)) {
    throw new TemplateRefusal(
      `the template reads [${show(key)}]`,
      `which leads to JavaScript code, not data: ${READ_OWN_KEYS}`,
    )
  }
  return undefined
}

/** `target.key` and `target[key]`: the own keys of plain data, and a few methods of strings, arrays and numbers. */
function memberLookup(target: unknown, key: unknown): unknown {
  if (target === undefined || target === null) return undefined
  let name: string | number
  if (typeof key === 'string' || typeof key === 'number') name = key
  else if (key instanceof SafeString) name = String(key)
  else return undefined
  let holder = target as Record<string | number, unknown>
  let methods: ReadonlySet<string>
  if (typeof target === 'string') methods = STRING_METHODS
  else if (typeof target === 'number') methods = NUMBER_METHODS
  else if (Array.isArray(target)) methods = ARRAY_METHODS
  else if (target instanceof SafeString) {
    holder = String(target) as unknown as Record<string, unknown>
    methods = STRING_METHODS
  } else if (typeof target === 'object' && isPlainObject(target)) methods = NO_METHODS
  else return unreadable(name)
  if (Object.hasOwn(holder, name)) {
    const value = holder[name]
    return typeof value === 'function' ? bound(value as (...args: unknown[]) => unknown, holder) : value
  }
  if (typeof name === 'string' && methods.has(name)) {
    return bound(holder[name] as (...args: unknown[]) => unknown, holder)
  }
  return unreadable(name)
}

/** A bare name: the template's own variables, then the vars given, then nunjucks' globals; own keys only. */
function contextOrFrameLookup(context: Context, frame: Frame, name: string): unknown {
  const value = frame.lookup(name)
  if (value !== undefined) return value
  if (Object.hasOwn(context.ctx, name)) return context.ctx[name]
  const { globals } = context.env
  return Object.hasOwn(globals, name) ? globals[name] : undefined
}

function callWrap(fn: unknown, name: string, context: Context, args: unknown[]): unknown {
  if (CODE_RUNNERS.has(fn)) {
    throw new TemplateRefusal(
      `the template calls ${name}`,
      'which runs JavaScript code: templates only read data',
    )
  }
  return runtime.callWrap(fn, name, context, args)
}

/** nunjucks' runtime with its lookups and calls guarded; compiled templates are handed it instead. */
export const SANDBOX_RUNTIME: Runtime = { ...runtime, memberLookup, contextOrFrameLookup, callWrap }
