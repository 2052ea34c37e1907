/**
 * The price table: the built-in `prices.json` (checked when this module loads) and the `pricing` input's file,
 * which overrides or adds models, both checked against schema/prices.schema.json by ajv's code of it
 * (`prices-schema-validator.js`, generated at build time). Pure: the caller reads the file and passes its text.
 */
import pricesSchema from '../../schema/prices.schema.json' with { type: 'json' }
import builtInJson from './prices.json' with { type: 'json' }
import { didYouMean } from '../common/did-you-mean.js'
import { modelFamilyOf } from '../common/model-ids.js'
import {
  expectation,
  inValueOrder,
  keyOf,
  valuePathOf,
  type SchemaError,
  type SchemaNode,
  type Validator,
} from '../suite/schema-errors.js'
import { formatOf, parseSource, type SourceDocument, type ValuePath } from '../suite/source.js'
import { validatePrices, validatePriceTable } from './prices-schema-validator.js'
import { UserError } from '../common/user-error.js'

/** A model's token prices in USD per million tokens; cache prices it omits follow `cache_multipliers`. */
export interface TokenPrices {
  input: number
  output: number
  cache_write_5m?: number
  cache_write_1h?: number
  cache_read?: number
}

/**
 * The prices of a request whose whole input (input + cache writes + cache reads) exceeds `above_input_tokens`:
 * every token of such a request, output included, is priced here (Anthropic's long-context and prompt-length
 * tiers).
 */
export interface LongContextTier extends TokenPrices {
  above_input_tokens: number
}

/** The fields of `usage.server_tool_use` (the SDK's `ServerToolUsage`) that have a fee per request. */
export type ServerToolField = 'web_search_requests' | 'web_fetch_requests'
/** USD per request. */
export type ServerToolFees = Partial<Record<ServerToolField, number>>

export interface PriceEntry extends TokenPrices {
  long_context?: LongContextTier
  /**
   * Multipliers of every token price by the `usage.inference_geo` a result reports ("global" is always 1). A
   * model without this field is priced the same wherever it ran; a model with it and a geo it does not list
   * has no known price.
   */
  inference_geo?: Record<string, number>
  /** Fees that differ from the table's `server_tools` for this model. */
  server_tools?: ServerToolFees
  /** Where a price comes from, for people; not used in pricing. */
  note?: string
}

export interface PriceTable {
  date: string
  source: string
  cache_multipliers: { cache_write_5m: number; cache_write_1h: number; cache_read: number }
  batch_multiplier: number
  server_tools: ServerToolFees
  /** What the Batch API charges of a server tool fee; null while no official page says (the cost is unknown). */
  server_tool_batch_multiplier: number | null
  models: Record<string, PriceEntry>
  aliases: Record<string, string>
}

/** A `pricing` file, checked: the models it sets replace the table's entries of the same id. */
export interface PriceOverrides {
  file: string
  models: Record<string, PriceEntry>
  aliases: Record<string, string>
  server_tools?: ServerToolFees
  server_tool_batch_multiplier?: number | null
  cache_multipliers?: PriceTable['cache_multipliers']
  batch_multiplier?: number
}

export interface PricingProblem {
  file: string
  line: number
  message: string
}

/** Thrown with every problem of a pricing file, so that one run shows them all. */
export class PricingFileError extends UserError {
  constructor(readonly problems: PricingProblem[]) {
    super(
      `The pricing file has ${problems.length} problem${problems.length === 1 ? '' : 's'}; nothing was submitted.\n` +
        problems.map((p) => `  ${p.file}:${p.line}: ${p.message}`).join('\n'),
    )
    this.name = 'PricingFileError'
  }
}

/** The line of the value at a path: its key's line, where it has one. */
type Where = (path: ValuePath) => number

type Problem = { line: number; message: string }

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a mapping'
  // NaN and Infinity (YAML's .nan, 1e400), which JSON would show as null.
  if (typeof value === 'number') return String(value)
  return JSON.stringify(value)
}

/** `model 'acme': ` before the keys of a model's entry, `model 'acme': long_context: ` in its tier. */
function scopeOf(path: ValuePath): string {
  const [first, model, ...rest] = path.map(String)
  const parts = first === 'models' && model !== undefined ? [`model '${model}'`, ...rest] : path.map(String)
  return parts.map((part) => `${part}: `).join('')
}

