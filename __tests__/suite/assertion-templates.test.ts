import { gradeTest } from '../../src/grading/graders/index.js'
import { message } from '../fixtures/messages.js'
import { loadText, problemsOfText } from './suite-workspace.js'
import type { EvalCase } from '../../src/model.js'

const grade = (evalCase: EvalCase, output: string) =>
  gradeTest(evalCase.assertions, {
    message: message(output),
    vars: evalCase.vars,
    prompt: evalCase.prompt,
    tools: undefined,
    costUsd: null,
  })

describe('vars in javascript assertions and metric names, rendered as promptfoo renders them', () => {
  it('renders {{ var }} in javascript code, written alone or with other keys, per test', async () => {
    const cases = await loadText(
      [
        'model: m',
        'defaultTest:',
        '  assert:',
        '    - { type: javascript, value: "output.length <= {{ limit }}" }',
        '    - type: not-javascript',
        '      value: |',
        '        const banned = "{{ banned }}"',
        '        return output.includes(banned)',
        '      weight: 2',
        'tests:',
        '  - { prompt: a, vars: { limit: 5, banned: sorry } }',
        '  - { prompt: b, vars: { limit: 50, banned: Paris } }',
      ].join('\n'),
    )
    expect(cases.map((c) => c.assertions.map((a) => a.value))).toEqual([
      ['output.length <= 5', 'const banned = "sorry"\nreturn output.includes(banned)\n'],
      ['output.length <= 50', 'const banned = "Paris"\nreturn output.includes(banned)\n'],
    ])
    const [short, long] = await Promise.all(cases.map((c) => grade(c, 'The capital is Paris.')))
    expect(short.results.map((r) => r.pass)).toEqual([false, true])
    expect(long.results.map((r) => r.pass)).toEqual([true, false])
  })

  it('renders {{ var }} in metric names, also inside an assert-set', async () => {
    const [evalCase] = await loadText(
      [
        'model: m',
        'tests:',
        '  - prompt: hi',
        '    vars: { topic: geography }',
        '    assert:',
        '      - { type: contains, value: Paris, metric: "{{ topic }}-accuracy" }',
        '      - type: assert-set',
        '        metric: "{{ topic }}-set"',
        '        assert:',
        '          - { type: contains, value: capital, metric: "{{ topic }}-inner" }',
      ].join('\n'),
    )
    expect(evalCase.assertions.map((a) => a.metric)).toEqual(['geography-accuracy', 'geography-set'])
    expect(evalCase.assertions[1].assert?.[0].metric).toBe('geography-inner')
    const graded = await grade(evalCase, 'Paris is the capital.')
    expect(graded.metrics).toEqual({ 'geography-accuracy': 1, 'geography-set': 1, 'geography-inner': 1 })
  })

  it('points at the key whose template does not render', async () => {
    expect(
      await problemsOfText(
        'model: m\ntests:\n  - prompt: x\n    assert:\n      - type: javascript\n        value: "output === \'{{ answer }}\'"\n',
      ),
    ).toEqual(['evals/suite.yml:6: the template uses {{ answer }} but vars has no such key (vars: none)'])
    expect(
      await problemsOfText(
        'model: m\ntests:\n  - prompt: x\n    assert:\n      - type: contains\n        value: a\n        metric: "{{ topic }}"\n',
      ),
    ).toEqual(['evals/suite.yml:7: the template uses {{ topic }} but vars has no such key (vars: none)'])
  })
})
