/** promptfoo's `$ref`s within a suite file, and its `assertionTemplates`. */
import { dereference } from '../../src/suite/json-refs.js'
import { load, problemsOf, write } from './suite-workspace.js'

describe('$ref and assertionTemplates', () => {
  it('replace each reference with the value it points to, keys beside $ref over its own', async () => {
    const [suite] = write({
      'evals/suite.yml': [
        'model: m',
        'assertionTemplates:',
        '  isJson: { type: is-json }',
        '  short: { type: javascript, value: "output.length < {{ limit }}", metric: brevity }',
        'defaultTest:',
        '  assert:',
        "    - $ref: '#/assertionTemplates/isJson'",
        'tests:',
        '  - prompt: a',
        '    vars: { limit: 10 }',
        '    assert:',
        "      - { $ref: '#/assertionTemplates/short', weight: 2 }",
        "      - $ref: '#/assertionTemplates/short'",
        "        value: 'output.length < 99'",
        '  - prompt: b',
        "    vars: { $ref: '#/tests/0/vars' }",
        '    assert: [{ $ref: "#/assertionTemplates/short" }]',
      ].join('\n'),
    })
    const cases = await load([suite])
    expect(cases.map((c) => c.vars)).toEqual([{ limit: 10 }, { limit: 10 }])
    expect(cases.map((c) => c.assertions.map((a) => [a.type, a.value, a.weight, a.metric]))).toEqual([
      [
        ['is-json', undefined, 1, undefined],
        ['javascript', 'output.length < 10', 2, 'brevity'],
        ['javascript', 'output.length < 99', 1, 'brevity'],
      ],
      [
        ['is-json', undefined, 1, undefined],
        ['javascript', 'output.length < 10', 1, 'brevity'],
      ],
    ])
  })

  it("leave tools' JSON Schemas as written, with their own $refs, and follow one to the tools", async () => {
    const tools = [
      {
        name: 'lookup',
        input_schema: {
          type: 'object',
          $defs: { id: { type: 'string' } },
          properties: { id: { $ref: '#/$defs/id' } },
        },
      },
    ]
    const [suite] = write({
      'evals/suite.json': JSON.stringify({
        model: 'm',
        tools: { $ref: '#/assertionTemplates/tools' },
        assertionTemplates: { calls: { type: 'is-valid-tool-call' }, tools },
        tests: [{ prompt: 'a', assert: [{ $ref: '#/assertionTemplates/calls' }] }],
      }),
    })
    const [evalCase] = await load([suite])
    expect(evalCase.params.tools).toEqual(tools)
    expect(evalCase.assertions.map((a) => a.type)).toEqual(['is-valid-tool-call'])
  })

  it('report a reference to nothing, to another file, into itself, or with keys beside a non-mapping, at its line', async () => {
    const problems = await problemsOf(
      write({
        'evals/suite.yml': [
          'model: m',
          'assertionTemplates:',
          '  isJson: { type: is-json }',
          "  loop: { $ref: '#/assertionTemplates/loop' }",
          '  name: Paris',
          'tests:',
          '  - prompt: a',
          '    assert:',
          "      - $ref: '#/assertionTemplates/isJsn'",
          "      - $ref: 'templates.yaml#/isJson'",
          "      - $ref: '#/assertionTemplates/loop'",
          "      - { $ref: '#/assertionTemplates/name', weight: 2 }",
          "      - $ref: 'assertionTemplates/isJson'",
        ].join('\n'),
      }),
    )
    expect(problems).toEqual([
      "evals/suite.yml:4: $ref '#/assertionTemplates/loop' points to a value that contains this $ref",
      "evals/suite.yml:9: $ref '#/assertionTemplates/isJsn' points to nothing in this file: there is no 'isJsn' under assertionTemplates (did you mean 'isJson'?)",
      "evals/suite.yml:10: $ref 'templates.yaml#/isJson' names another file: only references within the suite file (#/...) are followed; copy the value under assertionTemplates here, or load the file with file://",
      "evals/suite.yml:12: $ref '#/assertionTemplates/name' has keys beside it, which add to a mapping, but it points to a string: write them in the value it points to, or point to a mapping",
      "evals/suite.yml:13: $ref 'assertionTemplates/isJson' names another file: only references within the suite file (#/...) are followed; copy the value under assertionTemplates here, or load the file with file://",
    ])
  })

  it('stop references that would expand past what the file may hold', () => {
    const root: Record<string, unknown> = { l0: ['x', 'x', 'x', 'x'] }
    for (let i = 1; i <= 12; i++) root[`l${i}`] = Array(4).fill({ $ref: `#/l${i - 1}` })
    const { problems } = dereference(root, 1_000_000)
    expect(problems).toEqual([
      {
        path: [],
        message:
          '$refs expand to 119,304,642 values, more than the 1,000,000 a file this long may hold: nest fewer references within referenced values',
      },
    ])
    expect(dereference({ a: { $ref: '#/b/~1c~0' }, b: { '/c~': 1 } }, 100).value).toEqual({
      a: 1,
      b: { '/c~': 1 },
    })
  })
})
