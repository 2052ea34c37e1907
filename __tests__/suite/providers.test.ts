/**
 * promptfoo configs as users have them: sampling parameters are left out of the requests with one warning
 * for the run, and providers that are not Anthropic run as the model the provider-override or model input
 * gives them, or are skipped with one warning.
 */
import { UserError } from '../../src/common/user-error.js'
import { LoadWarnings } from '../../src/suite/load-warnings.js'
import { SuiteError } from '../../src/suite/loader.js'
import { ProblemLog } from '../../src/suite/problems.js'
import { parseProviderOverride, planJudge } from '../../src/suite/providers.js'
import { loadRun, write } from './suite-workspace.js'

/** A suite of `tests` tests crossed with `providers`. */
const suite = (providers: string[], tests = 3, extra: string[] = []) =>
  write({
    'evals/x.yml': [
      'prompts:',
      "  - 'Say {{ word }}'",
      'providers:',
      ...providers.map((p) => `  - ${p}`),
      ...extra,
      'tests:',
      ...Array.from({ length: tests }, (_, i) => `  - vars: { word: w${i} }`),
    ].join('\n'),
  })

describe('sampling parameters', () => {
  it('are left out of every request, with one warning naming them, the tests and why', async () => {
    const files = write({
      'evals/x.yml': [
        'temperature: 0.2',
        'prompts:',
        "  - 'Say {{ word }}'",
        'providers:',
        '  - id: anthropic:messages:claude-haiku-4-5',
        '    config: { top_p: 0.9, max_tokens: 50 }',
        'tests:',
        ...Array.from({ length: 120 }, (_, i) => `  - vars: { word: w${i} }`),
      ].join('\n'),
      'evals/y.yml': 'model: claude-haiku-4-5\ntests:\n  - prompt: hi\n    top_k: 5\n  - prompt: plain\n',
    })
    const { cases, warnings } = await loadRun(files)
    expect(cases).toHaveLength(122)
    for (const { params } of cases) {
      expect(Object.keys(params).filter((key) => ['temperature', 'top_p', 'top_k'].includes(key))).toEqual([])
    }
    expect(cases[0].params).toMatchObject({ model: 'claude-haiku-4-5', max_tokens: 50 })
    expect(warnings).toEqual([
      'temperature, top_k and top_p are set by 121 tests (e.g. evals/x.yml:8) and are not sent: the Messages API ' +
        "version this action uses (2026-10-21) refuses sampling parameters; outputs use the model's defaults.",
    ])
  })

  it('warn of nothing when no test sets them', async () => {
    expect((await loadRun(write({ 'a.yml': 'model: m\ntests:\n  - prompt: hi\n' }))).warnings).toEqual([])
  })
})

