/**
 * Everything the command line prints goes through here. Suite text, file names, model ids and API errors are
 * untrusted: redacted of the run's secrets and shown with their control characters as escapes, so that a
 * suite cannot colour, move or clear the user's terminal, nor reorder what it shows.
 */
import { redact } from '../common/redaction.js'
import { visibleText } from '../common/visible-text.js'
import type { RunLog } from '../pipeline/run-log.js'

/** Where a command prints: the process's stdout and stderr, or a test's buffers. */
export interface Streams {
  stdout: { write: (text: string) => unknown }
  stderr: { write: (text: string) => unknown }
}

export class Terminal implements RunLog {
  constructor(private readonly streams: Streams) {}

  /** A line of the command's result, on stdout. */
  info(text: string): void {
    this.streams.stdout.write(`${shown(text)}\n`)
  }

  warning(text: string): void {
    this.streams.stderr.write(`warning: ${shown(text)}\n`)
  }

  /** A line of a problem or error, on stderr, as it is (a `file:line: message` needs no prefix). */
  problem(text: string): void {
    this.streams.stderr.write(`${shown(text)}\n`)
  }

  error(text: string): void {
    this.problem(`error: ${text}`)
  }
}

function shown(text: string): string {
  return visibleText(redact(text))
}
