/** The command line's arguments: flags generated from the action's inputs, read as the action reads them. */
import { parseCommandLine, settingsOf } from '../../src/cli/args.js'
import { clearSecrets, redact } from '../../src/common/redaction.js'
import { INPUTS } from '../../src/github/action-interface.js'

afterEach(() => clearSecrets())

describe('parseCommandLine', () => {
  it('reads the command, its suites, and --flag VALUE or --flag=VALUE for every input', () => {
    const args = parseCommandLine(['estimate', 'a.yml', '--repeat', '3', 'b/', '--model=claude-haiku-4-5'])
    expect(args).toEqual({
      command: 'estimate',
      suites: ['a.yml', 'b/'],
      flags: new Map([
        ['repeat', '3'],
        ['model', 'claude-haiku-4-5'],
      ]),
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
