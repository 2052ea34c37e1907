/** The command line's story: arguments to a command, its settings, and the exit code. */
import Anthropic from '@anthropic-ai/sdk'
import { didYouMean } from '../common/did-you-mean.js'
import { UserError } from '../common/user-error.js'
import { SuiteError } from '../suite/loader.js'
import { parseCommandLine, positionalsMistake, settingsOf, UsageError } from './args.js'
import type { CliContext, Command, ExitCode } from './command.js'
import { estimate } from './estimate.js'
import { commandHelp, PROGRAM, programHelp } from './help.js'
import { regrade } from './regrade.js'
import { merge } from './merge.js'
import { report } from './report.js'
import { collect, run } from './run.js'
import { Terminal } from './terminal.js'
import { validate } from './validate.js'

export const COMMANDS: readonly Command[] = [validate, estimate, run, collect, regrade, report, merge]

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
    return await command.run(settings, terminal, { positionals, flags, inputs: args.flags, context })
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
  } else if (error instanceof UserError || error instanceof Anthropic.APIError) {
    terminal.error(error.message)
  } else {
    const stack = error instanceof Error ? (error.stack ?? error.message) : String(error)
    terminal.error(
      `${stack}\nThis is a bug in Claude Batch Evals, not in your suite or flags: please report it.`,
    )
  }
  return 2
}
