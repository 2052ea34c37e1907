/**
 * The emulator's HTTP plumbing: the API's error bodies, reading a request body within the size limit,
 * answering JSON, and the scripted faults (`failNext`, `resetNext`) a call may meet.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ErrorDetails, ErrorResponse } from '@anthropic-ai/sdk/resources/shared'
import { ERROR_TYPES, type ErrorType } from './scripted-replies.js'

/** An HTTP error body: `ErrorResponse`, plus `request_too_large`, which the SDK's union lacks. */
type HttpErrorType = ErrorType | 'request_too_large'
type HttpErrorBody = Omit<ErrorResponse, 'error'> & {
  error: { type: HttpErrorType; message: string; details?: { error_code: ErrorDetails['error_code'] } }
}

const HTTP_STATUS: Record<HttpErrorType, number> = { ...ERROR_TYPES, request_too_large: 413 }

export class HttpError extends Error {
  constructor(
    readonly type: HttpErrorType,
    message: string,
    /** Extra response headers, such as `retry-after`. */
    readonly headers: Record<string, string> = {},
    /** The error's `details.error_code`, which names a finer kind of error. */
    readonly errorCode?: ErrorDetails['error_code'],
  ) {
    super(message)
  }
}

/** A scripted fault: the first one scripted that matches a call (and has times left) applies to it. */
export type ScriptedFault = { method: string; path: RegExp; times: number } & (
  | {
      kind: 'error'
      type: ErrorType
      retryAfterSeconds: number | undefined
      errorCode: ErrorDetails['error_code'] | undefined
    }
  | { kind: 'reset'; afterCommit: boolean }
)

/** What answering one call needs: its request id, and whether its answer is to be replaced by a reset. */
export interface CallContext {
  requestId: string
  resetInsteadOfAnswer: boolean
}

export function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'))
  } catch (e) {
    throw new HttpError('invalid_request_error', `Request body is not valid JSON: ${(e as Error).message}`)
  }
}

/** Reads the body up to the limit. Returns null (after answering 413) when it is larger. */
export async function readBody(req: IncomingMessage, maxBodyBytes: number): Promise<Buffer | null> {
  const declared = Number(req.headers['content-length'])
  const chunks: Buffer[] = []
  let size = 0
  let tooLarge = Number.isFinite(declared) && declared > maxBodyBytes
  for await (const chunk of req as AsyncIterable<Buffer>) {
    // Past the limit, keep draining without storing, so that the client gets to read the 413.
    if (tooLarge) continue
    size += chunk.length
    if (size > maxBodyBytes) {
      tooLarge = true
      chunks.length = 0
    } else {
      chunks.push(chunk)
    }
  }
  return tooLarge ? null : Buffer.concat(chunks)
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  ctx: CallContext,
  headers: Record<string, string> = {},
) {
  if (ctx.resetInsteadOfAnswer) {
    res.destroy()
    return
  }
  const text = JSON.stringify(body)
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'request-id': ctx.requestId,
  })
  res.end(text)
}

export function sendError(res: ServerResponse, error: HttpError, ctx: CallContext) {
  const body: HttpErrorBody = {
    type: 'error',
    error: {
      type: error.type,
      message: error.message,
      ...(error.errorCode !== undefined && { details: { error_code: error.errorCode } }),
    },
    request_id: ctx.requestId,
  }
  if (res.headersSent) {
    res.destroy()
    return
  }
  sendJson(res, HTTP_STATUS[error.type], body, ctx, error.headers)
}

export function isAuthenticated(req: IncomingMessage): boolean {
  const apiKey = req.headers['x-api-key']
  if (typeof apiKey === 'string' && apiKey.trim() !== '') return true
  const auth = req.headers['authorization']
  return typeof auth === 'string' && /^Bearer\s+\S+/i.test(auth)
}

export function takeFault(faults: ScriptedFault[], method: string, path: string): ScriptedFault | undefined {
  const fault = faults.find((f) => {
    f.path.lastIndex = 0 // a /g or /y pattern would otherwise carry state between calls
    return f.times > 0 && f.method.toUpperCase() === method && f.path.test(path)
  })
  if (fault) fault.times -= 1
  return fault
}
