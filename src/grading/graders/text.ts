/**
 * Text graders with promptfoo's names and semantics: equals, contains and its variants, starts-with, regex (within
 * a time budget: bounded-regex.ts).
 */
import { isDeepStrictEqual } from 'node:util'
import { cut } from '../../common/cut-text.js'
import { boundedRegExp, RegexBudgetError, type BoundedRegExp } from './bounded-regex.js'
import { phrased, type GraderDefinition } from './grader.js'
import { AssertionCompileError, type Finding } from './types.js'
import { listValue, resolveDataValue, show, showList, textValue, type CompileContext } from './values.js'

/** Case-insensitive forms compare lower case, in Unicode NFC so that "é" typed either way is one letter. */
const fold = (text: string) => text.normalize('NFC').toLowerCase()

const equals: GraderDefinition = {
  value: 'required',
  valueHelp:
    'the exact expected output (a string; or an object, list or null, compared with the output parsed as JSON)',
  acceptsNull: true,
  readsOutput: true,
  compile(c) {
    const { negate } = c
    const value = resolveDataValue(c)
    // null too, as in promptfoo: `equals: null` passes when the output is the JSON `null`.
    if (typeof value === 'object') {
      const shown = show(value)
      return ({ text }) => {
        let parsed: unknown
        try {
          parsed = JSON.parse(text)
        } catch {
          return phrased(false, negate, ['be JSON equal to', 'is JSON equal to'], shown, 'output is not JSON')
        }
        return phrased(
          isDeepStrictEqual(parsed, value),
          negate,
          ['be JSON equal to', 'is JSON equal to'],
          shown,
          `got ${show(parsed)}`,
        )
      }
    }
    const expected = textValue(c, value, 'the exact expected output', true)
    const shown = show(expected)
    return ({ text }) => phrased(text === expected, negate, ['equal', 'equals'], shown, `got ${show(text)}`)
  },
}

/**
 * A grader that checks the output against one text: `holds(output, value)`, both folded first with `fold`
 * when given (the value once, at compile).
 */
function textGrader(
  help: string,
  verb: readonly [infinitive: string, thirdPerson: string],
  holds: (text: string, expected: string) => boolean,
  options: { fold?: (text: string) => string; detail?: (text: string) => string } = {},
): GraderDefinition {
  return {
    value: 'required',
    valueHelp: help,
    readsOutput: true,
    compile(c) {
      const { negate } = c
      const expected = textValue(c, resolveDataValue(c), help)
      const shown = show(expected)
      const { fold: folded, detail } = options
      if (folded) {
        const needle = folded(expected)
        return ({ text }) => phrased(holds(folded(text), needle), negate, verb, shown, detail?.(text))
      }
      return ({ text }) => phrased(holds(text, expected), negate, verb, shown, detail?.(text))
    },
  }
}

const includes = (text: string, expected: string) => text.includes(expected)

function containsListGrader(mode: 'any' | 'all', ignoreCase: boolean): GraderDefinition {
  const how = ignoreCase ? ' (ignoring case)' : ''
  return {
    value: 'required',
    valueHelp: 'a list of strings (or a comma-separated string)',
    readsOutput: true,
    compile(c: CompileContext) {
      const { negate } = c
      const items = listValue(c, resolveDataValue(c), 'strings to look for')
      const needles = ignoreCase ? items.map(fold) : items
      const all = showList(items)
      return ({ text }): Finding => {
        const haystack = ignoreCase ? fold(text) : text
        const found = items.filter((_, i) => haystack.includes(needles[i]))
        const missing = items.filter((_, i) => !haystack.includes(needles[i]))
        const holds = mode === 'any' ? found.length > 0 : missing.length === 0
        const pass = holds !== negate
        let reason: string
        if (!pass) {
          const detail =
            mode === 'any' && negate
              ? `; found ${showList(found)}`
              : mode === 'all' && !negate
                ? `; missing ${showList(missing)}`
                : ''
          reason = `expected output ${negate ? 'not ' : ''}to contain ${mode} of ${all}${how}${detail}`
        } else if (mode === 'any') {
          reason = negate
            ? `output contains none of ${all}${how}`
            : `output contains ${showList(found)}${how}`
        } else {
          reason = negate
            ? `output does not contain ${showList(missing)}${how}`
            : `output contains all of ${all}${how}`
        }
        return { pass: holds, score: holds ? 1 : 0, reason }
      }
    },
  }
}

const regex: GraderDefinition = {
  value: 'required',
  valueHelp: 'a JavaScript regular expression, without slashes',
  readsOutput: true,
  compile(c) {
    const { negate } = c
    const source = textValue(c, resolveDataValue(c), 'a JavaScript regular expression, without slashes')
    let pattern: BoundedRegExp
    try {
      pattern = boundedRegExp(source)
    } catch (error) {
      throw new AssertionCompileError(
        `${c.type} has an invalid regular expression: ${(error as Error).message}`,
        'value',
      )
    }
    const shown = `/${cut(source, 80)}/`
    return ({ text }): Finding => {
      let matches: boolean
      try {
        matches = pattern.test(text)
      } catch (error) {
        if (!(error instanceof RegexBudgetError)) throw error
        return { pass: false, score: 0, reason: error.message, error: true }
      }
      return phrased(matches, negate, ['match', 'matches'], shown)
    }
  },
}

export const TEXT_GRADERS: Record<string, GraderDefinition> = {
  equals,
  contains: textGrader('the text the output must contain', ['contain', 'contains'], includes),
  icontains: textGrader(
    'the text the output must contain',
    ['contain (ignoring case)', 'contains (ignoring case)'],
    includes,
    { fold },
  ),
  'contains-any': containsListGrader('any', false),
  'contains-all': containsListGrader('all', false),
  'icontains-any': containsListGrader('any', true),
  'icontains-all': containsListGrader('all', true),
  'starts-with': textGrader(
    'the text the output must start with',
    ['start with', 'starts with'],
    (text, expected) => text.startsWith(expected),
    { detail: (text) => `it starts ${show(text.slice(0, 40))}` },
  ),
  regex,
}
