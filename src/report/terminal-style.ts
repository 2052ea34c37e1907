/**
 * The terminal report's styling: ANSI colours only when asked, and untrusted text (suite, model, API) made
 * plain before any colour goes around it: redacted, its control characters shown as escapes, cut to a width.
 */
import { codePointHead, cut } from '../common/cut-text.js'
import { redact } from '../common/redaction.js'
import { visibleText } from '../common/visible-text.js'

export type Style = 'red' | 'green' | 'yellow' | 'dim' | 'bold'

/** Each style's SGR codes, on and off (off resets only that attribute, so styles may sit side by side). */
const SGR: Record<Style, [on: number, off: number]> = {
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  dim: [2, 22],
  bold: [1, 22],
}

export type Paint = (style: Style, text: string) => string

export function painter(color: boolean): Paint {
  if (!color) return (_style, text) => text
  return (style, text) => (text === '' ? text : `\x1b[${SGR[style][0]}m${text}\x1b[${SGR[style][1]}m`)
}

/** Untrusted text as it may be printed: secrets redacted (before any cut, which could split one), escaped. */
export function plain(text: string): string {
  return visibleText(redact(text))
}

/** Untrusted text on one line of at most `max` characters: line breaks and tabs shown as `\n` and `\t`. */
export function oneLine(text: string, max: number): string {
  return cut(plain(text).replace(/\n/g, '\\n').replace(/\t/g, '\\t'), Math.max(max, 1))
}

/**
 * A line of styled pieces cut at a width measured in the pieces' text, not in their colour codes, so that a
 * cut never splits an escape sequence. Pieces are plain text already (see `plain`).
 */
export class StyledLine {
  private readonly pieces: string[] = []
  private length = 0
  private full = false

  constructor(
    private readonly paint: Paint,
    private readonly width: number,
  ) {}

  add(text: string, style?: Style): this {
    if (this.full || text === '') return this
    const room = this.width - this.length
    const chars = [...text].length
    const shown = chars <= room ? text : `${codePointHead(text, Math.max(room - 1, 0))}…`
    if (chars > room) this.full = true
    this.length += Math.min(chars, room)
    this.pieces.push(style ? this.paint(style, shown) : shown)
    return this
  }

  toString(): string {
    return this.pieces.join('')
  }
}
