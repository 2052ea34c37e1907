/**
 * Checks a suite against the published JSON Schema (schema/suite.schema.json, the one editors complete
 * from). The schema uses a small subset of JSON Schema, read here directly so that each problem is a
 * sentence with a path and, for misspelt keys and types, a did-you-mean.
 */
import schema from '../../schema/suite.schema.json' with { type: 'json' }
import { didYouMean } from '../common/did-you-mean.js'
import type { ValuePath } from './source.js'

interface Schema {
  $ref?: string
  title?: string
  type?: string | string[]
  enum?: unknown[]
  anyOf?: Schema[]
  pattern?: string
  minItems?: number
  minLength?: number
  minimum?: number
  maximum?: number
  properties?: Record<string, Schema>
  additionalProperties?: boolean
  required?: string[]
  items?: Schema
}

export interface SchemaProblem {
  path: ValuePath
  /** The offending key of the mapping at `path`, for unknown keys. */
  key?: string
  message: string
}

const definitions = schema.definitions as Record<string, Schema>

/** Resolved `$ref`s, by the node that holds them: a suite of 100,000 tests checks the same nodes again and again. */
const resolved = new WeakMap<Schema, Schema>()

function resolve(node: Schema): Schema {
  if (!node.$ref) return node
  let rule = resolved.get(node)
  if (!rule) {
    const target = definitions[node.$ref.replace('#/definitions/', '')]
    rule = { ...resolve(target), ...node, $ref: undefined, title: node.title ?? target.title }
    resolved.set(node, rule)
  }
  return rule
}

const patterns = new Map<string, RegExp>()

function patternOf(source: string): RegExp {
  let pattern = patterns.get(source)
  if (!pattern) patterns.set(source, (pattern = new RegExp(source)))
  return pattern
}

function typeOf(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  if (Number.isInteger(value)) return 'integer'
  return typeof value
}

function hasType(value: unknown, type: string | string[] | undefined): boolean {
  if (type === undefined) return true
  const actual = typeOf(value)
  const matches = (t: string) => t === actual || (t === 'number' && actual === 'integer')
  return typeof type === 'string' ? matches(type) : type.some(matches)
}

