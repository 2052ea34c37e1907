/**
 * The command line's arguments: a command, its arguments (suites, or what the command names), a `--flag
 * VALUE` (or `--flag=VALUE`) for every action input, generated from the one list of inputs
 * (src/github/action-interface.ts, checked against action.yml), and the command's own flags (Command.flags).
 * Inputs are read as the action reads them, by the same settings reader.
 */
import { parseArgs } from 'node:util'
import { didYouMean } from '../common/did-you-mean.js'
import { UserError } from '../common/user-error.js'
import { addSecret } from '../common/redaction.js'
import { INPUT_DEFAULTS, INPUTS, type InputName } from '../github/action-interface.js'
import { readSettings, type Settings } from '../pipeline/settings.js'
import type { Command, CommandFlag } from './command.js'

/** A mistake in the command line itself (exit code 2, with a pointer to --help). */
export class UsageError extends UserError {}

export interface ParsedArgs {
  command: string | undefined
  /** The arguments after the command: its suites, for a suite command. */
  positionals: string[]
  /** The inputs given, by name; the last of a repeated flag wins. */
  flags: Map<InputName, string>
  /** The command's own flags given: a string flag's value, true for a boolean one. */
  commandFlags: Map<string, string | true>
  help: boolean
  /** The first flag that is unknown or lacks its value, as an error message: the command's help names it. */
  mistake: string | undefined
}

const INPUT_NAMES: ReadonlySet<string> = new Set(INPUTS)

/** Shorter names for inputs a terminal user types often. */
export const FLAG_ALIASES: Readonly<Record<string, InputName>> = { 'base-url': 'anthropic-base-url' }

/** `commands` are those whose own flags may be given (each flag's kind must be the same in all of them). */
export function parseCommandLine(argv: readonly string[], commands: readonly Command[] = []): ParsedArgs {
  const ownFlags = commands.flatMap((command) => command.flags ?? [])
  const options = {
    ...Object.fromEntries(
      [...INPUTS, ...Object.keys(FLAG_ALIASES)].map((name) => [name, { type: 'string' as const }]),
    ),
    ...Object.fromEntries(ownFlags.map((flag) => [flag.name, { type: flag.value }])),
    help: { type: 'boolean' as const, short: 'h' },
  }
  // Not strict: an unknown flag is reported below with the flag it was probably meant to be.
  const { tokens } = parseArgs({
    args: [...argv],
    options,
    allowPositionals: true,
    strict: false,
    tokens: true,
  })
  const [command, ...positionals] = tokens.flatMap((token) =>
    token.kind === 'positional' ? [token.value] : [],
  )
  const known = commands.find((candidate) => candidate.name === command)
  const flagsOfCommand = new Map((known?.flags ?? []).map((flag) => [flag.name, flag]))
  const flags = new Map<InputName, string>()
  const commandFlags = new Map<string, string | true>()
  let help = false
  let mistake: string | undefined
  for (const token of tokens) {
    if (token.kind !== 'option') continue
    const own = flagsOfCommand.get(token.name)
    const name = FLAG_ALIASES[token.name] ?? token.name
    if (token.name === 'help') {
      help = true
    } else if (own) {
      const problem = flagProblem(own, token.rawName, token.value)
      if (problem) mistake ??= problem
      else commandFlags.set(own.name, token.value ?? true)
    } else if (!INPUT_NAMES.has(name)) {
      mistake ??= unknownFlag(token.rawName, token.name, commands, known)
    } else if (token.value === undefined) {
      mistake ??= `Flag '${token.rawName}' needs a value: ${token.rawName} VALUE or ${token.rawName}=VALUE.`
    } else {
      flags.set(name as InputName, token.value)
    }
  }
  return { command, positionals, flags, commandFlags, help, mistake }
}

function flagProblem(flag: CommandFlag, rawName: string, value: string | undefined): string | undefined {
  if (flag.value === 'boolean' && value !== undefined) return `Flag '${rawName}' takes no value.`
  if (flag.value === 'string' && value === undefined) {
    return `Flag '${rawName}' needs a value: ${rawName} VALUE or ${rawName}=VALUE.`
  }
  return undefined
}

/** An unknown flag, or another command's, with the flag probably meant among those the command accepts. */
function unknownFlag(
  rawName: string,
  name: string,
  commands: readonly Command[],
  known: Command | undefined,
) {
  const owners = commands.filter((command) => command.flags?.some((flag) => flag.name === name))
  if (owners.length > 0) {
    const names = owners.map((owner) => owner.name).join(', ')
    return `Flag '${rawName}' is a flag of ${names}${known ? `, not of ${known.name}` : ''}.`
  }
  const accepted = [
    ...INPUTS,
    'help',
    ...(known ? (known.flags ?? []) : commands.flatMap((c) => c.flags ?? [])).map((flag) => flag.name),
  ]
  return `Unknown flag '${rawName}'${didYouMean(
    rawName,
    accepted.map((flag) => `--${flag}`),
  )}.`
}

/** What is wrong with the command's arguments, as its usage line has them; undefined when nothing is. */
export function positionalsMistake(command: Command, args: ParsedArgs, program: string): string | undefined {
  const expected = command.positionals ?? 'suites'
  if (expected === 'suites') {
    if (args.positionals.length > 0 || args.flags.get('suite')) return undefined
    return `Give the suite files, directories or globs: ${program} ${command.name} SUITE...`
  }
  const usage = `${program} ${command.name} ${command.usage}`
  if (args.positionals.length === 0) return `Give ${expected.name}: ${usage}`
  if (args.positionals.length > 1 && !expected.many) {
    return `${command.name} takes one ${expected.name}, not ${args.positionals.length}: ${usage}`
  }
  return undefined
}

/** The default a flag has when not given: action.yml's, or none. */
export function defaultOf(name: InputName): string | undefined {
  return (INPUT_DEFAULTS as Partial<Record<InputName, string>>)[name]
}

const isBatchId = (arg: string) => arg.startsWith('msgbatch_')

/** What a command that reads no suites gives the settings, which require the `suite` input; never read. */
const NO_SUITES = '(no suites: the command reads none)'

/**
 * The settings of a command: the flags it uses, over action.yml's defaults; the suites given as arguments
 * join those of `--suite`. The working directory is the workspace. The API key is only registered for
 * redaction: a terminal has no `::add-mask::`.
 */
export function settingsOf(
  args: ParsedArgs,
  uses: readonly InputName[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): Settings {
  // A command that collects batches takes their ids among its arguments: those are not suites.
  const takesBatchIds = uses.includes('batch-id')
  const batchIds = takesBatchIds ? args.positionals.filter(isBatchId) : []
  const suites = takesBatchIds ? args.positionals.filter((arg) => !isBatchId(arg)) : args.positionals
  const given = (name: InputName): string | undefined => {
    if (name === 'suite') {
      return uses.includes('suite') ? [args.flags.get('suite') ?? '', ...suites].join('\n') : NO_SUITES
    }
    if (name === 'batch-id' && takesBatchIds)
      return [args.flags.get('batch-id') ?? '', ...batchIds].join('\n').trim() || undefined
    return uses.includes(name) ? args.flags.get(name) : undefined
  }
  const read = (name: InputName) => given(name) || defaultOf(name) || ''
  return readSettings(
    {
      read,
      readOrOff: (name) => given(name)?.trim() ?? read(name),
      onSecret: (value) => void addSecret(value),
      requireApiKey: false,
    },
    { ...env, GITHUB_WORKSPACE: cwd },
  )
}
