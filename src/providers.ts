/** promptfoo `providers`: the Anthropic ones become models (with request parameters) a test runs on. */
import { pickParams, type RequestParams } from './request-params.js'

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
    throw new Error(
      `provider '${id}' cannot run in an Anthropic Message Batch; use anthropic:messages:<model> ` +
        '(for example anthropic:messages:claude-sonnet-4-5), or run other providers with promptfoo itself',
    )
  }
  return { label: label ?? model, model, params: pickParams(config), config }
}
