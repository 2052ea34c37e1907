/**
 * promptfoo's webhook: the output is POSTed as JSON `{output, context: {prompt, vars}}` to the value's URL,
 * which answers `{pass, score?, reason?}`. A webhook that fails, is late or answers anything else makes an
 * errored grade with the reason, which fails its test.
 */
import type { GraderDefinition } from './grader.js'
import { AssertionCompileError, type Finding, type Subject } from './types.js'
import { isErrorLike, messageOf, oneLine, show, textValue } from './values.js'

/** promptfoo's default (its WEBHOOK_TIMEOUT). */
const WEBHOOK_TIMEOUT_MS = 5000

function errored(url: string, problem: string): Finding {
  return { pass: false, score: 0, reason: `webhook ${url} ${problem}`, error: true }
}

/** The finding of a webhook's answer, or an errored one for an answer that is not `{pass, score?, reason?}`. */
function findingOf(url: string, answer: unknown): Finding {
  if (answer === null || typeof answer !== 'object' || Array.isArray(answer)) {
    return errored(url, `answered ${show(answer, 60)}; it must answer {pass, score, reason}`)
  }
  const { pass, score, reason } = answer as Record<string, unknown>
  if (typeof pass !== 'boolean') {
    return errored(url, `answered 'pass' ${show(pass, 30)}; it must be true or false`)
  }
  if (score !== undefined && (typeof score !== 'number' || !Number.isFinite(score))) {
    return errored(url, `answered 'score' ${show(score, 30)}; it must be a number`)
  }
  const told = typeof reason === 'string' && reason.trim() !== '' ? oneLine(reason) : undefined
  return {
    pass,
    score: typeof score === 'number' ? Math.min(1, Math.max(0, score)) : pass ? 1 : 0,
    reason: told ?? `webhook ${url} answered pass: ${pass}`,
  }
}

/** The webhook grader, with how long it waits for an answer (a test gives a short one). */
export function webhookGrader(timeoutMs = WEBHOOK_TIMEOUT_MS): GraderDefinition {
  return {
    value: 'required',
    valueHelp: 'the URL of the webhook (http or https) that the output is POSTed to',
    readsOutput: true,
    compile(c) {
      const url = textValue(c, c.value, 'the URL of the webhook').trim()
      let parsed: URL | undefined
      try {
        parsed = new URL(url)
      } catch {
        parsed = undefined
      }
      if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
        throw new AssertionCompileError(
          `${c.type} needs a 'value' that is an http or https URL; got ${show(url, 60)}`,
          'value',
        )
      }
      const shown = show(url, 80)
      return async ({ output, input }: Subject): Promise<Finding> => {
        let response: Response
        try {
          response = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ output, context: { prompt: input.prompt, vars: input.vars } }),
            signal: AbortSignal.timeout(timeoutMs),
          })
        } catch (error) {
          const late = isErrorLike(error) && error.name === 'TimeoutError'
          const cause = (error as { cause?: unknown }).cause
          const why = late
            ? `did not answer within ${timeoutMs / 1000} s`
            : `could not be reached: ${messageOf(cause ?? error)}`
          return errored(shown, why)
        }
        let body: string
        try {
          body = await response.text()
        } catch (error) {
          return errored(shown, `broke off its answer: ${messageOf(error)}`)
        }
        if (!response.ok) return errored(shown, `answered HTTP ${response.status}: ${show(body, 100)}`)
        let answer: unknown
        try {
          answer = JSON.parse(body)
        } catch {
          return errored(shown, `answered ${show(body, 60)}, which is not JSON`)
        }
        return findingOf(shown, answer)
      }
    },
  }
}

export const WEBHOOK_GRADERS: Record<string, GraderDefinition> = { webhook: webhookGrader() }
