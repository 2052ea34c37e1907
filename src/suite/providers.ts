/**
 * promptfoo `providers`: the Anthropic ones become models (with request parameters) a test runs on; the
 * others run as the model the `provider-override` or `model` input gives them, or are skipped.
 */
import schema from '../../schema/suite.schema.json' with { type: 'json' }
import { foreignConfig, isMapping, type ForeignConfig } from './foreign-params.js'
import { pickParams, samplingParams, type RequestParams } from './request-params.js'
import { UserError } from '../common/user-error.js'

export interface Provider {
  label: string
  model: string
  params: RequestParams
  /** The provider's raw config, to check for refused parameters. */
  config: Record<string, unknown>
}

export type ProviderEntry = string | { id: string; label?: string; config?: Record<string, unknown> }

const ANTHROPIC_ID = /^anthropic:(?:messages:)?(claude-[\w.-]+)$/

/** promptfoo's provider that returns the prompt as its output, with no model. */
export const ECHO_PROVIDER = 'echo'

/** A provider entry (an id, or {id, label, config}) -> a provider, or an error that says what runs here. */
export function parseProvider(entry: ProviderEntry): Provider {
  const { id, label, config = {} } = typeof entry === 'string' ? { id: entry } : entry
  const model = ANTHROPIC_ID.exec(id)?.[1]
  if (!model) {
    throw new UserError(
      `provider '${id}' cannot run in an Anthropic Message Batch; use anthropic:messages:<model> ` +
        '(for example anthropic:messages:claude-sonnet-4-5), or run other providers with promptfoo itself',
    )
  }
  return { label: label ?? model, model, params: pickParams(config), config }
}

/** What the `provider-override` input says: one model for every non-Anthropic provider, or one per id. */
export interface ProviderOverride {
  /** The model every non-Anthropic provider but echo runs as (the one-line form). */
  all?: string
  /** Provider id -> the model it runs as (the `FROM=TO` form); Anthropic providers may be remapped too. */
  byId: ReadonlyMap<string, string>
}

/** How a suite's provider runs: as a model (maybe another than it names), or not at all. */
export type ProviderPlan =
  | {
      kind: 'run'
      provider: Provider
      replaced?: { from: string; by: 'provider-override' | 'model' }
      /** The settings of a replaced non-Anthropic provider's config that are not sent. */
      dropped?: ForeignConfig['dropped']
    }
  | { kind: 'skip'; id: string }

/**
 * A provider entry as this run takes it: a provider the override's map names runs as the model it maps to;
 * an Anthropic one as itself; echo, which is no model, as itself (batch/echo.ts answers it on the runner);
 * another as the override's model, else the `model` input's; any other is skipped. A replaced provider keeps its id as its label, so its tests keep their ids,
 * and a replaced non-Anthropic one's config is read in its own vocabulary (foreignConfig).
 */
export function planProvider(
  entry: ProviderEntry,
  override: ProviderOverride | undefined,
  modelInput: string | undefined,
): ProviderPlan {
  const { id, label, config: written = {} } = typeof entry === 'string' ? { id: entry } : entry
  const foreign = ANTHROPIC_ID.test(id) ? undefined : foreignConfig(written)
  const config = foreign?.config ?? written
  const replaced = (model: string, by: 'provider-override' | 'model'): ProviderPlan => ({
    kind: 'run',
    provider: { label: label ?? id, model, params: pickParams(config), config },
    replaced: { from: id, by },
    ...(foreign && foreign.dropped.length > 0 && { dropped: foreign.dropped }),
  })
  const mapped = override?.byId.get(id)
  if (mapped !== undefined) return replaced(mapped, 'provider-override')
  if (ANTHROPIC_ID.test(id)) return { kind: 'run', provider: parseProvider(entry) }
  if (id === ECHO_PROVIDER) {
    return { kind: 'run', provider: { label: label ?? id, model: ECHO_PROVIDER, params: {}, config: {} } }
  }
  if (override?.all !== undefined) return replaced(override.all, 'provider-override')
  if (modelInput !== undefined) return replaced(modelInput, 'model')
  return { kind: 'skip', id }
}

/** What becomes of a model-graded assertion's judge `provider` (see planJudge). */
export interface JudgePlan {
  /** The provider to compile: undefined for the default judge. */
  provider: unknown
  /** The judge provider replaced by another model, and by which input. */
  replaced?: { from: string; model: string; by: 'provider-override' | 'model' }
  /** The non-Anthropic judge provider nothing maps: the default judge grades in its place. */
  unmapped?: string
  /** The sampling parameters dropped from its config. */
  sampling: string[]
  /** The settings of a replaced non-Anthropic judge's config with no Anthropic equivalent, not sent. */
  dropped?: ForeignConfig['dropped']
}

