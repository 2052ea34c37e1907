/** The javascript grader: suite code decides, returning a boolean, a score, or {pass, score, reason}. */
import { reachesThreshold, type GraderDefinition } from './grader.js'
import { compileScript, describeError, type CompiledScript } from './script.js'
import type { Finding, Subject } from './types.js'
import { oneLine, show } from './values.js'

const javascript: GraderDefinition = {
  value: 'required',
  valueHelp:
    'JavaScript: an expression of output and context (e.g. output.length < 100), a multi-line function body, ' +
    'or file://grader.js[:functionName]',
  threshold: {
    kind: 'number',
    help:
      'the lowest returned number that passes (without it, a number passes when > 0); a returned ' +
      '{pass, score, reason} decides by its own pass',
  },
  readsOutput: true,
  takesConfig: true,
  async compile(c) {
    const script = await compileScript(c.value, c.baseDir, c.io, 'value', c.type)
    const { config, threshold } = c
    return async (subject: Subject): Promise<Finding> => {
      const context = subject.scriptContext()
      if (config !== undefined) context.config = structuredClone(config)
      let result: unknown
      try {
        result = await script.run(subject.output, context)
      } catch (error) {
        return { pass: false, score: 0, reason: `${script.label} threw ${describeError(error)}`, error: true }
      }
      return interpret(result, script, threshold)
    }
  },
}

const clamp = (score: number) => Math.min(1, Math.max(0, score))

/**
 * promptfoo's reading of a result: a boolean passes when true; a number is the score and passes when
 * >= threshold, or > 0 without one; an object is a grading result that carries its own `pass` (the
 * threshold is not applied to it) and may give score and reason; an object without `pass` is an error.
 * Scores outside 0..1 are clamped for the report (the comparison uses the number returned).
 */
export function interpret(
  result: unknown,
  script: Pick<CompiledScript, 'label' | 'isBody'>,
  threshold: number | undefined,
): Finding {
  const label = script.label
  if (typeof result === 'boolean') {
    return { pass: result, score: result ? 1 : 0, reason: `${label} returned ${result}` }
  }
  if (typeof result === 'number') {
    if (!Number.isFinite(result)) return invalid(result, script)
    return scored(result, threshold, `${label} returned ${result}`)
  }
  if (result !== null && typeof result === 'object' && !Array.isArray(result)) {
    const { pass, score, reason } = result as Record<string, unknown>
    if (typeof pass !== 'boolean') {
      const hint =
        pass === undefined
          ? "an object result needs 'pass' (true or false); return a number to be scored against a threshold"
          : `its 'pass' is ${show(pass, 30)}, not true or false`
      return invalid(result, script, hint)
    }
    if (score !== undefined && (typeof score !== 'number' || !Number.isFinite(score)))
      return invalid(result, script, `its 'score' is ${show(score, 30)}, not a finite number`)
    const told = typeof reason === 'string' && reason.trim() !== '' ? oneLine(reason) : undefined
    const value = typeof score === 'number' ? score : pass ? 1 : 0
    return { pass, score: clamp(value), reason: told ?? `${label} returned pass: ${pass}` }
  }
  return invalid(result, script)
}

function scored(value: number, threshold: number | undefined, said: string): Finding {
  const pass = threshold === undefined ? value > 0 : reachesThreshold(value, threshold)
  const rule =
    threshold === undefined
      ? pass
        ? ''
        : ' (a score passes when > 0)'
      : ` (${pass ? '>=' : '<'} threshold ${threshold})`
  return { pass, score: clamp(value), reason: `${said}${rule}` }
}

function invalid(
  result: unknown,
  script: Pick<CompiledScript, 'label' | 'isBody'>,
  problem?: string,
): Finding {
  const got = result === undefined ? 'undefined' : show(result, 60)
  const hint =
    script.isBody && result === undefined
      ? ' (a multi-line value is a function body: end it with return)'
      : ''
  const fix = problem ?? `return a boolean, a number or {pass, score, reason}${hint}`
  return { pass: false, score: 0, reason: `${script.label} returned ${got}; ${fix}`, error: true }
}

export const JAVASCRIPT_GRADERS: Record<string, GraderDefinition> = { javascript }
