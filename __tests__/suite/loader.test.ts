import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { assertionCompiler } from '../../src/grading/assertion-compiler.js'
import { DEFAULT_MAX_TOKENS, loadSuites, SuiteError, type EvalCase } from '../../src/suite/loader.js'
import { fileSystemSuiteIO } from '../../src/suite/file-system.js'
import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages/messages'
import { gradeTest } from '../../src/grading/graders/index.js'
import { message } from '../fixtures/messages.js'
import { buildBatchRequests } from '../../src/batch/requests.js'

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'suites')

let workspace: string
beforeEach(() => {
  workspace = mkdtempSync(path.join(tmpdir(), 'suite-'))
})
afterEach(() => rmSync(workspace, { recursive: true, force: true }))

/** Writes files (workspace-relative path -> text) and returns their absolute paths. */
function write(files: Record<string, string>): string[] {
  return Object.entries(files).map(([file, text]) => {
    const absolute = path.join(workspace, file)
    mkdirSync(path.dirname(absolute), { recursive: true })
    writeFileSync(absolute, text)
    return absolute
  })
}

const load = (suites: string[], model?: string, root = workspace) =>
  loadSuites(suites, { workspace: root, model, io: fileSystemSuiteIO, assertions: assertionCompiler })

const loadText = (text: string, file = 'evals/suite.yml', model?: string) =>
  load(write({ [file]: text }).slice(0, 1), model)

async function problemsOf(suites: string[], root = workspace): Promise<string[]> {
  try {
    await load(suites, undefined, root)
  } catch (error) {
    if (error instanceof SuiteError) return error.problems.map((p) => `${p.file}:${p.line}: ${p.message}`)
    throw error
  }
  throw new Error('expected the suite to be refused')
}

const problemsOfText = (text: string, file = 'evals/suite.yml') => problemsOf(write({ [file]: text }))

