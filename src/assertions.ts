/** Deterministic assertions on a model's output text, with promptfoo's names and semantics. */

type Check = (output: string, value: string, pattern: RegExp | undefined) => boolean

const CHECKS = {
  equals: (output, value) => output === value,
  contains: (output, value) => output.includes(value),
  icontains: (output, value) => output.toLowerCase().includes(value.toLowerCase()),
  regex: (output, _value, pattern) => pattern?.test(output) ?? false,
} satisfies Record<string, Check>

/** The verb of each check, as in "expected output to ___" and "output ___". */
const VERBS: Record<BaseAssertionType, [infinitive: string, thirdPerson: string]> = {
  equals: ['equal', 'equals'],
  contains: ['contain', 'contains'],
  icontains: ['contain (ignoring case)', 'contains (ignoring case)'],
  regex: ['match', 'matches'],
}

export type BaseAssertionType = keyof typeof CHECKS
export const ASSERTION_TYPES = Object.keys(CHECKS).flatMap((type) => [type, `not-${type}`])

export interface Assertion {
  /** The type as written, e.g. `not-contains`. */
  type: string
  base: BaseAssertionType
  negate: boolean
  value: string
  pattern?: RegExp
}

export interface AssertionResult {
  type: string
  value: string
  pass: boolean
  score: number
  reason: string
}

/** Validates one `assert` entry; throws an Error whose message says what to write instead. */
export function parseAssertion(type: unknown, value: unknown): Assertion {
  if (typeof type !== 'string' || type === '') {
    throw new Error(`an assertion needs a 'type' (one of ${ASSERTION_TYPES.join(', ')})`)
  }
  const negate = type.startsWith('not-')
  const base = (negate ? type.slice(4) : type) as BaseAssertionType
  if (!(base in CHECKS)) {
    throw new Error(`unknown assertion type '${type}'; use one of ${ASSERTION_TYPES.join(', ')}`)
  }
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
    throw new Error(`assertion '${type}' needs a 'value' that is a string`)
  }
  const text = String(value)
  if (base !== 'regex') return { type, base, negate, value: text }
  try {
    return { type, base, negate, value: text, pattern: new RegExp(text) }
  } catch (error) {
    throw new Error(`assertion '${type}' has an invalid regular expression: ${(error as Error).message}`, {
      cause: error,
    })
  }
}

export function gradeAssertion(assertion: Assertion, output: string): AssertionResult {
  const { type, base, negate, value, pattern } = assertion
  const pass = CHECKS[base](output, value, pattern) !== negate
  const [infinitive, thirdPerson] = VERBS[base]
  const shown = base === 'regex' ? `/${value}/` : quote(value)
  const reason = pass
    ? `output ${negate ? `does not ${infinitive}` : thirdPerson} ${shown}`
    : `expected output ${negate ? 'not ' : ''}to ${infinitive} ${shown}`
  return { type, value, pass, score: pass ? 1 : 0, reason }
}

function quote(value: string): string {
  const shown = value.length > 80 ? `${value.slice(0, 80)}…` : value
  return JSON.stringify(shown)
}
