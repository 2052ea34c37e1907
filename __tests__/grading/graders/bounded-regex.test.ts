import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { boundedRegExp, RegexBudgetError } from '../../../src/grading/graders/bounded-regex.js'
import { schemaCompiler } from '../../../src/grading/graders/json-schema.js'
import { grade } from './fixtures.js'

/** Texts on which these patterns backtrack exponentially (or, for the last, polynomially) in V8's usual engine. */
const WORDS = 'a'.repeat(40) + '!'
const AS = 'a'.repeat(40) + '!'
const PAIRS = 'ab'.repeat(5000) + '!'
/** A budget that any of the patterns below, which would run for years, certainly exceeds. */
const TINY_BUDGET_MS = 10

describe('boundedRegExp', () => {
  it.each([
    ['^(\\w+\\s?)*$', WORDS, false],
    ['(a+)+$', AS, false],
    ['^(a|a)*$', AS, false],
    ['^(a|aa)+$', AS, false],
    ['^(\\w+\\s?)*$', 'two words', true],
  ])(
    'runs %s, which backtracks for ever in the usual engine, in linear time: %#',
    (source, text, expected) => {
      const pattern = boundedRegExp(source)
      // After V8 has tiered the pattern up, as it does for patterns run on many outputs.
      for (let i = 0; i < 100; i++) pattern.test('word word')
      expect(pattern.test(text)).toBe(expected)
    },
  )

  it.each([
    ['^(a+)+\\1$', AS],
    ['(\\w+)\\1+$', PAIRS],
    ['^(?=(a+)+$)', AS],
  ])('stops %s, which the linear engine cannot run, at its budget', (source, text) => {
    const pattern = boundedRegExp(source, '', TINY_BUDGET_MS)
    expect(() => pattern.test(text)).toThrow(RegexBudgetError)
    expect(() => pattern.test(text)).toThrow(
      `the regular expression /${source}/ ran past its 10 ms budget on this output (catastrophic backtracking): ` +
        'simplify it, e.g. avoid nested quantifiers like (a+)+ and backreferences like \\1',
    )
  })

  it('gives backreferences and lookarounds their usual meaning within the budget', () => {
    expect(boundedRegExp('(\\w)\\1').test('hello')).toBe(true)
    expect(boundedRegExp('(\\w)\\1').test('helo')).toBe(false)
    const strong = boundedRegExp('^(?=.*\\d)(?=.*[a-z]).{8,}$')
    expect(strong.test('abc12345')).toBe(true)
    expect(strong.test('abcdefgh')).toBe(false)
    expect(boundedRegExp('(?<!un)happy').test('unhappy')).toBe(false)
  })

  it('means with u what RegExp means with u, on text with and without surrogates', () => {
    const sources = [
      '^.$',
      '^[^a]+$',
      '^\\S+$',
      '\\p{L}',
      '^\\u{1F600}$',
      '^😀+$',
      '^\\w+$',
      '^[a-z😀]+$',
      'x|y',
    ]
    const texts = ['😀', '😀😀', 'abc', 'é', 'x', '', 'a😀', '\uD83D']
    for (const source of sources) {
      for (const text of texts) {
        expect([source, text, boundedRegExp(source, 'u').test(text)]).toEqual([
          source,
          text,
          new RegExp(source, 'u').test(text),
        ])
      }
    }
  })

  it('bounds a u pattern on text without surrogates natively, and with them by the budget', () => {
    const pattern = boundedRegExp('^(\\w+\\s?)*$', 'u', TINY_BUDGET_MS)
    expect(pattern.test(WORDS)).toBe(false)
    expect(() => pattern.test(`${'a'.repeat(40)}😀`)).toThrow(RegexBudgetError)
  })

  it('throws the SyntaxError of an invalid pattern', () => {
    expect(() => boundedRegExp('(unclosed')).toThrow(SyntaxError)
  })

  it('sets V8 flags that V8 knows, in a process that starts without them', () => {
    const module = join(process.cwd(), 'src', 'grading', 'graders', 'bounded-regex.ts')
    const script = `
      import { boundedRegExp } from ${JSON.stringify(module)}
      console.log(boundedRegExp('^(\\\\w+\\\\s?)*$').test(${JSON.stringify(WORDS)}))`
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 60_000,
    })
    expect(child.stdout.trim()).toBe('false')
    // An unknown flag is reported on stderr (and otherwise ignored).
    expect(child.stderr).toBe('')
  })
})

describe('JSON Schema patterns', () => {
  it('run within the budget: an adversarial output errs the grade instead of hanging the run', async () => {
    const compile = await schemaCompiler()
    expect(compile({ type: 'string', pattern: '^(\\w+\\s?)*$' }, true)(WORDS)).toBe(false)
    const schema = JSON.stringify({
      type: 'object',
      properties: { id: { type: 'string', pattern: '^(a+)+\\1$' } },
    })
    const result = await grade({ type: 'is-json', value: schema }, JSON.stringify({ id: AS }))
    expect(result).toMatchObject({
      pass: false,
      errored: true,
      reason: expect.stringMatching(
        /^could not grade: the regular expression \/\^\(a\+\)\+\\1\$\/ ran past its 1 s budget/,
      ),
    })
  })

  it('keep each pattern of a schema apart', async () => {
    const compile = await schemaCompiler()
    const validate = compile(
      {
        type: 'object',
        properties: {
          a: { type: 'string', pattern: '^(?=x)x$' },
          b: { type: 'string', pattern: '^(?=y)y$' },
        },
        patternProperties: { '^(?!z)n\\d$': { type: 'number' } },
      },
      true,
    )
    expect(validate({ a: 'x', b: 'y', n1: 1 })).toBe(true)
    expect(validate({ a: 'y' })).toBe(false)
    expect(validate({ n1: 'one' })).toBe(false)
  })
})
