import { findJson } from '../../../src/grading/graders/index.js'
import { compileError, grade, tempDir, text, thinking } from './fixtures.js'

const citySchema = {
  type: 'object',
  properties: { city: { type: 'string' }, population: { type: 'integer', minimum: 0 } },
  required: ['city'],
}

describe('is-json', () => {
  it.each([
    ['{"city": "Paris"}', true],
    ['  [1, 2, 3]\n', true],
    ['42', true],
    ['"a JSON string"', true],
    ['', false],
    ['{city: "Paris"}', false],
    ['```json\n{"city": "Paris"}\n```', false],
    ['Here it is: {"city": "Paris"}', false],
  ])('%j passes: %s', async (output, pass) => {
    const result = await grade({ type: 'is-json' }, output)
    expect(result.pass).toBe(pass)
    expect(result.score).toBe(pass ? 1 : 0)
    expect((await grade({ type: 'not-is-json' }, output)).pass).toBe(!pass)
  })

  it('points to contains-json when the JSON is inside text', async () => {
    const fenced = (await grade({ type: 'is-json' }, '```json\n{"a": 1}\n```')).reason
    expect(fenced).toMatch(
      /^expected output to be JSON: Unexpected token .*\(it contains JSON: use contains-json for JSON inside text or a code fence\)$/,
    )
    expect(fenced).not.toContain('\n')
    expect((await grade({ type: 'is-json' }, '{"a": 1}')).reason).toBe('output is JSON')
  })

  it('validates against an inline JSON Schema', async () => {
    const ok = await grade({ type: 'is-json', value: citySchema }, '{"city": "Paris", "population": 2100000}')
    expect(ok).toMatchObject({ pass: true, reason: 'output is JSON matching the schema' })
    const bad = await grade({ type: 'is-json', value: citySchema }, '{"population": -1}')
    expect(bad).toMatchObject({
      pass: false,
      score: 0,
      reason:
        "expected output to be JSON matching the schema: must have required property 'city'; /population must be >= 0",
    })
    expect((await grade({ type: 'not-is-json', value: citySchema }, '{"population": -1}')).pass).toBe(true)
  })

  it('takes the schema as a YAML string, or from a file:// .json or .yaml file', async () => {
    const dir = tempDir({
      'city.schema.json': JSON.stringify(citySchema),
      'city.schema.yaml': 'type: object\nrequired: [city]\nproperties:\n  city: { type: string }\n',
    })
    const yamlString = 'type: object\nrequired: [city]'
    expect((await grade({ type: 'is-json', value: yamlString }, '{"city": "Paris"}')).pass).toBe(true)
    expect((await grade({ type: 'is-json', value: yamlString }, '{"town": "Paris"}')).pass).toBe(false)
    for (const file of ['file://city.schema.json', 'file://city.schema.yaml']) {
      expect((await grade({ type: 'is-json', value: file }, '{"city": "Paris"}', {}, dir)).pass).toBe(true)
      expect((await grade({ type: 'is-json', value: file }, '{"city": 75}', {}, dir)).reason).toBe(
        'expected output to be JSON matching the schema: /city must be string',
      )
    }
  })

  it('checks string formats (ajv-formats) and JSON Schema 2020-12 when the schema declares it', async () => {
    const email = { type: 'object', properties: { email: { type: 'string', format: 'email' } } }
    expect((await grade({ type: 'is-json', value: email }, '{"email": "a@b.co"}')).pass).toBe(true)
    expect((await grade({ type: 'is-json', value: email }, '{"email": "not an email"}')).reason).toBe(
      'expected output to be JSON matching the schema: /email must match format "email"',
    )
    const tuple = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'array',
      prefixItems: [{ type: 'string' }, { type: 'number' }],
      items: false,
    }
    expect((await grade({ type: 'is-json', value: tuple }, '["a", 1]')).pass).toBe(true)
    expect((await grade({ type: 'is-json', value: tuple }, '["a", 1, 2]')).pass).toBe(false)
  })

  it('refuses an invalid schema at compile time', async () => {
    expect(await compileError({ type: 'is-json', value: { type: 'objekt' } })).toMatchObject({
      key: 'value',
      message: expect.stringMatching(
        /^is-json has an invalid JSON Schema in 'value': schema is invalid: data\/type must be equal to one of the allowed values/,
      ),
    })
    // strict: an unknown keyword is nearly always a typo
    expect(
      (await compileError({ type: 'contains-json', value: { type: 'object', requried: ['a'] } })).message,
    ).toBe('contains-json has an invalid JSON Schema in \'value\': strict mode: unknown keyword: "requried"')
    expect((await compileError({ type: 'is-json', value: 'type: [unclosed' })).message).toMatch(
      /^is-json: the schema in 'value' does not parse: /,
    )
    expect((await compileError({ type: 'is-json', value: 'just words' })).message).toBe(
      "is-json has an invalid JSON Schema in 'value': a JSON Schema is an object (or true/false)",
    )
    expect((await compileError({ type: 'is-json', value: 'file://nope.json' })).message).toMatch(
      /^cannot read .*nope\.json: no such file$/,
    )
  })

  it('compiles the same schema for many tests, even with an $id', async () => {
    const withId = { $id: 'https://example.com/city', ...citySchema }
    for (let i = 0; i < 3; i++) {
      expect((await grade({ type: 'is-json', value: { ...withId } }, '{"city": "Paris"}')).pass).toBe(true)
    }
  })
})

