/**
 * promptfoo features a batch cannot honour as written: `_conversation` (the earlier outputs of the same
 * conversation) skips the test cases that read it, and `nunjucksFilters` (JavaScript) are not loaded; each is
 * said once for the run, and neither is ever rendered as if empty.
 */
import { loadRun, problemsOf, write } from './suite-workspace.js'

describe('a prompt that reads _conversation', () => {
  it('skips those test cases with one warning saying why and what to write instead; the others run', async () => {
    const files = write({
      'evals/chat.yml': [
        'model: claude-haiku-4-5',
        'prompts:',
        '  - id: file://history.json',
        '    label: history',
        '  - "Answer: {{ question }}"',
        'tests:',
        '  - vars: { question: Who founded Facebook? }',
        '  - vars: { question: Did he found any other companies? }',
      ].join('\n'),
      'evals/history.json': JSON.stringify([
        { role: 'system', content: 'Be brief.' },
        {
          role: 'user',
          content: '{% for c in _conversation %}{{ c.input }} {{ c.output }}\n{% endfor %}{{ question }}',
        },
      ]),
      'evals/own.yml': [
        'model: claude-haiku-4-5',
        'tests:',
        '  - prompt: "{{ _conversation | length }} turns so far. {{ question }}"',
        '    vars: { question: Hi }',
        '  - prompt: "Given {{ _conversation[0].output }}"',
        '    vars: { _conversation: [{ input: a, output: b }] }',
      ].join('\n'),
    })
    const { cases, warnings } = await loadRun(files.filter((f) => f.endsWith('.yml')))
    expect(cases.map((c) => c.prompt)).toEqual([
      'Answer: Who founded Facebook?',
      'Answer: Did he found any other companies?',
      'Given b',
    ])
    expect(warnings).toEqual([
      'Skipped: 3 tests (e.g. evals/history.json:1) whose prompt reads _conversation: promptfoo fills it with the ' +
        "earlier turns' outputs, and one batch has no earlier outputs, so these are not sent; write the earlier " +
        'turns into the prompt instead (a chat prompt, or the messages var, with role: assistant turns).',
    ])
  })

  it('leaving no test at all is an error at the prompt, with the fix', async () => {
    const files = write({
      'evals/chat.yml': [
        'model: claude-haiku-4-5',
        'tests:',
        '  - prompt: "{{ _conversation | dump }} {{ q }}"',
        '    vars: { q: Hi }',
      ].join('\n'),
    })
    expect(await problemsOf(files)).toEqual([
      'evals/chat.yml:3: no test runs: the prompt reads _conversation (1 test (e.g. evals/chat.yml:3)): promptfoo ' +
        "fills it with the earlier turns' outputs, and one batch has no earlier outputs, so these are not sent; " +
        'write the earlier turns into the prompt instead (a chat prompt, or the messages var, with role: assistant turns)',
    ])
  })
})

describe('nunjucksFilters', () => {
  it('load with one warning naming each filter where it is declared, and run no file', async () => {
    const files = write({
      'evals/x.yml': [
        'nunjucksFilters:',
        '  shout: ./filters/shout.js',
        '  wrap: ./filters/wrap.js',
        'model: claude-haiku-4-5',
        'tests:',
        '  - prompt: "{{ name | upper }}"',
        '    vars: { name: ada }',
      ].join('\n'),
      'evals/filters/shout.js': 'globalThis.ranShout = true; module.exports = (s) => s.toUpperCase()',
    })
    const { cases, warnings } = await loadRun(files.slice(0, 1))
    expect(cases.map((c) => c.prompt)).toEqual(['ADA'])
    expect(warnings).toEqual([
      'nunjucksFilters not loaded: shout (evals/x.yml:2), wrap (evals/x.yml:3): custom filters are JavaScript, ' +
        'which this action does not run in templates; a template that uses one is an error at its file:line.',
    ])
    expect((globalThis as { ranShout?: boolean }).ranShout).toBeUndefined()
  })

  it('make each template that uses one an error naming the filter, at its line', async () => {
    const files = write({
      'evals/x.yml': [
        'nunjucksFilters:',
        '  shout: ./filters/shout.js',
        'model: claude-haiku-4-5',
        'tests:',
        '  - prompt: "{{ name | upper }}"',
        '    vars: { name: ada }',
        '  - prompt: "{{ name | shout }}"',
        '    vars: { name: bo }',
        '    assert:',
        '      - type: contains',
        '        value: "{{ name | shout }}"',
      ].join('\n'),
    })
    const why =
      "which nunjucks does not have; custom filters (promptfoo's nunjucksFilters) are JavaScript, which this action " +
      'does not run in templates: compute the value in the var itself'
    expect(await problemsOf(files)).toEqual([
      `evals/x.yml:7: the template uses the filter 'shout' (template line 1), ${why}`,
      `evals/x.yml:11: the template uses the filter 'shout' (template line 1), ${why}`,
    ])
  })
})
