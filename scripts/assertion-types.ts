/**
 * Writes the suite schema's `assertion_type` enum from the graders' registry, the one source of the
 * assertion types: `npx tsx scripts/assertion-types.ts` after adding a grader (then
 * `npx tsx scripts/generate-validators.ts`, which compiles the schema into the action's validator).
 * __tests__/grading/graders/registry.test.ts fails while the enum differs from the registry.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { SCHEMA_ENUM_ASSERTION_TYPES } from '../src/grading/graders/registry.js'

export const SUITE_SCHEMA = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../schema/suite.schema.json',
)

/** The `"assertion_type": { "enum": [...] }` of the schema, indented as the rest of the file is. */
const ENUM = /^( *)"assertion_type": \{\n( *)"enum": \[\n[^\]]*\n *\]/m

/** The schema's text with its assertion_type enum listing `types`, one a line, the rest of the text as it was. */
export function withAssertionTypeEnum(
  schemaText: string,
  types: readonly string[] = SCHEMA_ENUM_ASSERTION_TYPES,
): string {
  const match = ENUM.exec(schemaText)
  if (!match) throw new Error(`${SUITE_SCHEMA} has no "assertion_type": { "enum": [...] } to rewrite`)
  const [, outer, inner] = match
  const items = types.map((type) => `${inner}  ${JSON.stringify(type)}`).join(',\n')
  return schemaText.replace(ENUM, `${outer}"assertion_type": {\n${inner}"enum": [\n${items}\n${inner}]`)
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const text = readFileSync(SUITE_SCHEMA, 'utf8')
  const written = withAssertionTypeEnum(text)
  if (written === text) console.log(`${SUITE_SCHEMA}: the assertion_type enum is the registry's already`)
  else {
    writeFileSync(SUITE_SCHEMA, written)
    console.log(
      `${SUITE_SCHEMA}: the assertion_type enum written from the registry; ` +
        'now run npx tsx scripts/generate-validators.ts, which compiles the schema',
    )
  }
}
