/** JSON Schema validation with ajv: strict for schemas a suite author writes, lenient for the request's tools. */
import type { Ajv, ErrorObject, Options, ValidateFunction } from 'ajv'
import type { RegExpEngine } from 'ajv/dist/types/index.js'
import type { Ajv2020 } from 'ajv/dist/2020.js'
import { boundedRegExp } from './bounded-regex.js'
import { oneLine } from './values.js'

type AjvInstance = Ajv | Ajv2020

async function importAjv() {
  const [ajv, ajv2020, formats] = await Promise.all([
    import('ajv'),
    import('ajv/dist/2020.js'),
    import('ajv-formats'),
  ])
  // These are CommonJS: a dynamic import's default is their module.exports under both Node's and webpack's
  // interop (webpack's namespace has no named exports of a module.exports that is a function).
  return { Ajv: ajv.default.Ajv, Ajv2020: ajv2020.default.Ajv2020, addFormats: formats.default.default }
}

type AjvModules = Awaited<ReturnType<typeof importAjv>>

/**
 * Compiles a schema once per distinct text (a suite's defaultTest schema is compiled for every test, and
 * ajv refuses a second schema with the same $id). Throws ajv's error for a schema that is not valid.
 * Strict (for authors' schemas) also refuses unknown keywords, which are nearly always typos.
 */
export type CompileSchema = (schema: unknown, strict: boolean) => ValidateFunction

let compiler: Promise<CompileSchema> | undefined

/**
 * The schema compiler. ajv and ajv-formats are imported at the first call, not at start-up: only suites
 * with schemas need them, and loading them is a fifth of a second.
 */
export function schemaCompiler(): Promise<CompileSchema> {
  compiler ??= importAjv().then((modules) => (schema, strict) => compileSchema(modules, schema, strict))
  return compiler
}

/**
 * Schemas' `pattern`s and `patternProperties` run on model output within a time budget; a validation that
 * runs out throws a RegexBudgetError, which errs that assertion for that test. `code` names the engine in
 * ajv's standalone code, which is not used here.
 */
const boundedEngine = (pattern: string, flags: string) => boundedRegExp(pattern, flags)
const regExp: RegExpEngine = Object.assign(boundedEngine, { code: 'boundedRegExp' })

/** Lazily built, one per (strictness x draft). */
const instances = new Map<string, AjvInstance>()

function instance(modules: AjvModules, strict: boolean, schema: unknown): AjvInstance {
  const declared =
    schema !== null && typeof schema === 'object' && '$schema' in schema ? String(schema.$schema) : ''
  const draft = /2020-12|2019-09/.test(declared) ? '2020' : '07'
  const key = `${strict}:${draft}`
  let ajv = instances.get(key)
  if (!ajv) {
    // Strict refuses unknown keywords (typos); the pickier strictTypes/Tuples/Required stay off, as JSON
    // Schema allows what they flag. No logger: nothing goes to the action's log.
    const options: Options = strict
      ? {
          allErrors: true,
          strictSchema: true,
          strictTypes: false,
          strictTuples: false,
          strictRequired: false,
          logger: false,
          code: { regExp },
        }
      : { allErrors: true, strict: false, logger: false, code: { regExp } }
    ajv = draft === '2020' ? new modules.Ajv2020(options) : new modules.Ajv(options)
    modules.addFormats(ajv)
    instances.set(key, ajv)
  }
  return ajv
}

const validators = new Map<string, ValidateFunction>()

function compileSchema(modules: AjvModules, schema: unknown, strict: boolean): ValidateFunction {
  if (
    typeof schema !== 'boolean' &&
    (schema === null || typeof schema !== 'object' || Array.isArray(schema))
  ) {
    throw new Error('a JSON Schema is an object (or true/false)')
  }
  const key = `${strict}:${JSON.stringify(schema)}`
  let validate = validators.get(key)
  if (!validate) {
    validate = instance(modules, strict, schema).compile(schema as object | boolean)
    validators.set(key, validate)
  }
  return validate
}

/** ajv's errors as one line: `/city must be string; must have required property 'country'`. */
export function schemaErrors(errors: ErrorObject[] | null | undefined, max = 3): string {
  if (!errors || errors.length === 0) return 'it does not match the schema'
  const shown = errors
    .slice(0, max)
    .map((e) => `${e.instancePath ? `${e.instancePath} ` : ''}${e.message ?? 'is invalid'}`)
  const more = errors.length > max ? ` (and ${errors.length - max} more)` : ''
  return oneLine(shown.join('; ') + more, 300)
}