/**
 * A model-graded assertion's judge `provider` by the test providers' rule (planProvider): a non-Anthropic one
 * runs as the model the override or the `model` input gives it, or, when nothing maps it, is left out so the
 * default judge grades. Sampling parameters are dropped from its config, as from the tests' requests. Anything
 * that is not a provider entry is returned as written, for the compiler to report.
 */
export function planJudge(
  raw: unknown,
  override: ProviderOverride | undefined,
  modelInput: string | undefined,
): JudgePlan {
  const object =
    raw !== null && typeof raw === 'object' && !Array.isArray(raw)
      ? (raw as Record<string, unknown>)
      : undefined
  const id = object ? object.id : raw
  const config = object?.config
  if (typeof id !== 'string') return { provider: raw, sampling: [] }
  const written = isMapping(config) ? config : undefined
  const plan = planProvider(id, override, modelInput)
  if (plan.kind === 'skip') return { provider: undefined, unmapped: id, sampling: [] }
  // A replaced non-Anthropic judge's config is in its own vocabulary, as a test provider's is.
  const foreign = plan.replaced && written && !ANTHROPIC_ID.test(id) ? foreignConfig(written) : undefined
  const settings = foreign?.config ?? written
  const sampling = settings ? samplingParams(settings) : []
  const kept = settings
    ? Object.fromEntries(Object.entries(settings).filter(([key]) => !sampling.includes(key)))
    : config
  const entry = (judgeId: string) =>
    object ? { ...object, id: judgeId, ...(kept !== undefined && { config: kept }) } : judgeId
  if (!plan.replaced) return { provider: sampling.length > 0 ? entry(id) : raw, sampling }
  const { model } = plan.provider
  return {
    provider: entry(`anthropic:messages:${model}`),
    replaced: { from: id, model, by: plan.replaced.by },
    sampling,
    ...(foreign && foreign.dropped.length > 0 && { dropped: foreign.dropped }),
  }
}

/**
 * The suite schema's rule for a model id (what `model:` in a suite takes), for the `model` input: a model id
 * is logged and shown in reports, so it must not carry line breaks or markup.
 */
const MODEL_ID = new RegExp(schema.definitions.model.pattern)

/** The `model` input: a model id by the suite schema's rule, or undefined when empty. */
export function parseModelInput(input: string, value: string): string | undefined {
  if (value === '') return undefined
  if (!MODEL_ID.test(value)) {
    throw new UserError(
      `Input '${input}' is ${JSON.stringify(value)}, which is not ${schema.definitions.model.title}. ` +
        'Give the model id alone, on one line.',
    )
  }
  return value
}

const OVERRIDE_HELP =
  'write one Anthropic provider for every other provider (anthropic:messages:claude-haiku-4-5, or the model id ' +
  'alone: claude-haiku-4-5), or one FROM=TO per line (openai:gpt-4o-mini=claude-haiku-4-5)'

/**
 * The `provider-override` input: one Anthropic provider (or bare model id), or lines `FROM=TO` mapping provider
 * ids to one; undefined when empty.
 */
export function parseProviderOverride(input: string, value: string): ProviderOverride | undefined {
  const lines = value
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '')
  if (lines.length === 0) return undefined
  const modelOf = (text: string, line: string): string => {
    const model = text.includes(':') ? ANTHROPIC_ID.exec(text)?.[1] : MODEL_ID.test(text) ? text : undefined
    if (model === undefined) {
      throw new UserError(
        `Input '${input}' has ${JSON.stringify(line)}: ${JSON.stringify(text)} is not an Anthropic provider or ` +
          `model id; ${OVERRIDE_HELP}.`,
      )
    }
    return model
  }
  if (lines.length === 1 && !lines[0].includes('='))
    return { all: modelOf(lines[0], lines[0]), byId: new Map() }
  const byId = new Map<string, string>()
  for (const line of lines) {
    const match = /^([^=\s]+)\s*=\s*(\S+)$/.exec(line)
    if (!match) throw new UserError(`Input '${input}' has ${JSON.stringify(line)}; ${OVERRIDE_HELP}.`)
    const [, from, to] = match
    if (byId.has(from)) {
      throw new UserError(`Input '${input}' maps '${from}' twice; give each provider id one line.`)
    }
    byId.set(from, modelOf(to, line))
  }
  return { byId }
}
