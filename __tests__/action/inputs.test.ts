/** readInputs: the provider-override input, as the runner passes it (INPUT_* environment variables). */
import { readInputs } from '../../src/action/runner-inputs.js'
import { UserError } from '../../src/common/user-error.js'

const saved = { ...process.env }
beforeEach(() => {
  process.env['INPUT_SUITE'] = 'evals/suite.yml'
  process.env['INPUT_ANTHROPIC-API-KEY'] = 'sk-ant-inputs-test'
})
afterEach(() => {
  process.env = { ...saved }
})

describe('provider-override', () => {
  it('is undefined when not given', () => {
    expect(readInputs({}).providerOverride).toBeUndefined()
  })

  it('reads one Anthropic provider for all, or a FROM=TO map', () => {
    process.env['INPUT_PROVIDER-OVERRIDE'] = 'anthropic:messages:claude-haiku-4-5'
    expect(readInputs({}).providerOverride).toEqual({ all: 'claude-haiku-4-5', byId: new Map() })
    process.env['INPUT_PROVIDER-OVERRIDE'] = 'openai:gpt-4o-mini=claude-haiku-4-5\necho=claude-sonnet-4-5\n'
    expect(readInputs({}).providerOverride?.byId).toEqual(
      new Map([
        ['openai:gpt-4o-mini', 'claude-haiku-4-5'],
        ['echo', 'claude-sonnet-4-5'],
      ]),
    )
  })

  it('refuses a provider that is not Anthropic, naming the input and the fix', () => {
    process.env['INPUT_PROVIDER-OVERRIDE'] = 'openai:gpt-4o'
    expect(() => readInputs({})).toThrow(UserError)
    expect(() => readInputs({})).toThrow(
      /^Input 'provider-override' has "openai:gpt-4o": "openai:gpt-4o" is not an Anthropic provider or model id; write one Anthropic provider for every other provider/,
    )
  })
})

describe('html-report', () => {
  it("is action.yml's default when not given, the path when given, and off when given empty", () => {
    expect(readInputs({}).htmlReport).toBe('claude-batch-evals-report.html')
    process.env['INPUT_HTML-REPORT'] = 'reports/evals.html'
    expect(readInputs({}).htmlReport).toBe('reports/evals.html')
    process.env['INPUT_HTML-REPORT'] = ''
    expect(readInputs({}).htmlReport).toBeUndefined()
  })
})
