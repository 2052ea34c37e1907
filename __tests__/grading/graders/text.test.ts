import { compileAssertion, gradeTest } from '../../../src/grading/graders/index.js'
import type { AssertionWarning } from '../../../src/suite/load-options.js'
import {
  BASE_DIR,
  compileError,
  grade,
  gradingInput,
  io,
  tempDir,
  text,
  thinking,
  toolUse,
} from './fixtures.js'

describe('text graders', () => {
  it.each([
    ['equals', 'Paris', 'Paris', true],
    ['equals', 'Paris', 'Paris.', false],
    ['equals', 'Paris', ' Paris', false],
    ['equals', '', '', true],
    ['equals', 42, '42', true],
    ['not-equals', 'a', 'b', true],
    ['contains', 'Paris', 'It is Paris.', true],
    ['contains', 'paris', 'It is Paris.', false],
    ['contains', 'x', '', false],
    ['contains', 42, 'the answer is 42', true],
    ['not-contains', 'sorry', 'Happy to help', true],
    ['not-contains', 'sorry', "I'm sorry", false],
    ['not-contains', 'sorry', '', true],
    ['icontains', 'PARIS', 'it is paris', true],
    ['icontains', 'ÉTÉ', "l'été", true],
    ['icontains', 'straße', 'STRASSE', false],
    // "é" precomposed in the value, decomposed (e + combining acute) in the output
    ['icontains', 'café', 'CAFE\u0301 au lait', true],
    ['not-icontains', 'SORRY', "i'm sorry", false],
    ['starts-with', 'Dear', 'Dear customer,', true],
    ['starts-with', 'Dear', ' Dear customer,', false],
    ['not-starts-with', 'Sure', 'No.', true],
    ['regex', '^\\d{3}-\\d{4}$', '555-1234', true],
    ['regex', '^\\d{3}$', '1234', false],
    ['not-regex', 'error', 'all fine', true],
    ['regex', '^$', '', true],
  ])('%s %j on %j passes: %s', async (type, value, output, pass) => {
    const result = await grade({ type, value }, output)
    expect(result.pass).toBe(pass)
    expect(result.score).toBe(pass ? 1 : 0)
    expect(result.type).toBe(type)
    expect(result.value).toBe(value)
    expect(result.weight).toBe(1)
  })

  it('explains each outcome in one line, as a reviewer reads it', async () => {
    expect((await grade({ type: 'contains', value: 'two years' }, 'one year')).reason).toBe(
      'expected output to contain "two years"',
    )
    expect((await grade({ type: 'contains', value: 'x' }, 'x')).reason).toBe('output contains "x"')
    expect((await grade({ type: 'not-contains', value: 'x' }, 'y')).reason).toBe(
      'output does not contain "x"',
    )
    expect((await grade({ type: 'not-icontains', value: 'sorry' }, 'Sorry!')).reason).toBe(
      'expected output not to contain (ignoring case) "sorry"',
    )
    expect((await grade({ type: 'regex', value: 'a+' }, 'b')).reason).toBe('expected output to match /a+/')
    expect((await grade({ type: 'equals', value: 'Paris' }, 'Lyon\nFrance')).reason).toBe(
      'expected output to equal "Paris"; got "Lyon\\nFrance"',
    )
    expect((await grade({ type: 'starts-with', value: 'Dear' }, 'Hi there')).reason).toBe(
      'expected output to start with "Dear"; it starts "Hi there"',
    )
  })

  it('explains each outcome of a list of values, with what was found or missing', async () => {
    const reason = async (type: string, output: string) =>
      (await grade({ type, value: ['Paris', 'France'] }, output)).reason
    expect(await reason('contains-any', 'Paris, Texas')).toBe('output contains "Paris"')
    expect(await reason('contains-any', 'Rome')).toBe('expected output to contain any of "Paris", "France"')
    expect(await reason('not-contains-any', 'Rome')).toBe('output contains none of "Paris", "France"')
    expect(await reason('not-contains-any', 'France')).toBe(
      'expected output not to contain any of "Paris", "France"; found "France"',
    )
    expect(await reason('contains-all', 'Paris, France')).toBe('output contains all of "Paris", "France"')
    expect(await reason('contains-all', 'Paris')).toBe(
      'expected output to contain all of "Paris", "France"; missing "France"',
    )
    expect(await reason('not-contains-all', 'Paris')).toBe('output does not contain "France"')
    expect(await reason('not-contains-all', 'Paris, France')).toBe(
      'expected output not to contain all of "Paris", "France"',
    )
    expect(await reason('icontains-any', 'PARIS')).toBe('output contains "Paris" (ignoring case)')
  })

  it('grades a regex that backtracks for ever on the output within a time budget', async () => {
    // Exponential in V8's usual engine; its linear-time engine answers at once.
    const words = await grade({ type: 'regex', value: '^(\\w+\\s?)*$' }, 'a'.repeat(40) + '!')
    expect(words).toMatchObject({ pass: false, reason: 'expected output to match /^(\\w+\\s?)*$/' })
    expect(words.errored).toBeUndefined()
    // A backreference keeps it from the linear engine: it runs out of its budget and errs, whatever the form.
    for (const type of ['regex', 'not-regex']) {
      expect(await grade({ type, value: '^(a+)+\\1$' }, 'a'.repeat(40) + '!')).toMatchObject({
        pass: false,
        score: 0,
        errored: true,
        reason:
          'the regular expression /^(a+)+\\1$/ ran past its 1 s budget on this output (catastrophic backtracking): ' +
          'simplify it, e.g. avoid nested quantifiers like (a+)+ and backreferences like \\1',
      })
    }
    expect((await grade({ type: 'regex', value: '^(a+)+\\1$' }, 'aaaa')).pass).toBe(true)
  })

  it('grades the text blocks joined, ignoring thinking, and sees a tool call as promptfoo shows it', async () => {
    const content = [thinking('Lyon? No: the capital is Paris'), text('The capital '), text('is Paris.')]
    expect((await grade({ type: 'equals', value: 'The capital is Paris.' }, content)).pass).toBe(true)
    expect((await grade({ type: 'not-contains', value: 'Lyon' }, content)).pass).toBe(true)
    const call = toolUse('lookup', { q: 'capital of France' })
    const calling = [thinking('hmm'), text('Looking it up.'), call]
    expect(
      (await grade({ type: 'equals', value: `Looking it up.\n\n${JSON.stringify(call)}` }, calling)).pass,
    ).toBe(true)
    expect((await grade({ type: 'icontains', value: 'capital of france' }, calling)).pass).toBe(true)
    expect((await grade({ type: 'not-contains', value: 'hmm' }, calling)).pass).toBe(true)
  })

  it('compares an object or list value with the output parsed as JSON, deeply', async () => {
    const value = { city: 'Paris', tags: ['capital', 'city'] }
    const same = await grade({ type: 'equals', value }, '{"tags": ["capital", "city"], "city": "Paris"}')
    expect(same).toMatchObject({
      pass: true,
      score: 1,
      reason: 'output is JSON equal to {"city":"Paris","tags":["capital","city"]}',
    })
    const reordered = await grade({ type: 'equals', value }, '{"city": "Paris", "tags": ["city", "capital"]}')
    expect(reordered.pass).toBe(false)
    const notJson = await grade({ type: 'equals', value: [1, 2] }, 'one, two')
    expect(notJson).toMatchObject({
      pass: false,
      reason: 'expected output to be JSON equal to [1,2]; output is not JSON',
    })
    expect((await grade({ type: 'not-equals', value: [1, 2] }, 'one, two')).pass).toBe(true)
    expect(await grade({ type: 'not-equals', value: { a: 1 } }, '{"a": 2}')).toMatchObject({
      pass: true,
      reason: 'output is not JSON equal to {"a":1}',
    })
    expect(await grade({ type: 'not-equals', value: { a: 1 } }, '{"a": 1}')).toMatchObject({
      pass: false,
      reason: 'expected output not to be JSON equal to {"a":1}; got {"a":1}',
    })
    expect((await grade({ type: 'not-equals', value: 'a' }, 'b')).reason).toBe('output does not equal "a"')
    expect((await grade({ type: 'equals', value: [1, 2] }, '[1,2]')).pass).toBe(true)
  })

  it('compares a null value with JSON null, as promptfoo does', async () => {
    expect(await grade({ type: 'equals', value: null }, ' null\n')).toMatchObject({
      pass: true,
      score: 1,
      reason: 'output is JSON equal to null',
    })
    expect(await grade({ type: 'equals', value: null }, 'None')).toMatchObject({
      pass: false,
      reason: 'expected output to be JSON equal to null; output is not JSON',
    })
    expect(await grade({ type: 'equals', value: null }, '{}')).toMatchObject({
      pass: false,
      reason: 'expected output to be JSON equal to null; got {}',
    })
    expect((await grade({ type: 'not-equals', value: null }, '"null"')).pass).toBe(true)
    // Only equals reads null as a value: elsewhere it is a missing one.
    expect((await compileError({ type: 'contains', value: null })).message).toBe(
      "contains needs a 'value': the text the output must contain",
    )
    expect((await compileError({ type: 'equals' })).key).toBe('value')
  })

  describe('contains-any, contains-all and their case-insensitive forms', () => {
    it.each([
      ['contains-any', ['Paris', 'Lyon'], 'I love Lyon', true],
      ['contains-any', ['Paris', 'Lyon'], 'I love lyon', false],
      ['contains-any', 'Paris, Lyon', 'I love Lyon', true],
      ['not-contains-any', ['sorry', 'apolog'], 'Here you go', true],
      ['not-contains-any', ['sorry', 'apolog'], 'My apologies', false],
      ['contains-all', ['Paris', 'France'], 'Paris is in France', true],
      ['contains-all', ['Paris', 'France'], 'Paris is in Texas', false],
      ['contains-all', 'Paris,France', 'Paris, France', true],
      ['not-contains-all', ['Paris', 'France'], 'Paris, Texas', true],
      ['icontains-any', ['PARIS', 'LYON'], 'i love lyon', true],
      ['icontains-any', ['NICE'], 'Nothing here', false],
      ['icontains-all', ['paris', 'FRANCE'], 'PARIS, france', true],
      ['icontains-all', ['Zürich', 'GENÈVE'], 'ZÜRICH and genève', true],
      ['icontains-all', ['paris', 'rome'], 'PARIS', false],
      ['not-icontains-all', ['paris', 'rome'], 'PARIS', true],
    ])('%s %j on %j passes: %s', async (type, value, output, pass) => {
      const result = await grade({ type, value }, output)
      expect(result.pass).toBe(pass)
      expect(result.score).toBe(pass ? 1 : 0)
    })

    it('splits a comma-separated value as promptfoo does: trimmed, quotes keep commas', async () => {
      expect(
        (await grade({ type: 'contains-all', value: '"Paris, France", 75001' }, 'Paris, France 75001')).pass,
      ).toBe(true)
      expect(
        (await grade({ type: 'contains-all', value: '"Paris, France", 75001' }, 'Paris France 75001')).pass,
      ).toBe(false)
      expect((await grade({ type: 'contains-any', value: ' a ,, b ' }, 'xbx')).reason).toBe(
        'output contains "b"',
      )
    })

    it('names what was missing or found', async () => {
      expect(
        (await grade({ type: 'contains-all', value: ['Paris', 'France', 'Seine'] }, 'Paris')).reason,
      ).toBe('expected output to contain all of "Paris", "France", "Seine"; missing "France", "Seine"')
      expect((await grade({ type: 'contains-any', value: ['Paris', 'Lyon'] }, 'Nice')).reason).toBe(
        'expected output to contain any of "Paris", "Lyon"',
      )
      expect((await grade({ type: 'not-contains-any', value: ['sorry', 'apolog'] }, 'sorry')).reason).toBe(
        'expected output not to contain any of "sorry", "apolog"; found "sorry"',
      )
      expect((await grade({ type: 'icontains-all', value: ['a', 'b'] }, 'AB')).reason).toBe(
        'output contains all of "a", "b" (ignoring case)',
      )
    })
  })

  it('reads a value from a file:// .txt (trimmed), .json or .yaml file', async () => {
    const dir = tempDir({
      'expected.txt': 'Paris\n',
      'cities.json': '["Paris", "Lyon"]',
      'words.yaml': '- Paris\n- France\n',
    })
    expect((await grade({ type: 'equals', value: 'file://expected.txt' }, 'Paris', {}, dir)).pass).toBe(true)
    const any = await grade({ type: 'contains-any', value: 'file://cities.json' }, 'Lyon', {}, dir)
    expect(any).toMatchObject({ pass: true, value: 'file://cities.json' })
    expect(
      (await grade({ type: 'contains-all', value: 'file://words.yaml' }, 'Paris, France', {}, dir)).pass,
    ).toBe(true)
    expect(
      (await grade({ type: 'contains-all', value: ['file://expected.txt', 'x'] }, 'Paris x', {}, dir)).pass,
    ).toBe(true)
  })

  it('refuses values that cannot work, at compile time, naming the key', async () => {
    expect(await compileError({ type: 'regex', value: '(unclosed' })).toEqual({
      message:
        'regex has an invalid regular expression: Invalid regular expression: /(unclosed/: Unterminated group',
      key: 'value',
      path: ['value'],
    })
    expect(await compileError({ type: 'contains' })).toMatchObject({
      message: "contains needs a 'value': the text the output must contain",
      key: 'value',
    })
    expect((await compileError({ type: 'contains', value: '' })).message).toBe(
      "contains has an empty 'value'; give the text the output must contain",
    )
    expect((await compileError({ type: 'contains', value: { a: 1 } })).message).toBe(
      "contains needs a 'value' that is a string (the text the output must contain)",
    )
    expect((await compileError({ type: 'contains-any', value: [] })).message).toBe(
      'contains-any needs a non-empty list of non-empty strings to look for',
    )
    expect((await compileError({ type: 'contains-all', value: '"unclosed, b' })).message).toBe(
      "contains-all has a malformed 'value': a quoted item has no closing quote",
    )
    expect((await compileError({ type: 'contains', value: 'file://missing.txt' })).message).toMatch(
      /^cannot read \/.*\/missing\.txt: no such file$/,
    )
    expect((await compileError({ type: 'contains', value: 'file://check.js' })).message).toBe(
      'file://check.js: only a javascript assertion runs a script; give the value itself, or a .txt, .json or .yaml file',
    )
  })

  it('drops a threshold on a type that passes or fails, and says so, as promptfoo ignores it', async () => {
    const warnings: AssertionWarning[] = []
    const warn = (warning: AssertionWarning) => warnings.push(warning)
    const compiled = await compileAssertion(
      { type: 'contains', value: 'x', threshold: 0.5 },
      BASE_DIR,
      io,
      warn,
    )
    expect(compiled.threshold).toBeUndefined()
    expect(warnings).toEqual([{ kind: 'ignored-threshold', type: 'contains', path: ['threshold'] }])
    expect((await gradeTest([compiled], gradingInput('no match'))).pass).toBe(false)
    expect((await gradeTest([compiled], gradingInput('x marks'))).pass).toBe(true)

    warnings.length = 0
    const set = {
      type: 'assert-set',
      assert: [
        { type: 'equals', value: 'a' },
        { type: 'regex', value: 'a', threshold: 1 },
      ],
    }
    await compileAssertion(set, BASE_DIR, io, warn)
    expect(warnings).toEqual([{ kind: 'ignored-threshold', type: 'regex', path: ['assert', 1, 'threshold'] }])
  })
})
