/** What a command of the command line is: its help, its arguments and flags, and what it does. */
import type { InputName } from '../github/action-interface.js'
import type { Settings } from '../pipeline/settings.js'
import type { Streams, Terminal } from './terminal.js'

/**
 * 0: done (and, for the commands that grade, passed); 1: the evals failed (or a budget stopped the run); 2: a
 * usage, suite or settings error; 130: interrupted (Ctrl-C) while the batches ran, which keep running.
 */
export type ExitCode = 0 | 1 | 2 | 130

/** A flag of one command, beside the inputs every command accepts: `--name VALUE`, or `--name` alone. */
export interface CommandFlag {
  name: string
  value: 'string' | 'boolean'
  /** What the help shows for a string flag's value: VALUE when not given. */
  placeholder?: string
  /** One sentence, for the command's help. */
  description: string
}

/**
 * What a command's arguments are: suites (the `suite` input's patterns, joined to `--suite`'s), or
 * something else, named as its usage line has it: one, or one or more with `many`.
 */
export type Positionals = 'suites' | { name: string; many?: boolean }

export interface Display {
  /** stderr is a terminal: live progress is one line rewritten in place. */
  liveProgress: boolean
  /** stdout is a terminal that shows colours (and NO_COLOR is not set). */
  color: boolean
  /** The terminal's width, to which untrusted text is cut. */
  columns: number
}

/** A log or a pipe: plain lines, no colours. */
export const PLAIN_DISPLAY: Display = { liveProgress: false, color: false, columns: 100 }

/** What a command runs in. */
export interface CliContext extends Streams {
  env: NodeJS.ProcessEnv
  /** The working directory: suites are found from it, and read only inside it and --allowed-paths. */
  cwd: string
  /** How the command's output is shown: in a terminal, or in a log or a pipe (the default). */
  display?: Display
  /** Aborted on Ctrl-C: a run stops waiting, and its batches keep running unless --cancel-on-abort. */
  signal?: AbortSignal
}

/** The command line as the command was given it, beside the settings read from it. */
export interface CommandLine {
  /** The arguments after the command's name (its suites too, for a suite command). */
  positionals: string[]
  /** The command's own flags given: a string flag's value, or true for a boolean one. */
  flags: ReadonlyMap<string, string | true>
  /** The inputs given as flags, as written (a command may treat those given apart from their defaults). */
  inputs: ReadonlyMap<InputName, string>
  context: CliContext
}

export interface Command {
  name: string
  /** One line, for the list of commands. */
  summary: string
  /** What follows the command's name in its usage line. */
  usage: string
  /** What it does, a paragraph a line. */
  description: string[]
  examples: string[]
  /** Its arguments; suites when not given. */
  positionals?: Positionals
  /** The inputs it reads; any other flag is accepted and changes nothing (its help lists them). */
  uses: readonly InputName[]
  /** Its own flags, which no other command accepts. */
  flags?: readonly CommandFlag[]
  run: (settings: Settings, terminal: Terminal, line: CommandLine) => Promise<ExitCode>
}

/** The inputs that find and load the suites, as every command that reads suites uses them. */
export const SUITE_INPUTS = [
  'suite',
  'model',
  'provider-override',
  'allowed-paths',
  'repeat',
  'cache',
  'pricing',
] as const satisfies readonly InputName[]

/** The inputs of the commands that send requests: where to, and how long to wait for the batches. */
export const BATCH_INPUTS = [
  'anthropic-api-key',
  'anthropic-base-url',
  'max-wait',
  'poll-interval',
  'on-timeout',
  'retry-errored',
  'cancel-on-abort',
] as const satisfies readonly InputName[]

/** The inputs of the commands that grade: the gate, and the files the graded run is written to. */
export const GRADING_INPUTS = [
  'min-pass-rate',
  'repeat-min-pass',
  'fail-on',
  'max-cost-increase',
  'baseline',
  'results-file',
  'html-report',
  'junit-file',
] as const satisfies readonly InputName[]
