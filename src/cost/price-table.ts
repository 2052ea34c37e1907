/**
 * The price table: the built-in `prices.json` (checked when this module loads) and the `pricing` input's file,
 * which overrides or adds models. Pure: the caller reads the file and passes its text.
 */
import builtInJson from './prices.json' with { type: 'json' }
import { didYouMean } from '../common/did-you-mean.js'
import { formatOf, parseSource, type SourceDocument, type ValuePath } from '../suite/source.js'
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
export const SERVER_TOOL_FIELDS = ['web_search_requests', 'web_fetch_requests'] as const
export type ServerToolField = (typeof SERVER_TOOL_FIELDS)[number]
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

const TOKEN_KEYS = ['input', 'output', 'cache_write_5m', 'cache_write_1h', 'cache_read'] as const
const ENTRY_KEYS = [...TOKEN_KEYS, 'long_context', 'inference_geo', 'server_tools', 'note']
const TIER_KEYS = ['above_input_tokens', ...TOKEN_KEYS]
const CACHE_MULTIPLIER_KEYS = ['cache_write_5m', 'cache_write_1h', 'cache_read'] as const
const INFO_KEYS = ['date', 'source', 'sources', 'unit', 'notes']
const OVERRIDE_KEYS = [
  'models',
  'aliases',
  'server_tools',
  'server_tool_batch_multiplier',
  'cache_multipliers',
  'batch_multiplier',
  ...INFO_KEYS,
]

/** The line of the value at a path: its key's line, where it has one. */
type Where = (path: ValuePath) => number

/** Checks a parsed table or pricing file, collecting problems instead of stopping at the first. */
class Checker {
  readonly problems: { line: number; message: string }[] = []
  constructor(private readonly where: Where) {}

  problem(path: ValuePath, message: string) {
    this.problems.push({ line: this.where(path), message })
  }

  mapping(value: unknown, path: ValuePath, what: string): Record<string, unknown> | undefined {
    if (isRecord(value)) return value
    this.problem(path, `${what} must be a mapping (got ${describe(value)})`)
    return undefined
  }

  unknownKeys(value: Record<string, unknown>, known: readonly string[], path: ValuePath, what: string) {
    for (const key of Object.keys(value)) {
      if (known.includes(key)) continue
      this.problem(
        [...path, key],
        `${what}unknown key '${key}'${didYouMean(key, known)}; the keys are ${known.join(', ')}`,
      )
    }
  }

  /** A number of USD (or a multiplier): finite and 0 or more (above 0 when `positive`). */
  amount(value: unknown, path: ValuePath, what: string, unit: string, positive = false): number | undefined {
    if (typeof value === 'number' && Number.isFinite(value) && (positive ? value > 0 : value >= 0)) {
      return value
    }
    const bound = positive ? 'above 0' : '0 or more'
    this.problem(path, `${what} must be a number of ${unit}, ${bound} (got ${describe(value)})`)
    return undefined
  }

  tokenPrices(value: Record<string, unknown>, path: ValuePath, what: string): TokenPrices | undefined {
    const prices: Record<string, number> = {}
    let complete = true
    for (const key of TOKEN_KEYS) {
      if (value[key] === undefined) {
        if (key === 'input' || key === 'output') {
          this.problem(path, `${what}'${key}' is missing: give its price in USD per million tokens`)
          complete = false
        }
        continue
      }
      const price = this.amount(value[key], [...path, key], `${what}'${key}'`, 'USD per million tokens')
      if (price === undefined) complete = false
      else prices[key] = price
    }
    return complete ? (prices as unknown as TokenPrices) : undefined
  }

  entry(value: unknown, path: ValuePath, model: string): PriceEntry | undefined {
    const what = `model '${model}': `
    const entry = this.mapping(value, path, `model '${model}'`)
    if (!entry) return undefined
    this.unknownKeys(entry, ENTRY_KEYS, path, what)
    const prices = this.tokenPrices(entry, path, what)
    let ok = prices !== undefined
    const result: PriceEntry = { ...(prices ?? { input: 0, output: 0 }) }

    if (entry.long_context !== undefined) {
      const tierPath = [...path, 'long_context']
      const tier = this.mapping(entry.long_context, tierPath, `${what}'long_context'`)
      if (tier) {
        this.unknownKeys(tier, TIER_KEYS, tierPath, `${what}long_context: `)
        const above = tier.above_input_tokens
        if (typeof above !== 'number' || !Number.isSafeInteger(above) || above <= 0) {
          ok = false
          this.problem(
            [...tierPath, 'above_input_tokens'],
            `${what}long_context: 'above_input_tokens' must be a whole number of input tokens above 0 ` +
              `(got ${describe(above)})`,
          )
        }
        const tierPrices = this.tokenPrices(tier, tierPath, `${what}long_context: `)
        if (tierPrices && typeof above === 'number') {
          result.long_context = { above_input_tokens: above, ...tierPrices }
        } else ok = false
      } else ok = false
    }

    if (entry.inference_geo !== undefined) {
      const geoPath = [...path, 'inference_geo']
      const geos = this.mapping(entry.inference_geo, geoPath, `${what}'inference_geo'`)
      if (geos) {
        result.inference_geo = {}
        for (const [geo, multiplier] of Object.entries(geos)) {
          const checked = this.amount(
            multiplier,
            [...geoPath, geo],
            `${what}inference_geo '${geo}'`,
            'times the price',
            true,
          )
          if (checked === undefined) ok = false
          else result.inference_geo[geo] = checked
        }
      } else ok = false
    }

    if (entry.server_tools !== undefined) {
      const fees = this.serverTools(entry.server_tools, [...path, 'server_tools'], what)
      if (fees) result.server_tools = fees
      else ok = false
    }

    if (entry.note !== undefined) {
      if (typeof entry.note === 'string') result.note = entry.note
      else this.problem([...path, 'note'], `${what}'note' must be text`)
    }
    return ok ? result : undefined
  }