/** `model 'acme': long_context: 'input'`, `model 'acme': inference_geo 'us'`, `alias 'a'`, `'batch_multiplier'`. */
function nameOf(path: ValuePath): string {
  const [first, second, ...rest] = path.map(String)
  if (first === undefined) return 'the file'
  if (first === 'aliases' && second !== undefined) return `alias '${second}'`
  const isModel = first === 'models' && second !== undefined
  const model = isModel ? `model '${second}'` : ''
  const member = isModel ? rest : [first, second].filter((part) => part !== undefined)
  if (member.length === 0) return model
  const [scope, key] = member
  const named =
    key === undefined
      ? `'${scope}'`
      : scope === 'long_context'
        ? `long_context: '${key}'`
        : `${scope} '${key}'`
  return isModel ? `${model}: ${named}` : named
}

/** Token prices name what a missing one is in; every other missing key is a value of nothing. */
const TOKEN_PRICE = '#/definitions/usd_per_million_tokens'

function problemOf(error: SchemaError, root: unknown, where: Where): Problem {
  const path = valuePathOf(root, error.instancePath)
  const node = error.parentSchema
  const key = keyOf(error)
  if (error.keyword === 'additionalProperties' && key !== undefined) {
    const known = Object.keys(node.properties ?? {})
    const fix =
      path.length === 0 && key.startsWith('claude')
        ? "; model prices go under 'models:'"
        : didYouMean(key, known)
    const message = `${scopeOf(path)}unknown key '${key}'${fix}; the keys are ${known.join(', ')}`
    return { line: where([...path, key]), message }
  }
  if (error.keyword === 'required' && key !== undefined) {
    const property = (node.properties ?? {})[key] as { $ref?: string }
    if (property.$ref === TOKEN_PRICE) {
      const message = `${scopeOf(path)}'${key}' is missing: give its price in USD per million tokens`
      return { line: where(path), message }
    }
    const title = expectation(definitionOf(property))
    return {
      line: where([...path, key]),
      message: `${nameOf([...path, key])} must be ${title} (got nothing)`,
    }
  }
  return {
    line: where(path),
    message: `${nameOf(path)} must be ${expectation(node)} (got ${describe(error.data)})`,
  }
}

/** A property's schema node, through its `$ref`. */
function definitionOf(property: { $ref?: string }): SchemaNode {
  const definitions = pricesSchema.definitions as Record<string, SchemaNode>
  return property.$ref ? definitions[property.$ref.replace('#/definitions/', '')] : (property as SchemaNode)
}

/** The value's problems against a validator of schema/prices.schema.json, in the order the file is written. */
function schemaProblems(validate: Validator, value: unknown, where: Where): Problem[] {
  if (validate(value)) return []
  return inValueOrder(value, validate.errors ?? []).map((error) => problemOf(error, value, where))
}

/** Every alias must name a model of `models` (the table's and the file's together). */
function aliasTargetProblems(
  aliases: unknown,
  models: Record<string, unknown>,
  of: string,
  where: Where,
): Problem[] {
  const problems: Problem[] = []
  for (const [alias, target] of Object.entries(isRecord(aliases) ? aliases : {})) {
    if (typeof target !== 'string' || target === '' || Object.hasOwn(models, target)) continue
    const hint = didYouMean(target, Object.keys(models))
    const message = `alias '${alias}' names '${target}', which is not a model ${of}${hint}`
    problems.push({ line: where(['aliases', alias]), message })
  }
  return problems
}

/** The built-in table, checked once: a mistake in `prices.json` is a bug that must fail every test. */
function checkBuiltIn(value: unknown): PriceTable {
  const where = () => 0
  const table = value as PriceTable
  const problems = [
    ...schemaProblems(validatePriceTable, value, where),
    ...aliasTargetProblems(table.aliases, table.models ?? {}, 'of the table', where),
  ]
  if (problems.length > 0) {
    throw new Error(
      `src/prices.json is not a valid price table:\n${problems.map((p) => `  ${p.message}`).join('\n')}`,
    )
  }
  // Without the keys for people (sources, unit, notes).
  const { date, source, cache_multipliers, batch_multiplier, server_tools, models, aliases } = table
  const { server_tool_batch_multiplier } = table
  return {
    date,
    source,
    cache_multipliers,
    batch_multiplier,
    server_tools,
    server_tool_batch_multiplier,
    models,
    aliases,
  }
}

