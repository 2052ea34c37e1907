/**
 * Preflight: before anything is billed, every request is checked offline against the model capability
 * table (request-checks.ts), and each distinct request shape (model, tools, system, parameter names,
 * content kinds by role) is sent once to the free `count_tokens` endpoint, which validates synchronously. A
 * batch validates only after it ends, so a request either check refuses would come back `errored` after the
 * wait; instead the run stops here with every problem, the tests it affects, and the fix.
 */
import Anthropic from '@anthropic-ai/sdk'
import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages/messages'
import { requestProblems } from './request-checks.js'
import { UserError } from '../common/user-error.js'
import type { BatchRequest, Sample } from '../model.js'

/** Counts one request's input tokens (client.ts's `tokenCounter`); absent, only the offline checks run. */
export type TokenCounter = (params: MessageCreateParamsNonStreaming) => Promise<number>

export interface PreflightResult {
  /** Input tokens counted per custom id of each shape's first request (the shapes `count_tokens` answered). */
  counted: Map<string, number>
  /** Why `count_tokens` could not check the shapes (unreachable, no such endpoint): the offline checks still ran. */
  warning: string | undefined
}

/** `count_tokens` calls under way at once (its own rate limit). */
const CONCURRENCY = 4
/** Test ids named per problem; the rest are counted. */
const NAMED_TESTS = 5

interface Found {
  message: string
  fix: string
  customIds: string[]
}

/**
 * Checks the requests; throws one UserError listing every problem found, each once with the tests it
 * affects. Without a counter, only the offline checks run.
 */
export async function preflight(
  requests: readonly BatchRequest[],
  sampleByCustomId: ReadonlyMap<string, Sample>,
  counter: TokenCounter | undefined,
): Promise<PreflightResult> {
  const found = new Map<string, Found>()
  const note = (message: string, fix: string, customId: string) => {
    const entry = found.get(message) ?? { message, fix, customIds: [] }
    entry.customIds.push(customId)
    found.set(message, entry)
  }
  const shapes = new Map<string, BatchRequest[]>()
  for (const request of requests) {
    const problems = requestProblems(request.params as unknown as Record<string, unknown>)
    for (const problem of problems) note(problem.message, problem.fix, request.custom_id)
    // A request the table refuses is not sent to count_tokens too: its problem is already known.
    if (problems.length > 0) continue
    const key = shapeKey(request.params)
    const members = shapes.get(key)
    if (members) members.push(request)
    else shapes.set(key, [request])
  }

  const counted = new Map<string, number>()
  let warning: string | undefined
  if (counter) {
    const queue = [...shapes.values()]
    const worker = async () => {
      for (let members = queue.shift(); members && warning === undefined; members = queue.shift()) {
        const first = members[0]
        try {
          counted.set(first.custom_id, await counter(first.params))
        } catch (error) {
          const refusal = refusalOf(error)
          if (refusal === undefined) warning = unreachable(error)
          else for (const member of members) note(refusal, COUNT_TOKENS_FIX, member.custom_id)
        }
      }
    }
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, queue.length) }, worker))
  }
  if (found.size > 0) throw new UserError(report([...found.values()], sampleByCustomId))
  return { counted, warning }
}

const COUNT_TOKENS_FIX = "change the request as the API's message says (count_tokens refused it)."

/**
 * The key of a request's shape: what decides whether the API accepts it, without the text. Parameter
 * values that the offline checks read (max_tokens, thinking's budget) are left to them.
 */
export function shapeKey(params: BatchRequest['params']): string {
  const kinds = new Set<string>()
  for (const message of params.messages) {
    if (typeof message.content === 'string') kinds.add(`${message.role}:text`)
    else for (const block of message.content) kinds.add(`${message.role}:${block.type}`)
  }
  const system = params.system === undefined ? 'none' : typeof params.system === 'string' ? 'text' : 'blocks'
  const tools = (params.tools ?? []).map((tool) =>
    JSON.stringify([
      'name' in tool ? tool.name : '',
      'type' in tool ? tool.type : 'custom',
      'input_schema' in tool,
    ]),
  )
  return JSON.stringify([
    params.model,
    tools.sort(),
    system,
    Object.keys(params).sort(),
    [...kinds].sort(),
    params.messages.at(-1)?.role,
    params.thinking?.type,
    params.tool_choice?.type,
  ])
}

/** The API's own text when `count_tokens` refused the request; undefined when it could not check it. */
function refusalOf(error: unknown): string | undefined {
  if (!(error instanceof Anthropic.APIError)) return undefined
  const body = error.error as { error?: { type?: string; message?: string } } | undefined
  const message = body?.error?.message ?? error.message
  if (error.status === 400) return message
  // A 404 names an unknown model ("model: claude-..."); any other 404 is an endpoint a proxy lacks.
  if (error.status === 404 && body?.error?.type === 'not_found_error' && message.startsWith('model:'))
    return message
  return undefined
}

function unreachable(error: unknown): string {
  const why = error instanceof Error ? error.message : String(error)
  return (
    `Preflight: count_tokens could not check the requests (${why}); only the offline checks against the ` +
    'model capability table ran. Set preflight: false to skip it where the endpoint is not available.'
  )
}

function report(problems: Found[], sampleByCustomId: ReadonlyMap<string, Sample>): string {
  const tests = (customIds: string[]) => {
    const ids = [...new Set(customIds.map((id) => testName(id, sampleByCustomId)))]
    const named = ids.slice(0, NAMED_TESTS).join(', ')
    return ids.length > NAMED_TESTS ? `${named} and ${ids.length - NAMED_TESTS} more` : named
  }
  const lines = problems.map(
    (problem) =>
      `- ${problem.customIds.length} request(s) of ${tests(problem.customIds)}: the API would answer ` +
      `"${problem.message}". Fix: ${problem.fix}`,
  )
  return (
    `Preflight: the API would refuse ${problems.length === 1 ? 'a request' : 'requests'} of this suite, so ` +
    `nothing was submitted or billed:\n${lines.join('\n')}\n` +
    '(Set preflight: false to skip these checks, e.g. behind a proxy that has no count_tokens.)'
  )
}

function testName(customId: string, sampleByCustomId: ReadonlyMap<string, Sample>): string {
  const evalCase = sampleByCustomId.get(customId)?.evalCase
  return evalCase ? `${evalCase.id} (${evalCase.file}:${evalCase.line})` : customId
}