  serverTools(value: unknown, path: ValuePath, what = ''): ServerToolFees | undefined {
    const fees = this.mapping(value, path, `${what}'server_tools'`)
    if (!fees) return undefined
    this.unknownKeys(fees, SERVER_TOOL_FIELDS, path, `${what}server_tools: `)
    const result: ServerToolFees = {}
    let ok = true
    for (const field of SERVER_TOOL_FIELDS) {
      if (fees[field] === undefined) continue
      const fee = this.amount(
        fees[field],
        [...path, field],
        `${what}server_tools '${field}'`,
        'USD per request',
      )
      if (fee === undefined) ok = false
      else result[field] = fee
    }
    return ok ? result : undefined
  }

  models(value: unknown, path: ValuePath): Record<string, PriceEntry> {
    const models = this.mapping(value, path, "'models'")
    const result: Record<string, PriceEntry> = {}
    for (const [model, entry] of Object.entries(models ?? {})) {
      const checked = this.entry(entry, [...path, model], model)
      if (checked) result[model] = checked
    }
    return result
  }

  aliases(value: unknown, path: ValuePath): Record<string, string> {
    const aliases = this.mapping(value, path, "'aliases'")
    const result: Record<string, string> = {}
    for (const [alias, target] of Object.entries(aliases ?? {})) {
      if (typeof target === 'string' && target !== '') result[alias] = target
      else this.problem([...path, alias], `alias '${alias}' must name a model id (got ${describe(target)})`)
    }
    return result
  }

  cacheMultipliers(value: unknown, path: ValuePath): PriceTable['cache_multipliers'] | undefined {
    const multipliers = this.mapping(value, path, "'cache_multipliers'")
    if (!multipliers) return undefined
    this.unknownKeys(multipliers, CACHE_MULTIPLIER_KEYS, path, 'cache_multipliers: ')
    const result: Record<string, number> = {}
    let complete = true
    for (const key of CACHE_MULTIPLIER_KEYS) {
      const checked = this.amount(
        multipliers[key],
        [...path, key],
        `cache_multipliers '${key}'`,
        'times the input price',
        true,
      )
      // Every key is checked, so that all their problems are reported at once.
      if (checked === undefined) complete = false
      else result[key] = checked
    }
    return complete ? (result as PriceTable['cache_multipliers']) : undefined
  }

  /** Every alias must name a model of `models` (the table's and the file's together). */
  aliasTargets(
    aliases: Record<string, string>,
    models: Record<string, unknown>,
    path: ValuePath,
    where: string,
  ) {
    for (const [alias, target] of Object.entries(aliases)) {
      if (models[target]) continue
      const hint = didYouMean(target, Object.keys(models))
      this.problem(
        [...path, alias],
        `alias '${alias}' names '${target}', which is not a model ${where}${hint}`,
      )
    }
  }
}

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

/** The built-in table, checked once: a mistake in `prices.json` is a bug that must fail every test. */
function checkBuiltIn(value: unknown): PriceTable {
  const checker = new Checker(() => 0)
  const table = checker.mapping(value, [], 'prices.json') ?? {}
  const models = checker.models(table.models, ['models'])
  const aliases = checker.aliases(table.aliases, ['aliases'])
  checker.aliasTargets(aliases, models, ['aliases'], 'of the table')
  const cacheMultipliers = checker.cacheMultipliers(table.cache_multipliers, ['cache_multipliers'])
  const batchMultiplier = checker.amount(
    table.batch_multiplier,
    ['batch_multiplier'],
    "'batch_multiplier'",
    'times the standard price',
    true,
  )
  const serverTools = checker.serverTools(table.server_tools, ['server_tools'])
  const toolBatch = table.server_tool_batch_multiplier
  if (toolBatch !== null) {
    checker.amount(toolBatch, [], "'server_tool_batch_multiplier'", 'times the standard fee (or null)', true)
  }
  for (const key of ['date', 'source'] as const) {
    if (typeof table[key] !== 'string') checker.problem([key], `'${key}' must be text`)
  }
  if (checker.problems.length > 0 || !cacheMultipliers || batchMultiplier === undefined || !serverTools) {
    throw new Error(
      `src/prices.json is not a valid price table:\n${checker.problems.map((p) => `  ${p.message}`).join('\n')}`,
    )
  }
  return {
    date: table.date as string,
    source: table.source as string,
    cache_multipliers: cacheMultipliers,
    batch_multiplier: batchMultiplier,
    server_tools: serverTools,
    server_tool_batch_multiplier: toolBatch as number | null,
    models,
    aliases,
  }
}

