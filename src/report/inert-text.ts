/**
 * Untrusted text (model output, suite text, error messages) made inert in Markdown: no HTML, no formatting,
 * no @mentions or #refs that notify anyone, no link that breaks out of its destination.
 */
import { cut } from '../common/cut-text.js'
import { visibleText, wellFormed } from '../common/visible-text.js'

/** Every character visible, no HTML, and no @mentions or #refs that notify anyone. */
function inertHtml(text: string): string {
  return visibleText(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([@#])(?=\w)/g, '$1\u200b')
}

/**
 * Untrusted text (model output, suite text) made inert on one line: no HTML, no formatting, no line breaks
 * that end a table row or a list item, no @mentions or #refs, no control characters. Cut to `max` characters.
 */
export function inertCell(text: string, max: number): string {
  return (
    inertHtml(cut(text, max))
      .replace(/([\\`*_[\]|~])/g, '\\$1')
      // visibleText has made every line ending (CommonMark's \r\n, \n and lone \r) a \n.
      .replace(/\n/g, ' ↵ ')
  )
}

/** Text percent-encoded as encodeURIComponent does, and also the `!'()*` it leaves as they are. */
export function percentEncoded(text: string): string {
  return encodeURIComponent(wellFormed(text)).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  )
}

/**
 * A link whose destination cannot end early or break: everything but the characters URLs of the action's
 * own need (GitHub's server, repository, commit, an already encoded path, a #L line) percent-encoded, `(`,
 * `)`, `<`, `>`, spaces and `@` included.
 */
export function link(text: string, url: string): string {
  return `[${text}](${wellFormed(url).replace(/[^\w\-.~:/?#=&%+]/gu, percentEncoded)})`
}

/** A multi-line output, inert inside a <pre> block (which Markdown leaves alone up to its closing tag). */
export function inertBlock(text: string, max: number): string {
  return `<pre>${inertHtml(cut(text, max))}</pre>`
}