describe('loadSuites', () => {
  it('resolves model, system, max_tokens and vars from test, suite and defaults', async () => {
    const cases = await loadText(
      [
        'description: demo',
        'model: claude-haiku-4-5',
        'system: You sell {{ product }}.',
        'max_tokens: 200',
        'defaultTest:',
        '  vars: { product: routers, tone: kind }',
        '  assert:',
        '    - type: not-contains',
        '      value: sorry',
        'tests:',
        '  - description: Refund window',
        '    prompt: Return my {{ product }}, {{ tone }}ly?',
        '    assert:',
        '      - { type: contains, value: 30 days }',
        '  - id: custom',
        '    model: claude-sonnet-4-5',
        '    system: Be brief.',
        '    max_tokens: 50',
        '    vars: { product: modems }',
        '    prompt: Hi about {{ product }}',
      ].join('\n'),
    )
    expect(cases).toHaveLength(2)
    expect(cases[0]).toMatchObject({
      id: 'suite/refund-window',
      description: 'Refund window',
      file: 'evals/suite.yml',
      line: 11,
      prompt: 'Return my routers, kindly?',
      params: {
        model: 'claude-haiku-4-5',
        max_tokens: 200,
        system: 'You sell routers.',
        messages: [{ role: 'user', content: 'Return my routers, kindly?' }],
      },
    })
    expect(cases[0].assertions.map((a) => a.type)).toEqual(['not-contains', 'contains'])
    expect(cases[1]).toMatchObject({
      id: 'custom',
      line: 15,
      params: { model: 'claude-sonnet-4-5', max_tokens: 50, system: 'Be brief.' },
      vars: { product: 'modems', tone: 'kind' },
    })
  })

  it('takes the model input for tests that name none, and a default max_tokens', async () => {
    const [only] = await loadText('tests:\n  - prompt: hi\n', 'a.yml', 'claude-haiku-4-5')
    expect(only.params).toEqual({
      model: 'claude-haiku-4-5',
      max_tokens: DEFAULT_MAX_TOKENS,
      messages: [{ role: 'user', content: 'hi' }],
    })
  })

  it('renders messages turns and uses the last user turn as the prompt', async () => {
    const [only] = await loadText(
      [
        'model: m',
        'tests:',
        '  - vars: { name: Ada }',
        '    messages:',
        '      - { role: user, content: "Hi, I am {{ name }}" }',
        '      - { role: assistant, content: Hello! }',
        '      - role: user',
        '        content:',
        '          - { type: text, text: "Spell {{ name }}" }',
      ].join('\n'),
    )
    expect(only.params.messages).toEqual([
      { role: 'user', content: 'Hi, I am Ada' },
      { role: 'assistant', content: 'Hello!' },
      { role: 'user', content: [{ type: 'text', text: 'Spell Ada' }] },
    ])
    expect(only.prompt).toBe('Spell Ada')
  })

  it('renders vars into assertion values for each test, and points at a missing one', async () => {
    const cases = await loadText(
      [
        'model: m',
        'defaultTest:',
        '  assert:',
        '    - { type: icontains, value: "{{ expected }}" }',
        'tests:',
        '  - { prompt: Capital of France?, vars: { expected: Paris } }',
        '  - { prompt: Capital of Italy?, vars: { expected: Rome } }',
      ].join('\n'),
    )
    expect(cases.map((c) => c.assertions[0].value)).toEqual(['Paris', 'Rome'])
    expect(
      await problemsOfText(
        'model: m\ntests:\n  - prompt: x\n    assert:\n      - type: equals\n        value: "{{ answer }}"\n',
      ),
    ).toEqual(['evals/suite.yml:6: the template uses {{ answer }} but vars has no such key (vars: none)'])
  })

  it('reads JSON suites with their lines', async () => {
    const cases = await loadText(
      '{\n  "model": "m",\n  "tests": [\n    {"id": "a", "prompt": "x"},\n    {"id": "b", "prompt": "y"}\n  ]\n}',
      'evals/s.json',
    )
    expect(cases.map((c) => [c.id, c.line])).toEqual([
      ['a', 4],
      ['b', 5],
    ])
  })

  it('reads a JSONL or CSV file as a suite of tests', async () => {
    const [jsonl, csv] = write({
      'evals/cases.jsonl':
        '{"id": "one", "prompt": "P1", "model": "m"}\n\n{"prompt": "P2 {{ x }}", "vars": {"x": 2}}\n',
      'evals/cases.csv':
        '__prompt,question,__expected,__description\nSay {{ question }},"Hi, you",icontains:hello,Greets\n',
    })
    const cases = await load([jsonl, csv], 'claude-haiku-4-5')
    expect(cases.map((c) => [c.id, c.file, c.line, c.params.model])).toEqual([
      ['one', 'evals/cases.jsonl', 1, 'm'],
      [expect.stringMatching(/^cases\/[0-9a-f]{10}$/), 'evals/cases.jsonl', 3, 'claude-haiku-4-5'],
      ['cases/greets', 'evals/cases.csv', 2, 'claude-haiku-4-5'],
    ])
    expect(cases[1].prompt).toBe('P2 2')
    expect(cases[2]).toMatchObject({
      vars: { question: 'Hi, you' },
      description: 'Greets',
      prompt: 'Say Hi, you',
    })
    expect(cases[2].assertions.map((a) => [a.type, a.value])).toEqual([['icontains', 'hello']])
  })

  it('derives stable ids from the file and the description or content, unique across files', async () => {
    const text =
      'model: m\ntests:\n  - description: Same Name!\n    prompt: a\n  - description: Same name\n    prompt: b\n  - prompt: c\n'
    const cases = await load(write({ 'one.yml': text, 'two/one.yml': text }))
    expect(cases.map((c) => c.id)).toEqual([
      'one/same-name',
      'one/same-name-2',
      expect.stringMatching(/^one\/[0-9a-f]{10}$/),
      'one/same-name-3',
      'one/same-name-4',
      `${cases[2].id}-2`,
    ])
    const again = await loadText('model: m\ntests:\n  - prompt: c\n', 'elsewhere/one.yml')
    expect(again[0].id).toBe(cases[2].id)
  })

  it('gives tests written on one line, or a tests file named twice, ids of their own', async () => {
    const [inline, twice] = write({
      'evals/inline.yml':
        "model: m\nprompts: ['A {{ x }}', 'B {{ x }}']\n" +
        'tests: [{description: Same, vars: {x: 1}}, {description: Same, vars: {x: 2}}]\n',
      'evals/twice.yml': 'model: m\ntests: [file://cases.jsonl, file://cases.jsonl]\n',
      'evals/cases.jsonl': '{"description": "from jsonl", "prompt": "p"}\n',
    })
    // Each test's cases (one per prompt) share its id.
    expect((await load([inline])).map((c) => c.id)).toEqual([
      'inline/same [prompt 1]',
      'inline/same [prompt 2]',
      'inline/same-2 [prompt 1]',
      'inline/same-2 [prompt 2]',
    ])
    expect((await load([twice])).map((c) => c.id)).toEqual(['cases/from-jsonl', 'cases/from-jsonl-2'])
  })

  it('cuts derived ids at 60 characters, and keeps only a-z and 0-9 runs of the description', async () => {
    const descriptions = [
      "  Ünïcödé — 'Refund' window!!  ",
      'Checks the refund window for orders bought online -, 30 days, and in shops',
      `${'a'.repeat(59)} bc`,
      '---',
    ]
    const tests = descriptions.map((description, i) => ({ description, prompt: `p${i}`, model: 'm' }))
    const cases = await load(write({ 'evals/ids.jsonl': tests.map((t) => JSON.stringify(t)).join('\n') }))
    expect(cases.map((c) => c.id)).toEqual([
      'ids/n-c-d-refund-window',
      'ids/checks-the-refund-window-for-orders-bought-online-30-days-an',
      `ids/${'a'.repeat(59)}`,
      expect.stringMatching(/^ids\/[0-9a-f]{10}$/),
    ])
  })

  it('shares one compiled assertion between tests that write the same one', async () => {
    const line = (n: number, value: string) =>
      JSON.stringify({ prompt: `p${n}`, model: 'm', vars: { n }, assert: [{ type: 'contains', value }] })
    const [first, second, own, rendered] = await load(
      write({
        'evals/a.jsonl': [line(1, 'same'), line(2, 'same'), line(3, 'other'), line(4, 'n={{ n }}')].join(
          '\n',
        ),
      }),
    )
    expect(second.assertions[0]).toBe(first.assertions[0])
    expect(own.assertions[0]).not.toBe(first.assertions[0])
    expect([own.assertions[0].value, rendered.assertions[0].value]).toEqual(['other', 'n=4'])
  })

  it('loads more tests than a spread into push() can take', async () => {
    const count = 150_000
    const lines = Array.from({ length: count }, (_, n) => `{"id":"t${n}","prompt":"p","model":"m"}`)
    const cases = await load(write({ 'evals/big.jsonl': lines.join('\n') }))
    expect(cases).toHaveLength(count)
    expect(cases[count - 1]).toMatchObject({ id: `t${count - 1}`, line: count })
  })

  it('reads a JSONL file of megabytes in pieces, keeping each line and character whole', async () => {
    const MB = 1024 * 1024
    const line = (prompt: string) => JSON.stringify({ prompt, model: 'm' })
    // The first line's '€' (3 bytes, after `{"prompt":"` and the a's) straddles the end of the first
    // megabyte; the third line is longer than two.
    const first = line(`${'a'.repeat(MB - 12)}€`)
    const long = line(`${'b'.repeat(2.5 * MB)}ü`)
    const text = [first, '', long, `${line('crlf')}\r`, line('last')].join('\n')
    const cases = await load(write({ 'evals/big.jsonl': text }))
    expect(cases.map((c) => [c.prompt.length, c.prompt.slice(-1), c.line])).toEqual([
      [MB - 11, '€', 1],
      [2.5 * MB + 1, 'ü', 3],
      [4, 'f', 4],
      [4, 't', 5],
    ])
  })

  it('reports every problem of a file at once, with file and line, in reading order', async () => {
    const problems = await problemsOfText(
      [
        'model: m',
        'descripton: x',
        'tests:',
        '  - id: dup',
        '    prompt: Hello {{ nam }}',
        '    vars: { name: x }',
        '  - id: dup',
        '    prompt: ok',
        '  - description: no prompt here',
        '  - prompt: p',
        '    max_tokens: 0',
        '    assert:',
        '      - type: regex',
        '        value: "(open"',
      ].join('\n'),
    )
    expect(problems).toEqual([
      "evals/suite.yml:2: unknown key 'descripton' in the suite (did you mean 'description'?); known keys: " +
        '$schema, description, model, max_tokens, system, tools, tool_choice, thinking, stop_sequences, temperature, ' +
        'top_p, top_k, stream, speed, prompts, providers, defaultTest, tests, outputPath, sharing, evaluateOptions, ' +
        'writeLatestResults, tags, env',
      'evals/suite.yml:5: the template uses {{ nam }} but vars has no such key (vars: name)',
      "evals/suite.yml:7: duplicate test id 'dup' (first used at evals/suite.yml:4); ids must be unique",
      'evals/suite.yml:9: this test has no prompt: add `prompt:` or `messages:`, or a top-level `prompts:` list',
      'evals/suite.yml:11: max_tokens must be at least 1 (a batch refuses max_tokens: 0)',
      'evals/suite.yml:14: regex has an invalid regular expression: Invalid regular expression: /(open/: Unterminated group',
    ])
  })

  it('stops at a value of the wrong shape, and checks the other tests', async () => {
    expect(
      await problemsOfText('model: m\nmax_tokens: lots\ntests:\n  - prompt: "{{ x }}"\n', 'evals/a.yml'),
    ).toEqual(['evals/a.yml:2: max_tokens must be a whole number, not string'])
    expect(
      await problemsOfText('model: m\ntests:\n  - prompt: [1]\n  - prompt: Hi {{ who }}\n', 'evals/b.yml'),
    ).toEqual([
      'evals/b.yml:3: tests[0].prompt must be a string, not array',
      'evals/b.yml:4: the template uses {{ who }} but vars has no such key (vars: none)',
    ])
  })

  it("takes a test's repeat, from 1 to 100, and points at one out of range", async () => {
    const [once, thrice] = await loadText('model: m\ntests:\n  - prompt: a\n  - prompt: b\n    repeat: 3\n')
    expect([once.repeat, thrice.repeat]).toEqual([undefined, 3])
    expect(
      await problemsOfText(
        'model: m\ntests:\n  - prompt: a\n    repeat: 0\n  - prompt: b\n    repeat: 101\n',
      ),
    ).toEqual([
      'evals/suite.yml:4: tests[0].repeat must be at least 1',
      'evals/suite.yml:6: tests[1].repeat must be at most 100',
    ])
  })

  it("takes a test's threshold, or defaultTest's, from 0 to 1, and points at one out of range", async () => {
    const [own, inherited] = await loadText(
      'model: m\ndefaultTest:\n  threshold: 0.5\ntests:\n  - prompt: a\n    threshold: 0.8\n  - prompt: b\n',
    )
    expect([own.threshold, inherited.threshold]).toEqual([0.8, 0.5])
    expect(
      await problemsOfText(
        'model: m\ndefaultTest:\n  threshold: 1.5\ntests:\n  - prompt: a\n    threshold: 80\n',
      ),
    ).toEqual([
      "evals/suite.yml:3: the test has an invalid 'threshold' 1.5: the weighted score the test needs to pass, between 0 and 1",
      "evals/suite.yml:6: the test has an invalid 'threshold' 80: the weighted score the test needs to pass, between 0 and 1",
    ])
  })

  it('gives model-graded assertions the judge options of the test, else of defaultTest, unless they set their own', async () => {
    const [test] = await loadText(
      [
        'model: m',
        'defaultTest:',
        '  options:',
        '    provider: anthropic:messages:claude-haiku-4-5',
        '    rubricPrompt: "Grade {{ output }} against {{ rubric }}; reply in JSON"',
        'tests:',
        '  - prompt: a',
        '    options:',
        '      provider: anthropic:messages:claude-opus-4-6',
        '    assert:',
        '      - type: llm-rubric',
        '        value: polite',
        '      - type: llm-rubric',
        '        value: short',
        '        provider: anthropic:messages:claude-sonnet-4-5',
        '      - type: contains',
        '        value: a',
        '',
      ].join('\n'),
    )
    const asked: MessageCreateParamsNonStreaming[] = []
    const judge = {
      answer: (params: MessageCreateParamsNonStreaming) => (
        asked.push(params),
        { state: 'pending' as const }
      ),
    }
    const grade = await gradeTest(test.assertions, {
      message: message('a'),
      vars: {},
      prompt: 'a',
      tools: undefined,
      costUsd: null,
      judge,
    })
    expect(grade.pending).toBe(true)
    expect(asked.map((params) => params.model)).toEqual(['claude-opus-4-6', 'claude-sonnet-4-5'])
    expect(asked[0].messages).toEqual([{ role: 'user', content: 'Grade a against polite; reply in JSON' }])
  })

  it('points at YAML and JSON syntax errors', async () => {
    expect(await problemsOfText('model: m\ntests:\n  - prompt: a\n    prompt: b\n')).toEqual([
      'evals/suite.yml:4: YAML syntax: Map keys must be unique',
    ])
    const json = await problemsOfText('{"model": "m",\n "tests": [}', 'evals/s.json')
    expect(json.length).toBeGreaterThan(0)
    expect(json.every((problem) => /^evals\/s.json:[12]: JSON syntax: /.test(problem))).toBe(true)
  })

  it('refuses an empty suite and a suite without a model', async () => {
    expect(await problemsOfText('model: m\ntests: []\n')).toEqual([
      'evals/suite.yml:2: the suite has no tests: add a `tests:` list with at least one test (a prompt and its asserts)',
    ])
    expect(await problemsOfText('')).toEqual([
      'evals/suite.yml:1: a suite must be a mapping with a `tests:` list at the top level',
    ])
    expect(await problemsOfText('tests:\n  - prompt: x\n')).toEqual([
      "evals/suite.yml:2: no model for this test: set `model:` in the suite or the test, or the action's `model` input",
    ])
  })

  it('says in its message that nothing was submitted', async () => {
    await expect(loadText('tests: []')).rejects.toThrow(
      /^The suite has 1 problem; nothing was submitted\.\n {2}evals\/suite.yml:1: /,
    )
  })
})

