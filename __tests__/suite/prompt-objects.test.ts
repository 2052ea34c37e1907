/** promptfoo's prompt objects with their own `config`, and prompt files written as `{messages: [...]}`. */
import { load, loadRun, problemsOf, write } from './suite-workspace.js'

describe('a prompt object with config', () => {
  it("sends its config over the provider's and the suite's, and under the test's own parameters", async () => {
    const { cases, warnings } = await loadRun(
      write({
        'evals/suite.yml': [
          'max_tokens: 100',
          'system: suite system',
          'prompts:',
          '  - { id: terse, raw: "Say {{ w }}", config: { max_tokens: 20, temperature: 0 } }',
          '  - raw: "Shout {{ w }}"',
          '    label: loud',
          '    config:',
          '      system: You shout.',
          '      stop_sequences: ["!"]',
          'providers:',
          '  - id: anthropic:messages:claude-haiku-4-5',
          '    config: { max_tokens: 50, system: provider system }',
          'tests:',
          '  - vars: { w: hi }',
          '  - { vars: { w: yo }, max_tokens: 5 }',
        ].join('\n'),
      }),
    )
    expect(cases.map((c) => [c.id, c.params.max_tokens, c.params.system, c.params.stop_sequences])).toEqual([
      [expect.stringMatching(/\[terse\]$/), 20, 'provider system', undefined],
      [expect.stringMatching(/\[loud\]$/), 50, 'You shout.', ['!']],
      [expect.stringMatching(/\[terse\]$/), 5, 'provider system', undefined],
      [expect.stringMatching(/\[loud\]$/), 5, 'You shout.', ['!']],
    ])
    // Its sampling parameters are left out, as a provider's are, and said in the run's warning.
    expect(cases.every((c) => !('temperature' in c.params))).toBe(true)
    expect(warnings).toEqual([expect.stringMatching(/temperature/)])
  })

  it('is reported at the key of its config that the API does not take', async () => {
    const problems = await problemsOf(
      write({
        'evals/suite.yml':
          'model: m\nprompts:\n  - raw: hi\n    config:\n      max_token: 10\ntests: [{ vars: { a: 1 } }]\n',
      }),
    )
    expect(problems).toEqual([
      expect.stringMatching(/^evals\/suite.yml:5: unknown key 'max_token'.*did you mean 'max_tokens'/),
    ])
  })
})

describe('a prompt file written as {messages: [...]}', () => {
  it('is read as its turns, in YAML or JSON, each text rendered', async () => {
    const [yaml, , json] = write({
      'evals/yaml.yml': 'model: m\nprompts: [file://chat.yaml]\ntests: [{ vars: { q: "a \\"b\\"" } }]\n',
      'evals/chat.yaml':
        'messages:\n  - role: system\n    content: Be terse.\n  - role: user\n    content: "Q: {{ q }}"\n',
      'evals/json.yml': 'model: m\nprompts: [file://chat.json]\ntests: [{ vars: { q: c } }]\n',
      'evals/chat.json': '{"messages": [{"role": "user", "content": "Q: {{ q }}"}]}',
    })
    const cases = await load([yaml, json])
    expect(cases.map((c) => [c.params.system, c.params.messages])).toEqual([
      ['Be terse.', [{ role: 'user', content: 'Q: a "b"' }]],
      [undefined, [{ role: 'user', content: 'Q: c' }]],
    ])
  })

  it('points at the turn under messages that is wrong', async () => {
    const problems = await problemsOf(
      write({
        'evals/suite.yml': 'model: m\nprompts: [file://chat.yaml]\ntests: [{ vars: { q: c } }]\n',
        'evals/chat.yaml': 'messages:\n  - role: user\n    content: hi\n  - role: human\n    content: hi\n',
      }).slice(0, 1),
    )
    expect(problems).toEqual([
      expect.stringMatching(
        /^evals\/chat.yaml:4: file:\/\/chat.yaml turn 2 has role "human": use system, user or assistant/,
      ),
    ])
  })
})
