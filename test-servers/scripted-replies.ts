/**
 * The emulator's stand-in model: the replies file (docs/emulator.md), and who answers a request. A request
 * gets the reply scripted for its last user message; else, when it is a judge request of the action, the
 * verdict scripted for the output it judges or the stand-in judge's rule (stand-in-judge.ts); else a reply
 * that says no scripted reply matched, with a warning naming the prompt, so that a gap in the replies file
 * shows in the log and the report instead of passing for a model's answer.
 */
import { readFileSync } from 'node:fs'
import type { ErrorObject } from '@anthropic-ai/sdk/resources/shared'
import type {
  ContentBlock,
  MessageCreateParamsNonStreaming,
} from '@anthropic-ai/sdk/resources/messages/messages'
import { standInJudgeReply, type JudgeVerdict } from './stand-in-judge.js'

/** The API's error kinds, as they appear in `error.error.type` (the SDK's `ErrorObject` union). */
export type ErrorType = ErrorObject['type']

/** All error kinds with their HTTP status, checked by `tsc` against the SDK's union (a missing or extra key fails). */
export const ERROR_TYPES = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
} satisfies Record<ErrorType, number>

export function isErrorType(value: unknown): value is ErrorType {
  return typeof value === 'string' && Object.hasOwn(ERROR_TYPES, value)
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A scripted answer of the stand-in model: a reply text, or an error the request comes back with. */
export type SingleReply =
  | string
  | { error: { type: ErrorType; message: string } }
  /** Content blocks as the model would send them: tool calls, thinking, several text blocks. */
  | { content: ContentBlock[] }

/**
 * A single reply, or `sequence`: the replies the same prompt gets within one batch, in submission order
 * (cycling), as the samples of a repeated test get different answers.
 */
export type StandInReply = SingleReply | { sequence: SingleReply[] }

export type { JudgeVerdict }

/** A replies file: the model's replies by last user message, the judge's verdicts by the output judged. */
export interface RepliesFile {
  replies: Record<string, StandInReply>
  judge: Record<string, JudgeVerdict>
}

/**
 * How many unmatched prompts are warned about one by one; past it, one last warning says more came. With no
 * replies at all (a test that does not care what the model says), only the first is named.
 */
export const MAX_UNMATCHED_WARNINGS = 10
const WARNED_PROMPT_CHARS = 80
const REPLIED_PROMPT_CHARS = 200

/** The reply to a prompt that matches no scripted reply: plain about it, as it shows as the test's output. */
export function unmatchedReply(prompt: string): string {
  return (
    '[emulator] No scripted reply matches this prompt; add its last user message as a key of the replies ' +
    `file (docs/emulator.md). Prompt: ${prompt.slice(0, REPLIED_PROMPT_CHARS)}`
  )
}

function cut(text: string, chars: number): string {
  return text.length > chars ? `${text.slice(0, chars - 1)}…` : text
}

export interface Replier {
  /** The answers of one batch: a sequence reply advances each time its prompt comes within the batch. */
  forBatch(): (prompt: string, params: MessageCreateParamsNonStreaming) => SingleReply
}

/** Who answers the emulator's requests; `warn` hears of each distinct unmatched prompt, within the limit. */
export function scriptedReplier(script: Partial<RepliesFile>, warn: (message: string) => void): Replier {
  // Maps: an object would first look each long prompt up among all the heap's interned strings.
  const replies = new Map(Object.entries(script.replies ?? {}))
  const verdicts = new Map(Object.entries(script.judge ?? {}))
  const verdictFor = (output: string) => verdicts.get(output)
  const limit = script.replies === undefined ? 1 : MAX_UNMATCHED_WARNINGS
  const unmatched = new Set<string>()
  const noteUnmatched = (prompt: string) => {
    if (unmatched.has(prompt) || unmatched.size > limit) return
    unmatched.add(prompt)
    if (unmatched.size > limit) {
      warn(
        `emulator: more prompts have no scripted reply; only the first ${limit === 1 ? 'is' : `${limit} are`} named`,
      )
      return
    }
    warn(
      `emulator: no scripted reply for the prompt ${JSON.stringify(cut(prompt, WARNED_PROMPT_CHARS))}; it ` +
        'got a placeholder reply. Add its last user message as a key of "replies" in the replies file ' +
        '(--replies; docs/emulator.md).',
    )
  }
  return {
    forBatch() {
      const seen = new Map<string, number>()
      return (prompt, params) => {
        const reply = replies.get(prompt)
        if (reply === undefined) {
          const judged = standInJudgeReply(params, prompt, verdictFor)
          if (judged !== undefined) return judged
          noteUnmatched(prompt)
          return unmatchedReply(prompt)
        }
        if (typeof reply === 'string' || !('sequence' in reply)) return reply
        const count = seen.get(prompt) ?? 0
        seen.set(prompt, count + 1)
        return reply.sequence[count % reply.sequence.length]
      }
    },
  }
}

/** The default warning sink: a line on stderr. */
export function warnOnStderr(message: string): void {
  process.stderr.write(`${message}\n`)
}

function singleReply(file: string, prompt: string, reply: unknown): SingleReply {
  if (typeof reply === 'string') return reply
  if (isRecord(reply) && Array.isArray(reply['content']))
    return { content: reply['content'] as ContentBlock[] }
  const error = isRecord(reply) ? reply['error'] : undefined
  if (!isRecord(error) || !isErrorType(error['type']) || typeof error['message'] !== 'string') {
    throw new Error(
      `Replies file ${file}: the reply to ${JSON.stringify(prompt)} must be a string, {"content": [blocks]}, ` +
        `{"error": {"type": one of ${Object.keys(ERROR_TYPES).join(', ')}, "message": string}}, or ` +
        '{"sequence": [replies]} for the samples of a repeated test',
    )
  }
  return { error: { type: error['type'], message: error['message'] } }
}

function verdict(file: string, output: string, value: unknown): JudgeVerdict {
  const { pass, score, reason } = isRecord(value) ? value : {}
  if (
    typeof pass !== 'boolean' ||
    (score !== undefined && (typeof score !== 'number' || !(score >= 0 && score <= 1))) ||
    (reason !== undefined && typeof reason !== 'string')
  ) {
    throw new Error(
      `Replies file ${file}: the judge's verdict on ${JSON.stringify(output)} must be ` +
        '{"pass": true or false, "score": optional number 0..1, "reason": optional string}',
    )
  }
  return { pass, ...(score !== undefined && { score }), ...(reason !== undefined && { reason }) }
}

/**
 * Reads a replies file: `{"replies": {"<last user message>": reply, ...}, "judge": {"<output judged>":
 * {"pass", "score", "reason"}, ...}}`, "judge" optional.
 */
export function loadRepliesFile(file: string): RepliesFile {
  let json: unknown
  try {
    json = JSON.parse(readFileSync(file, 'utf8'))
  } catch (e) {
    throw new Error(`Cannot read replies file ${file}: ${(e as Error).message}`, { cause: e })
  }
  if (!isRecord(json) || !isRecord(json['replies'])) {
    throw new Error(`Replies file ${file} must hold a JSON object {"replies": {"<prompt>": "<reply>", ...}}`)
  }
  const judge = json['judge'] ?? {}
  if (!isRecord(judge)) {
    throw new Error(`Replies file ${file}: "judge" must be an object {"<output judged>": {"pass": ...}, ...}`)
  }
  // fromEntries, so that a prompt such as "__proto__" is an ordinary key
  return {
    replies: Object.fromEntries(
      Object.entries(json['replies']).map(([prompt, reply]): [string, StandInReply] => {
        const sequence = isRecord(reply) ? reply['sequence'] : undefined
        return [
          prompt,
          Array.isArray(sequence) && sequence.length > 0
            ? { sequence: sequence.map((each) => singleReply(file, prompt, each)) }
            : singleReply(file, prompt, reply),
        ]
      }),
    ),
    judge: Object.fromEntries(
      Object.entries(judge).map(([output, value]) => [output, verdict(file, output, value)]),
    ),
  }
}

/** The model's replies of a replies file alone, for tests that merge several files' replies. */
export function loadReplies(file: string): Record<string, StandInReply> {
  return loadRepliesFile(file).replies
}