describe('the everything fixture', () => {
  let cases: EvalCase[]
  beforeAll(async () => {
    cases = await load([path.join(FIXTURES, 'everything', 'suite.yaml')], undefined, FIXTURES)
  })

  it('crosses tests without their own prompt or model with every prompt and provider', () => {
    expect(cases.map((c) => c.id)).toEqual([
      'suite/capital-of-france [prompt 1, claude-haiku-4-5]',
      'suite/capital-of-france [prompt 1, sonnet]',
      'suite/capital-of-france [chat.json, claude-haiku-4-5]',
      'suite/capital-of-france [chat.json, sonnet]',
      'cases/adds-two-numbers [prompt 1, claude-haiku-4-5]',
      'cases/adds-two-numbers [prompt 1, sonnet]',
      'cases/adds-two-numbers [chat.json, claude-haiku-4-5]',
      'cases/adds-two-numbers [chat.json, sonnet]',
      'cases/reverses-a-word [prompt 1, claude-haiku-4-5]',
      'cases/reverses-a-word [prompt 1, sonnet]',
      'cases/reverses-a-word [chat.json, claude-haiku-4-5]',
      'cases/reverses-a-word [chat.json, sonnet]',
      'more/answers-in-json [prompt 1, claude-haiku-4-5]',
      'more/answers-in-json [prompt 1, sonnet]',
      'more/answers-in-json [chat.json, claude-haiku-4-5]',
      'more/answers-in-json [chat.json, sonnet]',
      'more/greets-politely [prompt 1, claude-haiku-4-5]',
      'more/greets-politely [prompt 1, sonnet]',
      'more/greets-politely [chat.json, claude-haiku-4-5]',
      'more/greets-politely [chat.json, sonnet]',
      'weather-tool',
    ])
  })

  it('applies provider config, and reads chat prompts with their system turn', () => {
    const [inline, sonnet, chat] = cases
    expect(inline.params).toEqual({
      model: 'claude-haiku-4-5',
      max_tokens: DEFAULT_MAX_TOKENS,
      messages: [{ role: 'user', content: 'Answer briefly: What is the capital of France?' }],
    })
    expect(sonnet.params).toMatchObject({
      model: 'claude-sonnet-4-5',
      max_tokens: 200,
      system: 'You are terse.',
    })
    expect(chat.params).toMatchObject({
      system: 'Be friendly.',
      messages: [{ role: 'user', content: 'What is the capital of France?' }],
    })
  })

  it('keeps each test at its own file and line', () => {
    const byId = (id: string) => cases.find((c) => c.id.startsWith(id)) as EvalCase
    expect([byId('suite/capital').file, byId('suite/capital').line]).toEqual(['everything/suite.yaml', 25])
    expect([byId('cases/reverses').file, byId('cases/reverses').line]).toEqual(['everything/cases.csv', 3])
    expect([byId('more/greets').file, byId('more/greets').line]).toEqual(['everything/more.jsonl', 2])
    expect(byId('more/greets').threshold).toBe(0.5)
  })

  it('reads file:// vars, tools and images into the request', () => {
    const weather = cases.at(-1) as EvalCase
    expect(weather.vars).toEqual({ tone: 'friendly', city: 'Paris' })
    expect(weather.params.tools).toEqual([expect.objectContaining({ name: 'get_weather' })])
    expect(weather.params.tool_choice).toEqual({ type: 'any' })
    expect(weather.params.messages).toEqual([
      {
        role: 'user',
        content: [
          {
            type: 'image',
            source: { type: 'base64', media_type: 'image/png', data: expect.stringMatching(/^iVBORw0KGgo/) },
          },
          { type: 'text', text: 'What is the weather in Paris?' },
        ],
      },
    ])
    expect(weather.prompt).toBe('[image]\nWhat is the weather in Paris?')
  })
})

