/**
 * The offline checks of one request against the model capability table and the Messages API's rules: what
 * the API would answer `invalid_request_error` (or `not_found_error`) to, in its own words where they are
 * known, with what to change. Used by preflight before anything is billed and by the emulator, which fails
 * the same requests the same way.
 */
import { capabilitiesOf } from './model-capabilities.js'

export interface RequestProblem {
  type: 'invalid_request_error' | 'not_found_error'
  /** The API's error message (its exact text where known). */
  message: string
  /** What to change in the suite. */
  fix: string
}

/** A request's params as sent (a batch request's `params`, or a `count_tokens` body without `max_tokens`). */
type Params = Record<string, unknown>

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** Every problem found in one request (empty when the table knows of none). */
export function requestProblems(params: Params): RequestProblem[] {
  const model = params['model']
  if (typeof model !== 'string') return []
  const problems: RequestProblem[] = []
  const capabilities = capabilitiesOf(model)
  if (capabilities?.retired !== undefined) {
    return [
      {
        type: 'not_found_error',
        message: `model: ${model}`,
        fix: `${model} was retired on ${capabilities.retired}; name a current model (see Anthropic's model deprecations page).`,
      },
    ]
  }
  const maxTokens = params['max_tokens']
  const maxOutput = capabilities?.maxOutputTokens
  if (typeof maxTokens === 'number' && maxOutput !== undefined && maxTokens > maxOutput) {
    problems.push({
      type: 'invalid_request_error',
      message: `max_tokens: ${maxTokens} > ${maxOutput}, which is the maximum allowed number of output tokens for ${model}`,
      fix: `set max_tokens to ${maxOutput} or less.`,
    })
  }
  problems.push(...thinkingProblems(params, capabilities?.thinking))
  problems.push(...toolProblems(params, capabilities?.forcedToolUse))
  problems.push(...turnProblems(params, capabilities?.prefill))
  return problems
}

function thinkingProblems(params: Params, modes: string | undefined): RequestProblem[] {
  const thinking = params['thinking']
  if (!isRecord(thinking)) return []
  const problems: RequestProblem[] = []
  if (thinking['type'] === 'enabled') {
    if (modes === 'adaptive') {
      problems.push({
        type: 'invalid_request_error',
        message:
          '"thinking.type.enabled" is not supported for this model. Use "thinking.type.adaptive" and ' +
          '"output_config.effort" to control thinking behavior.',
        fix: 'replace thinking {type: enabled, budget_tokens} with {type: adaptive} (and output_config.effort for its depth).',
      })
      return problems
    }
    const budget = thinking['budget_tokens']
    const maxTokens = params['max_tokens']
    if (typeof budget === 'number' && budget < 1024) {
      problems.push({
        type: 'invalid_request_error',
        message: 'thinking.enabled.budget_tokens: Input should be greater than or equal to 1024',
        fix: 'set thinking.budget_tokens to 1024 or more.',
      })
    } else if (typeof budget === 'number' && typeof maxTokens === 'number' && maxTokens <= budget) {
      problems.push({
        type: 'invalid_request_error',
        message: '`max_tokens` must be greater than `thinking.budget_tokens`.',
        fix: `raise max_tokens above ${budget} or lower thinking.budget_tokens below ${maxTokens}.`,
      })
    }
  } else if (thinking['type'] === 'adaptive' && modes === 'manual') {
    problems.push({
      type: 'invalid_request_error',
      message: 'thinking.type: adaptive thinking is not supported on this model',
      fix: 'use thinking {type: enabled, budget_tokens: N} on this model, or a model with adaptive thinking.',
    })
  }
  return problems
}

function toolProblems(params: Params, forcedToolUse: boolean | undefined): RequestProblem[] {
  const problems: RequestProblem[] = []
  const tools = params['tools']
  if (Array.isArray(tools)) {
    tools.forEach((tool: unknown, i) => {
      // A custom tool has no type, or type "custom"; server tools (web_search_20250305 ...) have no schema.
      if (
        isRecord(tool) &&
        (tool['type'] === undefined || tool['type'] === 'custom') &&
        !('input_schema' in tool)
      )
        problems.push({
          type: 'invalid_request_error',
          message: `tools.${i}.custom.input_schema: Field required`,
          fix: `give the tool ${JSON.stringify(tool['name'] ?? i)} an input_schema (a JSON schema of its input, e.g. {type: object, properties: {}}).`,
        })
    })
  }
  const choice = params['tool_choice']
  const forced = isRecord(choice) && (choice['type'] === 'any' || choice['type'] === 'tool')
  if (!forced) return problems
  if (forcedToolUse === false) {
    problems.push({
      type: 'invalid_request_error',
      message: 'tool_choice: forced tool use is not supported for this model; use "auto" or "none"',
      fix: 'set tool_choice to {type: auto} and ask for the tool in the prompt.',
    })
  } else if (isRecord(params['thinking']) && params['thinking']['type'] !== 'disabled') {
    problems.push({
      type: 'invalid_request_error',
      message: 'Thinking may not be enabled when tool_choice forces tool use.',
      fix: 'with thinking on, set tool_choice to {type: auto} or {type: none}; or turn thinking off to force a tool.',
    })
  }
  return problems
}

/** Block kinds an assistant turn may not hold (they are user input). */
const USER_ONLY_BLOCKS = new Set(['image', 'document', 'tool_result', 'search_result'])

function turnProblems(params: Params, prefill: boolean | undefined): RequestProblem[] {
  const messages = params['messages']
  if (!Array.isArray(messages)) return []
  const problems: RequestProblem[] = []
  messages.forEach((message: unknown, i) => {
    if (!isRecord(message) || message['role'] !== 'assistant' || !Array.isArray(message['content'])) return
    message['content'].forEach((block: unknown, j) => {
      if (isRecord(block) && typeof block['type'] === 'string' && USER_ONLY_BLOCKS.has(block['type']))
        problems.push({
          type: 'invalid_request_error',
          message: `messages.${i}.content.${j}: ${block['type']} blocks are not allowed in assistant messages`,
          fix: `move the ${block['type']} block into a user turn.`,
        })
    })
  })
  const last = messages.at(-1) as unknown
  if (prefill === false && isRecord(last) && last['role'] === 'assistant') {
    problems.push({
      type: 'invalid_request_error',
      message:
        'This model does not support assistant message prefill. The conversation must end with a user message.',
      fix: 'end the conversation with a user turn (drop the assistant prefill; ask for the format in the prompt or use structured outputs).',
    })
  }
  return problems
}
