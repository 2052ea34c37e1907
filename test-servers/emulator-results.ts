/**
 * What the stand-in model makes of one request (its result and JSONL line), and the results JSONL of a
 * batch: serialised once, line by line as results are decided, kept UTF-8 encoded, then put in download order.
 */
import type {
  MessageBatchIndividualResponse,
  MessageBatchResult,
} from '@anthropic-ai/sdk/resources/messages/batches'
import type {
  ContentBlock,
  Message,
  MessageCreateParamsNonStreaming,
  StopReason,
  Usage,
} from '@anthropic-ai/sdk/resources/messages/messages'
import type { ErrorObject, ErrorResponse } from '@anthropic-ai/sdk/resources/shared'
import { isRecord, type ErrorType, type SingleReply } from './scripted-replies.js'
import { cacheControlProblem, type CacheTiming, type InputUsage, type PromptCache } from './emulator-cache.js'
import { hash32, newId } from './emulator-ids.js'
import { modelProblem } from './emulator-validation.js'
import { inputPieces, lastUserText, paramsProblem, tokensFor } from './emulator-tokens.js'

/** The results JSONL is kept, and written, in pieces of whole lines of about this many bytes: few large writes. */
const RESULTS_PIECE_BYTES = 1024 * 1024

function erroredResult(type: ErrorType, message: string): MessageBatchResult {
  const error: ErrorObject = { type, message }
  const response: ErrorResponse = { type: 'error', error, request_id: newId('req_') }
  return { type: 'errored', error: response }
}

/** The JSONL line of a result. */
export function jsonLine(customId: string, result: MessageBatchResult): string {
  const line: MessageBatchIndividualResponse = { custom_id: customId, result }
  return `${JSON.stringify(line)}\n`
}

/** A processed request's result: its type, and its JSONL line. */
export interface Processed {
  type: 'succeeded' | 'errored'
  line: string
}

function erroredLine(customId: string, type: ErrorType, message: string): Processed {
  return { type: 'errored', line: jsonLine(customId, erroredResult(type, message)) }
}

/** What processing a batch's requests shares: the stand-in model's replies, and the prompt cache. */
export interface Processing {
  replyTo: (prompt: string, params: MessageCreateParamsNonStreaming) => SingleReply
  cache: PromptCache
}

/**
 * What the stand-in model does with one request (called when its batch's results are decided, in the
 * order the requests started): its result's type and line, and for a success its use of the prompt cache
 * at the time it ran (`timing`).
 */
export function processRequest(
  customId: string,
  params: unknown,
  processing: Processing,
  timing: CacheTiming,
): Processed {
  if (!isRecord(params)) {
    return erroredLine(customId, 'invalid_request_error', 'params: Input should be a valid dictionary')
  }
  const paramsError = paramsProblem(params)
  if (paramsError != null) return erroredLine(customId, 'invalid_request_error', paramsError)
  const pieces = inputPieces(params)
  const cacheError = cacheControlProblem(pieces)
  if (cacheError != null) return erroredLine(customId, 'invalid_request_error', cacheError)
  const request = params as unknown as MessageCreateParamsNonStreaming
  // A request the model would refuse comes back errored before it gets a reply or touches the cache.
  const modelError = modelProblem(params)
  if (modelError != null) return erroredLine(customId, modelError.type, modelError.message)

  const reply = processing.replyTo(lastUserText(request.messages), request)
  if (typeof reply !== 'string' && 'error' in reply)
    return erroredLine(customId, reply.error.type, reply.error.message)

  const input = processing.cache.use(request.model, pieces, timing)
  if (typeof reply === 'string') {
    const maxTokens = request.max_tokens
    const text = tokensFor(reply.length) > maxTokens ? reply.slice(0, maxTokens * 4) : reply
    const stopReason = text === reply ? 'end_turn' : 'max_tokens'
    return { type: 'succeeded', line: textReplyLine(customId, request.model, text, stopReason, input) }
  }
  const stopReason = reply.content.some((block) => block.type === 'tool_use') ? 'tool_use' : 'end_turn'
  const outputTokens = tokensFor(JSON.stringify(reply.content).length)
  const result = succeeded(request.model, reply.content, stopReason, input, outputTokens)
  return { type: 'succeeded', line: jsonLine(customId, result) }
}

/** A success: the stand-in model's message. */
function succeeded(
  model: string,
  content: ContentBlock[],
  stopReason: StopReason,
  input: InputUsage,
  outputTokens: number,
): MessageBatchResult {
  const usage: Usage = {
    input_tokens: input.input_tokens,
    output_tokens: outputTokens,
    cache_creation_input_tokens: input.cache_creation_input_tokens,
    cache_read_input_tokens: input.cache_read_input_tokens,
    cache_creation: input.cache_creation,
    inference_geo: null,
    output_tokens_details: null,
    server_tool_use: null,
    service_tier: 'batch',
    speed: null,
  }
  const message: Message = {
    id: newId('msg_'),
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    stop_details: null,
    container: null,
    diagnostics: null,
    usage,
  }
  return { type: 'succeeded', message }
}

