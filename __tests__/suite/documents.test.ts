/** Reading suite and tests files: YAML, JSON, JSONL and CSV, their syntax, and file:// globs. */
import path from 'node:path'
import { FIXTURES, load, loadText, problemsOf, problemsOfText, write } from './suite-workspace.js'

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
        // Skipping providers nothing maps is a warning, unless it leaves no test at all.
        expect.stringMatching(
          /^malformed\/other-provider.yaml:4: no test runs: provider 'openai:gpt-4o' is not an Anthropic provider and nothing maps it \(1 test \(e.g. malformed\/other-provider.yaml:7\)\); set the provider-override input/,
        ),
        expect.stringMatching(
          /^malformed\/other-provider.yaml:5: no test runs: provider 'vertex:gemini-pro' /,
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

  it("maps promptfoo's __expected prefixes, including types that are not graded here", async () => {
    const rows = [
      'grade:is polite',
      'llm-rubric: is short',
      'eval:output.length < 9',
      'javascript:output !== ""',
      'not-icontains:sorry',
      'Paris: the capital',
      'similar(0.8):au revoir',
      'classifier:positive',
    ]
    const csv = `question,__expected\n${rows.map((cell) => `q,"${cell.replaceAll('"', '""')}"`).join('\n')}\n`
    const [suite] = write({
      'evals/mapped.yml': 'model: m\nprompts: ["{{ question }}"]\ntests: file://mapped.csv\n',
      'evals/mapped.csv': csv,
    })
    const cases = await load([suite])
    expect(
      cases.map((c) => [c.assertions[0].type, c.assertions[0].value, c.assertions[0].threshold]),
    ).toEqual([
      ['llm-rubric', 'is polite', undefined],
      ['llm-rubric', 'is short', undefined],
      ['javascript', 'output.length < 9', undefined],
      ['javascript', 'output !== ""', undefined],
      ['not-icontains', 'sorry', undefined],
      ['equals', 'Paris: the capital', undefined],
      ['similar', 'au revoir', 0.8],
      ['classifier', 'positive', 0.75],
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
