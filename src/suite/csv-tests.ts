/**
 * A CSV row -> a test, as promptfoo reads one: columns are vars; `__expected` (and `__expected1`, ...) hold
 * assertions written as `type:value` (`contains:Paris`, `not-icontains:sorry`, `levenshtein(3):Paris`,
 * `fn:output.length < 80`, `grade:is polite`); a value without a known type is an `equals`. `__description`,
 * `__metric` and `__threshold` set those fields of the test, `__metadata:key` (`__metadata:key[]`: a list,
 * comma-separated) its metadata, `__prefix` and `__suffix` the text around its prompt, and
 * `__config:__expectedN:threshold` the threshold of its Nth assertion. `__prompt` (not promptfoo's) gives a
 * test its own prompt template, so that a CSV file can be a suite by itself. A blank special cell is not
 * written.
 */
import { didYouMean } from '../common/did-you-mean.js'
import { SCHEMA_ASSERTION_TYPES } from './schema.js'

const FIELD_COLUMNS = ['__description', '__metric', '__threshold', '__prompt']
const SPECIAL_COLUMNS = [
  '__expected',
  ...FIELD_COLUMNS,
  '__prefix',
  '__suffix',
  '__metadata:<key>',
  '__config:__expected<N>:threshold',
]
/** A column's name up to its first `:` (`__metadata:`), to match against the special columns. */
const namePart = (column: string) => /^[^:]*:/.exec(column)?.[0] ?? column
const KNOWN_NAMES = SPECIAL_COLUMNS.map(namePart)

const LIST_TYPES = ['contains-any', 'contains-all', 'icontains-any', 'icontains-all']
/** Types whose value promptfoo keeps as written after `type:` (a JSON schema); it trims the others'. */
const UNTRIMMED_TYPES = ['contains-json', 'is-json']
/**
 * The threshold promptfoo gives a type that a cell writes without one (`rouge-n:text` is `rouge-n(0.75):text`).
 * promptfoo gives starts-with one too, which changes nothing: it passes or fails whatever its threshold.
 */
const DEFAULT_THRESHOLDS: ReadonlyMap<string, number> = new Map([
  ...[
    'answer-relevance',
    'classifier',
    'context-faithfulness',
    'context-recall',
    'context-relevance',
    'cost',
    'latency',
    'levenshtein',
    'perplexity',
    'perplexity-score',
    'rouge-n',
  ].map((type): [string, number] => [type, 0.75]),
  ['similar', 0.8],
])

/**
 * How an `__expected` cell names its type: any the schema knows, promptfoo's types that are not graded here
 * among them, so that such a cell is that assertion (an errored grade with the reason), as it is for promptfoo,
 * rather than text compared with `equals`.
 */
