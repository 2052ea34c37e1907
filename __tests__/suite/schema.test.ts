import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Ajv } from 'ajv'
import { parse } from 'yaml'
import { ASSERTION_TYPES } from '../../src/grading/graders/index.js'
import { UNGRADABLE_TYPES } from '../../src/grading/graders/unsupported-types.js'
import { SCHEMA_ASSERTION_TYPES, suiteSchemaProblems, testSchemaProblems } from '../../src/suite/schema.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const schema = JSON.parse(readFileSync(path.join(ROOT, 'schema/suite.schema.json'), 'utf8'))
const readYaml = (file: string) => parse(readFileSync(path.join(ROOT, file), 'utf8'))

describe('the published suite schema', () => {
  // Editors validate with standard JSON Schema tools; the action checks with ajv's code of the same file.
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema)

  it('is valid JSON Schema that accepts the example and fixture suites', () => {
    for (const file of [
      'examples/support.yml',
      '__tests__/fixtures/suites/everything/suite.yaml',
      '__tests__/fixtures/suites/promptfoo/promptfooconfig.yaml',
    ]) {
      expect([file, validate(readYaml(file)), validate.errors]).toEqual([file, true, null])
    }
  })

  it('rejects what the action rejects', () => {
    expect(validate(readYaml('__tests__/fixtures/suites/malformed/unknown-keys.yaml'))).toBe(false)
    expect(validate.errors?.map((e) => e.params)).toContainEqual({ additionalProperty: 'promts' })
    expect(validate(readYaml('__tests__/fixtures/suites/malformed/bad-assertions.yaml'))).toBe(false)
  })

  it("lists exactly the assertion types the graders know, and promptfoo's that load as an errored grade", () => {
    const ungradable = UNGRADABLE_TYPES.flatMap((type) => [type, `not-${type}`])
    expect([...SCHEMA_ASSERTION_TYPES].sort()).toEqual([...ASSERTION_TYPES, ...ungradable].sort())
    expect(SCHEMA_ASSERTION_TYPES).toEqual(expect.arrayContaining(['latency', 'similar', 'not-classifier']))
  })
})

describe('checking a suite against the schema', () => {
  it.each([
    [[], 'a suite must be a mapping with a `tests:` list at the top level'],
    [{ prompts: 3, tests: [] }, 'prompts must be a file:// path or a list of prompts'],
    [{ tests: ['hello.yaml'] }, 'tests[0] must be a file:// path'],
    [{ model: 'claude haiku', tests: [] }, 'model must be a model id (a letter or digit, then letters'],
    [{ providers: [{ label: 'x' }] }, "providers[0] needs 'id'"],
    [
      { promts: [], tests: [] },
      "unknown key 'promts' in the suite (did you mean 'prompts'?); known keys: $schema,",
    ],
  ])('words each problem as the action always has (%#)', (suite, message) => {
    expect(suiteSchemaProblems(suite).map((p) => p.message)).toEqual([expect.stringContaining(message)])
  })

  it('reports in the order the suite is written, a missing key before the entries', () => {
    const suite = {
      tests: [
        { asert: [], assert: [{ value: 1, weight: 'x' }] },
        { threshold: 'x', id: true },
      ],
    }
    expect(suiteSchemaProblems(suite).map((p) => p.message)).toEqual([
      expect.stringContaining("unknown key 'asert' in tests[0]"),
      "tests[0].assert[0] needs 'type'",
      'tests[0].assert[0].weight must be a number, not string',
      'tests[1].threshold must be a number, not string',
      'tests[1].id must be a string or a number, not boolean',
    ])
  })
})

describe('checking a test against the schema', () => {
  // Valid tests take a compiled fast path; a problem at any depth must still be found and described.
  const valid = {
    id: 7,
    description: 'Refund window',
    vars: { product: 'routers' },
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
    model: 'claude-haiku-4-5',
    max_tokens: 100,
    assert: [
      { type: 'contains', value: '30 days', weight: 2 },
      { type: 'assert-set', threshold: 0.5, assert: [{ type: 'not-icontains', value: 'sorry' }] },
    ],
    threshold: 0.5,
    options: { disableVarExpansion: true },
    metadata: { owner: 'support' },
  }

  it('finds no problem in a valid test or suite', () => {
    expect(testSchemaProblems(valid, [3])).toEqual([])
    expect(suiteSchemaProblems({ model: 'claude-haiku-4-5', tests: [valid] })).toEqual([])
  })

  it.each([
    [{ ...valid, id: true }, 'tests[3].id must be a string or a number, not boolean'],
    [{ ...valid, max_tokens: 1.5 }, 'tests[3].max_tokens'],
    [{ ...valid, messages: [] }, 'tests[3].messages must have at least 1 item(s)'],
    [{ ...valid, messages: [{ role: 'bot', content: 'x' }] }, 'tests[3].messages[0].role is "bot"'],
    [{ ...valid, messages: [{ role: 'user', content: 5 }] }, 'tests[3].messages[0].content must be'],
    [{ ...valid, assert: [{ value: 'x' }] }, "tests[3].assert[0] needs 'type'"],
    [
      { ...valid, assert: [{ type: 'contains', weight: -1 }] },
      'tests[3].assert[0].weight must be at least 0',
    ],
    [
      { ...valid, assert: [{ type: 'assert-set', assert: [{ type: 'contains', metric: 3 }] }] },
      'tests[3].assert[0].assert[0].metric must be a string, not integer',
    ],
    [{ ...valid, asert: [] }, "unknown key 'asert' in tests[3]"],
    [
      { ...valid, options: { disableVarExpansion: 'yes' } },
      'tests[3].options.disableVarExpansion must be a boolean, not string',
    ],
  ])('reports what is wrong at any depth (%#)', (test, message) => {
    const problems = testSchemaProblems(test, [3])
    expect(problems.map((p) => p.message)).toContainEqual(expect.stringContaining(message))
  })
})