/**
 * The line of a success whose reply is this text, written out: the text of `jsonLine` of `succeeded` with
 * the text as its one block (which the emulator's tests check), in a third of the time. Most lines are such.
 * A custom_id (checked at create), an id and a stop reason need no escaping.
 */
function textReplyLine(
  customId: string,
  model: string,
  text: string,
  stopReason: StopReason,
  input: InputUsage,
): string {
  const written = input.cache_creation
  return (
    `{"custom_id":"${customId}","result":{"type":"succeeded","message":{"id":"${newId('msg_')}",` +
    `"type":"message","role":"assistant","model":${JSON.stringify(model)},` +
    `"content":[{"type":"text","text":${JSON.stringify(text)},"citations":null}],` +
    `"stop_reason":"${stopReason}","stop_sequence":null,"stop_details":null,"container":null,` +
    `"diagnostics":null,"usage":{"input_tokens":${input.input_tokens},` +
    `"output_tokens":${tokensFor(text.length)},` +
    `"cache_creation_input_tokens":${input.cache_creation_input_tokens},` +
    `"cache_read_input_tokens":${input.cache_read_input_tokens},` +
    `"cache_creation":{"ephemeral_5m_input_tokens":${written.ephemeral_5m_input_tokens},` +
    `"ephemeral_1h_input_tokens":${written.ephemeral_1h_input_tokens}},"inference_geo":null,` +
    `"output_tokens_details":null,"server_tool_use":null,"service_tier":"batch","speed":null}}}}\n`
  )
}

/** 2^17: room for the index of every request of a batch (`MAX_REQUESTS_PER_BATCH`). */
const INDEX_SPAN = 2 ** 17

/**
 * The download order of results: a deterministic order that is not submission order, by a hash of the
 * custom_id. Returns the submission indexes in download order.
 */
export function shuffledOrder(customIds: string[]): number[] {
  // Each key holds the hash, then the index, exactly in one double (49 bits): sorted natively, as numbers.
  const keys = new Float64Array(customIds.length)
  customIds.forEach((id, i) => {
    keys[i] = hash32(id) * INDEX_SPAN + i
  })
  keys.sort()
  return Array.from(keys, (key) => key % INDEX_SPAN)
}

/** The size of the blocks a `LineStore` encodes lines into. */
const LINE_BLOCK_BYTES = 8 * 1024 * 1024

/**
 * Lines UTF-8 encoded as they come, into large blocks, then put together in another order. Encoding each
 * line at once lets its string die young (cheap for the GC, where 100,000 kept strings are not), and copying
 * bytes in shuffled order is cheap where serialising objects in that order is not.
 */
export class LineStore {
  private readonly blocks: Buffer[] = []
  private block = Buffer.alloc(0)
  private used = 0
  /** Per line (by its request's index): the index of its block, and its start and end in it. */
  private readonly blockOf: Uint32Array
  private readonly starts: Uint32Array
  private readonly ends: Uint32Array

  constructor(lineCount: number) {
    this.blockOf = new Uint32Array(lineCount)
    this.starts = new Uint32Array(lineCount)
    this.ends = new Uint32Array(lineCount)
  }

  /** Keeps the line of the request of index `i` (lines come in any order). */
  set(i: number, line: string): void {
    // UTF-8 takes at most 3 bytes for a UTF-16 unit.
    if (this.block.length - this.used < line.length * 3) {
      this.block = Buffer.allocUnsafe(Math.max(LINE_BLOCK_BYTES, line.length * 3))
      this.blocks.push(this.block)
      this.used = 0
    }
    this.blockOf[i] = this.blocks.length - 1
    this.starts[i] = this.used
    this.used += this.block.write(line, this.used, 'utf8')
    this.ends[i] = this.used
  }

  /** The lines in this order (of their indexes), in pieces of whole lines of about `RESULTS_PIECE_BYTES`. */
  inOrder(order: number[]): Buffer[] {
    const pieces: Buffer[] = []
    let from = 0
    let bytes = 0
    for (let k = 0; k < order.length; k++) {
      const i = order[k] as number
      bytes += (this.ends[i] as number) - (this.starts[i] as number)
      if (bytes < RESULTS_PIECE_BYTES && k < order.length - 1) continue
      const piece = Buffer.allocUnsafe(bytes)
      let at = 0
      for (let j = from; j <= k; j++) {
        const line = order[j] as number
        const block = this.blocks[this.blockOf[line] as number] as Buffer
        at += block.copy(piece, at, this.starts[line], this.ends[line])
      }
      pieces.push(piece)
      from = k + 1
      bytes = 0
    }
    return pieces
  }
}
