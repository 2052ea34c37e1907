/** The `--help` texts: the program's, and each command's with its flags, examples and the flags it ignores. */
import { INPUTS } from '../github/action-interface.js'
import { defaultOf, FLAG_ALIASES } from './args.js'
import type { Command } from './command.js'

export const PROGRAM = 'claude-batch-evals'

const EXIT_CODES =
  'Exit codes: 0 ok; 1 the evals failed; 2 a usage, suite or settings error; 130 interrupted (run, collect).'

export function programHelp(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((command) => command.name.length)) + 2
  return [
    `${PROGRAM}: an LLM eval suite as one Anthropic Message Batch, from the terminal.`,
    '',
    `Usage: ${PROGRAM} <command> [SUITE... | FILE...] [--flag VALUE ...]`,
    '',
    'Commands:',
    ...commands.map((command) => `  ${command.name.padEnd(width)}${command.summary}`),
    '',
    ...wrapped(
      `Every input of the action is a flag of the same name (--model, --repeat, ...). '${PROGRAM} <command> ` +
        "--help' lists a command's arguments and flags, its own and the inputs it reads, with examples.",
    ),
    EXIT_CODES,
    '',
  ].join('\n')
}

export function commandHelp(command: Command): string {
  const flag = (name: string) => {
    const fallback = defaultOf(name as (typeof INPUTS)[number])
    const given =
      name === 'suite' && (command.positionals ?? 'suites') === 'suites' ? ' (or the SUITE arguments)' : ''
    const alias = Object.keys(FLAG_ALIASES).find((short) => FLAG_ALIASES[short] === name)
    return `  --${name}${alias ? ` (or --${alias})` : ''}${given}${fallback === undefined ? '' : ` (default: ${fallback || "''"})`}`
  }
  const unused = INPUTS.filter((name) => !command.uses.includes(name))
  return [
    `Usage: ${PROGRAM} ${command.name} ${command.usage}`,
    '',
    ...command.description.flatMap((paragraph) => [...wrapped(paragraph), '']),
    'Examples:',
    ...command.examples.map((example) => `  ${example}`),
    '',
    ...ownFlags(command),
    'Flags (each the action input of the same name, read the same way; see action.yml):',
    ...command.uses.map(flag),
    '  --help, -h',
    '',
    ...wrapped(`Accepted but not used by ${command.name}: ${unused.map((name) => `--${name}`).join(', ')}.`),
    EXIT_CODES,
    '',
  ].join('\n')
}

/** The command's own flags, each with its description indented below it. */
function ownFlags(command: Command): string[] {
  if (!command.flags?.length) return []
  return [
    `Flags of ${command.name}:`,
    ...command.flags.flatMap((flag) => [
      `  --${flag.name}${flag.value === 'string' ? ` ${flag.placeholder ?? 'VALUE'}` : ''}`,
      ...wrapped(flag.description, WIDTH - 6).map((line) => `      ${line}`),
    ]),
    '',
  ]
}

const WIDTH = 80

/** A paragraph as lines of at most `width` characters, broken between words. */
function wrapped(paragraph: string, width = WIDTH): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of paragraph.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line)
      line = word
    } else {
      line = line ? `${line} ${word}` : word
    }
  }
  return [...lines, line]
}