export const BUILT_IN_TABLE: Readonly<PriceTable> = checkBuiltIn(builtInJson)

/**
 * A `pricing` file's text (JSON or YAML, by its extension; YAML when it has none), checked: the same shape as
 * `prices.json`, with `models` and/or `aliases` (and, optionally, `server_tools`,
 * `server_tool_batch_multiplier`, `cache_multipliers` and `batch_multiplier`). Throws `PricingFileError`
 * naming the file, the line and the model of every problem.
 */
export function loadPriceOverrides(text: string, file: string): PriceOverrides {
  const format = formatOf(file) ?? 'yaml'
  if (format !== 'yaml' && format !== 'json') {
    throw new PricingFileError([
      { file, line: 1, message: 'a pricing file is JSON (.json) or YAML (.yml, .yaml)' },
    ])
  }
  const parsed = parseSource(text, format)
  const fail = (problems: { line: number; message: string }[]) =>
    new PricingFileError(problems.map((p) => ({ file, ...p })))
  if (!parsed.document) throw fail(parsed.problems)
  const document: SourceDocument = parsed.document
  const checker = new Checker((path) =>
    path.length === 0
      ? document.lineOf(path)
      : document.keyLineOf(path.slice(0, -1), String(path[path.length - 1])),
  )

  const value = document.value
  if (value === null || value === undefined) {
    throw fail([
      { line: 1, message: "the file is empty: give the prices under 'models:' (and any 'aliases:')" },
    ])
  }
  const top = checker.mapping(value, [], 'the file')
  if (!top) throw fail(checker.problems)
  for (const key of Object.keys(top)) {
    if (OVERRIDE_KEYS.includes(key)) continue
    const fix = key.startsWith('claude')
      ? "; model prices go under 'models:'"
      : didYouMean(key, OVERRIDE_KEYS)
    checker.problem([key], `unknown key '${key}'${fix}; the keys are ${OVERRIDE_KEYS.join(', ')}`)
  }
  if (top.models === undefined && top.aliases === undefined) {
    checker.problem([], "the file sets no prices: give them under 'models:' (and any 'aliases:')")
  }

  const overrides: PriceOverrides = {
    file,
    models: top.models === undefined ? {} : checker.models(top.models, ['models']),
    aliases: top.aliases === undefined ? {} : checker.aliases(top.aliases, ['aliases']),
  }
  const modelsAfter = { ...BUILT_IN_TABLE.models, ...(isRecord(top.models) ? top.models : {}) }
  checker.aliasTargets(overrides.aliases, modelsAfter, ['aliases'], `of the price table or of ${file}`)
  if (top.server_tools !== undefined) {
    overrides.server_tools = checker.serverTools(top.server_tools, ['server_tools'])
  }
  if (top.server_tool_batch_multiplier !== undefined) {
    const given = top.server_tool_batch_multiplier
    overrides.server_tool_batch_multiplier =
      given === null
        ? null
        : checker.amount(
            given,
            ['server_tool_batch_multiplier'],
            "'server_tool_batch_multiplier'",
            'times the standard fee (or null)',
            true,
          )
  }
  if (top.cache_multipliers !== undefined) {
    overrides.cache_multipliers = checker.cacheMultipliers(top.cache_multipliers, ['cache_multipliers'])
  }
  if (top.batch_multiplier !== undefined) {
    overrides.batch_multiplier = checker.amount(
      top.batch_multiplier,
      ['batch_multiplier'],
      "'batch_multiplier'",
      'times the standard price',
      true,
    )
  }
  if (checker.problems.length > 0) throw fail(checker.problems)
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
 * The entry of a model id: the id itself, an alias, or a dated snapshot id (`-YYYYMMDD`) priced as the id
 * without its date.
 */
export function resolveModel(
  table: PriceTable,
  model: string,
): { id: string; entry: PriceEntry } | undefined {
  const undated = model.replace(/-\d{8}$/, '')
  for (const candidate of [model, undated]) {
    const alias = Object.hasOwn(table.aliases, candidate) ? table.aliases[candidate] : undefined
    for (const id of [candidate, alias]) {
      if (id !== undefined && Object.hasOwn(table.models, id)) return { id, entry: table.models[id] }
    }
  }
  return undefined
}
