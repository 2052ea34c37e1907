import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { SUITE_SCHEMA, withAssertionTypeEnum } from '../../../scripts/assertion-types.js'
import {
  ASSERTION_TYPES,
  BASE_ASSERTION_TYPES,
  SCHEMA_ENUM_ASSERTION_TYPES,
} from '../../../src/grading/graders/registry.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
const schemaText = readFileSync(SUITE_SCHEMA, 'utf8')

/** The types named in the first column of the table under "## Types" in docs/graders.md. */
function documentedTypes(): string[] {
  const docs = readFileSync(path.join(ROOT, 'docs/graders.md'), 'utf8')
  const section = docs.split(/^## /m).find((part) => part.startsWith('Types\n'))
  if (!section) throw new Error('docs/graders.md has no "## Types" section')
  const rows = section.split('\n').filter((line) => line.startsWith('|'))
  // The header and the separator rows name no type in backticks.
  return rows.flatMap((row) => [...row.split('|')[1].matchAll(/`([^`]+)`/g)].map(([, type]) => type))
}

describe('the registry of assertion types, the one source of the type list', () => {
  it("is the suite schema's assertion_type enum (npx tsx scripts/assertion-types.ts writes it)", () => {
    const schema = JSON.parse(schemaText)
    expect(schema.definitions.assertion_type.enum).toEqual(SCHEMA_ENUM_ASSERTION_TYPES)
    expect(SCHEMA_ENUM_ASSERTION_TYPES).toEqual(expect.arrayContaining([...ASSERTION_TYPES, 'latency']))
  })

  it('is what the script writes into a stale enum, the rest of the schema left as it was', () => {
    const stale = schemaText.replace('        "not-g-eval",\n', '').replace('"equals"', '"equal"')
    expect(stale).not.toBe(schemaText)
    expect(withAssertionTypeEnum(stale)).toBe(schemaText)
    expect(withAssertionTypeEnum(schemaText)).toBe(schemaText)
    expect(
      JSON.parse(withAssertionTypeEnum(schemaText, ['contains'])).definitions.assertion_type.enum,
    ).toEqual(['contains'])
  })

  it('is the list of types in the table of docs/graders.md, each once', () => {
    const documented = documentedTypes()
    expect([...documented].sort()).toEqual([...BASE_ASSERTION_TYPES, 'assert-set'].sort())
  })
})

describe('ASSERTION_TYPES', () => {
  it('lists every grader, each with its not- form, and assert-set', () => {
    const expected = [
      'equals',
      'contains',
      'icontains',
      'contains-any',
      'contains-all',
      'icontains-any',
      'icontains-all',
      'starts-with',
      'regex',
      'word-count',
      'is-json',
      'contains-json',
      'is-xml',
      'contains-xml',
      'is-html',
      'contains-html',
      'is-valid-tool-call',
      'tool-call-f1',
      'is-valid-openai-tools-call',
      'is-valid-openai-function-call',
      'is-valid-function-call',
      'is-sql',
      'contains-sql',
      'finish-reason',
      'is-refusal',
      'levenshtein',
      'rouge-n',
      'bleu',
      'gleu',
      'meteor',
      'javascript',
      'webhook',
      'python',
      'cost',
      'llm-rubric',
      'model-graded-closedqa',
      'factuality',
      'model-graded-factuality',
      'g-eval',
      'answer-relevance',
      'context-faithfulness',
      'context-recall',
      'context-relevance',
      'conversation-relevance',
      'moderation',
      'classifier',
      'select-best',
      'max-score',
    ]
    expect([...ASSERTION_TYPES].sort()).toEqual(
      [...expected, ...expected.map((t) => `not-${t}`), 'assert-set'].sort(),
    )
    expect(ASSERTION_TYPES).not.toContain('latency')
  })
})
