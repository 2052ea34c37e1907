/** Tests crossed with list-valued vars, prompts and providers, and the labels that tell the cases apart. */
import { buildBatchRequests } from '../../src/batch/requests.js'
import { load, loadText, problemsOf, write } from './suite-workspace.js'

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
