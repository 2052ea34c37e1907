import { gradeAssertion, parseAssertion } from '../src/assertions.js'

const grade = (type: string, value: unknown, output: string) =>
  gradeAssertion(parseAssertion(type, value), output)

describe('assertions', () => {
  it.each([
    ['equals', 'Paris', 'Paris', true],
    ['equals', 'Paris', 'Paris.', false],
    ['equals', 'Paris', ' Paris', false],
    ['equals', '', '', true],
    ['contains', 'Paris', 'It is Paris.', true],
    ['contains', 'paris', 'It is Paris.', false],
    ['contains', 'x', '', false],
    ['icontains', 'PARIS', 'it is paris', true],
    ['icontains', 'straße', 'STRASSE', false],
    ['icontains', 'ÉTÉ', "l'été", true],
    ['regex', '^\\d{3}-\\d{4}$', '555-1234', true],
    ['regex', '^\\d{3}$', '1234', false],
    ['not-contains', 'sorry', 'Happy to help', true],
    ['not-contains', 'sorry', "I'm sorry", false],
    ['not-icontains', 'SORRY', "i'm sorry", false],
    ['not-equals', 'a', 'b', true],
    ['not-regex', 'error', 'all fine', true],
    ['contains', 42, 'the answer is 42', true],
  ])('%s %j on %j passes: %s', (type, value, output, pass) => {
    const result = grade(type, value, output)
    expect(result.pass).toBe(pass)
    expect(result.score).toBe(pass ? 1 : 0)
    expect(result.type).toBe(type)
  })

  it('explains a failure in one line', () => {
    expect(grade('contains', 'two years', 'one year').reason).toBe('expected output to contain "two years"')
    expect(grade('not-icontains', 'sorry', 'Sorry!').reason).toBe(
      'expected output not to contain (ignoring case) "sorry"',
    )
    expect(grade('regex', 'a+', 'b').reason).toBe('expected output to match /a+/')
    expect(grade('contains', 'x', 'x').reason).toBe('output contains "x"')
    expect(grade('not-contains', 'x', 'y').reason).toBe('output does not contain "x"')
  })

  it('refuses unknown types, missing values and invalid regexes with the fix', () => {
    expect(() => parseAssertion('contain', 'x')).toThrow(
      "unknown assertion type 'contain'; use one of equals, not-equals, contains",
    )
    expect(() => parseAssertion(undefined, 'x')).toThrow(/needs a 'type'/)
    expect(() => parseAssertion('contains', undefined)).toThrow(
      "assertion 'contains' needs a 'value' that is a string",
    )
    expect(() => parseAssertion('regex', '(unclosed')).toThrow(/invalid regular expression/)
  })
})