function expectedPattern(): RegExp {
  const baseTypes = SCHEMA_ASSERTION_TYPES.filter((type) => !type.startsWith('not-') && type !== 'assert-set')
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

/** One `__expected` cell (trimmed, as promptfoo trims it) -> an assertion, in promptfoo's shorthand. */
function assertionFromExpected(expected: string, pattern: RegExp): Record<string, unknown> {
  for (const [prefix, type] of PREFIXES) {
    if (expected.startsWith(prefix)) return { type, value: expected.slice(prefix.length).trim() }
  }
  if (/^file:\/\/.+\.py(?::\w+)?$/.test(expected)) return { type: 'python', value: expected }
  if (/^file:\/\/.+\.(?:m?js|cjs|m?ts|cts)(?::\w+)?$/.test(expected))
    return { type: 'javascript', value: expected }
  const match = pattern.exec(expected)
  if (!match) return { type: 'equals', value: expected }
  const [, not = '', type, written, value] = match
  const threshold = written === undefined ? DEFAULT_THRESHOLDS.get(type) : Number(written)
  return {
    type: `${not}${type}`,
    ...(value !== undefined && {
      value: LIST_TYPES.includes(type)
        ? value.split(',').map((v) => v.trim())
        : UNTRIMMED_TYPES.includes(type)
          ? value
          : value.trim(),
    }),
    ...(threshold !== undefined && { threshold }),
  }
}

/** The reader of CSV rows: columns -> a test object; it throws an Error naming a misspelt or malformed special column. */
export function csvTestReader(): (row: Record<string, string>) => Record<string, unknown> {
  const pattern = expectedPattern()
  return (row) => testFromCsvRow(row, pattern)
}

function testFromCsvRow(row: Record<string, string>, pattern: RegExp): Record<string, unknown> {
  const vars: Record<string, string> = {}
  const assert: Record<string, unknown>[] = []
  const test: Record<string, unknown> = {}
  const metadata: Record<string, unknown> = {}
  const options: Record<string, string> = {}
  const thresholds = new Map<number, number>()
  for (const [written, cell] of Object.entries(row)) {
    // promptfoo trims the header's names: ` __expected` is __expected.
    const column = written.trim()
    const blank = cell.trim() === ''
    if (/^__expected\d*$/.test(column)) {
      if (!blank) assert.push(assertionFromExpected(cell.trim(), pattern))
    } else if (FIELD_COLUMNS.includes(column)) {
      // A blank cell is not written, as in promptfoo: the test keeps the suite's prompts, and no threshold.
      if (!blank) test[column.slice(2)] = column === '__threshold' ? number(column, cell) : cell
    } else if (column === '__prefix' || column === '__suffix') {
      if (cell !== '') options[column.slice(2)] = cell
    } else if (column.startsWith('__metadata:') && column.length > '__metadata:'.length) {
      if (!blank) addMetadata(metadata, column.slice('__metadata:'.length), cell)
    } else if (column.startsWith('__config:')) {
      if (!blank) thresholds.set(configTarget(column), number(column, cell))
    } else if (
      column.startsWith('__') ||
      (column.startsWith('_') && didYouMean(namePart(`_${column}`), KNOWN_NAMES) !== '')
    ) {
      throw new Error(unknownColumn(column))
    } else {
      vars[written] = cell
    }
  }
  // As promptfoo counts them: __expected and __expected1 are the row's first assertion, __expected2 its second.
  for (const [index, threshold] of thresholds) if (assert[index]) assert[index].threshold = threshold
  const { metric, ...rest } = test
  return {
    ...rest,
    vars,
    assert: metric ? assert.map((a) => ({ ...a, metric })) : assert,
    ...(Object.keys(options).length > 0 && { options }),
    ...(Object.keys(metadata).length > 0 && { metadata }),
  }
}

/** `__metadata:key` is a string; `__metadata:key[]` a list, split at commas that are not escaped (`\,`). */
function addMetadata(metadata: Record<string, unknown>, key: string, cell: string): void {
  if (!key.endsWith('[]')) metadata[key] = cell
  else metadata[key.slice(0, -2)] = cell.split(/(?<!\\),/).map((item) => item.trim().replaceAll('\\,', ','))
}

/** The index of the assertion a `__config:__expectedN:threshold` column sets, or an Error saying why none. */
function configTarget(column: string): number {
  const form = '__config:__expected:threshold or __config:__expected<N>:threshold (N from 1)'
  const parts = column.slice('__config:'.length).split(':')
  const target = /^__expected(\d*)$/.exec(parts[0])
  if (parts.length !== 2 || !target || target[1] === '0') {
    throw new Error(`special column '${column}' names no assertion: write ${form}`)
  }
  if (parts[1] !== 'threshold') {
    throw new Error(
      `special column '${column}' sets '${parts[1]}', but only threshold can be set: write ${form}`,
    )
  }
  return target[1] === '' ? 0 : Number(target[1]) - 1
}

function unknownColumn(column: string): string {
  if (column === '__metadata' || column === '__metadata:') {
    return `special column '${column}' names no key: write __metadata:<key>, like __metadata:category`
  }
  const suggestion = didYouMean(namePart(column.startsWith('__') ? column : `_${column}`), KNOWN_NAMES)
  return `unknown special column '${column}'${suggestion}; special columns: ${SPECIAL_COLUMNS.join(', ')}`
}

function number(column: string, cell: string): number {
  const value = Number(cell)
  if (Number.isNaN(value)) throw new Error(`${column} must be a number, like 0.8; it is '${cell}'`)
  return value
}
