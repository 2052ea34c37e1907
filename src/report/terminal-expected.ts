/**
 * What a failing text assertion expected next to what the model wrote, for the terminal report: the value
 * and the output, and for a whole-text comparison (`equals`, `levenshtein`...) their diff, by words when both
 * are one line, else by lines. Every text here is untrusted: made plain (terminal-style.ts) before it is
 * diffed or coloured.
 */
import { lineDiff, wordDiff, type TextDiff } from '../common/text-diff.js'
import type { AssertionResult } from '../model.js'
import { oneLine, plain, StyledLine, type Paint } from './terminal-style.js'

/** Types whose value is text the output must contain, start with or match. */
const CONTAINMENT_TYPES = new Set([
  'contains',
  'icontains',
  'contains-any',
  'contains-all',
  'icontains-any',
  'icontains-all',
  'starts-with',
  'regex',
])
/** Types that compare the whole output with their value: these get a diff. */
const WHOLE_TEXT_TYPES = new Set(['equals', 'levenshtein', 'rouge-n', 'bleu', 'gleu', 'meteor'])

const INDENT = '      '
const OUTPUT_LINES = 10
const DIFF_LINES = 40
/** Unchanged lines shown either side of a change. */
const CONTEXT = 2

export interface Layout {
  paint: Paint
  width: number
}

/** Whether the assertion's value is text the output was compared with, so that showing the output helps. */
export function comparesText(assertion: AssertionResult): boolean {
  const type = assertion.type.replace(/^not-/, '')
  return CONTAINMENT_TYPES.has(type) || WHOLE_TEXT_TYPES.has(type)
}

/** The expected value and the output (or their diff), indented under the assertion; none for other types. */
export function expectedAndGot(assertion: AssertionResult, output: string, layout: Layout): string[] {
  if (!comparesText(assertion)) return []
  const negated = assertion.type.startsWith('not-')
  const type = assertion.type.replace(/^not-/, '')
  const { value } = assertion
  const room = layout.width - INDENT.length - 10
  const label = negated ? 'not:      ' : 'expected: '
  if (typeof value === 'string' && value.startsWith('file://')) {
    return [
      `${INDENT}${label}${layout.paint('dim', `(the text of ${oneLine(value, room)})`)}`,
      ...got(output, layout),
    ]
  }
  const expected = [`${INDENT}${label}${valueText(value, room)}`]
  if (!WHOLE_TEXT_TYPES.has(type) || negated || typeof value !== 'string')
    return [...expected, ...got(output, layout)]
  const [a, b] = [plain(value), plain(output)]
  if (!a.includes('\n') && !b.includes('\n')) {
    return [...expected, ...got(output, layout), ...wordDiffLines(wordDiff(a, b), layout)]
  }
  return lineDiffLines(lineDiff(a, b), layout)
}

function valueText(value: unknown, room: number): string {
  if (typeof value === 'string') return oneLine(value, room)
  if (Array.isArray(value)) return oneLine(value.map((item) => JSON.stringify(item)).join(', '), room)
  return oneLine(JSON.stringify(value) ?? String(value), room)
}

/** The output's first lines, each cut to the width, and how much more there is. */
export function got(output: string, layout: Layout, label = 'got:      '): string[] {
  if (output === '') return [`${INDENT}${label}${layout.paint('dim', '(empty)')}`]
  const lines = plain(output).split('\n')
  const room = layout.width - INDENT.length - label.length
  const shown = lines.slice(0, OUTPUT_LINES).map((line, index) => {
    const text = new StyledLine(layout.paint, room).add(line.replace(/\t/g, '\\t')).toString()
    return `${INDENT}${index === 0 ? label : ' '.repeat(label.length)}${text}`
  })
  const more = lines.length - shown.length
  if (more > 0) {
    const chars = [...output].length.toLocaleString('en-US')
    shown.push(
      `${INDENT}${' '.repeat(label.length)}${layout.paint('dim', `… ${more} more lines (${chars} characters in all)`)}`,
    )
  }
  return shown
}

function uncomparedNote({ uncompared }: TextDiff, unit: string, layout: Layout): string[] {
  if (uncompared.expected === 0 && uncompared.actual === 0) return []
  return [
    `${INDENT}${layout.paint(
      'dim',
      `… the diff stops there: ${uncompared.expected} more ${unit} of the expected text and ` +
        `${uncompared.actual} of the output were not compared`,
    )}`,
  ]
}

/** One line: unchanged words plain, `[-removed-]` in red and `{+added+}` in green (git's --word-diff). */
function wordDiffLines(diff: TextDiff, layout: Layout): string[] {
  const line = new StyledLine(layout.paint, layout.width - INDENT.length - 10)
  for (const { kind, tokens } of diff.parts) {
    const text = tokens.join('').replace(/\t/g, '\\t')
    if (kind === 'same') line.add(text)
    else if (kind === 'removed') line.add(`[-${text}-]`, 'red')
    else line.add(`{+${text}+}`, 'green')
  }
  return [`${INDENT}diff:     ${line.toString()}`, ...uncomparedNote(diff, 'words', layout)]
}

/** `- expected`, `+ got` and unchanged lines near the changes, up to DIFF_LINES lines. */
function lineDiffLines(diff: TextDiff, layout: Layout): string[] {
  const room = layout.width - INDENT.length - 2
  const row = (mark: string, text: string, style?: 'red' | 'green') =>
    `${INDENT}${new StyledLine(layout.paint, room + 2).add(`${mark} ${text.replace(/\t/g, '\\t')}`, style).toString()}`
  const rows: string[] = []
  diff.parts.forEach(({ kind, tokens }, index) => {
    if (kind === 'removed') rows.push(...tokens.map((text) => row('-', text, 'red')))
    else if (kind === 'added') rows.push(...tokens.map((text) => row('+', text, 'green')))
    else {
      const before = index === 0 ? 0 : CONTEXT
      const after = index === diff.parts.length - 1 ? 0 : CONTEXT
      if (tokens.length <= before + after + 1) rows.push(...tokens.map((text) => row(' ', text)))
      else {
        rows.push(...tokens.slice(0, before).map((text) => row(' ', text)))
        rows.push(`${INDENT}${layout.paint('dim', `  … ${tokens.length - before - after} unchanged lines`)}`)
        rows.push(...tokens.slice(tokens.length - after).map((text) => row(' ', text)))
      }
    }
  })
  const shown = rows.slice(0, DIFF_LINES)
  if (rows.length > shown.length) {
    shown.push(`${INDENT}${layout.paint('dim', `… ${rows.length - shown.length} more lines of the diff`)}`)
  }
  return [
    `${INDENT}diff (${layout.paint('red', '- expected')}, ${layout.paint('green', '+ got')}):`,
    ...shown,
    ...uncomparedNote(diff, 'lines', layout),
  ]
}
