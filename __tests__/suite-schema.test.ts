import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Ajv } from 'ajv'
import { parse } from 'yaml'
import { ASSERTION_TYPES } from '../src/graders/index.js'
import { SCHEMA_ASSERTION_TYPES } from '../src/suite-schema.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const schema = JSON.parse(readFileSync(path.join(ROOT, 'schema/suite.schema.json'), 'utf8'))
const readYaml = (file: string) => parse(readFileSync(path.join(ROOT, file), 'utf8'))

describe('the published suite schema', () => {
  // Editors validate with standard JSON Schema tools; the action reads the same file (src/suite-schema.ts).
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

  it('lists exactly the assertion types the graders know, and latency (refused with a reason)', () => {
    expect([...SCHEMA_ASSERTION_TYPES].sort()).toEqual([...ASSERTION_TYPES, 'latency', 'not-latency'].sort())
  })
})
