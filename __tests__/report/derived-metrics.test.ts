/** promptfoo's derivedMetrics: checked when the suite loads, computed over the run's metric sums, reported. */
import { message, onceEach, text } from '../fixtures/messages.js'
import { gradeAll } from '../fixtures/grading.js'
import { COMMENT_SURFACE, renderReport } from '../../src/report/markdown.js'
import { buildReport } from '../../src/report/report.js'
import { loadText, problemsOfText } from '../suite/suite-workspace.js'

const context = { minPassRate: 0.5, batchIds: ['msgbatch_1'], batchDurationMs: 1_000, runUrl: undefined }

const SUITE = [
  'model: m',
  'prompts: ["Is {{ animal }} a cat?"]',
  'defaultTest:',
  '  assert:',
  // A true positive scores tp 1, a false positive fp 1, and so on: promptfoo's classification pattern.
  "    - { type: javascript, value: \"output === 'yes' && context.vars.expected === 'yes' ? 1 : 0\", metric: tp }",
  "    - { type: javascript, value: \"output === 'yes' && context.vars.expected === 'no' ? 1 : 0\", metric: fp }",
  "    - { type: javascript, value: \"output === 'no' && context.vars.expected === 'yes' ? 1 : 0\", metric: fn }",
  'derivedMetrics:',
  '  - { name: precision, value: "tp / (tp + fp)" }',
  '  - { name: recall, value: "tp / (tp + fn)" }',
  '  - { name: f1, value: "2 * precision * recall / (precision + recall)" }',
  '  - { name: tested, value: __count }',
  '  - { name: unscored, value: "tp / nothing" }',
  '  - { name: by_zero, value: "fn / (fn - fn)" }',
  'tests:',
  '  - vars: { animal: tabby, expected: "yes" }',
  '  - vars: { animal: lion, expected: "yes" }',
  '  - vars: { animal: dog, expected: "no" }',
  '  - vars: { animal: siamese, expected: "yes" }',
].join('\n')

describe('derivedMetrics', () => {
  it("are computed over the suite's metric sums, each readable by the next, and none is guessed", async () => {
    const cases = await loadText(SUITE)
    expect(new Set(cases.map((c) => c.derivedMetrics)).size).toBe(1)
    // Replies: tabby yes (tp), lion no (fn), dog yes (fp), siamese yes (tp).
    const replies = ['yes', 'no', 'yes', 'yes']
    const graded = await gradeAll(
      onceEach(cases),
      cases.map((c, i) => ({
        custom_id: c.id,
        result: { type: 'succeeded', message: message([text(replies[i])]) },
      })),
    )
    const report = buildReport(graded, context)
    expect(report.derivedMetrics?.map(({ name, value, reason }) => [name, value, reason])).toEqual([
      ['precision', 2 / 3, null],
      ['recall', 2 / 3, null],
      ['f1', expect.closeTo(2 / 3, 10), null],
      ['tested', 4, null],
      ['unscored', null, "no test scored the metric 'nothing'"],
      ['by_zero', null, 'divides by zero'],
    ])
    const markdown = renderReport(report, { surface: COMMENT_SURFACE, remainderAt: 'the job summary' })
    expect(markdown).toContain(
      [
        '### Metrics',
        '',
        '| derived metric | value | formula |',
        '| --- | ---: | --- |',
        '| precision | 0.666667 | tp / (tp + fp) |',
        '| recall | 0.666667 | tp / (tp + fn) |',
        '| f1 | 0.666667 | 2 \\* precision \\* recall / (precision + recall) |',
      ].join('\n'),
    )
    expect(markdown).toContain("| unscored | no value: no test scored the metric 'nothing' | tp / nothing |")
    expect(markdown).toContain('| metric | tests | mean score |')
  })

  it('that do not parse, or take the name __count, are reported at their line when the suite loads', async () => {
    expect(
      await problemsOfText(
        'model: m\nderivedMetrics:\n  - { name: a, value: "tp +" }\n  - { name: __count, value: "1" }\n' +
          '  - { name: b, value: "require(1)" }\ntests: [{ prompt: hi }]\n',
      ),
    ).toEqual([
      "evals/suite.yml:3: derived metric 'a': expected a number, a name or ( at the end; write a formula of numbers, metric names, + - * / % ^, parentheses and min, max, abs, sqrt, round, floor, ceil, exp, pow, log",
      "evals/suite.yml:4: '__count' is the number of tests a formula may read: name the metric otherwise",
      "evals/suite.yml:5: derived metric 'b': unknown function 'require': use min, max, abs, sqrt, round, floor, ceil, exp, pow, log; write a formula of numbers, metric names, + - * / % ^, parentheses and min, max, abs, sqrt, round, floor, ceil, exp, pow, log",
    ])
  })
})
