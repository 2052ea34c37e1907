import {
  AssertionCompileError,
  type Judge,
  compileAssertion,
  compileTransform,
  gradeTest,
  outputText,
  parseTestThreshold,
  reachesThreshold,
} from '../../../src/grading/graders/index.js'
import {
  BASE_DIR,
  compileError,
  grade,
  gradeAll,
  gradingInput,
  io,
  message,
  tempDir,
  text,
  thinking,
  toolUse,
} from './fixtures.js'
import type { AssertionResult } from '../../../src/model.js'

describe('reachesThreshold', () => {
  it('is score >= threshold, allowing for the rounding of sums of floats', () => {
    expect(reachesThreshold(0.7, 0.7)).toBe(true)
    expect(reachesThreshold(0.6999999999999998, 0.7)).toBe(true)
    expect(reachesThreshold(0.3 - (0.1 + 0.2), 0)).toBe(true)
    expect(reachesThreshold(0.699999, 0.7)).toBe(false)
    expect(reachesThreshold(0, 1)).toBe(false)
    expect(reachesThreshold(5, 4)).toBe(true)
  })
})

describe('outputText', () => {
  it('joins the text blocks, and leaves out thinking', () => {
    expect(outputText(message([thinking('x'), text('a'), text('b')]))).toBe('ab')
    expect(outputText(message([]))).toBe('')
  })

  it("appends a tool call as its JSON, one part per block joined by blank lines, as promptfoo's provider does", () => {
    const call = toolUse('get_weather', { city: 'Paris' })
    expect(outputText(message([thinking('x'), text('Let me look.'), call, text('')]))).toBe(
      `Let me look.\n\n${JSON.stringify(call)}`,
    )
    expect(outputText(message([call]))).toBe(
      '{"type":"tool_use","id":"toolu_get_weather","name":"get_weather","input":{"city":"Paris"},"caller":{"type":"direct"}}',
    )
  })

  it('lets a text assertion see the tool call', async () => {
    const content = [text('Checking.'), toolUse('get_weather', { city: 'Paris' })]
    expect((await gradeAll([{ type: 'contains', value: '"name":"get_weather"' }], content)).pass).toBe(true)
    expect((await gradeAll([{ type: 'contains', value: '"city":"Paris"' }], 'Checking.')).pass).toBe(false)
  })
})

