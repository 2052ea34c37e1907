/**
 * Everything the command line prints goes through here. Suite text, file names, model ids and API errors are
 * untrusted: redacted of the run's secrets and shown with their control characters as escapes, so that a
 * suite cannot colour, move or clear the user's terminal, nor reorder what it shows.
 */
import { redact } from '../common/redaction.js'
import { visibleText } from '../common/visible-text.js'
import { INPUTS } from '../github/action-interface.js'
import type { RunLog } from '../pipeline/run-log.js'
import type { Display } from './command.js'

/** Where a command prints: the process's stdout and stderr, or a test's buffers. */
export interface Streams {
  stdout: { write: (text: string) => unknown }
  stderr: { write: (text: string) => unknown }
}

/** How output shows on the process's streams: in place and coloured on a terminal, plain elsewhere. */
export function displayOf(
  stdout: { isTTY?: boolean; columns?: number },
  stderr: { isTTY?: boolean; columns?: number },
  env: NodeJS.ProcessEnv,
): Display {
  return {
    liveProgress: stderr.isTTY === true,
    color: stdout.isTTY === true && !env.NO_COLOR,
    columns: stdout.columns || stderr.columns || 100,
  }
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

  /**
   * Lines styled by their renderer (report/terminal-report.ts), on stdout, with their colours. The renderer
   * escapes and redacts the untrusted text it puts in them; here every control character but a colour
   * (SGR) sequence is escaped again and every line redacted again, so that text that escaped the renderer
   * could at worst colour the terminal, never move, clear or retitle it.
   */
  styled(lines: readonly string[]): void {
    this.streams.stdout.write(lines.map((line) => `${styledText(line)}\n`).join(''))
  }
}

// eslint-disable-next-line no-control-regex
const SGR = /(\x1b\[[0-9;]*m)/

function styledText(line: string): string {
  return redact(line)
    .split(SGR)
    .map((part, index) => (index % 2 === 1 ? part : visibleText(part)))
    .join('')
}

function shown(text: string): string {
  return asFlags(visibleText(redact(text)))
}

const INPUT_NAMES: ReadonlySet<string> = new Set(INPUTS)
const NAMED_INPUT = /\bInput '([a-z-]+)'|\bthe ([a-z-]+) input\b/g

/**
 * The pipeline shared with the action names its settings as the action's inputs ("Input 'cache' is 'x'",
 * "the batch-id input"); in a terminal they are flags, so the messages name the flag the user typed.
 */
function asFlags(text: string): string {
  return text.replace(NAMED_INPUT, (whole, quoted: string | undefined, named: string | undefined) => {
    const name = quoted ?? named ?? ''
    return INPUT_NAMES.has(name) ? `--${name}` : whole
  })
}
