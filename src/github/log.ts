/**
 * Everything the action logs goes through here. Log text often carries untrusted text (a suite's file names
 * and ids, model ids, model output, API errors), and the runner acts on some lines of a step's log: a line
 * that starts with `::` after whitespace is a workflow command (`::add-mask::`, `::warning::`,
 * `::stop-commands::`), and so is `##[command]` anywhere in a line (the legacy form). @actions/core escapes
 * line breaks only inside the commands it writes itself; `core.info` writes its text as it is. So every text
 * is redacted, shown as visibleText shows it, and kept from forming a command.
 */
import * as core from '@actions/core'
import { redact } from '../common/redaction.js'
import { visibleText } from '../common/visible-text.js'

/** Invisible, and not whitespace to the runner (which trims that before looking for `::`). */
const ZERO_WIDTH_SPACE = '\u200b'

/** The text as it may be logged: secrets redacted, controls escaped, no line a workflow command. */
export function loggable(text: string): string {
  return visibleText(redact(text))
    .replace(/^(\s*)::/gm, `$1${ZERO_WIDTH_SPACE}::`)
    .replace(/##\[/g, `##${ZERO_WIDTH_SPACE}[`)
}

/** An annotation's title made loggable like its message; its file and lines are the action's own. */
function annotation(properties: core.AnnotationProperties | undefined): core.AnnotationProperties {
  if (properties?.title === undefined) return { ...properties }
  return { ...properties, title: loggable(properties.title) }
}

export function info(text: string): void {
  core.info(loggable(text))
}

export function debug(text: string): void {
  core.debug(loggable(text))
}

export function notice(text: string, properties?: core.AnnotationProperties): void {
  core.notice(loggable(text), annotation(properties))
}

export function warning(text: string, properties?: core.AnnotationProperties): void {
  core.warning(loggable(text), annotation(properties))
}

export function error(text: string, properties?: core.AnnotationProperties): void {
  core.error(loggable(text), annotation(properties))
}

/** Fails the step with an error annotation of the text. */
export function setFailed(text: string): void {
  core.setFailed(loggable(text))
}
