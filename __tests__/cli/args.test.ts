/** The command line's arguments: flags generated from the action's inputs, read as the action reads them. */
import { parseCommandLine, positionalsMistake, settingsOf } from '../../src/cli/args.js'
import type { Command } from '../../src/cli/command.js'
import { clearSecrets, redact } from '../../src/common/redaction.js'
import { INPUTS } from '../../src/github/action-interface.js'

afterEach(() => clearSecrets())

describe('parseCommandLine', () => {
  it('reads the command, its suites, and --flag VALUE or --flag=VALUE for every input', () => {
    const args = parseCommandLine(['estimate', 'a.yml', '--repeat', '3', 'b/', '--model=claude-haiku-4-5'])
    expect(args).toEqual({
      command: 'estimate',
      positionals: ['a.yml', 'b/'],
      flags: new Map([
        ['repeat', '3'],
        ['model', 'claude-haiku-4-5'],
      ]),
      commandFlags: new Map(),
      help: false,
      mistake: undefined,
    })
    for (const name of INPUTS) {
      expect(parseCommandLine(['validate', `--${name}`, 'x']).flags.get(name)).toBe('x')
    }
  })

  it('reads --help and -h anywhere', () => {
    expect(parseCommandLine(['validate', '--help']).help).toBe(true)
    expect(parseCommandLine(['-h']).help).toBe(true)
  })

  it('names an unknown flag with the flag it probably meant, the first mistake only', () => {
    expect(parseCommandLine(['validate', 'a.yml', '--repet', '3', '--zzzzzzzz'])).toMatchObject({
      command: 'validate',
      mistake: "Unknown flag '--repet' (did you mean '--repeat'?).",
    })
    expect(parseCommandLine(['validate', '--zzzzzzzz']).mistake).toBe("Unknown flag '--zzzzzzzz'.")
  })

  it('names a flag without its value', () => {
    expect(parseCommandLine(['validate', 'a.yml', '--repeat']).mistake).toBe(
      "Flag '--repeat' needs a value: --repeat VALUE or --repeat=VALUE.",
    )
  })
})

