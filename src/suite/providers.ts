/** promptfoo `providers`: the Anthropic ones become models (with request parameters) a test runs on. */
import schema from '../../schema/suite.schema.json' with { type: 'json' }
import { pickParams, type RequestParams } from './request-params.js'
import { UserError } from '../common/user-error.js'

export interface Provider {
  label: string
  model: string
  params: RequestParams
  /** The provider's raw config, to check for refused parameters. */
  config: Record<string, unknown>
}

const ANTHROPIC_ID = /^anthropic:(?:messages:)?(claude-[\w.-]+)$/

/** A provider entry (an id, or {id, label, config}) -> a provider, or an error that says what runs here. */
export function parseProvider(
  entry: string | { id: string; label?: string; config?: Record<string, unknown> },
): Provider {
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
