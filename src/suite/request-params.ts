/**
 * Messages API parameters a suite may set at the top, per provider and per test (and promptfoo's names for a
 * few, in a provider's config); the ones a batch request
 * cannot carry, refused with the reason before anything is submitted; and the sampling parameters, which
 * the suite drops (with one warning for the run) rather than refuse.
 */
import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages/messages'
import { anthropicToolChoice, anthropicTools, outputFormatOf } from './foreign-params.js'

/** Parameters passed through to the request as written (tools are read from file:// by the loader). */
export const PASS_THROUGH_PARAMS = [
  'max_tokens',
  'system',
  'tools',
  'tool_choice',
  'thinking',
  'stop_sequences',
] as const

export type RequestParams = Partial<
  Pick<
    MessageCreateParamsNonStreaming,
    (typeof PASS_THROUGH_PARAMS)[number] | 'output_config' | 'cache_control'
  >
>

/**
 * promptfoo configs set these almost everywhere, but the API version the SDK sends refuses them: a suite's
 * are left out of its requests (the loader warns once), a judge's are refused (judge-check.ts).
 */
export const SAMPLING_PARAMS = ['temperature', 'top_p', 'top_k'] as const

/** Why sampling parameters are not sent, as the loader's warning gives it. */
export const SAMPLING_DROPPED =
  "the Messages API version this action uses (2026-10-21) refuses sampling parameters; outputs use the model's defaults"

const SAMPLING_REFUSED =
  'the API version the Anthropic SDK sends (2026-10-21) refuses temperature, top_p and top_k, batches included; remove it'

const REFUSED_PARAMS: Record<string, string> = {
  temperature: SAMPLING_REFUSED,
  top_p: SAMPLING_REFUSED,
  top_k: SAMPLING_REFUSED,
  stream: 'a batch request cannot stream (results arrive when the batch ends); remove it',
  speed: 'the Batch API refuses `speed` inside a batch; remove it',
}

/** The keys of `source` that a batch request cannot carry, each with why and what to do. */
export function refusedParams(source: Record<string, unknown>): { key: string; message: string }[] {
  return Object.keys(source)
    .filter((key) => key in REFUSED_PARAMS)
    .map((key) => ({ key, message: `${key} is refused: ${REFUSED_PARAMS[key]}` }))
}

/** The sampling parameters `source` sets. */
export function samplingParams(source: Record<string, unknown>): string[] {
  return SAMPLING_PARAMS.filter((key) => source[key] !== undefined)
}

/** max_tokens below 1 is refused by the Batch API; the schema only checks it is a whole number. */
export function maxTokensProblem(value: unknown): string | undefined {
  if (typeof value === 'number' && value < 1) {
    return `max_tokens must be at least 1 (a batch refuses max_tokens: ${value})`
  }
  return undefined
}

/**
 * The pass-through parameters present in `source`, and the settings of promptfoo's Anthropic provider config
 * as its provider sends them: `output_format` (structured outputs; OpenAI's `response_format` JSON schema
 * too) and `effort` become `output_config`'s `format` and `effort`, `cache_control` (prompt caching for the
 * whole request) goes as it is, and OpenAI-format tools and tool_choice become Anthropic's.
 */
export function pickParams(source: Record<string, unknown>): RequestParams {
  const params: Record<string, unknown> = {}
  for (const key of PASS_THROUGH_PARAMS) if (source[key] !== undefined) params[key] = source[key]
  if (params.tools !== undefined) params.tools = anthropicTools(params.tools)
  if (params.tool_choice !== undefined) params.tool_choice = anthropicToolChoice(params.tool_choice)
  const { effort, cache_control: cacheControl } = source
  const format = source.output_format ?? outputFormatOf(source.response_format)?.format
  if (format !== undefined || effort !== undefined) {
    params.output_config = {
      ...(format !== undefined && { format }),
      ...(effort !== undefined && { effort }),
    }
  }
  if (cacheControl !== undefined) params.cache_control = cacheControl
  return params as RequestParams
}
