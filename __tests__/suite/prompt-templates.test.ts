/** Prompts from chat files, text files and prompt objects, rendered with each case's vars. */
import { load, problemsOf, problemsOfText, write } from './suite-workspace.js'

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
      '; a .json or .yaml prompt file holds a list of chat turns (or {messages: [...]}), such as ' +
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
      'evals/vars.json:3: the template uses {{ nope }} but vars has no such key (vars: q), for the test at ' +
        'evals/suite.yml:9',
      expect.stringMatching(
        /^evals\/loop.json:\d: JSON syntax: .*, and rendered it is not a list of chat turns either, for the test at evals\/suite.yml:9; a .json or .yaml prompt file holds/,
      ),
    ])
  })

  it('names the test whose vars break a chat prompt, once per prompt and problem', async () => {
    const problems = await problemsOf(
      write({
        'evals/suite.yml': [
          'model: m',
          'prompts: [file://chat.json]',
          'tests:',
          '  - vars: { q: fine }',
          '  - vars: { q: \'say "hi"\' }',
          '  - vars: { q: \'and "bye"\' }',
          '  - vars: { other: 1 }',
          '  - vars: { other: 2 }',
        ].join('\n'),
        'evals/chat.json': '[{% if true %}{"role": "user", "content": "{{ q }}"}{% endif %}]',
      }).slice(0, 1),
    )
    expect(problems).toEqual([
      expect.stringMatching(
        /^evals\/chat.json:1: JSON syntax: .*, and rendered it is not a list of chat turns either, for the test at evals\/suite.yml:5; /,
      ),
      'evals/suite.yml:2: the template uses {{ q }} but vars has no such key (vars: other), for the test at ' +
        'evals/suite.yml:7',
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