describe('gradeTest', () => {
  it('passes a test without assertions, with score 1', async () => {
    const grade = await gradeAll([], 'anything')
    expect(grade).toEqual({
      pass: true,
      score: 1,
      reason: 'no assertions',
      results: [],
      metrics: {},
      pending: false,
    })
    // The order the results file shows them in.
    expect(Object.keys(grade)).toEqual(['pass', 'score', 'reason', 'results', 'metrics', 'pending'])
  })

  it('without a threshold, passes only when every weighted assertion passes', async () => {
    const grade = await gradeAll(
      [
        { type: 'contains', value: 'Paris' },
        { type: 'contains', value: 'France' },
        { type: 'contains', value: 'Seine' },
      ],
      'Paris',
    )
    expect(grade.pass).toBe(false)
    expect(grade.score).toBeCloseTo(1 / 3, 10)
    expect(grade.reason).toBe('contains: expected output to contain "France" (and 1 more failed)')
    expect(grade.results.map((r) => r.pass)).toEqual([true, false, false])
  })

  it('weighs the score as promptfoo does (equals weight 2 fails, contains passes: 1/3)', async () => {
    const asserts = [
      { type: 'equals', value: 'Hello world', weight: 2 },
      { type: 'contains', value: 'world', weight: 1 },
    ]
    const failing = await gradeAll(asserts, 'Goodbye world', { threshold: 0.5 })
    expect(failing).toMatchObject({
      pass: false,
      reason:
        'weighted score 0.33 < threshold 0.5; equals: expected output to equal "Hello world"; got "Goodbye world"',
    })
    expect(failing.score).toBeCloseTo(1 / 3, 10)
    const passing = await gradeAll(asserts, 'Goodbye world', { threshold: 0.2 })
    expect(passing).toMatchObject({ pass: true, reason: 'weighted score 0.33 >= threshold 0.2' })
    expect((await gradeAll(asserts, 'Goodbye world', { threshold: 0 })).pass).toBe(true)
  })

  it('passes a score that reaches the threshold but for floating-point rounding', async () => {
    const seventy = { type: 'javascript', value: '0.7' }
    // (0.7 + 0.7 + 0.7) / 3 is 0.6999999999999998 in floating point.
    const grade = await gradeAll([seventy, seventy, seventy], 'x', { threshold: 0.7 })
    expect(grade).toMatchObject({ pass: true, reason: 'weighted score 0.70 >= threshold 0.7' })
    expect(grade.score).toBeCloseTo(0.7, 10)
    const set = { type: 'assert-set', threshold: 0.7, assert: [seventy, seventy, seventy] }
    expect((await gradeAll([set], 'x')).results[0]).toMatchObject({
      pass: true,
      reason: 'weighted score 0.70 >= threshold 0.7',
    })
    // A score really below the threshold still fails, however close.
    const below = await gradeAll([{ type: 'javascript', value: '0.699999' }], 'x', { threshold: 0.7 })
    expect(below).toMatchObject({ pass: false, reason: 'weighted score 0.70 < threshold 0.7' })
  })

  it('says why a test fell short of its threshold when every assertion passed', async () => {
    const half = { type: 'javascript', value: '0.5' }
    const grade = await gradeAll([half, half], 'x', { threshold: 0.8 })
    expect(grade).toMatchObject({ pass: false, score: 0.5, reason: 'weighted score 0.50 < threshold 0.8' })
    expect(grade.results.map((r) => r.pass)).toEqual([true, true])
  })

  it('treats weight 0 as informational: reported, never gating nor scored', async () => {
    const grade = await gradeAll(
      [
        { type: 'contains', value: 'Paris' },
        { type: 'contains', value: 'Eiffel', weight: 0 },
      ],
      'Paris',
    )
    expect(grade).toMatchObject({
      pass: true,
      score: 1,
      reason: 'the assertion passed; 1 informational (weight 0)',
    })
    expect(grade.results[1]).toMatchObject({
      pass: false,
      weight: 0,
      reason: 'expected output to contain "Eiffel"',
    })
    const onlyInformational = await gradeAll([{ type: 'contains', value: 'x', weight: 0 }], 'y')
    expect(onlyInformational).toMatchObject({
      pass: true,
      score: 1,
      reason: 'only 1 informational (weight 0)',
    })
  })

  it('rolls scores up per metric, weighted, including informational ones', async () => {
    const grade = await gradeAll(
      [
        { type: 'contains', value: 'Paris', metric: 'accuracy', weight: 3 },
        { type: 'contains', value: 'France', metric: 'accuracy', weight: 1 },
        { type: 'javascript', value: 'output.length / 10', metric: 'brevity', weight: 0 },
        { type: 'is-json', metric: 'format' },
      ],
      'Paris',
    )
    expect(grade.metrics).toEqual({ accuracy: 0.75, brevity: 0.5, format: 0 })
    expect(grade.results.map((r) => r.metric)).toEqual(['accuracy', 'accuracy', 'brevity', 'format'])
  })

  describe('assert-set', () => {
    const set = {
      type: 'assert-set',
      threshold: 0.5,
      weight: 2,
      metric: 'tone',
      assert: [
        { type: 'icontains', value: 'thank', metric: 'politeness' },
        { type: 'icontains', value: 'sorry' },
      ],
    }

    it('passes on its own threshold and counts as one weighted result', async () => {
      const grade = await gradeAll(
        [set, { type: 'contains', value: 'refund' }],
        'Thank you! Your refund is on its way.',
      )
      expect(grade.pass).toBe(true)
      expect(grade.results[0]).toMatchObject({
        type: 'assert-set',
        pass: true,
        score: 0.5,
        weight: 2,
        metric: 'tone',
        reason: 'weighted score 0.50 >= threshold 0.5',
      })
      expect(grade.results[0].results?.map((r) => [r.type, r.pass])).toEqual([
        ['icontains', true],
        ['icontains', false],
      ])
      expect(grade.score).toBeCloseTo((0.5 * 2 + 1) / 3, 10)
      expect(grade.metrics).toEqual({ tone: 0.5, politeness: 1 })
    })

    it('without a threshold needs all of its assertions, and fails the test like any assertion', async () => {
      const strict = { ...set, threshold: undefined }
      const grade = await gradeAll([strict], 'Thank you!')
      expect(grade).toMatchObject({
        pass: false,
        reason: 'assert-set: icontains: expected output to contain (ignoring case) "sorry"',
      })
    })

    it('reports a compile error inside it with the path to the bad key', async () => {
      expect(
        await compileError({
          type: 'assert-set',
          assert: [
            { type: 'contains', value: 'a' },
            { type: 'regex', value: '[' },
          ],
        }),
      ).toEqual({
        key: 'value',
        path: ['assert', 1, 'value'],
        message:
          'regex has an invalid regular expression: Invalid regular expression: /[/: Unterminated character class',
      })
      expect(
        await compileError({ type: 'assert-set', assert: [{ type: 'assert-set', assert: [] }] }),
      ).toMatchObject({
        path: ['assert', 0, 'type'],
        message: 'an assert-set cannot contain another assert-set; list its assertions in this set',
      })
      expect((await compileError({ type: 'assert-set' })).message).toBe(
        "an assert-set needs 'assert': a list of assertions",
      )
      expect(
        (await compileError({ type: 'assert-set', value: 'x', assert: [{ type: 'is-json' }] })).message,
      ).toBe("an assert-set takes no 'value'; put it on the assertions in its 'assert' list")
      expect((await compileError({ type: 'not-assert-set', assert: [] })).key).toBe('type')
    })
  })

  describe('transforms', () => {
    it("applies the test's transform before every assertion, and an assertion's own after it", async () => {
      const grade = await gradeAll(
        [
          { type: 'equals', value: 'PARIS' },
          { type: 'equals', value: 'paris', transform: 'output.toLowerCase()' },
          { type: 'javascript', value: 'output === "PARIS"' },
        ],
        '  Paris \n',
        { transform: 'output.trim().toUpperCase()' },
      )
      expect(grade.results.map((r) => r.pass)).toEqual([true, true, true])
    })

    it('hands javascript the transformed value itself, and text graders its JSON', async () => {
      const grade = await gradeAll(
        [
          { type: 'javascript', value: 'output.city === "Paris" && context.vars.city === "Paris"' },
          { type: 'equals', value: { city: 'Paris' } },
          { type: 'contains', value: '"city":"Paris"' },
          { type: 'is-json', value: { type: 'object', required: ['city'] } },
        ],
        'Answer: {"city": "Paris"}',
        { transform: 'JSON.parse(output.slice(output.indexOf("{")))' },
      )
      expect(grade.results.map((r) => [r.type, r.pass])).toEqual([
        ['javascript', true],
        ['equals', true],
        ['contains', true],
        ['is-json', true],
      ])
    })

    it('runs transforms from file:// modules, named exports included', async () => {
      const dir = tempDir({
        'transforms.mjs':
          'export default (output) => output.trim()\nexport const first = (output) => output.split(" ")[0]\n',
      })
      const grade = await gradeAll(
        [{ type: 'equals', value: 'The', transform: 'file://transforms.mjs:first' }],
        '  The end ',
        {
          transform: 'file://transforms.mjs',
          baseDir: dir,
        },
      )
      expect(grade.pass).toBe(true)
    })

    it('fails, with the error as the reason, when a transform throws or returns nothing', async () => {
      const broken = await gradeAll(
        [
          { type: 'contains', value: 'x' },
          { type: 'cost', threshold: 1 },
        ],
        'x',
        { transform: 'JSON.parse(output)' },
      )
      expect(broken.pass).toBe(false)
      expect(broken.results[0]).toMatchObject({
        pass: false,
        score: 0,
        reason: expect.stringMatching(
          /^could not grade: the test's transform "JSON\.parse\(output\)" threw SyntaxError: /,
        ),
      })
      // cost does not read the output: it still grades
      expect(broken.results[1].pass).toBe(true)
      const empty = await grade(
        { type: 'not-contains', value: 'x', transform: 'output.match(/nothing/)' },
        'x',
      )
      expect(empty).toMatchObject({
        pass: false,
        reason: 'could not grade: transform "output.match(/nothing/)" returned null',
      })
    })

    it('refuses a transform that does not parse, at compile time', async () => {
      await expect(compileTransform('output.(', BASE_DIR, io)).rejects.toMatchObject({
        name: 'AssertionCompileError',
        key: 'transform',
      })
      expect((await compileError({ type: 'contains', value: 'x', transform: 42 })).message).toBe(
        "'transform' is JavaScript in a string, or file://module.js[:functionName]",
      )
    })
  })

  it('grades assertions concurrently but reports them in order', async () => {
    const compiled = await Promise.all(
      [
        { type: 'javascript', value: 'new Promise((r) => setTimeout(() => r(true), 20))' },
        { type: 'contains', value: 'a' },
      ].map((raw) => compileAssertion(raw, BASE_DIR, io)),
    )
    const grade = await gradeTest(compiled, gradingInput('a'))
    expect(grade.results.map((r) => r.type)).toEqual(['javascript', 'contains'])
    expect(grade.pass).toBe(true)
  })

  it('reports in order a mix of scripts and plain checks, in an assert-set too', async () => {
    const grade = await gradeAll(
      [
        { type: 'contains', value: 'a' },
        {
          type: 'assert-set',
          assert: [
            { type: 'javascript', value: 'output === "a"' },
            { type: 'regex', value: 'b' },
          ],
        },
        { type: 'equals', value: 'a', transform: 'output + output' },
        { type: 'starts-with', value: 'a' },
      ],
      'a',
    )
    const shown = (results: AssertionResult[] = []) => results.map((r) => [r.type, r.pass])
    expect(shown(grade.results)).toEqual([
      ['contains', true],
      ['assert-set', false],
      ['equals', false],
      ['starts-with', true],
    ])
    expect(shown(grade.results[1].results)).toEqual([
      ['javascript', true],
      ['regex', false],
    ])
  })

  it('fails an assertion whose check throws, with the error as the reason, and grades the others', async () => {
    const judge: Judge = {
      answer() {
        throw new Error('judge offline')
      },
    }
    const grade = await gradeAll(
      [
        { type: 'llm-rubric', value: 'names the city' },
        { type: 'contains', value: 'Paris' },
      ],
      'Paris',
      { extra: { judge } },
    )
    expect(grade.results[0]).toMatchObject({
      pass: false,
      score: 0,
      reason: 'could not grade: judge offline',
      errored: true,
    })
    expect(grade.results[1].pass).toBe(true)
  })

  it('fails a test whose threshold the graded assertions reach when another could not be graded', async () => {
    const judge: Judge = {
      answer() {
        throw new Error('judge offline')
      },
    }
    const asserts = [
      { type: 'contains', value: 'Paris' },
      { type: 'llm-rubric', value: 'names the city' },
    ]
    const grade = await gradeAll(asserts, 'Paris', { threshold: 0.5, extra: { judge } })
    expect(grade).toMatchObject({
      pass: false,
      score: 0.5,
      reason:
        'weighted score 0.50 >= threshold 0.5, but llm-rubric has no grade (could not grade: judge offline)',
    })
    const set = { type: 'assert-set', threshold: 0.5, assert: asserts }
    expect((await gradeAll([set], 'Paris', { extra: { judge } })).results[0].pass).toBe(false)
  })
})

