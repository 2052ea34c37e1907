/** JSON Schema validation with ajv: strict for schemas a suite author writes, lenient for the request's tools. */
import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { oneLine } from './values.js'

type AjvInstance = Ajv | Ajv2020

function withFormats<T extends AjvInstance>(ajv: T): T {
  // ajv-formats is CommonJS: its default export is the plugin under both Node's and webpack's interop.
  addFormats.default(ajv)
  return ajv
}

/** Lazily built, one per (strictness x draft). */
const instances = new Map<string, AjvInstance>()

function instance(strict: boolean, schema: unknown): AjvInstance {
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
        }
      : { allErrors: true, strict: false, logger: false }
    ajv = withFormats(draft === '2020' ? new Ajv2020(options) : new Ajv(options))
    instances.set(key, ajv)
  }
  return ajv
}

const validators = new Map<string, ValidateFunction>()

/**
 * Compiles a schema once per distinct text (a suite's defaultTest schema is compiled for every test, and
 * ajv refuses a second schema with the same $id). Throws ajv's error for a schema that is not valid.
 * Strict (for authors' schemas) also refuses unknown keywords, which are nearly always typos.
 */
export function compileSchema(schema: unknown, strict: boolean): ValidateFunction {
  if (
    typeof schema !== 'boolean' &&
    (schema === null || typeof schema !== 'object' || Array.isArray(schema))
  ) {
    throw new Error('a JSON Schema is an object (or true/false)')
  }
  const key = `${strict}:${JSON.stringify(schema)}`
  let validate = validators.get(key)
  if (!validate) {
    validate = instance(strict, schema).compile(schema as object | boolean)
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
