/**
 * A CSV row -> a test, as promptfoo reads one: columns are vars; `__expected` (and `__expected1`, ...) hold
 * assertions written as `type:value` (`contains:Paris`, `not-icontains:sorry`, `levenshtein(3):Paris`,
 * `fn:output.length < 80`); a value without a known type is an `equals`. `__description`, `__metric` and
 * `__threshold` set those fields of the test, and `__prompt` (not promptfoo's) gives a test its own prompt
 * template, so that a CSV file can be a suite by itself.
 */
import { didYouMean } from './did-you-mean.js'
import { SCHEMA_ASSERTION_TYPES } from './suite-schema.js'

const SPECIAL_COLUMNS = ['__expected', '__description', '__metric', '__threshold', '__prompt']
const LIST_TYPES = ['contains-any', 'contains-all', 'icontains-any', 'icontains-all']

const BASE_TYPES = SCHEMA_ASSERTION_TYPES.filter((type) => !type.startsWith('not-') && type !== 'assert-set')
const EXPECTED = new RegExp(
  `^(not-)?(${BASE_TYPES.join('|')})(?:\\((\\d+(?:\\.\\d+)?)\\))?(?::([\\s\\S]*))?$`,
)

/** One `__expected` cell -> an assertion, in promptfoo's shorthand. */
export function assertionFromExpected(expected: string): Record<string, unknown> {
  for (const prefix of ['javascript:', 'fn:']) {
    if (expected.startsWith(prefix))
      return { type: 'javascript', value: expected.slice(prefix.length).trim() }
  }
  if (/^file:\/\/.+\.(?:m?js|cjs)(?::\w+)?$/.test(expected)) return { type: 'javascript', value: expected }
  const match = EXPECTED.exec(expected)
  if (!match) return { type: 'equals', value: expected }
  const [, not = '', type, threshold, value] = match
  return {
    type: `${not}${type}`,
    ...(value !== undefined && {
      value: LIST_TYPES.includes(type) ? value.split(',').map((v) => v.trim()) : value,
    }),
    ...(threshold !== undefined && { threshold: Number(threshold) }),
  }
}

/** Columns -> a test object; throws an Error naming a misspelt special column. */
export function testFromCsvRow(row: Record<string, string>): Record<string, unknown> {
  const vars: Record<string, string> = {}
  const assert: Record<string, unknown>[] = []
  const test: Record<string, unknown> = {}
  for (const [column, cell] of Object.entries(row)) {
    if (/^__expected\d*$/.test(column)) {
      if (cell.trim() !== '') assert.push(assertionFromExpected(cell))
    } else if (column === '__description') {
      test.description = cell
    } else if (column === '__prompt') {
      test.prompt = cell
    } else if (column === '__metric') {
      test.metric = cell
    } else if (column === '__threshold') {
      test.threshold = Number(cell)
      if (cell.trim() === '' || Number.isNaN(test.threshold)) {
        throw new Error(`__threshold must be a number, like 0.8; it is '${cell}'`)
      }
    } else if (
      column.startsWith('__') ||
      (column.startsWith('_') && didYouMean(`_${column}`, SPECIAL_COLUMNS))
    ) {
      const suggestion = didYouMean(column.startsWith('__') ? column : `_${column}`, SPECIAL_COLUMNS)
      throw new Error(
        `unknown special column '${column}'${suggestion}; special columns: ${SPECIAL_COLUMNS.join(', ')}`,
      )
    } else {
      vars[column] = cell
    }
  }
  const { metric, ...rest } = test
  return { ...rest, vars, assert: metric ? assert.map((a) => ({ ...a, metric })) : assert }
}
