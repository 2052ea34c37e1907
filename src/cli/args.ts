/**
 * The command line's arguments: a command, its SUITE arguments, and a `--flag VALUE` (or `--flag=VALUE`) for
 * every action input, generated from the one list of inputs (src/github/action-interface.ts, checked against
 * action.yml). Values are read as the action reads its inputs, by the same settings reader.
 */
import { parseArgs } from 'node:util'
import { didYouMean } from '../common/did-you-mean.js'
import { UserError } from '../common/user-error.js'
import { addSecret } from '../common/redaction.js'
import { INPUT_DEFAULTS, INPUTS, type InputName } from '../github/action-interface.js'
import { readSettings, type Settings } from '../pipeline/settings.js'

/** A mistake in the command line itself (exit code 2, with a pointer to --help). */
export class UsageError extends UserError {}

export interface ParsedArgs {
  command: string | undefined
  /** Suites given as arguments after the command. */
  suites: string[]
  /** The flags given, by input name; the last of a repeated flag wins. */
  flags: Map<InputName, string>
  help: boolean
  /** The first flag that is unknown or lacks its value, as an error message: the command's help names it. */
  mistake: string | undefined
}

const INPUT_NAMES: ReadonlySet<string> = new Set(INPUTS)
const FLAGS = [...INPUTS, 'help'].map((name) => `--${name}`)

export function parseCommandLine(argv: readonly string[]): ParsedArgs {
  const options = Object.fromEntries(INPUTS.map((name) => [name, { type: 'string' as const }]))
  // Not strict: an unknown flag is reported below with the flag it was probably meant to be.
  const { tokens } = parseArgs({
    args: [...argv],
    options: { ...options, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
    strict: false,
    tokens: true,
  })
  const positionals: string[] = []
  const flags = new Map<InputName, string>()
  let help = false
  let mistake: string | undefined
  for (const token of tokens) {
    if (token.kind === 'positional') positionals.push(token.value)
    if (token.kind !== 'option') continue
    if (token.name === 'help') {
      help = true
    } else if (!INPUT_NAMES.has(token.name)) {
      mistake ??= `Unknown flag '${token.rawName}'${didYouMean(token.rawName, FLAGS)}.`
    } else if (token.value === undefined) {
      mistake ??= `Flag '${token.rawName}' needs a value: ${token.rawName} VALUE or ${token.rawName}=VALUE.`
    } else {
      flags.set(token.name as InputName, token.value)
    }
  }
  const [command, ...suites] = positionals
  return { command, suites, flags, help, mistake }
}

/** The default a flag has when not given: action.yml's, or none. */
export function defaultOf(name: InputName): string | undefined {
  return (INPUT_DEFAULTS as Partial<Record<InputName, string>>)[name]
}

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
  const given = (name: InputName): string | undefined => {
    if (!uses.includes(name)) return undefined
    if (name !== 'suite') return args.flags.get(name)
    return [args.flags.get('suite') ?? '', ...args.suites].join('\n')
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
