/**
 * Regular expressions from a suite, run on model output within a time budget. A pattern such as
 * `^(\w+\s?)*$` backtracks for ever on a 41-character output, and a job that hangs there reports nothing
 * until GitHub kills it hours later.
 *
 * V8 has a second, linear-time regexp engine. With `--enable-experimental-regexp-engine-on-excessive-
 * backtracks` it reruns a pattern on that engine once the usual one has backtracked too much, which bounds
 * the time of every pattern that engine can run: set at the first compile, as an action cannot pass Node
 * flags. Which patterns it can run is known when compiling: `--enable-experimental-regexp-engine` lets the
 * `l` flag ask, and it refuses backreferences, lookarounds, large counted repeats and the `i` and `u` flags.
 * Such a pattern runs in a vm context whose timeout interrupts it (which costs 100 to 200 µs a call), and one
 * that runs out throws a RegexBudgetError.
 *
 * JSON Schema patterns come with `u` (ajv's default). On text without surrogates (no characters beyond
 * U+FFFF) a pattern without \p, \P and \u{...} escapes or astral characters means the same with and without
 * `u`, so such text runs the pattern without `u` natively when the linear engine can run that, and only
 * text with surrogates pays for the vm.
 */
import v8 from 'node:v8'
import vm from 'node:vm'
import { cut } from '../../common/cut-text.js'
import { UserError } from '../../common/user-error.js'

/** How long one pattern may run on one output. */
export const REGEX_BUDGET_MS = 1000

/** A pattern that ran past its budget on some text. */
export class RegexBudgetError extends UserError {
  constructor(source: string, budgetMs: number) {
    const shown = cut(source, 80)
    const budget = budgetMs >= 1000 ? `${budgetMs / 1000} s` : `${budgetMs} ms`
    super(
      `the regular expression /${shown}/ ran past its ${budget} budget on this output (catastrophic ` +
        'backtracking): simplify it, e.g. avoid nested quantifiers like (a+)+ and backreferences like \\1',
    )
    this.name = 'RegexBudgetError'
  }
}

export interface BoundedRegExp {
  /** Whether the pattern matches somewhere in `text`; throws a RegexBudgetError when it runs out of time. */
  test(text: string): boolean
  /** `/source/flags`, which ajv tells its patterns apart by. */
  toString(): string
}

let linearEngineEnabled = false

function enableLinearEngine(): void {
  if (linearEngineEnabled) return
  v8.setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks')
  v8.setFlagsFromString('--enable-experimental-regexp-engine')
  linearEngineEnabled = true
}

/** Whether V8's linear-time engine can run the pattern with these flags. */
function runsInLinearTime(source: string, flags: string): boolean {
  try {
    new RegExp(source, `${flags}l`)
    return true
  } catch {
    return false
  }
}

/** What `u` changes the meaning of, on text without surrogates. */
const UNICODE_ONLY = /\\[pP]|\\u\{|\\u[dD][89a-fA-F]|[\uD800-\uDFFF]/
const SURROGATE = /[\uD800-\uDFFF]/

let sandbox: vm.Context | undefined
const TEST_IN_SANDBOX = new vm.Script('pattern.test(text)')

/** Runs pattern.test(text) in a vm context, whose timeout interrupts even a regexp that never returns. */
function testWithin(pattern: RegExp, text: string, budgetMs: number): boolean {
  sandbox ??= vm.createContext({ pattern: undefined, text: undefined })
  sandbox.pattern = pattern
  sandbox.text = text
  try {
    return TEST_IN_SANDBOX.runInContext(sandbox, { timeout: budgetMs }) === true
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
      throw new RegexBudgetError(pattern.source, budgetMs)
    }
    throw error
  } finally {
    // Outputs can be long; the context outlives this call.
    sandbox.text = undefined
  }
}

const compiled = new Map<string, BoundedRegExp>()
const CACHED_PATTERNS = 1000

/**
 * The pattern, compiled to run within `budgetMs` on any text; throws the SyntaxError of an invalid pattern.
 * Compiled once per (pattern, flags, budget): ajv's `$data` patterns are compiled for each value they check.
 */
export function boundedRegExp(source: string, flags = '', budgetMs = REGEX_BUDGET_MS): BoundedRegExp {
  const key = `${budgetMs}/${flags}/${source}`
  let pattern = compiled.get(key)
  if (!pattern) {
    pattern = compile(source, flags, budgetMs)
    if (compiled.size >= CACHED_PATTERNS) compiled.delete(compiled.keys().next().value as string)
    compiled.set(key, pattern)
  }
  return pattern
}

function compile(source: string, flags: string, budgetMs: number): BoundedRegExp {
  enableLinearEngine()
  const native = new RegExp(source, flags)
  if (runsInLinearTime(source, flags)) return native
  const bounded = (text: string) => testWithin(native, text, budgetMs)
  const toString = () => native.toString()
  const withoutUnicode = flags.replace('u', '')
  if (withoutUnicode !== flags && !UNICODE_ONLY.test(source) && runsInLinearTime(source, withoutUnicode)) {
    const sameOnSurrogateFreeText = new RegExp(source, withoutUnicode)
    return {
      test: (text) => (SURROGATE.test(text) ? bounded(text) : sameOnSurrogateFreeText.test(text)),
      toString,
    }
  }
  return { test: bounded, toString }
}
