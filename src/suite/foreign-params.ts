/**
 * Request settings written in another provider's vocabulary (OpenAI's, as promptfoo's OpenAI, Azure and adaline
 * providers take it), turned into the Messages API's: OpenAI-format tools and tool_choice (which promptfoo's
 * Anthropic provider accepts too), response_format's JSON schema, max tokens and stop sequences. The config of
 * a provider that the `model` or `provider-override` input replaces keeps what has an Anthropic equivalent;
 * the rest is dropped, for one warning for the run.
 */

type Mapping = Record<string, unknown>

export const isMapping = (value: unknown): value is Mapping =>
  value !== null && typeof value === 'object' && !Array.isArray(value)

/** An OpenAI tool ({type: function, function: {name, description, parameters}}) as an Anthropic tool. */
function anthropicTool(tool: unknown): unknown {
  if (!isMapping(tool) || tool.type !== 'function' || !isMapping(tool.function)) return tool
  const { name, description, parameters, strict } = tool.function
  return {
    name,
    ...(description !== undefined && { description }),
    input_schema: isMapping(parameters) ? parameters : { type: 'object', properties: {} },
    ...(strict !== undefined && { strict }),
  }
}

/** A list of tools, each OpenAI-format one converted; anything else is left as written. */
export function anthropicTools(tools: unknown): unknown {
  return Array.isArray(tools) ? tools.map(anthropicTool) : tools
}

const TOOL_CHOICES: Record<string, Mapping> = {
  auto: { type: 'auto' },
  required: { type: 'any' },
  none: { type: 'none' },
}

/** OpenAI's tool_choice (auto, required, none, {type: function, function: {name}}) as the Messages API's. */
export function anthropicToolChoice(choice: unknown): unknown {
  if (typeof choice === 'string') return TOOL_CHOICES[choice] ?? choice
  if (isMapping(choice) && choice.type === 'function' && isMapping(choice.function)) {
    return { type: 'tool', name: choice.function.name }
  }
  return choice
}

/**
 * OpenAI's response_format as an Anthropic `output_format`: a JSON schema is one; `text` is the default and
 * needs none; anything else (json_object) has no equivalent (undefined).
 */
export function outputFormatOf(responseFormat: unknown): { format?: Mapping } | undefined {
  const type = isMapping(responseFormat) ? responseFormat.type : responseFormat
  if (type === 'text') return {}
  if (!isMapping(responseFormat) || type !== 'json_schema') return undefined
  const { json_schema: jsonSchema } = responseFormat
  if (!isMapping(jsonSchema) || !isMapping(jsonSchema.schema)) return undefined
  return { format: { type: 'json_schema', schema: jsonSchema.schema } }
}

/** Settings of OpenAI-like providers that only say how to reach them: dropping them changes no output. */
const CONNECTION_SETTINGS = new Set([
  'apiBaseUrl',
  'apiHost',
  'apiKey',
  'apiKeyEnvar',
  'apiVersion',
  'azureClientId',
  'azureClientSecret',
  'azureTenantId',
  'deploymentName',
  'headers',
  'maxRetries',
  'organization',
  'project',
  'region',
  'timeout',
])

/** Kept as the Anthropic setting of the same name (the sampling ones, for the loader's one warning). */
const KEPT = ['system', 'tools', 'tool_choice', 'temperature', 'top_p', 'top_k'] as const

/** The Messages API's names for OpenAI's and adaline's. */
const RENAMED: Record<string, string> = {
  max_tokens: 'max_tokens',
  maxTokens: 'max_tokens',
  max_completion_tokens: 'max_tokens',
  stop: 'stop_sequences',
}

export interface ForeignConfig {
  /** The config in the Messages API's vocabulary, as an Anthropic provider's config writes it. */
  config: Mapping
  /** The keys with no Anthropic equivalent, which are not sent, and whether leaving one out may change outputs. */
  dropped: { key: string; changesOutputs: boolean }[]
}

/** The config of a provider that is not Anthropic, as the Anthropic model that replaces it takes it. */
export function foreignConfig(written: Mapping): ForeignConfig {
  const config: Mapping = {}
  const dropped: ForeignConfig['dropped'] = []
  for (const [key, value] of Object.entries(written)) {
    if (value === undefined) continue
    if ((KEPT as readonly string[]).includes(key)) {
      config[key] = value
    } else if (key in RENAMED) {
      config[RENAMED[key]] = key === 'stop' && typeof value === 'string' ? [value] : value
    } else if (key === 'response_format' || key === 'responseFormat') {
      const output = outputFormatOf(value)
      if (output === undefined) dropped.push({ key, changesOutputs: true })
      else if (output.format) config.output_format = output.format
    } else {
      dropped.push({ key, changesOutputs: !CONNECTION_SETTINGS.has(key) })
    }
  }
  return { config, dropped }
}