describe('a promptfoo config with Anthropic providers', () => {
  it('runs unchanged: prompts from a --- separated file, crossed with both providers', async () => {
    const cases = await load([path.join(FIXTURES, 'promptfoo', 'promptfooconfig.yaml')], undefined, FIXTURES)
    expect(cases).toHaveLength(8)
    expect(cases[0]).toMatchObject({
      id: expect.stringMatching(/^promptfooconfig\/[0-9a-f]{10} \[prompts\.txt #1, claude-sonnet-4-5\]$/),
      params: {
        model: 'claude-sonnet-4-5',
        max_tokens: 1024,
        messages: [{ role: 'user', content: 'Translate the following text to French: Hello world' }],
      },
    })
    expect(cases[3].params).toMatchObject({
      model: 'claude-haiku-4-5',
      messages: [
        {
          role: 'user',
          content:
            'You are a professional translator. Render "Hello world" in French, and reply with the translation only.',
        },
      ],
    })
    expect(cases[0].assertions.map((a) => a.type)).toEqual(['javascript', 'icontains'])
  })
})

describe('malformed fixtures', () => {
  const malformed = (file: string) => problemsOf([path.join(FIXTURES, 'malformed', file)], FIXTURES)

  it.each([
    ['syntax.yaml', ['malformed/syntax.yaml:4: YAML syntax: Map keys must be unique']],
    [
      'unknown-keys.yaml',
      [
        expect.stringMatching(
          /^malformed\/unknown-keys.yaml:2: unknown key 'promts' in the suite \(did you mean 'prompts'\?\)/,
        ),
        expect.stringMatching(
          /^malformed\/unknown-keys.yaml:6: unknown key 'asert' in tests\[0\] \(did you mean 'assert'\?\)/,
        ),
      ],
    ],
    [
      'bad-assertions.yaml',
      [
        "malformed/bad-assertions.yaml:5: unknown assertion type 'contians' (did you mean 'contains'?)",
        'malformed/bad-assertions.yaml:8: regex has an invalid regular expression: Invalid regular expression: /(unclosed/: Unterminated group',
        expect.stringMatching(
          /^malformed\/bad-assertions.yaml:9: latency has no meaning in a batch: .* Remove it, or bound what a test may spend with 'type: cost'/,
        ),
      ],
    ],
    [
      'missing-files.yaml',
      [
        'malformed/missing-files.yaml:3: file://prompts/missing.txt does not exist (looked for malformed/prompts/missing.txt); paths are relative to the file that names them',
        'malformed/missing-files.yaml:6: file://docs/missing.md does not exist (looked for malformed/docs/missing.md); paths are relative to the file that names them',
        'malformed/missing-files.yaml:7: file://missing-tests.csv does not exist (looked for malformed/missing-tests.csv); paths are relative to the file that names them',
      ],
    ],
    [
      'missing-var.yaml',
      ['malformed/missing-var.yaml:6: the template uses {{ nmae }} but vars has no such key (vars: name)'],
    ],
    [
      'no-prompt-no-model.yaml',
      [
        'malformed/no-prompt-no-model.yaml:2: this test has no prompt: add `prompt:` or `messages:`, or a top-level `prompts:` list',
        "malformed/no-prompt-no-model.yaml:4: no model for this test: set `model:` in the suite or the test, or the action's `model` input",
      ],
    ],
    [
      'empty.yaml',
      [
        'malformed/empty.yaml:3: the suite has no tests: add a `tests:` list with at least one test (a prompt and its asserts)',
      ],
    ],
    [
      'refused-params.yaml',
      [
        expect.stringMatching(
          /^malformed\/refused-params.yaml:2: temperature is refused: the API version .*2026-10-21/,
        ),
        'malformed/refused-params.yaml:5: max_tokens must be at least 1 (a batch refuses max_tokens: 0)',
        expect.stringMatching(
          /^malformed\/refused-params.yaml:6: stream is refused: a batch request cannot stream/,
        ),
        expect.stringMatching(
          /^malformed\/refused-params.yaml:8: speed is refused: the Batch API refuses `speed`/,
        ),
      ],
    ],
    [
      'other-provider.yaml',
      [
        expect.stringMatching(
          /^malformed\/other-provider.yaml:4: provider 'openai:gpt-4o' cannot run in an Anthropic Message Batch/,
        ),
      ],
    ],
    [
      'duplicate-ids.yaml',
      [
        "malformed/duplicate-ids.yaml:5: duplicate test id 'greet' (first used at malformed/duplicate-ids.yaml:3); ids must be unique",
      ],
    ],
    [
      'bad-columns.csv',
      [
        expect.stringMatching(
          /^malformed\/bad-columns.csv:2: unknown special column '_expected' \(did you mean '__expected'\?\)/,
        ),
      ],
    ],
    [
      'bad-lines.jsonl',
      [
        expect.stringMatching(
          /^malformed\/bad-lines.jsonl:2: unknown key 'asert' in tests\[1\] \(did you mean 'assert'\?\)/,
        ),
        expect.stringMatching(/^malformed\/bad-lines.jsonl:3: JSONL syntax: /),
      ],
    ],
    ['empty.jsonl', ['malformed/empty.jsonl:1: the file has no tests: add one test per line']],
    // Its syntax problems say why it has no tests; a "no tests" line would only repeat them.
    [
      'unparsable.jsonl',
      [
        expect.stringMatching(/^malformed\/unparsable.jsonl:1: JSONL syntax: /),
        expect.stringMatching(/^malformed\/unparsable.jsonl:2: JSONL syntax: /),
      ],
    ],
  ])('%s: reports its file:line error', async (file, expected) => {
    expect(await malformed(file)).toEqual(expected)
  })
})

describe('YAML anchors, aliases and merge keys', () => {
  it('reuses an anchor and merges a base test into 100,000 tests, each at its own line', async () => {
    const count = 100_000
    const lines = [
      'model: m',
      'tests:',
      '  - &base',
      '    description: t0',
      '    prompt: Say {{ word }}',
      '    vars: { word: hi }',
      '    assert: &common',
      '      - { type: contains, value: hi }',
    ]
    for (let n = 1; n < count; n++) {
      lines.push(n % 2 ? `  - { prompt: p${n}, assert: *common }` : `  - { <<: *base, description: t${n} }`)
    }
    const cases = await loadText(lines.join('\n'))
    expect(cases).toHaveLength(count)
    expect(cases.slice(0, 3).map((c) => [c.id, c.line, c.prompt, c.assertions.map((a) => a.value)])).toEqual([
      // An anchored mapping starts on the line after its `- &base`.
      ['suite/t0', 4, 'Say hi', ['hi']],
      [expect.stringMatching(/^suite\/[0-9a-f]{10}$/), 9, 'p1', ['hi']],
      ['suite/t2', 10, 'Say hi', ['hi']],
    ])
    expect(cases[count - 1].line).toBe(count + 7)
  })

  it('lets a test merge a base with <<, overriding its keys, and points at the test that merges', async () => {
    const text = [
      'model: m',
      'tests:',
      '  - &base',
      '    description: base',
      '    prompt: Answer {{ q }}',
      '    vars: { q: one }',
      '  - <<: *base',
      '    description: second',
      '    vars: { other: two }',
    ].join('\n')
    expect(await problemsOfText(text)).toEqual([
      'evals/suite.yml:7: the template uses {{ q }} but vars has no such key (vars: other)',
    ])
    const [base, second] = await loadText(text.replace('other: two', 'q: two'))
    expect([base.line, base.prompt]).toEqual([4, 'Answer one'])
    expect([second.id, second.line, second.prompt]).toEqual(['suite/second', 7, 'Answer two'])
  })

  it('points at an alias without an anchor, one inside its own anchor, and anchors that nest into billions', async () => {
    const tens = (name: string, item: string) => `${name}: &${name} [${Array(10).fill(item).join(', ')}]`
    const laughs = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((name, i, names) =>
      tens(name, i === 0 ? 'x' : `*${names[i - 1]}`),
    )
    expect(
      await problemsOf(
        write({
          'evals/unresolved.yml': 'model: m\ntests:\n  - prompt: p\n    assert: *checks\n',
          'evals/cycle.yml': 'model: m\ntests:\n  - prompt: p\n    vars: &v\n      self: *v\n',
          'evals/laughs.yml': `model: m\ntests:\n  - prompt: p\n    vars:\n${laughs.map((l) => `      ${l}`).join('\n')}\n`,
        }),
      ),
    ).toEqual([
      'evals/unresolved.yml:4: YAML alias *checks names no anchor before it: write &checks on the value it stands for, above it',
      'evals/cycle.yml:5: YAML alias *v is inside the value &v it stands for, which cannot hold itself: remove the alias, or anchor a value outside it',
      'evals/laughs.yml:11: YAML aliases expand to 12,345,694 values, more than the 1,000,000 a file this long may hold: *f alone stands for 1,111,111; nest fewer anchors within anchors',
    ])
  })
})

describe('chat prompt files', () => {
  const suite = (prompt: string) =>
    `model: m\nprompts: [${prompt}]\ntests:\n  - vars: { text: 'He said "hi"\n\n      and left' }\n`

  it('reads a JSON or YAML list of turns, rendering each text, so that a var cannot break the JSON', async () => {
    const [json, , yaml, , inline] = write({
      'evals/json.yml': suite('file://prompts/chat.json'),
      'evals/prompts/chat.json':
        '[\n  {"role": "system", "content": "You translate."},\n  {"role": "user", "content": "Translate: {{ text }}"}\n]\n',
      'evals/yaml.yml': suite('file://chat.yaml'),
      'evals/chat.yaml':
        '- role: system\n  content: You translate.\n- role: user\n  content:\n    - { type: text, text: "Translate: {{ text }}" }\n',
      'evals/inline.yml': suite(`'[{"role": "user", "content": "Translate: {{ text }}"}]'`),
    })
    const cases = await load([json, yaml, inline])
    expect(cases.map((c) => [c.id.replace(/\/.*/, ''), c.params.system, c.params.messages])).toEqual([
      ['json', 'You translate.', [{ role: 'user', content: 'Translate: He said "hi"\nand left' }]],
      [
        'yaml',
        'You translate.',
        [{ role: 'user', content: [{ type: 'text', text: 'Translate: He said "hi"\nand left' }] }],
      ],
      ['inline', undefined, [{ role: 'user', content: 'Translate: He said "hi"\nand left' }]],
    ])
  })

  it('renders a JSON prompt file that is JSON only once rendered, such as turns written by a loop', async () => {
    const [only] = await load(
      write({
        'evals/loop.yml':
          'model: m\nprompts: [file://loop.json]\ntests:\n' +
          '  - { vars: { past: [a, b], q: c }, options: { disableVarExpansion: true } }\n',
        'evals/loop.json':
          '[{% for p in past %}{"role": "user", "content": "{{ p }}"}, {"role": "assistant", "content": "ok"}, ' +
          '{% endfor %}{"role": "user", "content": "{{ q }}"}]',
      }).slice(0, 1),
    )
    expect(only.params.messages.map((m) => m.content)).toEqual(['a', 'ok', 'b', 'ok', 'c'])
  })

  it('points at a prompt file that is not a list of turns, or at the turn that fails, with the fix', async () => {
    const fix =
      '; a .json or .yaml prompt file holds a list of chat turns, such as ' +
      '[{"role": "system", "content": "You are terse."}, {"role": "user", "content": "{{ question }}"}]; ' +
      'a text prompt goes in a .txt file'
    const problems = await problemsOf(
      write({
        'evals/suite.yml':
          'model: m\nprompts:\n  - file://text.json\n  - file://object.json\n  - file://roles.yaml\n' +
          '  - file://vars.json\n  - file://loop.json\ntests:\n  - vars: { q: x }\n',
        'evals/text.json': 'Answer {{ q }}\n',
        'evals/object.json': '{"role": "user", "content": "{{ q }}"}\n',
        'evals/roles.yaml': '- role: user\n  content: "{{ q }}"\n- role: human\n  content: hi\n',
        'evals/vars.json': '[\n  {"role": "user",\n   "content": "{{ nope }}"}\n]\n',
        'evals/loop.json': '[\n{% for t in q %}{"role": "user", "content": "{{ t }}"}{% endfor %}\n',
      }).slice(0, 1),
    )
    expect(problems).toEqual([
      `evals/text.json:1: file://text.json is not a list of chat turns${fix}`,
      `evals/object.json:1: file://object.json is not a list of chat turns${fix}`,
      `evals/roles.yaml:3: file://roles.yaml turn 2 has role "human": use system, user or assistant${fix}`,
      'evals/vars.json:3: the template uses {{ nope }} but vars has no such key (vars: q)',
      expect.stringMatching(
        /^evals\/loop.json:\d: JSON syntax: .*, and rendered it is not a list of chat turns either; a .json or .yaml prompt file holds/,
      ),
    ])
  })
})

describe('CSV tests files', () => {
  it('leaves a blank special cell out: the suite prompts a blank __prompt, a blank __threshold sets none', async () => {
    const cases = await load(
      write({
        'evals/suite.yml': 'model: m\nprompts: ["Translate {{ text }}"]\ntests: file://rows.csv\n',
        'evals/rows.csv':
          'text,__prompt,__threshold,__description,__expected\n' +
          'hello,,,,contains:bonjour\n' +
          'bye,Say {{ text }} in German, ,Own prompt,contains:tschüss\n' +
          'cat,,0.5,,\n',
      }).slice(0, 1),
    )
    expect(cases.map((c) => [c.id, c.prompt, c.threshold])).toEqual([
      [expect.stringMatching(/^rows\/[0-9a-f]{10}$/), 'Translate hello', undefined],
      ['rows/own-prompt', 'Say bye in German', undefined],
      [expect.stringMatching(/^rows\/[0-9a-f]{10}$/), 'Translate cat', 0.5],
    ])
  })

  it("maps promptfoo's __expected prefixes, and refuses the types this action does not run at their row", async () => {
    const rows = [
      'grade:is polite',
      'llm-rubric: is short',
      'eval:output.length < 9',
      'javascript:output !== ""',
      'not-icontains:sorry',
      'Paris: the capital',
      'similar(0.8):au revoir',
      'python:output == "chat"',
      'file://check.py',
      'classifier:positive',
    ]
    const csv = (cells: string[]) =>
      `question,__expected\n${cells.map((cell) => `q,"${cell.replaceAll('"', '""')}"`).join('\n')}\n`
    const [refused, mapped] = write({
      'evals/refused.yml': 'model: m\nprompts: ["{{ question }}"]\ntests: file://refused.csv\n',
      'evals/mapped.yml': 'model: m\nprompts: ["{{ question }}"]\ntests: file://mapped.csv\n',
      'evals/refused.csv': csv(rows),
      'evals/mapped.csv': csv(rows.slice(0, 6)),
    })
    expect(await problemsOf([refused])).toEqual([
      "evals/refused.csv:8: 'similar' is a promptfoo model-graded type that this action does not run; write the check as llm-rubric, model-graded-closedqa, factuality, g-eval or answer-relevance, or as a javascript assertion",
      "evals/refused.csv:9: 'python' assertions do not run here; write the check in JavaScript (type: javascript)",
      "evals/refused.csv:10: 'python' assertions do not run here; write the check in JavaScript (type: javascript)",
      "evals/refused.csv:11: 'classifier' is a promptfoo model-graded type that this action does not run; write the check as llm-rubric, model-graded-closedqa, factuality, g-eval or answer-relevance, or as a javascript assertion",
    ])
    const cases = await load([mapped])
    expect(
      cases.map((c) => [c.assertions[0].type, c.assertions[0].value, c.assertions[0].threshold]),
    ).toEqual([
      ['llm-rubric', 'is polite', undefined],
      ['llm-rubric', 'is short', undefined],
      ['javascript', 'output.length < 9', undefined],
      ['javascript', 'output !== ""', undefined],
      ['not-icontains', 'sorry', undefined],
      ['equals', 'Paris: the capital', undefined],
    ])
  })

  it('puts each row at its first line, with LF or CRLF line ends and line breaks inside quotes', async () => {
    const text = 'question,__prompt\nA,p\n"B\nB",p\n\nC,p\n"D\n\nD",p\nE,p\n'
    const lf = await load(write({ 'evals/lf.csv': text }), 'm')
    const crlf = await load(write({ 'evals/crlf.csv': text.replaceAll('\n', '\r\n') }), 'm')
    expect(lf.map((c) => [c.vars.question, c.line])).toEqual([
      ['A', 2],
      ['B\nB', 3],
      ['C', 6],
      ['D\n\nD', 7],
      ['E', 10],
    ])
    expect(crlf.map((c) => c.line)).toEqual([2, 3, 6, 7, 10])
    expect(await problemsOf(write({ 'evals/bad.csv': 'q,__prompt\r\n"a\r\nb",p\r\nc,p,extra\r\n' }))).toEqual(
      ['evals/bad.csv:4: CSV syntax: Invalid Record Length: columns length is 2, got 3'],
    )
  })
})

describe('a byte order mark', () => {
  it('starts a JSONL suite or tests file, as it may YAML, JSON and CSV', async () => {
    const [jsonl, yaml] = write({
      'evals/bom.jsonl': '\uFEFF{"prompt": "a", "model": "m"}\n{"prompt": "b", "model": "m"}\n',
      'evals/suite.yml': 'model: m\ntests: file://tests.jsonl\n',
      'evals/tests.jsonl': '\uFEFF{"prompt": "c"}\n',
    })
    expect((await load([jsonl, yaml])).map((c) => [c.file, c.line, c.prompt])).toEqual([
      ['evals/bom.jsonl', 1, 'a'],
      ['evals/bom.jsonl', 2, 'b'],
      ['evals/tests.jsonl', 1, 'c'],
    ])
  })
})

describe('list-valued vars', () => {
  it('makes one test per combination of the lists, defaultTest lists included, as promptfoo does', async () => {
    const cases = await loadText(
      [
        'model: m',
        'prompts: ["Translate {{ text }} into {{ language }}, {{ tone }}ly"]',
        'defaultTest:',
        '  vars: { tone: [formal, casual] }',
        'tests:',
        '  - id: translate',
        '    vars:',
        '      language: [French, German]',
        '      text: hello',
        '    assert:',
        '      - { type: icontains, value: "{{ language }}" }',
      ].join('\n'),
    )
    expect(cases.map((c) => [c.id, c.prompt, c.vars, c.assertions[0].value])).toEqual([
      [
        'translate [tone=formal, language=French]',
        'Translate hello into French, formally',
        { tone: 'formal', language: 'French', text: 'hello' },
        'French',
      ],
      [
        'translate [tone=formal, language=German]',
        'Translate hello into German, formally',
        { tone: 'formal', language: 'German', text: 'hello' },
        'German',
      ],
      [
        'translate [tone=casual, language=French]',
        'Translate hello into French, casually',
        { tone: 'casual', language: 'French', text: 'hello' },
        'French',
      ],
      [
        'translate [tone=casual, language=German]',
        'Translate hello into German, casually',
        { tone: 'casual', language: 'German', text: 'hello' },
        'German',
      ],
    ])
    expect(new Set(buildBatchRequests(cases).requests.map((r) => r.custom_id)).size).toBe(4)
  })

  it('puts the values before the prompt and provider labels, in derived ids too, each a test of its own', async () => {
    const text = [
      'prompts: ["A {{ q }}", "B {{ q }}"]',
      'providers:',
      '  - anthropic:messages:claude-haiku-4-5',
      '  - { id: anthropic:messages:claude-sonnet-4-5, label: sonnet }',
      'tests:',
      '  - description: Asks',
      '    vars: { q: [one, two] }',
    ].join('\n')
    const cases = await loadText(text)
    expect(cases.map((c) => c.id)).toEqual([
      'suite/asks [q=one, prompt 1, claude-haiku-4-5]',
      'suite/asks [q=one, prompt 1, sonnet]',
      'suite/asks [q=one, prompt 2, claude-haiku-4-5]',
      'suite/asks [q=one, prompt 2, sonnet]',
      'suite/asks [q=two, prompt 1, claude-haiku-4-5]',
      'suite/asks [q=two, prompt 1, sonnet]',
      'suite/asks [q=two, prompt 2, claude-haiku-4-5]',
      'suite/asks [q=two, prompt 2, sonnet]',
    ])
    // Stable: the same suite loads to the same ids, and a value added to the list leaves the others' ids alone.
    const more = await loadText(text.replace('[one, two]', '[zero, one, two]'))
    expect(more.map((c) => c.id)).toEqual(expect.arrayContaining(cases.map((c) => c.id)))
  })

  it('keeps a list that does not start with a string, or any list with disableVarExpansion, as a list', async () => {
    const cases = await loadText(
      [
        'model: m',
        'tests:',
        '  - prompt: "{{ n | join }} {{ turns | length }} {{ none | length }}"',
        '    vars: { n: [1, 2], turns: [{ role: user }], none: [] }',
        '  - prompt: "{{ items | join(\' \') }}"',
        '    vars: { items: [a, b] }',
        '    options: { disableVarExpansion: true }',
      ].join('\n'),
    )
    expect(cases.map((c) => [c.prompt, c.vars])).toEqual([
      ['12 1 0', { n: [1, 2], turns: [{ role: 'user' }], none: [] }],
      ['a b', { items: ['a', 'b'] }],
    ])
    const [kept] = await loadText(
      'model: m\ndefaultTest:\n  options: { disableVarExpansion: true }\ntests:\n  - { prompt: "{{ x | length }}", vars: { x: [a, b] } }\n',
    )
    expect(kept.prompt).toBe('2')
  })

  it('reads file:// items for their combination, and labels items short, a repeated one numbered', async () => {
    const [suite] = write({
      'evals/suite.yml': [
        'model: m',
        'tests:',
        '  - id: docs',
        '    prompt: "{{ doc }} / {{ note }}"',
        '    vars:',
        '      doc: [file://docs/a.txt, file://docs/b.txt]',
        '      note: [short, short, "a note that is much longer than a label should be"]',
      ].join('\n'),
      'evals/docs/a.txt': 'text of a',
      'evals/docs/b.txt': 'text of b',
    })
    const cases = await load([suite])
    expect(cases.map((c) => [c.id, c.prompt])).toEqual([
      ['docs [doc=file://docs/a.txt, note=short]', 'text of a / short'],
      ['docs [doc=file://docs/a.txt, note=short #2]', 'text of a / short'],
      [
        'docs [doc=file://docs/a.txt, note=a note that is much lon…]',
        expect.stringMatching(/^text of a \/ a note/),
      ],
      ['docs [doc=file://docs/b.txt, note=short]', 'text of b / short'],
      ['docs [doc=file://docs/b.txt, note=short #2]', 'text of b / short'],
      [
        'docs [doc=file://docs/b.txt, note=a note that is much lon…]',
        expect.stringMatching(/^text of b \/ a note/),
      ],
    ])
    const customIds = buildBatchRequests(cases).requests.map((r) => r.custom_id)
    expect(new Set(customIds).size).toBe(6)
    for (const customId of customIds) expect(customId).toMatch(/^[a-zA-Z0-9_-]{1,64}$/)
  })

  it('points at lists that would make more tests than a batch holds, and at a missing file:// item', async () => {
    const values = `[${Array.from({ length: 20 }, (_, n) => `v${n}`).join(', ')}]`
    expect(
      await problemsOf(
        write({
          'evals/suite.yml': [
            'model: m',
            'tests:',
            '  - prompt: "{{ a }}{{ b }}{{ c }}{{ d }}"',
            `    vars: { a: ${values}, b: ${values}, c: ${values}, d: ${values} }`,
            '  - prompt: "{{ doc }}"',
            '    vars:',
            '      doc: [file://there.txt, file://missing.txt]',
          ].join('\n'),
          'evals/there.txt': 'here',
        }).slice(0, 1),
      ),
    ).toEqual([
      'evals/suite.yml:4: the lists in vars make 160,000 combinations (a 20 × b 20 × c 20 × d 20), more than the 100,000 one test may make: split the test, or set `options: { disableVarExpansion: true }` to pass the lists as they are',
      'evals/suite.yml:7: file://missing.txt does not exist (looked for evals/missing.txt); paths are relative to the file that names them',
    ])
  })
})

describe('prompt and provider labels', () => {
  it('points at a second provider or prompt with the label of another, with every other problem', async () => {
    const problems = await problemsOf(
      write({
        'evals/providers.yml': [
          'providers:',
          '  - id: anthropic:messages:claude-haiku-4-5',
          '    config: { system: Be terse. }',
          '  - id: anthropic:messages:claude-haiku-4-5',
          '    config: { system: Be verbose. }',
          'tests:',
          '  - id: greet',
          '    prompt: Say hi {{ name }}',
        ].join('\n'),
        'evals/prompts.yml': [
          'model: m',
          'prompts:',
          '  - file://a/greet.txt',
          '  - file://b/greet.txt',
          '  - { raw: "Hi {{ name }}", label: formal }',
          '  - { raw: "Hello {{ name }}", label: formal }',
          'tests:',
          '  - vars: { name: Bob }',
        ].join('\n'),
        'evals/a/greet.txt': 'Hello {{ name }}',
        'evals/b/greet.txt': 'Hi there {{ name }}',
      }).slice(0, 2),
    )
    expect(problems).toEqual([
      "evals/providers.yml:4: two providers are both labelled 'claude-haiku-4-5' (the first at line 2): give each a `label` of its own",
      'evals/providers.yml:8: the template uses {{ name }} but vars has no such key (vars: none)',
      "evals/prompts.yml:4: two prompts are both labelled 'greet.txt' (the first at line 3): give each a `label` of its own, writing it as {id: file://b/greet.txt, label: …}",
      "evals/prompts.yml:6: two prompts are both labelled 'formal' (the first at line 5): give each a `label` of its own",
    ])
  })
})

describe('prompt objects', () => {
  it("reads the file:// that an object's id or raw names, as a string entry's, with the object's label", async () => {
    const [suite] = write({
      'evals/suite.yml': [
        'model: m',
        'prompts:',
        '  - { id: file://p.txt, label: greeting }',
        '  - { raw: file://two.txt, label: pair }',
        '  - { id: file://chat.yaml, label: chat }',
        '  - { raw: "Yo {{ name }}", id: casual }',
        'tests:',
        '  - id: t',
        '    vars: { name: Bob }',
      ].join('\n'),
      'evals/p.txt': 'Hello {{ name }}\n',
      'evals/two.txt': 'One {{ name }}\n---\nTwo {{ name }}\n',
      'evals/chat.yaml':
        '- { role: system, content: Be terse. }\n- { role: user, content: "Greet {{ name }}" }\n',
    })
    const cases = await load([suite])
    expect(cases.map((c) => [c.id, c.params.system, c.prompt])).toEqual([
      ['t [greeting]', undefined, 'Hello Bob'],
      ['t [pair #1]', undefined, 'One Bob'],
      ['t [pair #2]', undefined, 'Two Bob'],
      ['t [chat]', 'Be terse.', 'Greet Bob'],
      ['t [casual]', undefined, 'Yo Bob'],
    ])
    expect(
      await problemsOfText(
        'model: m\nprompts:\n  - { label: nothing }\ntests:\n  - vars: {}\n',
        'evals/bad.yml',
      ),
    ).toEqual(["evals/bad.yml:3: a prompt object needs 'id' (a file://path) or 'raw' (the template itself)"])
  })
})

describe('file:// globs and directories', () => {
  it('loads the tests of every file a glob matches, in sorted order, relative to the file that names it', async () => {
    const [suite] = write({
      'evals/suite.yml':
        'model: m\ntests:\n  - file://tests/*.yaml\n  - { id: inline, prompt: i }\n  - file://more/**/*.jsonl\n',
      'evals/tests/b.yaml': '- { id: b, prompt: b }\n',
      'evals/tests/a.yaml': '- { id: a, prompt: a }\n',
      'evals/tests/notes.txt': 'not a tests file',
      'evals/more/x/deep.jsonl': '{"id": "deep", "prompt": "d"}\n',
    })
    expect((await load([suite])).map((c) => [c.id, c.file])).toEqual([
      ['a', 'evals/tests/a.yaml'],
      ['b', 'evals/tests/b.yaml'],
      ['inline', 'evals/suite.yml'],
      ['deep', 'evals/more/x/deep.jsonl'],
    ])
    // A glob character in the name of the suite's own directory is that character.
    const [single] = write({
      'evals/[v2]/single.yml': 'model: m\ntests: file://tests/*.yaml\n',
      'evals/[v2]/tests/c.yaml': '- { id: c, prompt: c }\n',
      'evals/v/tests/x.yaml': '- { id: x, prompt: x }\n',
    })
    expect((await load([single])).map((c) => c.id)).toEqual(['c'])
  })

  it('points at a glob that matches no file, and says once that a file:// var names a directory', async () => {
    const [suite] = write({
      'evals/suite.yml': [
        'model: m',
        'tests:',
        '  - file://cases/*.yml',
        '  - prompt: "Summarize {{ doc }}"',
        '    vars: { doc: file://data }',
        '  - prompt: "Summarize {{ doc }}"',
        '    vars: { doc: file://gone.txt }',
      ].join('\n'),
      'evals/data/blob.txt': 'x',
    })
    expect(await problemsOf([suite])).toEqual([
      'evals/suite.yml:3: file://cases/*.yml matches no file (looked for evals/cases/*.yml); paths are relative to the file that names them',
      'evals/suite.yml:5: file://data is a directory (evals/data): name a file in it',
      'evals/suite.yml:7: file://gone.txt does not exist (looked for evals/gone.txt); paths are relative to the file that names them',
    ])
  })
})