describe('contains-json', () => {
  it.each([
    ['Sure! ```json\n{"city": "Paris"}\n``` Anything else?', true],
    ['The answer is {"city": "Paris"} as requested.', true],
    ['Values: [1, 2, 3].', true],
    ['{"a": {"b": [1, {"c": "}"}]}}', true],
    ['No JSON here, only {curly} words and [brackets].', false],
    ['Unbalanced { "a": 1 ', false],
    ['', false],
    ['42', false],
  ])('%j passes: %s', async (output, pass) => {
    expect((await grade({ type: 'contains-json' }, output)).pass).toBe(pass)
    expect((await grade({ type: 'not-contains-json' }, output)).pass).toBe(!pass)
  })

  it('passes when any JSON value in the output matches the schema', async () => {
    const output = 'First {"town": "Lyon"}, then {"city": "Paris"}.'
    expect(await grade({ type: 'contains-json', value: citySchema }, output)).toMatchObject({
      pass: true,
      reason: 'output contains JSON matching the schema: "{\\"city\\": \\"Paris\\"}"',
    })
    expect(
      await grade({ type: 'contains-json', value: citySchema }, 'Only {"town": "Lyon"} and [1]'),
    ).toMatchObject({
      pass: false,
      reason:
        "expected output to contain JSON matching the schema; none of its 2 JSON values matches: must have required property 'city'",
    })
    expect((await grade({ type: 'contains-json' }, 'nothing')).reason).toBe(
      'expected output to contain a JSON object or array; found none',
    )
  })

  it('finds an object matching an object schema inside a JSON array, as promptfoo does', async () => {
    const output = 'Results: [{"town": "Lyon"}, [{"city": "Paris", "note": "capital"}]]'
    expect(await grade({ type: 'contains-json', value: citySchema }, output)).toMatchObject({
      pass: true,
      reason: 'output contains JSON matching the schema: "{\\"city\\":\\"Paris\\",\\"note\\":\\"capital\\"}"',
    })
    expect((await grade({ type: 'not-contains-json', value: citySchema }, output)).pass).toBe(false)
    // An array schema still matches the array itself, and an object inside another object is not searched.
    const arraySchema = { type: 'array', items: { type: 'object' } }
    expect((await grade({ type: 'contains-json', value: arraySchema }, '[{"a": 1}]')).pass).toBe(true)
    expect(
      (await grade({ type: 'contains-json', value: citySchema }, '{"data": {"city": "Paris"}}')).pass,
    ).toBe(false)
  })

  it('reads JSON split across text blocks, ignoring thinking', async () => {
    const content = [thinking('{"city": 1}'), text('```json\n{"city": '), text('"Paris"}\n```')]
    expect((await grade({ type: 'contains-json', value: citySchema }, content)).pass).toBe(true)
  })
})

describe('findJson', () => {
  it('finds outermost objects and arrays in order, skipping balanced non-JSON', () => {
    expect(findJson('a {"x": [1, 2]} b [3] c {not json} d {"y": "a } inside"}').map((f) => f.value)).toEqual([
      { x: [1, 2] },
      [3],
      { y: 'a } inside' },
    ])
    expect(findJson('[see {"z": 1}]').map((f) => f.value)).toEqual([{ z: 1 }])
  })

  it('gives up on adversarial input within its step budget (an unbounded scan would take minutes)', () => {
    const nasty = '{'.repeat(20_000) + '[' + '"'.repeat(10_000)
    expect(findJson(nasty)).toEqual([])
    expect(findJson('{"a": 1}' + ' {'.repeat(50_000))).toEqual([{ text: '{"a": 1}', value: { a: 1 } }])
  })
})
