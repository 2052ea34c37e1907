import path from 'node:path'
import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages/messages'
import { DEFAULT_MAX_TOKENS } from '../../src/suite/loader.js'
import { gradeTest } from '../../src/grading/graders/index.js'
import { UserError } from '../../src/common/user-error.js'
import { message } from '../fixtures/messages.js'
import { FIXTURES, load, loadText, problemsOfText, write } from './suite-workspace.js'
import type { EvalCase } from '../../src/model.js'

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
      expect.stringMatching(
        /^evals\/suite\.yml:2: unknown key 'descripton' in the suite \(did you mean 'description'\?\); known keys: \$schema, description, model, max_tokens, .*, nunjucksFilters$/,
      ),
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

  it("scores factuality's categories as options.factuality says, as promptfoo reads them, unless config does", async () => {
    const [test] = await loadText(
      [
        'model: m',
        'defaultTest:',
        '  options:',
        '    factuality: { subset: 0.5, disagree: 0 }',
        'tests:',
        '  - prompt: a',
        '    assert:',
        '      - type: factuality',
        '        value: Paris is the capital',
        '      - type: not-model-graded-factuality',
        '        value: Paris is the capital',
        '        config: { subset: 0.2 }',
        '      - type: llm-rubric',
        '        value: polite',
        '',
      ].join('\n'),
    )
    const judge = {
      answer: (params: MessageCreateParamsNonStreaming) => ({
        state: 'answered' as const,
        text: JSON.stringify(params.system).includes('judge: factuality')
          ? '{"category": "A", "reason": "a subset"}'
          : '{"reason": "polite", "pass": true}',
      }),
    }
    const input = { message: message('a'), vars: {}, prompt: 'a', tools: undefined, costUsd: null, judge }
    const grade = await gradeTest(test.assertions, input)
    expect(grade.results.map((result) => [result.pass, result.score])).toEqual([
      [true, 0.5],
      [false, 0.8],
      [true, 1],
    ])
    expect(
      await problemsOfText(
        'model: m\ndefaultTest:\n  options:\n    factuality: { subset: 2 }\ntests:\n  - prompt: a\n',
      ),
    ).toEqual(['evals/suite.yml:4: defaultTest.options.factuality.subset must be at most 1'])
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

  it("is a UserError named SuiteError, which the action prints as the user's to fix, not as a bug", async () => {
    const error = await loadText('tests: []').catch((error: unknown) => error)
    expect(error).toBeInstanceOf(UserError)
    expect((error as Error).name).toBe('SuiteError')
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
