/** promptfoo's `scenarios`: tests crossed with config items, merged as promptfoo merges them. */
import { load, problemsOf, write } from './suite-workspace.js'

describe('scenarios', () => {
  it("run each test once per config item, the test's vars over the item's, the item's assertions first", async () => {
    const [suite] = write({
      'evals/suite.yml': [
        'model: m',
        'prompts: ["{{ language }}: {{ text }}"]',
        'defaultTest: { vars: { text: default }, assert: [{ type: is-json }] }',
        'tests: [{ vars: { language: Latin } }]',
        'scenarios:',
        '  - description: translations',
        '    config:',
        '      - vars: { language: French }',
        '        assert: [{ type: icontains, value: bonjour }]',
        '      - vars: { language: German, text: fixed }',
        '    tests:',
        '      - vars: { text: hello }',
        '        assert: [{ type: contains, value: "!" }]',
        '      - description: keeps the text',
        '  - config: [{ vars: { language: Greek }, description: config alone }]',
      ].join('\n'),
    })
    const cases = await load([suite])
    expect(cases.map((c) => [c.prompt, c.line, c.description, c.assertions.map((a) => a.type)])).toEqual([
      ['Latin: default', 4, undefined, ['is-json']],
      ['French: hello', 12, undefined, ['is-json', 'icontains', 'contains']],
      ['French: default', 14, 'keeps the text', ['is-json', 'icontains']],
      ['German: hello', 12, undefined, ['is-json', 'contains']],
      ['German: fixed', 14, 'keeps the text', ['is-json']],
      ['Greek: default', 15, 'config alone', ['is-json']],
    ])
  })

  it('report a problem of a merged test where its part is written: in the config item, or in the test', async () => {
    const problems = await problemsOf(
      write({
        'evals/suite.yml': [
          'model: m',
          'prompts: ["{{ a }}"]',
          'scenarios:',
          '  - config:',
          '      - vars: { a: 1 }',
          '        assert:',
          '          - { type: regex, value: "(" }',
          '    tests:',
          '      - assert:',
          '          - { type: contains, value: x }',
          '          - { type: regex, value: "[" }',
        ].join('\n'),
      }),
    )
    expect(problems).toEqual([
      'evals/suite.yml:7: regex has an invalid regular expression: Invalid regular expression: /(/: Unterminated group',
      'evals/suite.yml:11: regex has an invalid regular expression: Invalid regular expression: /[/: Unterminated character class',
    ])
  })

  it('are checked against the schema at their lines', async () => {
    const problems = await problemsOf(
      write({
        'evals/suite.yml':
          'model: m\nprompts: [hi]\nscenarios:\n  - tests: [{ vars: { a: 1 } }]\n  - config: []\n',
      }),
    )
    expect(problems).toEqual([
      "evals/suite.yml:4: scenarios[0] needs 'config'",
      'evals/suite.yml:5: scenarios[1].config must have at least 1 item(s)',
    ])
  })
})
