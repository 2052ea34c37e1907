/**
 * A CSV row -> a test, as promptfoo reads one: columns are vars; `__expected` (and `__expected1`, ...) hold
 * assertions written as `type:value` (`contains:Paris`, `not-icontains:sorry`, `levenshtein(3):Paris`,
 * `fn:output.length < 80`, `grade:is polite`); a value without a known type is an `equals`. `__description`,
 * `__metric` and `__threshold` set those fields of the test, and `__prompt` (not promptfoo's) gives a test its
 * own prompt template, so that a CSV file can be a suite by itself. A blank special cell is not written.
 */
import { didYouMean } from '../common/did-you-mean.js'
import { SCHEMA_ASSERTION_TYPES } from './schema.js'

const SPECIAL_COLUMNS = ['__expected', '__description', '__metric', '__threshold', '__prompt']
const LIST_TYPES = ['contains-any', 'contains-all', 'icontains-any', 'icontains-all']

/**
 * How an `__expected` cell names its type. A cell that starts with a promptfoo type this action refuses
 * (`refusedTypes`, the graders') is that assertion for promptfoo too: made one here, it is refused with the
 * reason when compiled, rather than compared as text with `equals`.
 */
function expectedPattern(refusedTypes: readonly string[]): RegExp {
  const baseTypes = [
    ...SCHEMA_ASSERTION_TYPES.filter((type) => !type.startsWith('not-') && type !== 'assert-set'),
    ...refusedTypes,
  ]
    // Longest first, so that `similar:cosine:text` is similar:cosine, not similar with `cosine:text`.
    .sort((a, b) => b.length - a.length)
  return new RegExp(`^(not-)?(${baseTypes.join('|')})(?:\\((\\d+(?:\\.\\d+)?)\\))?(?::([\\s\\S]*))?$`)
}

/** promptfoo's prefixes that name a type other than their own, and the type they stand for. */
const PREFIXES: [prefix: string, type: string][] = [
  ['javascript:', 'javascript'],
  ['fn:', 'javascript'],
  ['eval:', 'javascript'],
  ['grade:', 'llm-rubric'],
  ['llm-rubric:', 'llm-rubric'],
  ['python:', 'python'],
]

/** One `__expected` cell -> an assertion, in promptfoo's shorthand. */
function assertionFromExpected(expected: string, pattern: RegExp): Record<string, unknown> {
  for (const [prefix, type] of PREFIXES) {
    if (expected.startsWith(prefix)) return { type, value: expected.slice(prefix.length).trim() }
  }
  if (/^file:\/\/.+\.py(?::\w+)?$/.test(expected)) return { type: 'python', value: expected }
  if (/^file:\/\/.+\.(?:m?js|cjs|m?ts|cts)(?::\w+)?$/.test(expected))
    return { type: 'javascript', value: expected }
  const match = pattern.exec(expected)
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

/**
 * The reader of CSV rows for graders that refuse `refusedTypes`: columns -> a test object; it throws an Error
 * naming a misspelt special column.
 */
export function csvTestReader(
  refusedTypes: readonly string[],
): (row: Record<string, string>) => Record<string, unknown> {
  const pattern = expectedPattern(refusedTypes)
  return (row) => testFromCsvRow(row, pattern)
}

function testFromCsvRow(row: Record<string, string>, pattern: RegExp): Record<string, unknown> {
  const vars: Record<string, string> = {}
  const assert: Record<string, unknown>[] = []
  const test: Record<string, unknown> = {}
  for (const [column, cell] of Object.entries(row)) {
    if (/^__expected\d*$/.test(column)) {
      if (cell.trim() !== '') assert.push(assertionFromExpected(cell, pattern))
    } else if (SPECIAL_COLUMNS.includes(column)) {
      // A blank cell is not written, as in promptfoo: the test keeps the suite's prompts, and no threshold.
      if (cell.trim() !== '') test[column.slice(2)] = column === '__threshold' ? threshold(cell) : cell
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

function threshold(cell: string): number {
  const value = Number(cell)
  if (Number.isNaN(value)) throw new Error(`__threshold must be a number, like 0.8; it is '${cell}'`)
  return value
}
