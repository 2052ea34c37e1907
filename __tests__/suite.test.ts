import { parseSuites, SuiteError, DEFAULT_MAX_TOKENS } from '../src/suite.js'

const parseOne = (text: string, file = 'evals/suite.yml', model?: string) =>
  parseSuites([{ file, text }], { model })

function problemsOf(text: string, file = 'evals/suite.yml', model?: string): string[] {
  try {
    parseOne(text, file, model)
  } catch (error) {
    if (error instanceof SuiteError) return error.problems.map((p) => `${p.file}:${p.line}: ${p.message}`)
    throw error
  }
  throw new Error('expected the suite to be refused')
}

describe('parseSuites', () => {
  it('resolves model, system, max_tokens and vars from test, suite and defaults', () => {
    const cases = parseOne(
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
      id: 'refund-window',
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

  it('takes the model input for tests that name none, and a default max_tokens', () => {
    const [only] = parseOne('tests:\n  - prompt: hi\n', 'a.yml', 'claude-haiku-4-5')
    expect(only.params).toEqual({
      model: 'claude-haiku-4-5',
      max_tokens: DEFAULT_MAX_TOKENS,
      messages: [{ role: 'user', content: 'hi' }],
    })
  })

  it('renders messages turns and uses the last user turn as the prompt', () => {
    const [only] = parseOne(
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

  it('reads JSON suites with their lines', () => {
    const cases = parseOne(
      '{\n  "model": "m",\n  "tests": [\n    {"id": "a", "prompt": "x"},\n    {"id": "b", "prompt": "y"}\n  ]\n}',
      'evals/s.json',
    )
    expect(cases.map((c) => [c.id, c.line])).toEqual([
      ['a', 4],
      ['b', 5],
    ])
  })

  it('derives stable ids from descriptions or content, unique across files', () => {
    const text =
      'model: m\ntests:\n  - description: Same Name!\n    prompt: a\n  - description: Same name\n    prompt: b\n  - prompt: c\n'
    const cases = parseSuites(
      [
        { file: 'one.yml', text },
        { file: 'two.yml', text },
      ],
      { model: undefined },
    )
    expect(cases.map((c) => c.id)).toEqual([
      'same-name',
      'same-name-2',
      expect.stringMatching(/^test-[0-9a-f]{10}$/),
      'same-name-3',
      'same-name-4',
      cases[2].id + '-2',
    ])
    expect(parseOne('model: m\ntests:\n  - prompt: c\n')[0].id).toBe(cases[2].id)
  })

  it('reports every problem of every file at once, with file and line', () => {
    const problems = problemsOf(
      [
        'model: m',
        'descripton: x',
        'tests:',
        '  - id: dup',
        '    prompt: Hello {{ nam }}',
        '    vars: { name: x }',
        '  - id: dup',
        '    prompt: ok',
        '    asert: []',
        '  - description: no prompt here',
        '  - prompt: p',
        '    max_tokens: 0',
        '    assert:',
        '      - type: regex',
        '        value: "(open"',
        '      - type: contians',
        '        value: x',
        '      - type: contains',
        '  - prompt: both',
        '    messages: [{ role: user, content: x }]',
      ].join('\n'),
    )
    expect(problems).toEqual([
      "evals/suite.yml:2: unknown key 'descripton' in the suite (did you mean 'description'?); known keys: description, model, system, max_tokens, defaultTest, tests",
      'evals/suite.yml:5: the template uses {{ nam }} but vars has no such key (vars: name)',
      "evals/suite.yml:9: unknown key 'asert' in a test (did you mean 'assert'?); known keys: id, description, vars, prompt, messages, model, system, max_tokens, assert",
      'evals/suite.yml:10: this test has no prompt: add `prompt:` (a template) or `messages:` (Messages API turns)',
      'evals/suite.yml:12: max_tokens must be a whole number above 0 (a batch refuses max_tokens: 0); it is 0',
      expect.stringMatching(/^evals\/suite.yml:14: assertion 'regex' has an invalid regular expression: .*/),
      "evals/suite.yml:16: unknown assertion type 'contians'; use one of equals, not-equals, contains, not-contains, icontains, not-icontains, regex, not-regex",
      "evals/suite.yml:18: assertion 'contains' needs a 'value' that is a string",
      'evals/suite.yml:19: a test has either `prompt` or `messages`, not both',
      "evals/suite.yml:7: duplicate test id 'dup' (first used at evals/suite.yml:4); ids must be unique",
    ])
  })

  it('points at YAML syntax errors', () => {
    expect(problemsOf('model: m\ntests:\n  - prompt: a\n    prompt: b\n')).toEqual([
      'evals/suite.yml:4: YAML syntax: Map keys must be unique',
    ])
    const json = problemsOf('{"model": "m",\n "tests": [}', 'evals/s.json')
    expect(json.length).toBeGreaterThan(0)
    expect(json.every((problem) => /^evals\/s.json:[12]: JSON syntax: /.test(problem))).toBe(true)
  })

  it('refuses an empty suite and a suite without a model', () => {
    expect(problemsOf('model: m\ntests: []\n')).toEqual([
      'evals/suite.yml:2: the suite has no tests: add a `tests:` list with at least one test (a prompt and its asserts)',
    ])
    expect(problemsOf('')).toEqual([
      'evals/suite.yml:1: a suite must be a mapping with a `tests:` list at the top level',
    ])
    expect(problemsOf('tests:\n  - prompt: x\n')).toEqual([
      "evals/suite.yml:2: no model for this test: set `model:` in the suite or the test, or the action's `model` input",
    ])
  })

  it('says in its message that nothing was submitted', () => {
    expect(() => parseOne('tests: []')).toThrow(
      /^The suite has 1 problem; nothing was submitted\.\n {2}evals\/suite.yml:1: /,
    )
  })
})