/** `tests[3].assert[0]`, or `the suite` for the root; the items of a tests file are `tests[n]` too. */
export function describePath(path: ValuePath): string {
  if (path.length === 0) return 'the suite'
  const described = path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`))
    .join('')
  return typeof path[0] === 'number' ? `tests${described}` : described
}

function expectation(node: Schema): string {
  if (node.title) return node.title
  const type = node.type ?? 'any value'
  return [type]
    .flat()
    .map((t) => (t === 'integer' ? 'a whole number' : `a ${t}`))
    .join(' or ')
}

function check(value: unknown, node: Schema, path: ValuePath, problems: SchemaProblem[]): void {
  const rule = resolve(node)
  // Described only for a problem: most values have none.
  const where = () => describePath(path)
  if (rule.anyOf) {
    const branch = rule.anyOf.find((b) => hasType(value, resolve(b).type))
    if (branch) check(value, resolve(branch), path, problems)
    else problems.push({ path, message: `${where()} must be ${rule.anyOf.map(expectation).join(' or ')}` })
    return
  }
  if (rule.enum && !rule.enum.includes(value)) {
    const allowed = rule.enum.map(String)
    const suggestion = typeof value === 'string' ? didYouMean(value, allowed) : ''
    problems.push({
      path,
      message: `${where()} is ${JSON.stringify(value)}${suggestion}; use one of: ${allowed.join(', ')}`,
    })
    return
  }
  if (!hasType(value, rule.type)) {
    problems.push({ path, message: `${where()} must be ${expectation(rule)}, not ${typeOf(value)}` })
    return
  }
  if (typeof value === 'string') {
    if (rule.pattern && !patternOf(rule.pattern).test(value)) {
      problems.push({ path, message: `${where()} must be ${expectation(rule)}` })
    }
    if (rule.minLength !== undefined && value.length < rule.minLength) {
      problems.push({ path, message: `${where()} must not be empty` })
    }
  }
  if (typeof value === 'number' && rule.minimum !== undefined && value < rule.minimum) {
    problems.push({ path, message: `${where()} must be at least ${rule.minimum}` })
  }
  if (typeof value === 'number' && rule.maximum !== undefined && value > rule.maximum) {
    problems.push({ path, message: `${where()} must be at most ${rule.maximum}` })
  }
  if (Array.isArray(value)) {
    if (rule.minItems !== undefined && value.length < rule.minItems) {
      problems.push({ path, message: `${where()} must have at least ${rule.minItems} item(s)` })
    }
    if (rule.items) value.forEach((item, i) => check(item, rule.items as Schema, [...path, i], problems))
  }
  if (typeOf(value) === 'object' && rule.properties) {
    const object = value as Record<string, unknown>
    const known = () => Object.keys(rule.properties ?? {})
    for (const key of rule.required ?? []) {
      if (!(key in object)) problems.push({ path, message: `${where()} needs '${key}'` })
    }
    for (const [key, item] of Object.entries(object)) {
      const property = Object.hasOwn(rule.properties, key) ? rule.properties[key] : undefined
      if (property) check(item, property, [...path, key], problems)
      else if (rule.additionalProperties === false) {
        problems.push({
          path,
          key,
          message: `unknown key '${key}' in ${where()}${didYouMean(key, known())}; known keys: ${known().join(', ')}`,
        })
      }
    }
  }
}

/** Whether a value passes a schema node: true exactly when `check` would find no problem in it. */
type Valid = (value: unknown) => boolean

const validators = new Map<Schema, Valid>()

/**
 * The node's predicate, compiled once: a suite of 100,000 tests is nearly always valid, and this answers that
 * without building paths or problems. Only a value it refuses is checked again by `check`, for the messages.
 */
function validatorOf(node: Schema): Valid {
  const rule = resolve(node)
  let valid = validators.get(rule)
  if (!valid) {
    // Compiled on first use, through this stub, since assertions nest assertions.
    let compiled: Valid | undefined
    valid = (value) => (compiled ??= compileRule(rule))(value)
    validators.set(rule, valid)
  }
  return valid
}

/** The types a value may have for `hasType(value, type)` to hold, or undefined for any. */
function typeSet(type: string | string[] | undefined): Set<string> | undefined {
  if (type === undefined) return undefined
  const types = new Set([type].flat())
  if (types.has('number')) types.add('integer')
  return types
}

/** The predicate of a resolved node; mirrors `check` test for test, each problem there being `false` here. */
function compileRule(rule: Schema): Valid {
  if (rule.anyOf) {
    const branches = rule.anyOf.map((branch) => ({
      types: typeSet(resolve(branch).type),
      valid: validatorOf(branch),
    }))
    return (value) => {
      const actual = typeOf(value)
      for (const branch of branches) {
        if (branch.types === undefined || branch.types.has(actual)) return branch.valid(value)
      }
      return false
    }
  }
  const allowed = rule.enum && new Set(rule.enum)
  const types = typeSet(rule.type)
  const pattern = rule.pattern === undefined ? undefined : patternOf(rule.pattern)
  const { minLength, minimum, maximum, minItems, required = [], additionalProperties } = rule
  const items = rule.items && validatorOf(rule.items)
  const properties =
    rule.properties &&
    new Map(Object.entries(rule.properties).map(([key, property]) => [key, validatorOf(property)]))
  return (value) => {
    if (allowed && !allowed.has(value)) return false
    const actual = typeOf(value)
    if (types && !types.has(actual)) return false
    if (typeof value === 'string') {
      if (pattern && !pattern.test(value)) return false
      if (minLength !== undefined && value.length < minLength) return false
    }
    if (typeof value === 'number' && minimum !== undefined && value < minimum) return false
    if (typeof value === 'number' && maximum !== undefined && value > maximum) return false
    if (Array.isArray(value)) {
      if (minItems !== undefined && value.length < minItems) return false
      if (items) for (const item of value) if (!items(item)) return false
    }
    if (actual === 'object' && properties) {
      const object = value as Record<string, unknown>
      for (const key of required) if (!(key in object)) return false
      for (const key of Object.keys(object)) {
        const property = properties.get(key)
        if (property) {
          if (!property(object[key])) return false
        } else if (additionalProperties === false) return false
      }
    }
    return true
  }
}

/** Problems of a whole suite file's value. */
export function suiteSchemaProblems(value: unknown): SchemaProblem[] {
  const problems: SchemaProblem[] = []
  if (typeOf(value) !== 'object') {
    return [{ path: [], message: 'a suite must be a mapping with a `tests:` list at the top level' }]
  }
  if (validatorOf(schema as Schema)(value)) return problems
  check(value, schema as Schema, [], problems)
  return problems
}

/** Problems of one test loaded from a tests file, its path prefixed with `at`. */
const TEST: Schema = { $ref: '#/definitions/test' }

export function testSchemaProblems(value: unknown, at: ValuePath): SchemaProblem[] {
  const problems: SchemaProblem[] = []
  if (validatorOf(TEST)(value)) return problems
  check(value, TEST, at, problems)
  return problems
}

/** Every assertion type the schema accepts (for did-you-mean and docs). */
export const SCHEMA_ASSERTION_TYPES = definitions.assertion_type.enum as string[]
