/**
 * Settings in another provider's vocabulary: OpenAI-format tools and tool_choice become Anthropic's wherever
 * tools are written; the config of a provider that the model input replaces keeps what has an Anthropic
 * equivalent and drops the rest with one warning for the run; output_format may be given as file://.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { assertionCompiler } from '../../src/grading/assertion-compiler.js'
import { allowedRoots, confinedSuiteIO } from '../../src/suite/file-system.js'
import { loadSuiteRun } from '../../src/suite/loader.js'
import { anthropicToolChoice, anthropicTools, foreignConfig } from '../../src/suite/foreign-params.js'
import { loadRun, problemsOf, write } from './suite-workspace.js'

const OPENAI_TOOL = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'The weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
}
const ANTHROPIC_TOOL = {
  name: 'get_weather',
  description: 'The weather in a city',
  input_schema: OPENAI_TOOL.function.parameters,
}

describe('OpenAI-format tools', () => {
  it('become Anthropic tools; Anthropic ones and anything else are left as written', () => {
    const bare = { type: 'function', function: { name: 'now' } }
    expect(anthropicTools([OPENAI_TOOL, ANTHROPIC_TOOL, bare])).toEqual([
      ANTHROPIC_TOOL,
      ANTHROPIC_TOOL,
      { name: 'now', input_schema: { type: 'object', properties: {} } },
    ])
    expect(anthropicTools('file://tools.json')).toBe('file://tools.json')
  })

  it.each([
    ['auto', { type: 'auto' }],
    ['required', { type: 'any' }],
    ['none', { type: 'none' }],
    [
      { type: 'function', function: { name: 'get_weather' } },
      { type: 'tool', name: 'get_weather' },
    ],
    [{ type: 'any' }, { type: 'any' }],
  ])('tool_choice %j is sent as %j', (written, sent) => {
    expect(anthropicToolChoice(written)).toEqual(sent)
  })

  it('are converted in a suite, a test and a tools file, with their tool_choice', async () => {
    const files = write({
      'evals/suite.yml': [
        'model: claude-haiku-4-5',
        "prompts: ['Weather in {{ q }}?']",
        `tools: ${JSON.stringify([OPENAI_TOOL])}`,
        'tool_choice: required',
        'tests:',
        '  - vars: { q: a }',
        '  - vars: { q: b }',
        '    tools: file://tools.yaml',
        '    tool_choice: { type: function, function: { name: get_weather } }',
      ].join('\n'),
      'evals/tools.yaml': `- ${JSON.stringify(OPENAI_TOOL)}\n`,
    })
    const { cases } = await loadRun(files.slice(0, 1))
    expect(cases.map((c) => [c.params.tools, c.params.tool_choice])).toEqual([
      [[ANTHROPIC_TOOL], { type: 'any' }],
      [[ANTHROPIC_TOOL], { type: 'tool', name: 'get_weather' }],
    ])
  })
})

describe('the config of a provider the model input replaces', () => {
  it('keeps what has an Anthropic equivalent, under its Anthropic name', () => {
    const schema = { type: 'object', properties: { a: { type: 'string' } } }
    expect(
      foreignConfig({
        maxTokens: 120,
        stop: 'END',
        response_format: { type: 'json_schema', json_schema: { name: 'r', strict: true, schema } },
        tools: [OPENAI_TOOL],
        temperature: 0,
        apiHost: 'x.openai.azure.com',
        seed: 7,
        responseFormat: { type: 'json_object' },
      }),
    ).toEqual({
      config: {
        max_tokens: 120,
        stop_sequences: ['END'],
        output_format: { type: 'json_schema', schema },
        tools: [OPENAI_TOOL],
        temperature: 0,
      },
      dropped: [
        { key: 'apiHost', changesOutputs: false },
        { key: 'seed', changesOutputs: true },
        { key: 'responseFormat', changesOutputs: true },
      ],
    })
  })

  it('loads, with one warning for the run naming each dropped key where it is first written', async () => {
    const files = write({
      'evals/suite.yml': [
        "prompts: ['Say {{ word }}']",
        'providers:',
        '  - id: azure:chat:gpt-4o',
        '    config:',
        '      apiHost: x.openai.azure.com',
        '      max_completion_tokens: 300',
        '      stop: [END]',
        '  - id: openai:gpt-4o-mini',
        '    config:',
        '      seed: 7',
        '      apiHost: y.openai.azure.com',
        '      presence_penalty: 0.5',
        '  - id: anthropic:messages:claude-sonnet-4-5',
        '    config: { max_tokens: 50 }',
        'tests:',
        '  - vars: { word: a }',
      ].join('\n'),
    })
    const { cases, warnings } = await loadRun(files, { model: 'claude-haiku-4-5' })
    expect(cases.map((c) => [c.params.model, c.params.max_tokens, c.params.stop_sequences])).toEqual([
      ['claude-haiku-4-5', 300, ['END']],
      ['claude-haiku-4-5', 1024, undefined],
      ['claude-sonnet-4-5', 50, undefined],
    ])
    expect(warnings.filter((w) => w.startsWith('not sent'))).toEqual([
      'not sent: apiHost (evals/suite.yml:5), seed (evals/suite.yml:10), presence_penalty (evals/suite.yml:12): ' +
        'settings of providers that run as an Anthropic model, with no Messages API equivalent; without seed and ' +
        "presence_penalty the outputs may differ from that provider's.",
    ])
  })

  it("is checked where it would change the request, and an Anthropic provider's config stays strict", async () => {
    const files = write({
      'evals/suite.yml': [
        'model: claude-haiku-4-5',
        'providers:',
        '  - id: openai:gpt-4o-mini',
        '    config: { maxTokens: many }',
        '  - id: anthropic:messages:claude-haiku-4-5',
        '    config: { apiHost: x }',
        'tests:',
        '  - vars: { word: a }',
      ].join('\n'),
    })
    expect(await problemsOf(files)).toEqual([
      'evals/suite.yml:4: providers[0].config.maxTokens must be a whole number, not string',
      expect.stringMatching(/^evals\/suite\.yml:6: unknown key 'apiHost' in providers\[1\]\.config/),
    ])
  })
})

describe('the config of a judge provider the model input replaces', () => {
  it('is read in its own vocabulary too: max_tokens kept, the rest named in the same warning', async () => {
    const files = write({
      'evals/suite.yml': [
        'model: claude-haiku-4-5',
        "prompts: ['Say {{ word }}']",
        'defaultTest:',
        '  options:',
        '    provider:',
        '      id: openai:gpt-4o',
        '      config: { maxTokens: 300, temperature: 0, organization: acme }',
        'tests:',
        '  - vars: { word: a }',
        '    assert:',
        '      - type: llm-rubric',
        '        value: says a',
      ].join('\n'),
    })
    // The judge takes only max_tokens: maxTokens or organization as written would be refused.
    const { cases, warnings } = await loadRun(files, { model: 'claude-sonnet-4-5' })
    expect(cases).toHaveLength(1)
    expect(warnings).toContain(
      'not sent: organization (evals/suite.yml:11): settings of providers that run as an Anthropic model, ' +
        'with no Messages API equivalent (they say how to reach that provider, which changes no output).',
    )
  })
})

describe("OpenAI's response_format in a prompt's config", () => {
  it('is sent as output_format', async () => {
    const schema = { type: 'object', properties: { answer: { type: 'string' } } }
    const files = write({
      'evals/suite.yml': [
        'model: claude-haiku-4-5',
        'prompts:',
        '  - raw: Solve {{ problem }}',
        '    config:',
        `      response_format: ${JSON.stringify({ type: 'json_schema', json_schema: { name: 'r', schema } })}`,
        'tests:',
        '  - vars: { problem: 1+1 }',
      ].join('\n'),
    })
    const { cases } = await loadRun(files)
    expect(cases[0].params.output_config).toEqual({ format: { type: 'json_schema', schema } })
  })
})

describe('output_format given as file://', () => {
  const schema = { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] }
  const suite = (outputFormat: string) =>
    [
      "prompts: ['About {{ q }}']",
      'providers:',
      '  - id: anthropic:messages:claude-haiku-4-5',
      '    config:',
      `      output_format: ${outputFormat}`,
      'tests:',
      '  - vars: { q: a }',
    ].join('\n')

  it('is read, and so is a file:// schema inside it or inline, relative to the suite', async () => {
    const files = write({
      'evals/a.yml': suite('file://formats/format.json'),
      'evals/b.yml': suite('file://formats/nested.yaml'),
      'evals/c.yml': suite('{ type: json_schema, schema: file://schema.json }'),
      'evals/formats/format.json': JSON.stringify({ type: 'json_schema', schema }),
      'evals/formats/nested.yaml': 'type: json_schema\nschema: file://schema.json\n',
      'evals/schema.json': JSON.stringify(schema),
    })
    const { cases } = await loadRun(files.slice(0, 3))
    expect(cases.map((c) => c.params.output_config)).toEqual(
      Array(3).fill({ format: { type: 'json_schema', schema } }),
    )
  })

  it('is refused where it is written when a file is missing, or holds no JSON schema format', async () => {
    const files = write({
      'evals/a.yml': suite('file://missing.json'),
      'evals/b.yml': suite('file://format.json'),
      'evals/format.json': JSON.stringify({ type: 'json_object' }),
    })
    expect(await problemsOf(files.slice(0, 2))).toEqual([
      expect.stringMatching(/^evals\/a\.yml:5: file:\/\/missing\.json does not exist/),
      'evals/b.yml:5: output_format must be {type: json_schema, schema: {...}} (the schema inline or ' +
        'file://), in the file it names too',
    ])
  })

  it('is read only inside the workspace', async () => {
    const [file] = write({ 'evals/a.yml': '' })
    const workspace = path.dirname(path.dirname(file))
    const outside = mkdtempSync(path.join(tmpdir(), 'format-elsewhere-'))
    try {
      writeFileSync(path.join(outside, 'format.json'), JSON.stringify({ type: 'json_schema', schema }))
      const ref = `file://${path.relative(path.dirname(file), path.join(outside, 'format.json'))}`
      writeFileSync(file, suite(ref))
      const io = confinedSuiteIO(allowedRoots(workspace, []))
      await expect(
        loadSuiteRun([file], { workspace, model: undefined, io, assertions: assertionCompiler }),
      ).rejects.toThrow(/outside/)
    } finally {
      rmSync(outside, { recursive: true, force: true })
    }
  })
})