describe('structured output', () => {
  const isObject = { type: 'javascript', value: "typeof output === 'object' && output.city === 'Paris'" }

  it("is the parsed JSON for scripts and transforms, as promptfoo's Anthropic provider gives it", async () => {
    const reply = '{"city": "Paris", "country": "France"}'
    const structured = { extra: { structuredOutput: true } }
    expect((await gradeAll([isObject], reply, structured)).pass).toBe(true)
    expect((await gradeAll([isObject], reply)).pass).toBe(false)
    expect((await gradeAll([isObject], reply, { ...structured, transform: 'output.country' })).pass).toBe(
      false,
    )
    const country = { type: 'equals', value: 'France' }
    expect((await gradeAll([country], reply, { ...structured, transform: 'output.country' })).pass).toBe(true)
    // Text checks read its JSON, as promptfoo's do.
    expect((await gradeAll([{ type: 'contains', value: '"city":"Paris"' }], reply, structured)).pass).toBe(
      true,
    )
  })

  it('stays text when the reply is not JSON (a refusal, a cut-off reply)', async () => {
    const check = { type: 'javascript', value: "typeof output === 'string'" }
    expect((await gradeAll([check], '{"city": "Par', { extra: { structuredOutput: true } })).pass).toBe(true)
  })
})

describe('cost', () => {
  it('passes when the cost at batch price is within the threshold', async () => {
    expect(await grade({ type: 'cost', threshold: 0.001 }, 'x', { costUsd: 0.000512 })).toMatchObject({
      pass: true,
      reason: 'cost $0.000512 is within $0.001',
    })
    expect(await grade({ type: 'cost', threshold: 0.0005 }, 'x', { costUsd: 0.000512 })).toMatchObject({
      pass: false,
      reason: 'expected cost at most $0.0005 at batch prices; it was $0.000512',
    })
    expect((await grade({ type: 'not-cost', threshold: 0.0005 }, 'x', { costUsd: 0.000512 })).pass).toBe(true)
  })

  it('shows amounts as the report does: four significant digits below a dollar, cents from a dollar up', async () => {
    expect(await grade({ type: 'cost', threshold: 2.5 }, 'x', { costUsd: 0.00012345 })).toMatchObject({
      reason: 'cost $0.0001235 is within $2.50',
    })
    expect(await grade({ type: 'cost', threshold: 1 }, 'x', { costUsd: 12.344 })).toMatchObject({
      reason: 'expected cost at most $1.00 at batch prices; it was $12.34',
    })
  })

  it('fails when the cost is unknown, whatever the form, and says why', async () => {
    const unknown = { costUsd: null, costUnknownReason: "no price for model 'claude-x'" }
    expect(await grade({ type: 'cost', threshold: 1 }, 'x', unknown)).toMatchObject({
      pass: false,
      score: 0,
      reason: "cost unknown: no price for model 'claude-x'",
    })
    expect((await grade({ type: 'not-cost', threshold: 1 }, 'x', unknown)).pass).toBe(false)
    expect((await grade({ type: 'cost', threshold: 1 }, 'x', { costUsd: null })).reason).toBe(
      'cost unknown: the action cannot price this test',
    )
  })

  it('needs a threshold in USD and no value', async () => {
    expect(await compileError({ type: 'cost' })).toEqual({
      key: 'threshold',
      path: ['threshold'],
      message:
        "cost needs a 'threshold': the most the test may cost in USD at batch prices, e.g. 'threshold: 0.01'",
    })
    expect((await compileError({ type: 'cost', threshold: -1 })).key).toBe('threshold')
    expect((await compileError({ type: 'cost', threshold: 1, transform: 'output' })).message).toBe(
      "cost does not read the output text (it looks at the cost), so a 'transform' has no effect; remove it",
    )
    expect((await compileError({ type: 'cost', value: 0.01 })).message).toBe(
      "cost takes no 'value': put the most the test may cost in 'threshold' (USD at batch prices), e.g. 'threshold: 0.01'",
    )
  })
})

