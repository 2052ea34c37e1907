/**
 * Checks a suite against the published JSON Schema (schema/suite.schema.json, the one editors complete
 * from), with ajv's validator compiled at build time (`suite-schema-validator.js`), and words each of ajv's
 * errors as a sentence with a path and, for misspelt keys and values, a did-you-mean.
 */
import schema from '../../schema/suite.schema.json' with { type: 'json' }
import { didYouMean } from '../common/did-you-mean.js'
import {
  expectation,
  inValueOrder,
  keyOf,
  typeOf,
  valuePathOf,
  type SchemaError,
  type Validator,
} from './schema-errors.js'
import { validateSuite, validateTest } from './suite-schema-validator.js'
import type { ValuePath } from './source.js'

export interface SchemaProblem {
  path: ValuePath
  /** The offending key of the mapping at `path`, for unknown keys. */
  key?: string
  message: string
}

/** `tests[3].assert[0]`, or `the suite` for the root; the items of a tests file are `tests[n]` too. */
export function describePath(path: ValuePath): string {
  if (path.length === 0) return 'the suite'
  const described = path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`))
    .join('')
  return typeof path[0] === 'number' ? `tests${described}` : described
}

/** The sentence of one error, or undefined for ajv's summary of a failed if/then (its branch's errors say it). */
function problemOf(error: SchemaError, root: unknown, at: ValuePath): SchemaProblem | undefined {
  const path = [...at, ...valuePathOf(root, error.instancePath)]
  const where = describePath(path)
  const node = error.parentSchema
  const { params } = error
  switch (error.keyword) {
    case 'if':
      return undefined
    case 'not': // the end of an anyOf's chain: no branch has the value's type
    case 'pattern':
      return { path, message: `${where} must be ${expectation(node)}` }
    case 'type':
      return { path, message: `${where} must be ${expectation(node)}, not ${typeOf(error.data)}` }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String)
      const suggestion = typeof error.data === 'string' ? didYouMean(error.data, allowed) : ''
      const value = JSON.stringify(error.data)
      return { path, message: `${where} is ${value}${suggestion}; use one of: ${allowed.join(', ')}` }
    }
    case 'minLength':
      return { path, message: `${where} must not be empty` }
    case 'minimum':
      return { path, message: `${where} must be at least ${params.limit}` }
    case 'maximum':
      return { path, message: `${where} must be at most ${params.limit}` }
    case 'minItems':
      return { path, message: `${where} must have at least ${params.limit} item(s)` }
    case 'required':
      return { path, message: `${where} needs '${keyOf(error)}'` }
    case 'additionalProperties': {
      const key = keyOf(error) as string
      const known = Object.keys(node.properties ?? {})
      const message = `unknown key '${key}' in ${where}${didYouMean(key, known)}; known keys: ${known.join(', ')}`
      return { path, key, message }
    }
    default:
      return { path, message: `${where} ${error.message}` }
  }
}

function problemsOf(validate: Validator, value: unknown, at: ValuePath): SchemaProblem[] {
  if (validate(value)) return []
  const problems: SchemaProblem[] = []
  for (const error of inValueOrder(value, validate.errors ?? [])) {
    const problem = problemOf(error, value, at)
    if (problem) problems.push(problem)
  }
  return problems
}

/** Problems of a whole suite file's value. */
export function suiteSchemaProblems(value: unknown): SchemaProblem[] {
  if (typeOf(value) !== 'object') {
    return [{ path: [], message: 'a suite must be a mapping with a `tests:` list at the top level' }]
  }
  return problemsOf(validateSuite, value, [])
}

/** Problems of one test loaded from a tests file, its path prefixed with `at`. */
export function testSchemaProblems(value: unknown, at: ValuePath): SchemaProblem[] {
  return problemsOf(validateTest, value, at)
}

/** Every assertion type the schema accepts (for did-you-mean and docs). */
export const SCHEMA_ASSERTION_TYPES = schema.definitions.assertion_type.enum as string[]
