/**
 * Untrusted text (model output, suite text, file names, API errors) as readers may see it: every character
 * shown for what it is. Control characters (which terminals and some viewers act on: ESC starts colour and
 * cursor sequences), DEL and the bidirectional controls (which reorder what is shown, "Trojan Source") are
 * written as escapes; lone surrogates, which GitHub's API and UTF-8 cannot carry, become U+FFFD. Tabs and line
 * breaks stay, a carriage return being a line break as CommonMark and the Actions runner read it.
 */
import { redact } from './redaction.js'

/**
 * C0 controls but tab and line feed, DEL, C1 controls; the bidi embeddings, overrides and isolates
 * (U+202A–U+202E, U+2066–U+2069) and marks (U+200E, U+200F, U+061C).
 */
// eslint-disable-next-line no-control-regex
const INVISIBLE = /[\x00-\x08\x0B-\x1F\x7F-\x9F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g

/** `\x1b` for a character up to U+00FF, `\u202e` above. */
function escapeOf(char: string): string {
  const code = char.charCodeAt(0)
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`
}

/** Lone surrogates as U+FFFD (String.prototype.toWellFormed: Node 20 has it, TypeScript's ES2023 lib not). */
export function wellFormed(text: string): string {
  return (text as unknown as { toWellFormed(): string }).toWellFormed()
}

/** Text as it may be posted or written for readers: the run's secrets redacted, and well-formed. */
export function postable(text: string): string {
  return wellFormed(redact(text))
}

/** The text with line breaks as `\n`, other controls and bidi controls escaped, and well-formed. */
export function visibleText(text: string): string {
  return wellFormed(text).replace(/\r\n?/g, '\n').replace(INVISIBLE, escapeOf)
}