describe("a command's own flags and arguments", () => {
  const command = (name: string, fields: Partial<Command> = {}): Command => ({
    name,
    summary: '',
    usage: 'RESULTS.json',
    description: [],
    examples: [],
    uses: ['baseline'],
    run: () => Promise.resolve(0),
    ...fields,
  })
  const report = command('report', {
    positionals: { name: 'RESULTS.json' },
    flags: [
      { name: 'html', value: 'string', description: 'the page' },
      { name: 'open', value: 'boolean', description: 'opens it' },
    ],
  })
  const collect = command('collect', {
    positionals: { name: 'BATCH_ID', many: true },
    flags: [{ name: 'detach', value: 'boolean', description: 'returns at once' }],
  })
  const validate = command('validate')
  const commands = [report, collect, validate]

  it('reads a string flag with its value and a boolean one alone, beside the inputs', () => {
    const args = parseCommandLine(
      ['report', 'r.json', '--html', 'out.html', '--open', '--baseline=b.json'],
      commands,
    )
    expect(args).toMatchObject({ command: 'report', positionals: ['r.json'], mistake: undefined })
    expect(args.commandFlags).toEqual(
      new Map<string, string | true>([
        ['html', 'out.html'],
        ['open', true],
      ]),
    )
    expect(args.flags).toEqual(new Map([['baseline', 'b.json']]))
    // A boolean flag takes no value: what follows it is an argument.
    expect(parseCommandLine(['collect', '--detach', 'msgbatch_1'], commands).positionals).toEqual([
      'msgbatch_1',
    ])
  })

  it('names a missing value, a value given to a boolean flag, and a flag of another command', () => {
    const mistake = (argv: string[]) => parseCommandLine(argv, commands).mistake
    expect(mistake(['report', 'r.json', '--html'])).toBe(
      "Flag '--html' needs a value: --html VALUE or --html=VALUE.",
    )
    expect(mistake(['collect', 'b', '--detach=yes'])).toBe("Flag '--detach' takes no value.")
    expect(mistake(['validate', 'a.yml', '--html', 'x'])).toBe(
      "Flag '--html' is a flag of report, not of validate.",
    )
    expect(mistake(['--detach'])).toBe("Flag '--detach' is a flag of collect.")
  })

  it("offers the command's own flags for a mistyped one, and not another command's", () => {
    const mistake = (argv: string[]) => parseCommandLine(argv, commands).mistake
    expect(mistake(['report', 'r.json', '--htm', 'x'])).toBe("Unknown flag '--htm' (did you mean '--html'?).")
    expect(mistake(['validate', 'a.yml', '--detac'])).toBe("Unknown flag '--detac'.")
    expect(mistake(['collect', 'b', '--detac'])).toBe("Unknown flag '--detac' (did you mean '--detach'?).")
  })

  it('checks the arguments against what the command takes', () => {
    const check = (target: Command, argv: string[]) =>
      positionalsMistake(target, parseCommandLine([target.name, ...argv], commands), 'cbe')
    expect(check(report, [])).toBe('Give RESULTS.json: cbe report RESULTS.json')
    expect(check(report, ['a.json', 'b.json'])).toBe(
      'report takes one RESULTS.json, not 2: cbe report RESULTS.json',
    )
    expect(check(report, ['a.json'])).toBeUndefined()
    expect(check(collect, ['b1', 'b2', 'b3'])).toBeUndefined()
    expect(check(validate, [])).toBe('Give the suite files, directories or globs: cbe validate SUITE...')
    expect(check(validate, ['--suite', 'a.yml'])).toBeUndefined()
  })

  it('reads the settings of a command without suites, which need none', () => {
    const args = parseCommandLine(['report', 'r.json', '--baseline', 'b.json'], commands)
    const read = settingsOf(args, report.uses, {}, '/home/me/project')
    expect(read.baselineFile).toBe('b.json')
  })
})

describe('settingsOf', () => {
  const settings = (argv: string[], uses: Parameters<typeof settingsOf>[1], env: NodeJS.ProcessEnv = {}) =>
    settingsOf(parseCommandLine(argv), uses, env, '/home/me/project')

  it("joins the SUITE arguments to --suite's, and the working directory is the workspace", () => {
    const read = settings(['validate', 'a.yml', 'b.yml', '--suite', 'c.yml'], ['suite'])
    expect(read.suitePatterns).toEqual(['c.yml', 'a.yml', 'b.yml'])
    expect(read.workspace).toBe('/home/me/project')
  })

  it("gives an input the command does not use action.yml's default, and checks one it uses", () => {
    expect(settings(['validate', 'a.yml', '--repeat', '4'], ['suite']).repeat).toBe(1)
    expect(settings(['validate', 'a.yml', '--repeat', '4'], ['suite', 'repeat']).repeat).toBe(4)
    expect(() => settings(['validate', 'a.yml', '--repeat', 'lots'], ['suite', 'repeat'])).toThrow(
      "Input 'repeat' is 'lots'; write a whole number from 1 to 100.",
    )
  })

  it('needs no API key, and registers one given for redaction', () => {
    expect(settings(['estimate', 'a.yml'], ['suite', 'anthropic-api-key']).apiKey).toBe('')
    const read = settings(['estimate', 'a.yml'], ['suite', 'anthropic-api-key'], {
      ANTHROPIC_API_KEY: 'sk-ant-from-the-shell',
    })
    expect(read.apiKey).toBe('sk-ant-from-the-shell')
    expect(redact('key sk-ant-from-the-shell')).toBe('key ***')
  })

  it('turns the html report off with an empty --html-report, as the action does', () => {
    expect(settings(['x', 'a.yml'], ['suite', 'html-report']).htmlReport).toBe(
      'claude-batch-evals-report.html',
    )
    expect(settings(['x', 'a.yml', '--html-report='], ['suite', 'html-report']).htmlReport).toBeUndefined()
  })
})