describe('compile errors', () => {
  it('throws AssertionCompileError, which the caller can tell from a bug', async () => {
    const attempt = compileAssertion({ type: 'regex', value: '(' }, BASE_DIR, io)
    await expect(attempt).rejects.toBeInstanceOf(AssertionCompileError)
    await expect(attempt).rejects.toMatchObject({ name: 'AssertionCompileError', key: 'value' })
  })

  it('compiles latency and perplexity, which a batch cannot measure: each is an errored grade per test', async () => {
    for (const raw of [
      { type: 'latency', threshold: 5000 },
      { type: 'not-latency', threshold: 5000 },
      { type: 'perplexity', threshold: 10 },
      { type: 'perplexity-score', threshold: 0.5 },
      { type: 'not-perplexity-score', value: 'x', transform: 'output' },
    ]) {
      const grade = await gradeAll([{ type: 'contains', value: 'Paris' }, raw], 'Paris')
      expect(grade.pass).toBe(false)
      expect(grade.results[0].pass).toBe(true)
      const result = grade.results[1]
      expect(result).toMatchObject({ type: raw.type, pass: false, score: 0, errored: true })
      expect(result.reason).toMatch(/^not measurable in batch mode: /)
    }
    expect((await gradeAll([{ type: 'latency', threshold: 1 }], 'x')).results[0].reason).toBe(
      "not measurable in batch mode: a batch request waits in Anthropic's queue for minutes to hours before it " +
        "runs, so its latency measures the queue, not the model; bound what a test may spend with 'type: cost' instead",
    )
    expect((await gradeAll([{ type: 'perplexity' }], 'x')).results[0].reason).toContain(
      'not measurable in batch mode: perplexity needs the log-probabilities of the output tokens, which the Messages API does not return',
    )
    // a threshold of 0 cannot turn the error into a pass
    expect((await gradeAll([{ type: 'latency' }], 'x', { threshold: 0 })).pass).toBe(false)
  })

  it('names the closest type for a typo, and the types otherwise', async () => {
    expect((await compileError({ type: 'contain', value: 'x' })).message).toBe(
      "unknown assertion type 'contain' (did you mean 'contains'?)",
    )
    expect((await compileError({ type: 'not-icontain', value: 'x' })).message).toBe(
      "unknown assertion type 'not-icontain' (did you mean 'not-icontains'?)",
    )
    expect((await compileError({ type: 'is-jsn' })).message).toBe(
      "unknown assertion type 'is-jsn' (did you mean 'is-json'?)",
    )
    expect((await compileError({ type: 'frobnicate' })).message).toMatch(
      /^unknown assertion type 'frobnicate'; use one of equals, contains, .*, cost, llm-rubric, .*, answer-relevance, .* \(each also as not-\.\.\.\), or assert-set$/,
    )
  })

  it("grades promptfoo's types that are not supported here as an error of their own test, with the reason", async () => {
    const warnings: unknown[] = []
    await compileAssertion({ type: 'not-similar', value: 'Paris', threshold: 0.8 }, BASE_DIR, io, (w) =>
      warnings.push(w),
    )
    expect(warnings).toEqual([{ kind: 'ungradable', type: 'similar', path: ['type'] }])
    for (const raw of [
      { type: 'similar', value: 'Paris', threshold: 0.8 },
      { type: 'pi', value: 'is polite' },
      { type: 'trajectory:tool-used', value: 'search' },
    ]) {
      const grade = await gradeAll([{ type: 'contains', value: 'Paris' }, raw], 'Paris')
      expect(grade.pass).toBe(false)
      expect(grade.results[1]).toMatchObject({ type: raw.type, pass: false, score: 0, errored: true })
      expect(grade.results[1].reason).toMatch(new RegExp(`^'${raw.type}' is not supported by this action: `))
    }
    expect((await gradeAll([{ type: 'similar', value: 'x' }], 'x')).results[0].reason).toBe(
      "'similar' is not supported by this action: it compares embeddings, and the Anthropic API has no " +
        'embeddings endpoint; grade the meaning with llm-rubric or factuality, or compare the words with ' +
        'rouge-n, bleu or levenshtein',
    )
  })

  it('checks the common keys', async () => {
    expect(await compileError({ value: 'x' })).toMatchObject({
      key: 'type',
      message: expect.stringMatching(/^an assertion needs a 'type'/),
    })
    expect(await compileError({ type: 'contains', value: 'x', treshold: 1 })).toEqual({
      key: 'treshold',
      path: ['treshold'],
      message:
        "unknown key 'treshold' in a contains assertion (did you mean 'threshold'?); an assertion takes type, value, threshold, weight, metric, transform, config",
    })
    expect((await compileError({ type: 'contains', value: 'x', weight: -1 })).key).toBe('weight')
    expect((await compileError({ type: 'contains', value: 'x', weight: '2' })).key).toBe('weight')
    expect((await compileError({ type: 'contains', value: 'x', metric: '' })).key).toBe('metric')
    expect((await compileError({ type: 'contains', value: 'x', config: {} })).message).toBe(
      "'config' is read by javascript, python, factuality, model-graded-factuality, conversation-relevance assertions only; remove it from contains",
    )
    expect((await compileError({ type: 'contains', value: 'x', provider: 'openai:gpt-4' })).message).toBe(
      "'provider' is read by the model-graded assertions only (llm-rubric, model-graded-closedqa, factuality, model-graded-factuality, g-eval, answer-relevance, context-faithfulness, context-recall, context-relevance, conversation-relevance, moderation, classifier); remove it from contains",
    )
    expect((await compileError({ type: 'contains', value: 'x', contextTransform: 'output' })).message).toBe(
      "'contextTransform' is read by context-faithfulness, context-recall and context-relevance only; remove it from contains",
    )
  })

  it("checks a test's threshold", () => {
    expect(parseTestThreshold(undefined)).toBeUndefined()
    expect(parseTestThreshold(0.8)).toBe(0.8)
    expect(() => parseTestThreshold(80)).toThrow(
      "the test has an invalid 'threshold' 80: the weighted score the test needs to pass, between 0 and 1",
    )
  })

  it('keeps the value as written, and the weight, metric and threshold, on the compiled assertion', async () => {
    const compiled = await compileAssertion(
      { type: 'rouge-n', value: 'a b', threshold: 0.5, weight: 2, metric: 'm' },
      BASE_DIR,
      io,
    )
    expect(compiled).toMatchObject({ type: 'rouge-n', value: 'a b', threshold: 0.5, weight: 2, metric: 'm' })
  })
})
