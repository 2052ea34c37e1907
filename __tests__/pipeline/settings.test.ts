/** readSettings: one settings object from whichever source a front door reads its inputs from. */
import { INPUT_DEFAULTS, type InputName } from '../../src/github/action-interface.js'
import { readSettings, type SettingsSource } from '../../src/pipeline/settings.js'
import { UserError } from '../../src/common/user-error.js'

function source(
  values: Partial<Record<InputName, string>>,
  more: Partial<SettingsSource> = {},
): SettingsSource {
  const defaults: Partial<Record<InputName, string>> = INPUT_DEFAULTS
  const read = (name: InputName) => values[name] ?? defaults[name] ?? ''
  return { read, readOrOff: read, onSecret: () => {}, requireApiKey: true, ...more }
}

describe('readSettings', () => {
  it('hands every secret to onSecret before anything can print it', () => {
    const secrets: string[] = []
    readSettings(
      source(
        { suite: 'a.yml', 'anthropic-api-key': 'sk-ant-key', 'github-token': 'ghs_token' },
        {
          onSecret: (value) => secrets.push(value),
        },
      ),
      { ACTIONS_RUNTIME_TOKEN: 'runtime-token' },
    )
    expect(secrets).toEqual(['sk-ant-key', 'ghs_token', 'runtime-token'])
  })

  it('requires an API key only where the source says so, and reads ANTHROPIC_API_KEY and ANTHROPIC_BASE_URL', () => {
    const values = { suite: 'a.yml' }
    expect(() => readSettings(source(values), {})).toThrow(UserError)
    expect(() => readSettings(source(values), {})).toThrow(/^No Anthropic API key/)
    expect(readSettings(source(values, { requireApiKey: false }), {}).apiKey).toBe('')
    const fromEnv = readSettings(source(values), {
      ANTHROPIC_API_KEY: 'sk-env',
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:1',
    })
    expect(fromEnv).toMatchObject({ apiKey: 'sk-env', baseURL: 'http://127.0.0.1:1' })
  })

  it('reads cache as auto, 5m, 1h or off, and names the four on anything else', () => {
    const cacheOf = (cache: string) =>
      readSettings(source({ suite: 'a.yml', 'anthropic-api-key': 'k', cache }), {}).cache
    expect(['auto', '5m', '1h', 'off'].map(cacheOf)).toEqual(['auto', '5m', '1h', 'off'])
    expect(() => cacheOf('1d')).toThrow(/write one of: auto, 5m, 1h, off/)
  })

  it('reads the html-report through readOrOff, where empty turns it off', () => {
    const values = { suite: 'a.yml', 'html-report': 'report.html' }
    expect(readSettings(source(values, { requireApiKey: false }), {}).htmlReport).toBe('report.html')
    const off = source(values, { requireApiKey: false, readOrOff: () => '' })
    expect(readSettings(off, {}).htmlReport).toBeUndefined()
  })
})
