/** word-count with promptfoo's semantics: the words of the output (runs of non-whitespace) against a number or a range. */
import type { GraderDefinition } from './grader.js'
import { AssertionCompileError, type Finding } from './types.js'
import { resolveDataValue, type CompileContext } from './values.js'

const HELP = 'the exact number of words, or {min, max} (either may be left out)'

/** promptfoo's count: the output split on whitespace, empty pieces dropped. */
export function countWords(text: string): number {
  const trimmed = text.trim()
  return trimmed === '' ? 0 : trimmed.split(/\s+/).length
}

interface Range {
  min?: number
  max?: number
}

/** A count the suite wrote: a whole number of 0 or more (a numeric string, as promptfoo accepts). */
function countValue(c: CompileContext, value: unknown, key: string): number {
  const count = typeof value === 'string' && value.trim() !== '' ? Number(value) : value
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) {
    throw new AssertionCompileError(
      `${c.type} needs ${key === 'value' ? "a 'value'" : `'${key}'`} that is a whole number of 0 or more; got ${JSON.stringify(value)}`,
      'value',
    )
  }
  return count
}

function rangeOf(c: CompileContext): Range | number {
  const value = resolveDataValue(c)
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return countValue(c, value, 'value')
  const record = value as Record<string, unknown>
  const unknown = Object.keys(record).filter((key) => key !== 'min' && key !== 'max')
  if (unknown.length > 0) {
    throw new AssertionCompileError(
      `${c.type} takes 'min' and 'max' in its value, not ${unknown.map((key) => `'${key}'`).join(', ')}`,
      'value',
    )
  }
  const range: Range = {}
  if (record.min !== undefined) range.min = countValue(c, record.min, 'min')
  if (record.max !== undefined) range.max = countValue(c, record.max, 'max')
  if (range.min === undefined && range.max === undefined) {
    throw new AssertionCompileError(`${c.type} needs 'min' and/or 'max' in its value: ${HELP}`, 'value')
  }
  if (range.min !== undefined && range.max !== undefined && range.min > range.max) {
    throw new AssertionCompileError(
      `${c.type} has min ${range.min} above max ${range.max}; swap them`,
      'value',
    )
  }
  return range
}

/** "exactly 5", "between 3 and 8", "at least 3", "at most 8" words. */
function describe(range: Range | number): string {
  if (typeof range === 'number') return `exactly ${range}`
  if (range.min !== undefined && range.max !== undefined) return `between ${range.min} and ${range.max}`
  return range.min !== undefined ? `at least ${range.min}` : `at most ${range.max}`
}

const wordCount: GraderDefinition = {
  value: 'required',
  valueHelp: HELP,
  readsOutput: true,
  compile(c) {
    const { negate } = c
    const range = rangeOf(c)
    const wanted = describe(range)
    const within = (count: number) =>
      typeof range === 'number'
        ? count === range
        : (range.min === undefined || count >= range.min) && (range.max === undefined || count <= range.max)
    return ({ text }): Finding => {
      const count = countWords(text)
      const holds = within(count)
      const pass = holds !== negate
      const words = `${count} word${count === 1 ? '' : 's'}`
      const reason = pass
        ? `output has ${words} (${negate ? 'not ' : ''}${wanted})`
        : `expected ${negate ? 'not ' : ''}${wanted} words; output has ${words}`
      return { pass: holds, score: holds ? 1 : 0, reason }
    }
  },
}

export const COUNT_GRADERS: Record<string, GraderDefinition> = { 'word-count': wordCount }
