/** What a command of the command line is: its help, the inputs it reads, and what it does. */
import type { InputName } from '../github/action-interface.js'
import type { Settings } from '../pipeline/settings.js'
import type { Terminal } from './terminal.js'

/** 0: done (and, for the commands that grade, passed); 1: the evals failed; 2: a usage, suite or settings error. */
export type ExitCode = 0 | 1 | 2

export interface Command {
  name: string
  /** One line, for the list of commands. */
  summary: string
  /** What follows the command's name in its usage line. */
  usage: string
  /** What it does, a paragraph a line. */
  description: string[]
  examples: string[]
  /** The inputs it reads; any other flag is accepted and changes nothing (its help lists them). */
  uses: readonly InputName[]
  run: (settings: Settings, terminal: Terminal) => Promise<ExitCode>
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
