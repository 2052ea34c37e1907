import { compileAssertion, gradeTest } from '../../../src/grading/graders/index.js'
import {
  BASE_DIR,
  compileError,
  grade,
  gradeAll,
  gradingInput,
  io,
  tempDir,
  text,
  thinking,
} from './fixtures.js'

describe('javascript', () => {
  it.each([
    ["output.includes('Paris')", 'It is Paris.', true, 1],
    ['output.length < 5', 'It is Paris.', false, 0],
    ['const n = output.length; n > 5', 'It is Paris.', true, 1],
    ["let s = 'a;b'; s === 'a;b' && output !== ''", 'x', true, 1],
    ['output.length / 100', '1234567890', true, 0.1],
    ['0', 'x', false, 0],
    ['-1', 'x', false, 0],
    ['7', 'x', true, 1],
    ["({ pass: true, score: 0.25, reason: 'a quarter' })", 'x', true, 0.25],
    ["({ pass: false, reason: 'nope' })", 'x', false, 0],
    ['Promise.resolve(output === "x")', 'x', true, 1],
    ['context.vars.city === "Paris" && context.prompt.startsWith("What")', 'x', true, 1],
  ])('%s on %j: pass %s, score %d', async (value, output, pass, score) => {
    const result = await grade({ type: 'javascript', value }, output)
    expect(result.pass).toBe(pass)
    expect(result.score).toBeCloseTo(score, 10)
  })

  it('runs a multi-line value as a function body, awaiting what it returns', async () => {
    const body =
      'const words = output.split(/\\s+/)\nawait null\nreturn { pass: words.length === 3, score: words.length / 3, reason: `${words.length} words` }\n'
    expect(await grade({ type: 'javascript', value: body }, 'one two three')).toMatchObject({
      pass: true,
      score: 1,
      reason: '3 words',
    })
    expect(await grade({ type: 'javascript', value: body }, 'one two')).toMatchObject({
      pass: false,
      score: 2 / 3,
      reason: '2 words',
    })
  })

  it('keeps a reason the code gives on one line, trimmed', async () => {
    const reason = async (told: string) =>
      (await grade({ type: 'javascript', value: `({ pass: false, reason: ${JSON.stringify(told)} })` }, 'x'))
        .reason
    expect(await reason('line one\n  line two')).toBe('line one line two')
    expect(await reason(' one\r\ntwo\rthree ')).toBe('one two three')
    expect(await reason('  no line break  ')).toBe('no line break')
  })

  it('says what was returned', async () => {
    expect((await grade({ type: 'javascript', value: 'output.length < 5' }, 'too long')).reason).toBe(
      '"output.length < 5" returned false',
    )
    expect((await grade({ type: 'javascript', value: '0' }, 'x')).reason).toBe(
      '"0" returned 0 (a score passes when > 0)',
    )
    expect((await grade({ type: 'javascript', value: '0.5', threshold: 0.8 }, 'x')).reason).toBe(
      '"0.5" returned 0.5 (< threshold 0.8)',
    )
  })

  it('passes a number at the threshold when one is given, else above 0', async () => {
    expect((await grade({ type: 'javascript', value: '0.8', threshold: 0.8 }, 'x')).pass).toBe(true)
    expect((await grade({ type: 'javascript', value: '0.79', threshold: 0.8 }, 'x')).pass).toBe(false)
    expect((await grade({ type: 'javascript', value: '0', threshold: 0 }, 'x')).pass).toBe(true)
    // 0.6999999999999998 in floating point: the threshold, but for rounding.
    const mean = '(0.7 + 0.7 + 0.7) / 3'
    expect((await grade({ type: 'javascript', value: mean, threshold: 0.7 }, 'x')).pass).toBe(true)
    const object = `({ pass: true, score: ${mean} })`
    expect(await grade({ type: 'javascript', value: object, threshold: 0.7 }, 'x')).toMatchObject({
      pass: true,
      reason: `"${object}" returned pass: true`,
    })
    expect(await grade({ type: 'javascript', value: '12', threshold: 10 }, 'x')).toMatchObject({
      pass: true,
      score: 1,
    })
  })

  it('leaves a returned object to decide by its own pass, whatever the threshold (as promptfoo does)', async () => {
    const object = '({ pass: true, score: 0.3 })'
    expect(await grade({ type: 'javascript', value: object, threshold: 0.5 }, 'x')).toMatchObject({
      pass: true,
      score: 0.3,
      reason: `"${object}" returned pass: true`,
    })
    expect(
      await grade({ type: 'javascript', value: '({ pass: false, score: 0.9 })', threshold: 0.5 }, 'x'),
    ).toMatchObject({ pass: false, score: 0.9 })
  })

  it('errs on a returned object without a boolean pass, rather than passing it', async () => {
    expect(await grade({ type: 'javascript', value: '({ score: 0.5 })' }, 'x')).toMatchObject({
      pass: false,
      score: 0,
      errored: true,
      reason:
        '"({ score: 0.5 })" returned {"score":0.5}; an object result needs \'pass\' (true or false); ' +
        'return a number to be scored against a threshold',
    })
    expect(await grade({ type: 'not-javascript', value: '({ reason: "fine" })' }, 'x')).toMatchObject({
      pass: false,
      errored: true,
    })
    expect(await grade({ type: 'javascript', value: '({ pass: "yes" })' }, 'x')).toMatchObject({
      pass: false,
      errored: true,
      reason: '"({ pass: \\"yes\\" })" returned {"pass":"yes"}; its \'pass\' is "yes", not true or false',
    })
  })

  it('inverts pass and score as not-javascript', async () => {
    expect(
      await grade({ type: 'not-javascript', value: "output.includes('sorry')" }, 'Happy to help'),
    ).toMatchObject({
      pass: true,
      score: 1,
    })
    expect(await grade({ type: 'not-javascript', value: '0.25' }, 'x')).toMatchObject({
      pass: false,
      score: 0.75,
    })
  })

  it('fails, never crashes nor passes, when the code throws or returns nonsense', async () => {
    expect(await grade({ type: 'javascript', value: 'JSON.parse(output).ok' }, 'not json')).toMatchObject({
      pass: false,
      score: 0,
      reason: expect.stringMatching(/^"JSON\.parse\(output\)\.ok" threw SyntaxError: Unexpected token/),
    })
    expect(await grade({ type: 'not-javascript', value: 'JSON.parse(output).ok' }, 'not json')).toMatchObject(
      {
        pass: false,
        score: 0,
      },
    )
    expect(
      await grade({ type: 'javascript', value: 'Promise.reject(new RangeError("too far"))' }, 'x'),
    ).toMatchObject({
      pass: false,
      reason: '"Promise.reject(new RangeError(\\"too far\\"))" threw RangeError: too far',
    })
    expect(await grade({ type: 'javascript', value: '"yes"' }, 'x')).toMatchObject({
      pass: false,
      reason: '"\\"yes\\"" returned "yes"; return a boolean, a number or {pass, score, reason}',
    })
    expect(await grade({ type: 'not-javascript', value: 'NaN' }, 'x')).toMatchObject({
      pass: false,
      score: 0,
    })
    expect(await grade({ type: 'javascript', value: 'const ok = true\nok' }, 'x')).toMatchObject({
      pass: false,
      reason:
        '"const ok = true ok" returned undefined; return a boolean, a number or {pass, score, reason} ' +
        '(a multi-line value is a function body: end it with return)',
    })
  })

  it('hands context: vars, prompt, test, the message and config', async () => {
    const body = [
      'return {',
      '  pass: true,',
      '  reason: JSON.stringify([context.vars.city, context.prompt, context.test.id, context.config.min,',
      '    context.message.content.length, context.providerResponse.output, context.providerResponse.cost])',
      '}',
    ].join('\n')
    const result = await grade(
      { type: 'javascript', value: body, config: { min: 3 } },
      [thinking('hm'), text('Paris')],
      { test: { id: 'capital', vars: { city: 'Paris' } } },
    )
    expect(result.reason).toBe('["Paris","What is the capital of France?","capital",3,2,"Paris",0.0005]')
  })

  it("gives each script a context of its own, which it may change without changing another's", async () => {
    const change = (result: string) =>
      ['context.prompt = "changed"', 'context.vars = {}', 'context.config = {}', 'context.extra = 1']
        .concat(`return ${result}`)
        .join('\n')
    const unchanged =
      'context.prompt === "What is the capital of France?" && context.vars.city === "Paris" && ' +
      'context.config === undefined && context.extra === undefined'
    const grade = await gradeAll(
      [
        { type: 'javascript', value: change('true'), config: { min: 3 } },
        { type: 'javascript', value: unchanged },
        { type: 'javascript', value: unchanged, transform: change('output') },
      ],
      'Paris',
      { transform: change('output') },
    )
    expect(grade.results.map((r) => r.pass)).toEqual([true, true, true])
    // One compiled assertion graded twice: each run gets its own copy of the config.
    const counting = await compileAssertion(
      {
        type: 'javascript',
        value: 'context.config.min += 1\nreturn context.config.min === 4',
        config: { min: 3 },
      },
      BASE_DIR,
      io,
    )
    const twice = await gradeTest([counting, counting], gradingInput('Paris'))
    expect(twice.results.map((r) => r.pass)).toEqual([true, true])
  })

  describe('file:// modules', () => {
    const dir = tempDir({
      'grader.mjs': [
        'export default (output, context) => ({ pass: output.includes(context.vars.city), score: 1, reason: "default export" })',
        'export const short = (output) => output.length < 10',
        'export async function slow(output) { await new Promise((r) => setTimeout(r, 5)); return output.length / 10 }',
        'export function broken() { throw new TypeError("broken on purpose") }',
        'export const notAFunction = 42',
      ].join('\n'),
      'legacy.cjs': 'module.exports = (output) => output.startsWith("Dear")',
    })

    it.each([
      ['file://grader.mjs', 'Paris!', true, 'default export'],
      ['file://grader.mjs:short', 'Paris!', true, 'file://grader.mjs:short returned true'],
      ['file://grader.mjs:short', 'Paris is lovely', false, 'file://grader.mjs:short returned false'],
      ['file://grader.mjs:slow', 'abcde', true, 'file://grader.mjs:slow returned 0.5'],
      ['file://legacy.cjs', 'Dear you', true, 'file://legacy.cjs returned true'],
      ['file://grader.mjs:broken', 'x', false, 'file://grader.mjs:broken threw TypeError: broken on purpose'],
    ])('%s on %j: pass %s', async (value, output, pass, reason) => {
      expect(await grade({ type: 'javascript', value }, output, {}, dir)).toMatchObject({ pass, reason })
    })

    it('refuses a missing module or export at compile time', async () => {
      expect(await compileError({ type: 'javascript', value: 'file://grader.mjs:nope' }, dir)).toMatchObject({
        key: 'value',
        message: expect.stringMatching(
          /grader\.mjs exports no function named 'nope' \(it exports broken, notAFunction, short, slow\)$/,
        ),
      })
      expect(
        (await compileError({ type: 'javascript', value: 'file://grader.mjs:notAFunction' }, dir)).message,
      ).toMatch(/exports no function named 'notAFunction'/)
      expect((await compileError({ type: 'javascript', value: 'file://missing.mjs' }, dir)).message).toMatch(
        /^cannot import .*missing\.mjs: /,
      )
      expect((await compileError({ type: 'javascript', value: 'file://data.json' }, dir)).message).toBe(
        'file://data.json is not a JavaScript file: give a .js, .mjs or .cjs module that exports a function',
      )
    })
  })

  it('refuses code that does not parse, at compile time', async () => {
    expect(await compileError({ type: 'javascript', value: 'output.includes(' })).toMatchObject({
      key: 'value',
      message: expect.stringMatching(/^javascript is not valid JavaScript: .+ \(in "output\.includes\("\)$/),
    })
    expect((await compileError({ type: 'javascript', value: '' })).message).toMatch(
      /^javascript needs JavaScript: /,
    )
  })
})