describe('providers that are not Anthropic', () => {
  it('are skipped with one warning that says how to map them; the Anthropic ones still run', async () => {
    const { cases, warnings } = await loadRun(
      suite(['openai:gpt-4o-mini', 'anthropic:messages:claude-haiku-4-5', 'vertex:gemini-2.0-flash']),
    )
    expect(cases.map((c) => c.params.model)).toEqual(Array(3).fill('claude-haiku-4-5'))
    expect(warnings).toEqual([
      'Skipped: openai:gpt-4o-mini (3 tests (e.g. evals/x.yml:8)); vertex:gemini-2.0-flash (3 tests (e.g. ' +
        'evals/x.yml:8)), not an Anthropic provider. Run them on Claude with the provider-override input (one ' +
        'model for all, e.g. claude-haiku-4-5, or one FROM=TO per line, e.g. openai:gpt-4o-mini=claude-haiku-4-5) ' +
        'or the model input.',
    ])
  })

  it('leaving no test at all is an error at each provider, with the fix', async () => {
    const refused = loadRun(suite(['openai:gpt-4o-mini'], 2))
    await expect(refused).rejects.toThrow(SuiteError)
    await expect(refused).rejects.toMatchObject({
      problems: [
        {
          file: 'evals/x.yml',
          line: 4,
          message:
            "no test runs: provider 'openai:gpt-4o-mini' is not an Anthropic provider and nothing maps it (2 tests " +
            '(e.g. evals/x.yml:6)); set the provider-override input (claude-haiku-4-5, or ' +
            'openai:gpt-4o-mini=claude-haiku-4-5) or the model input, or use anthropic:messages:<model>',
        },
      ],
    })
  })

  it('run as the one model of provider-override, keeping their ids as labels', async () => {
    const { cases, warnings } = await loadRun(suite(['openai:gpt-4o-mini', 'openai:chat:gpt-4.1'], 1), {
      model: undefined,
      providerOverride: parseProviderOverride('provider-override', 'anthropic:messages:claude-haiku-4-5'),
    })
    expect(cases.map((c) => [c.id, c.params.model])).toEqual([
      [expect.stringMatching(/\[openai:gpt-4o-mini\]$/), 'claude-haiku-4-5'],
      [expect.stringMatching(/\[openai:chat:gpt-4.1\]$/), 'claude-haiku-4-5'],
    ])
    expect(warnings).toEqual([
      'provider-override runs openai:gpt-4o-mini as claude-haiku-4-5 (1 test (e.g. evals/x.yml:7)); ' +
        'openai:chat:gpt-4.1 as claude-haiku-4-5 (1 test (e.g. evals/x.yml:7)).',
    ])
  })

  it('run as their model in the FROM=TO form; one it does not name is skipped', async () => {
    const { cases, warnings } = await loadRun(suite(['openai:gpt-4o-mini', 'openai:gpt-4o'], 2), {
      model: undefined,
      providerOverride: parseProviderOverride(
        'provider-override',
        'openai:gpt-4o-mini = claude-haiku-4-5\nopenai:o3=claude-opus-4-1\n',
      ),
    })
    expect(cases.map((c) => c.params.model)).toEqual(['claude-haiku-4-5', 'claude-haiku-4-5'])
    expect(warnings).toEqual([
      'provider-override runs openai:gpt-4o-mini as claude-haiku-4-5 (2 tests (e.g. evals/x.yml:7)).',
      expect.stringMatching(/^Skipped: openai:gpt-4o \(2 tests/),
    ])
  })

  it('run as the model input when provider-override does not map them, said once', async () => {
    const { cases, warnings } = await loadRun(
      suite(['openai:gpt-4o-mini', 'anthropic:claude-sonnet-4-5', 'openai:gpt-4o'], 2),
      {
        model: 'claude-haiku-4-5',
        providerOverride: parseProviderOverride('p', 'openai:gpt-4o=claude-opus-4-1'),
      },
    )
    expect(cases.map((c) => c.params.model)).toEqual([
      'claude-haiku-4-5',
      'claude-sonnet-4-5',
      'claude-opus-4-1',
      'claude-haiku-4-5',
      'claude-sonnet-4-5',
      'claude-opus-4-1',
    ])
    expect(warnings).toEqual([
      "The model input replaces the suite's non-Anthropic providers: openai:gpt-4o-mini as claude-haiku-4-5 " +
        '(2 tests (e.g. evals/x.yml:8)).',
      'provider-override runs openai:gpt-4o as claude-opus-4-1 (2 tests (e.g. evals/x.yml:8)).',
    ])
  })

  it('run echo, which returns the prompt, on the runner (never replaced unless the map names it)', async () => {
    const echoed = await loadRun(suite(['echo', 'anthropic:messages:claude-haiku-4-5'], 1), {
      model: 'claude-sonnet-4-5',
      providerOverride: parseProviderOverride('p', 'claude-sonnet-4-5'),
    })
    expect(echoed.cases.map((c) => c.params.model)).toEqual(['echo', 'claude-haiku-4-5'])
    expect(echoed.warnings).toEqual([])
    const mapped = await loadRun(suite(['echo'], 1), {
      model: undefined,
      providerOverride: parseProviderOverride('p', 'echo=claude-haiku-4-5'),
    })
    expect(mapped.cases.map((c) => c.params.model)).toEqual(['claude-haiku-4-5'])
  })

  it('keep their config, and a test that names its own model is not crossed with them', async () => {
    const { cases, warnings } = await loadRun(
      write({
        'evals/x.yml': [
          'providers:',
          '  - id: openai:gpt-4o-mini',
          '    config: { max_tokens: 77, temperature: 0 }',
          'tests:',
          '  - prompt: one',
          '  - prompt: two',
          '    model: claude-sonnet-4-5',
        ].join('\n'),
      }),
      { model: 'claude-haiku-4-5' },
    )
    expect(cases.map((c) => [c.params.model, c.params.max_tokens])).toEqual([
      ['claude-haiku-4-5', 77],
      ['claude-sonnet-4-5', 1024],
    ])
    expect(warnings).toEqual([
      expect.stringMatching(/^temperature is set by 1 test \(e.g. evals\/x.yml:5\) and is not sent: /),
      "The model input replaces the suite's non-Anthropic providers: openai:gpt-4o-mini as claude-haiku-4-5 " +
        '(1 test (e.g. evals/x.yml:5)).',
    ])
  })
})

describe('parseProviderOverride', () => {
  it.each([
    ['', undefined],
    ['  \n', undefined],
    ['claude-haiku-4-5', { all: 'claude-haiku-4-5', byId: new Map() }],
    ['anthropic:messages:claude-haiku-4-5\n', { all: 'claude-haiku-4-5', byId: new Map() }],
    [
      'openai:gpt-4o-mini=claude-haiku-4-5\r\n  vertex:gemini = anthropic:claude-sonnet-4-5 ',
      {
        byId: new Map([
          ['openai:gpt-4o-mini', 'claude-haiku-4-5'],
          ['vertex:gemini', 'claude-sonnet-4-5'],
        ]),
      },
    ],
  ])('reads %j', (value, expected) => {
    expect(parseProviderOverride('provider-override', value)).toEqual(expected)
  })

  it.each([
    [
      'openai:gpt-4o',
      /"openai:gpt-4o" is not an Anthropic provider or model id; write one Anthropic provider/,
    ],
    ['openai:gpt-4o-mini=openai:gpt-4o', /"openai:gpt-4o" is not an Anthropic provider or model id/],
    ['claude-haiku-4-5\nclaude-sonnet-4-5', /has "claude-haiku-4-5"; .*one FROM=TO per line/],
    ['=claude-haiku-4-5', /has "=claude-haiku-4-5"; .*FROM=TO/],
    ['a=claude-haiku-4-5\na=claude-sonnet-4-5', /maps 'a' twice/],
    ['claude haiku', /"claude haiku" is not an Anthropic provider or model id/],
  ])('refuses %j, naming the input and the fix', (value, message) => {
    const parse = () => parseProviderOverride('provider-override', value)
    expect(parse).toThrow(UserError)
    expect(parse).toThrow(/^Input 'provider-override' /)
    expect(parse).toThrow(message)
  })
})

describe('LoadWarnings', () => {
  it('gives any other warning once, after its own, however often it is said', () => {
    const warnings = new LoadWarnings(new ProblemLog('/w'))
    warnings.warn('showThinking changes nothing in a batch request; it is ignored')
    warnings.warn('showThinking changes nothing in a batch request; it is ignored')
    warnings.samplingDropped(['top_k'], 'a.yml:3')
    expect(warnings.messages()).toEqual([
      expect.stringMatching(/^top_k is set by 1 test \(e.g. a.yml:3\) and is not sent: /),
      'showThinking changes nothing in a batch request; it is ignored',
    ])
  })
})

describe('the judge provider of model-graded assertions', () => {
  const oneLine = parseProviderOverride('p', 'claude-haiku-4-5')
  const map = parseProviderOverride('p', 'openai:gpt-4o=claude-opus-4-1\nopenai:o3=claude-haiku-4-5')

  it('is replaced by the one-line override, the map entry for it, else the model input', () => {
    expect(planJudge('openai:gpt-4o', oneLine, 'claude-sonnet-4-5')).toEqual({
      provider: 'anthropic:messages:claude-haiku-4-5',
      replaced: { from: 'openai:gpt-4o', model: 'claude-haiku-4-5', by: 'provider-override' },
      sampling: [],
    })
    expect(planJudge({ id: 'openai:gpt-4o' }, map, 'claude-sonnet-4-5')).toMatchObject({
      provider: { id: 'anthropic:messages:claude-opus-4-1' },
      replaced: { by: 'provider-override' },
    })
    expect(planJudge('openai:gpt-4.1-mini', map, 'claude-sonnet-4-5')).toMatchObject({
      provider: 'anthropic:messages:claude-sonnet-4-5',
      replaced: { from: 'openai:gpt-4.1-mini', by: 'model' },
    })
  })

  it('is left out, for the default judge, when nothing maps it', () => {
    expect(planJudge('openai:gpt-4o', undefined, undefined)).toEqual({
      provider: undefined,
      unmapped: 'openai:gpt-4o',
      sampling: [],
    })
  })

  it('loses its sampling parameters, keeping the rest of its config', () => {
    const written = { id: 'openai:gpt-4.1-mini', config: { temperature: 0, max_tokens: 300 } }
    expect(planJudge(written, oneLine, undefined)).toMatchObject({
      provider: { id: 'anthropic:messages:claude-haiku-4-5', config: { max_tokens: 300 } },
      sampling: ['temperature'],
    })
    const anthropic = { id: 'anthropic:messages:claude-opus-4-1', config: { top_p: 0.5 } }
    expect(planJudge(anthropic, undefined, undefined)).toEqual({
      provider: { id: 'anthropic:messages:claude-opus-4-1', config: {} },
      sampling: ['top_p'],
    })
  })

  it('is unchanged when Anthropic', () => {
    const written = { id: 'anthropic:messages:claude-opus-4-1', config: { max_tokens: 100 } }
    expect(planJudge(written, oneLine, 'claude-haiku-4-5')).toEqual({ provider: written, sampling: [] })
  })

  const judged = (options: string, assertion: string) =>
    write({
      'evals/j.yml': [
        'providers: [anthropic:messages:claude-haiku-4-5]',
        "prompts: ['Say {{ word }}']",
        `defaultTest: { options: ${options} }`,
        'tests:',
        '  - vars: { word: hi }',
        `    assert: [${assertion}]`,
        '  - vars: { word: ho }',
        `    assert: [${assertion}]`,
      ].join('\n'),
    })

  it('loads mapped from defaultTest options, said once', async () => {
    const { cases, warnings } = await loadRun(
      judged("{ provider: 'openai:gpt-4o' }", "{ type: llm-rubric, value: 'is polite' }"),
      { model: undefined, providerOverride: map },
    )
    expect(cases).toHaveLength(2)
    expect(cases[0].assertions).toHaveLength(1)
    expect(warnings).toEqual([
      'The judge openai:gpt-4o of model-graded assertions runs as claude-opus-4-1 (by the provider-override input).',
    ])
  })

  it('loads unmapped with the default judge and one warning, and drops its temperature', async () => {
    const { cases, warnings } = await loadRun(
      judged(
        '{}',
        "{ type: llm-rubric, value: 'is polite', provider: { id: openai:gpt-4.1-mini, config: { temperature: 0 } } }",
      ),
    )
    expect(cases).toHaveLength(2)
    expect(warnings).toEqual([
      'The judge openai:gpt-4.1-mini of model-graded assertions is not an Anthropic provider and nothing maps ' +
        'it: claude-sonnet-4-6 judges in its place, where promptfoo would ask openai:gpt-4.1-mini. To choose ' +
        'the judge, map it with the provider-override input (openai:gpt-4.1-mini=claude-sonnet-4-5) or set the ' +
        'model input, or give the assertion provider: anthropic:messages:<model>.',
    ])
    const withModel = await loadRun(
      judged(
        '{}',
        "{ type: llm-rubric, value: 'is polite', provider: { id: openai:gpt-4.1-mini, config: { temperature: 0 } } }",
      ),
      { model: 'claude-haiku-4-5' },
    )
    expect(withModel.warnings).toEqual([
      expect.stringMatching(/^temperature is set by 2 tests \(e\.g\. evals\/j\.yml:6\) and is not sent: /),
      'The judge openai:gpt-4.1-mini of model-graded assertions runs as claude-haiku-4-5 (by the model input).',
    ])
  })
})

describe("an Anthropic provider's structured outputs, effort and prompt caching", () => {
  it('are sent as promptfoo sends them: output_config.format and .effort, and cache_control as it is', async () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }
    const { cases, warnings } = await loadRun(
      write({
        'evals/x.yml': [
          'providers:',
          '  - id: anthropic:messages:claude-haiku-4-5',
          '    config:',
          `      output_format: { type: json_schema, schema: ${JSON.stringify(schema)} }`,
          '      effort: low',
          '      cache_control: { type: ephemeral, ttl: 1h }',
          '  - anthropic:messages:claude-sonnet-4-5',
          'tests:',
          '  - prompt: Where is the Louvre?',
        ].join('\n'),
      }),
    )
    expect(warnings).toEqual([])
    expect(cases[0].params).toMatchObject({
      model: 'claude-haiku-4-5',
      output_config: { format: { type: 'json_schema', schema }, effort: 'low' },
      cache_control: { type: 'ephemeral', ttl: '1h' },
    })
    expect(cases[0].params).not.toHaveProperty('output_format')
    expect(cases[1].params).not.toHaveProperty('output_config')
    expect(cases[1].params).not.toHaveProperty('cache_control')
  })

  it('are refused at their line when the API would refuse them', async () => {
    const files = write({
      'evals/x.yml': [
        'providers:',
        '  - id: anthropic:messages:claude-haiku-4-5',
        '    config:',
        '      output_format: { type: json_object }',
        'tests:',
        '  - prompt: hi',
      ].join('\n'),
    })
    const error = await loadRun(files).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SuiteError)
    expect((error as SuiteError).problems.map((p) => `${p.file}:${p.line}: ${p.message}`)).toEqual([
      "evals/x.yml:4: providers[0].config.output_format needs 'schema'",
      expect.stringMatching(/^evals\/x.yml:4: providers\[0\]\.config\.output_format\.type .*json_schema/),
    ])
  })
})
