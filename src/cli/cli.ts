/** The command line's story: arguments to a command, its settings, and the exit code. */
import { didYouMean } from '../common/did-you-mean.js'
import { UserError } from '../common/user-error.js'
import { SuiteError } from '../suite/loader.js'
import { parseCommandLine, positionalsMistake, settingsOf, UsageError } from './args.js'
import type { Command, ExitCode } from './command.js'
import { estimate } from './estimate.js'
import { commandHelp, PROGRAM, programHelp } from './help.js'
import { report } from './report.js'
import { Terminal, type Streams } from './terminal.js'
import { validate } from './validate.js'

export const COMMANDS: readonly Command[] = [validate, estimate, report]

export interface CliContext extends Streams {
  env: NodeJS.ProcessEnv
  /** The working directory: suites are found from it, and read only inside it and --allowed-paths. */
  cwd: string
}

export async function runCli(argv: readonly string[], context: CliContext): Promise<ExitCode> {
  const terminal = new Terminal(context)
  let command: Command | undefined
  try {
    const args = parseCommandLine(argv, COMMANDS)
    command = COMMANDS.find((known) => known.name === args.command)
    if (args.command !== undefined && !command) {
      const names = COMMANDS.map((known) => known.name)
      throw new UsageError(`Unknown command '${args.command}'${didYouMean(args.command, names)}.`)
    }
    if (args.help || (!command && !args.mistake)) {
      const help = command ? commandHelp(command) : programHelp(COMMANDS)
      context[args.help ? 'stdout' : 'stderr'].write(help)
      return args.help ? 0 : 2
    }
    if (args.mistake || !command) throw new UsageError(args.mistake ?? `Give a command: ${PROGRAM} --help.`)
    const mistake = positionalsMistake(command, args, PROGRAM)
    if (mistake) throw new UsageError(mistake)
    const settings = settingsOf(args, command.uses, context.env, context.cwd)
    const { positionals, commandFlags: flags } = args
    return await command.run(settings, terminal, { positionals, flags, inputs: new Set(args.flags.keys()) })
  } catch (error) {
    return failed(error, terminal, command)
  }
}

function failed(error: unknown, terminal: Terminal, command: Command | undefined): ExitCode {
  if (error instanceof SuiteError) {
    for (const { file, line, message } of error.problems) terminal.problem(`${file}:${line}: ${message}`)
    const count = error.problems.length
    terminal.problem(`${count} ${count === 1 ? 'problem' : 'problems'}.`)
  } else if (error instanceof UsageError) {
    terminal.error(error.message)
    terminal.problem(`See '${PROGRAM} ${command ? `${command.name} ` : ''}--help'.`)
  } else if (error instanceof UserError) {
    terminal.error(error.message)
  } else {
    const stack = error instanceof Error ? (error.stack ?? error.message) : String(error)
    terminal.error(
      `${stack}\nThis is a bug in Claude Batch Evals, not in your suite or flags: please report it.`,
    )
  }
  return 2
}