export const BUILT_IN_TABLE: Readonly<PriceTable> = checkBuiltIn(builtInJson)

/** The file-wide rules a pricing file may set (its other keys are for people). */
const OVERRIDE_RULES = [
  'server_tools',
  'server_tool_batch_multiplier',
  'cache_multipliers',
  'batch_multiplier',
] as const

/**
 * A `pricing` file's text (JSON or YAML, by its extension; YAML when it has none), checked against
 * schema/prices.schema.json: the same shape as `prices.json`, with `models` and/or `aliases` (and, optionally,
 * `server_tools`, `server_tool_batch_multiplier`, `cache_multipliers` and `batch_multiplier`). Throws
 * `PricingFileError` naming the file, the line and the model of every problem.
 */
export function loadPriceOverrides(text: string, file: string): PriceOverrides {
  const format = formatOf(file) ?? 'yaml'
  if (format !== 'yaml' && format !== 'json') {
    throw new PricingFileError([
      { file, line: 1, message: 'a pricing file is JSON (.json) or YAML (.yml, .yaml)' },
    ])
  }
  const parsed = parseSource(text, format)
  const fail = (problems: Problem[]) => new PricingFileError(problems.map((p) => ({ file, ...p })))
  if (!parsed.document) throw fail(parsed.problems)
  const document: SourceDocument = parsed.document
  const where: Where = (path) =>
    path.length === 0
      ? document.lineOf(path)
      : document.keyLineOf(path.slice(0, -1), String(path[path.length - 1]))

  const value = document.value
  if (value === null || value === undefined) {
    throw fail([
      { line: 1, message: "the file is empty: give the prices under 'models:' (and any 'aliases:')" },
    ])
  }
  if (!isRecord(value)) {
    throw fail([{ line: where([]), message: `the file must be a mapping (got ${describe(value)})` }])
  }
  const problems = schemaProblems(validatePrices, value, where)
  if (value.models === undefined && value.aliases === undefined) {
    problems.push({
      line: where([]),
      message: "the file sets no prices: give them under 'models:' (and any 'aliases:')",
    })
  }
  const modelsAfter = { ...BUILT_IN_TABLE.models, ...(isRecord(value.models) ? value.models : {}) }
  problems.push(...aliasTargetProblems(value.aliases, modelsAfter, `of the price table or of ${file}`, where))
  if (problems.length > 0) throw fail(problems)

  const { models = {}, aliases = {}, ...rules } = value as Partial<PriceTable>
  const overrides: PriceOverrides = { file, models, aliases }
  for (const rule of OVERRIDE_RULES) {
    if (rules[rule] !== undefined) Object.assign(overrides, { [rule]: rules[rule] })
  }
  return overrides
}

/** The table with a pricing file's models, aliases and rules over it. */
export function mergePriceTable(base: Readonly<PriceTable>, overrides?: PriceOverrides): PriceTable {
  if (!overrides) return { ...base }
  return {
    ...base,
    cache_multipliers: overrides.cache_multipliers ?? base.cache_multipliers,
    batch_multiplier: overrides.batch_multiplier ?? base.batch_multiplier,
    server_tools: { ...base.server_tools, ...overrides.server_tools },
    server_tool_batch_multiplier:
      overrides.server_tool_batch_multiplier === undefined
        ? base.server_tool_batch_multiplier
        : overrides.server_tool_batch_multiplier,
    models: { ...base.models, ...overrides.models },
    aliases: { ...base.aliases, ...overrides.aliases },
  }
}

/**
 * The entry of a model id: the id itself, an alias, or either with a snapshot date or `-latest` after it
 * (`modelFamilyOf`). Nothing else is matched: an id that names no family stays unpriced, never priced as a
 * neighbour's.
 */
export function resolveModel(
  table: PriceTable,
  model: string,
): { id: string; entry: PriceEntry } | undefined {
  const family = modelFamilyOf(model)
  for (const candidate of family === model ? [model] : [model, family]) {
    const alias = Object.hasOwn(table.aliases, candidate) ? table.aliases[candidate] : undefined
    for (const id of [candidate, alias]) {
      if (id !== undefined && Object.hasOwn(table.models, id)) return { id, entry: table.models[id] }
    }
  }
  return undefined
}
