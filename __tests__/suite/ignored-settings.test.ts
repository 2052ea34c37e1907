/**
 * promptfoo settings that change nothing in a batch run load with one warning for the run naming each and
 * where it is first written; a setting that would change the results is still refused. A threshold on an
 * assertion type that passes or fails is dropped with one warning, as promptfoo ignores it.
 */
import { loadRun, problemsOf, write } from './suite-workspace.js'

describe('promptfoo settings that change nothing', () => {
  it('load, with one warning for the run that names each once, at the first place it is written', async () => {
    const files = write({
      'evals/x.yml': [
        'outputPath: results.json',
        'prompts:',
        "  - 'Say {{ word }}'",
        'providers:',
        '  - id: anthropic:messages:claude-haiku-4-5',
        '    delay: 500',
        '    config:',
        '      showThinking: false',
        '      max_tokens: 50',
        'defaultTest:',
        '  options: { runSerially: true }',
        'tests:',
        '  - vars: { word: a }',
        '    options:',
        '      runSerially: true',
        '  - vars: { word: b }',
        '  - file://more.yml',
      ].join('\n'),
      'evals/more.yml': '- vars: { word: c }\n  options: { runSerially: true }\n',
    })
    const { cases, warnings } = await loadRun(files.slice(0, 1))
    // Nothing of them reaches the requests.
    expect(cases.map((c) => c.params)).toEqual(
      ['a', 'b', 'c'].map((word) => ({
        model: 'claude-haiku-4-5',
        max_tokens: 50,
        messages: [{ role: 'user', content: `Say ${word}` }],
      })),
    )
    expect(warnings).toEqual([
      'ignored: delay (evals/x.yml:6), showThinking (evals/x.yml:8), runSerially (evals/x.yml:11): ' +
        'they change nothing in a batch run.',
    ])
  })

  it('warn of nothing when none is written', async () => {
    expect((await loadRun(write({ 'a.yml': 'model: m\ntests:\n  - prompt: hi\n' }))).warnings).toEqual([])
  })

  it('that would change the results are still refused, with a did-you-mean', async () => {
    expect(
      await problemsOf(
        write({
          'evals/x.yml': [
            'model: m',
            'tests:',
            '  - prompt: hi',
            '    options: { storeOutputAs: answer }',
            '  - prompt: hi',
            '    options: { runSerialy: true }',
          ].join('\n'),
        }),
      ),
    ).toEqual([
      expect.stringMatching(
        /^evals\/x\.yml:4: unknown key 'storeOutputAs' in tests\[0\]\.options; known keys: /,
      ),
      expect.stringMatching(
        /^evals\/x\.yml:6: unknown key 'runSerialy' in tests\[1\]\.options \(did you mean 'runSerially'\?\)/,
      ),
    ])
  })
})

describe("an assertion's reason", () => {
  it('loads, and the run warns once where it is first written', async () => {
    const files = write({
      'evals/x.yml':
        'model: m\ntests:\n  - prompt: hi\n    assert:\n      - { type: contains, value: hi, reason: greets }\n',
    })
    const { cases, warnings } = await loadRun(files)
    expect(cases[0].assertions[0]).toMatchObject({ type: 'contains', value: 'hi' })
    expect(warnings).toEqual([
      expect.stringMatching(/^ignored: reason \(evals\/x\.yml:5\): they change nothing/),
    ])
  })
})

describe('a threshold on an assertion type that passes or fails', () => {
  it('is dropped, with one warning for the run naming each type at its first line', async () => {
    const files = write({
      'evals/x.yml': [
        'model: m',
        'tests:',
        '  - prompt: hi',
        '    assert:',
        '      - type: contains',
        '        value: hello',
        '        threshold: 0.8',
        '      - type: assert-set',
        '        assert:',
        '          - type: regex',
        '            value: h.',
        '            threshold: 1',
        '  - prompt: hi again',
        '    assert:',
        '      - { type: contains, value: hello, threshold: 0.8 }',
      ].join('\n'),
    })
    const { cases, warnings } = await loadRun(files)
    expect(cases).toHaveLength(2)
    expect(cases[0].assertions[0]).toMatchObject({ type: 'contains', value: 'hello' })
    expect(cases[0].assertions[0].threshold).toBeUndefined()
    expect(cases[0].assertions[1].assert?.[0].threshold).toBeUndefined()
    expect(warnings).toEqual([
      'threshold ignored on contains (evals/x.yml:7), regex (evals/x.yml:12): these assertions pass or fail, ' +
        'so a threshold changes nothing (promptfoo ignores it too); to let a test pass with some assertions ' +
        "failing, give the test a threshold, or the assertion a 'weight'.",
    ])
  })

  it('that takes one still has it checked', async () => {
    expect(
      await problemsOf(
        write({
          'evals/x.yml':
            'model: m\ntests:\n  - prompt: hi\n    assert:\n      - { type: levenshtein, value: a, threshold: -1 }\n',
        }),
      ),
    ).toEqual([expect.stringMatching(/^evals\/x\.yml:5: /)])
  })
})

describe("promptfoo's assertion types that are not graded here", () => {
  it('load, and one warning names each type where it is first written', async () => {
    const files = write({
      'evals/x.yml': [
        'model: m',
        'tests:',
        '  - prompt: hi',
        '    assert:',
        '      - { type: similar, value: hello, threshold: 0.8 }',
        '      - { type: latency, threshold: 5000 }',
        '  - prompt: hi again',
        '    assert:',
        '      - { type: not-similar, value: bye }',
        '      - type: assert-set',
        '        assert:',
        '          - { type: guardrails }',
      ].join('\n'),
    })
    const { cases, warnings } = await loadRun(files)
    expect(cases.map((c) => c.assertions.map((a) => a.type))).toEqual([
      ['similar', 'latency'],
      ['not-similar', 'assert-set'],
    ])
    expect(warnings).toEqual([
      'not graded here: similar (evals/x.yml:5), latency (evals/x.yml:6), guardrails (evals/x.yml:12): each ' +
        'such assertion fails its test with the reason, and the rest of the suite is graded (see ' +
        'docs/coming-from-promptfoo.md for what to write instead).',
    ])
  })
})
