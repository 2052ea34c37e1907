/**
 * docs/coming-from-promptfoo.md stays true: its assertion type table is the one the registry gives, each
 * documented difference it links to is where it points, its config key tables agree with the suite schema,
 * and the docs index and the README link to it.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  coverageRows,
  DOCUMENTED_DIFFERENCES,
  PROMPTFOO_ASSERTION_TYPES,
  PROMPTFOO_PAGE,
  withCoverageTable,
} from '../../scripts/promptfoo-coverage.js'
import { BASE_ASSERTION_TYPES } from '../../src/grading/graders/registry.js'
import { UNGRADABLE_TYPES } from '../../src/grading/graders/unsupported-types.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8')
const page = readFileSync(PROMPTFOO_PAGE, 'utf8')

describe('the assertion type table of docs/coming-from-promptfoo.md', () => {
  it('is the one scripts/promptfoo-coverage.ts writes from the registry', async () => {
    const current = (await withCoverageTable(page)) === page
    if (!current) {
      throw new Error(
        'docs/coming-from-promptfoo.md: the assertion type table is stale; regenerate it with ' +
          'npx tsx scripts/promptfoo-coverage.ts',
      )
    }
  })

  const rows = new Map(coverageRows().map((row) => [row.type, row]))

  it('lists every type the registry grades, and every type not graded here, with its status', () => {
    for (const type of [...BASE_ASSERTION_TYPES, 'assert-set'])
      expect([type, rows.get(type)?.status]).toEqual([type, expect.stringMatching(/^supported/)])
    expect(UNGRADABLE_TYPES.filter((type) => BASE_ASSERTION_TYPES.includes(type))).toEqual([])
    for (const type of UNGRADABLE_TYPES)
      expect([type, rows.get(type)?.status]).toEqual([type, expect.stringMatching(/^not /)])
    expect(rows.get('latency')?.status).toBe('not measurable in batch mode')
    expect(rows.get('perplexity')?.status).toBe('not measurable in batch mode')
    expect(rows.get('similar')?.status).toBe('not supported')
    expect(rows.get('icontains')?.status).toBe('supported, with a documented difference')
  })

  it('has a row for each of promptfoo types, none of them unknown here', () => {
    expect(PROMPTFOO_ASSERTION_TYPES.filter((type) => !rows.has(type))).toEqual([])
    expect([...rows.values()].filter((row) => row.status === 'unknown here')).toEqual([])
  })

  it('links each documented difference to the section of docs/graders.md that names the type', () => {
    const graders = read('docs/graders.md')
    for (const [type, { section }] of Object.entries(DOCUMENTED_DIFFERENCES)) {
      expect([type, BASE_ASSERTION_TYPES.includes(type)]).toEqual([type, true])
      const text = sectionText(graders, section)
      expect([
        type,
        section,
        text.includes(`\`${type}\``) || text.includes(`\`${type.replace(/-(any|all)$/, '')}\``),
      ]).toEqual([type, section, true])
    }
  })
})

describe('the config key tables of docs/coming-from-promptfoo.md', () => {
  const schema = JSON.parse(read('schema/suite.schema.json'))
  const accepted: Record<string, Record<string, { $ref?: string }>> = {
    'top-level key': schema.properties,
    'test key': schema.definitions.test.properties,
    '`options` key': schema.definitions.options.properties,
  }

  /** What the schema does with a key: refuses it, loads it and warns that it is ignored, or accepts it. */
  function schemaStatus(properties: Record<string, { $ref?: string }>, key: string): string {
    if (!Object.hasOwn(properties, key)) return 'refused'
    return properties[key].$ref === '#/definitions/ignored_setting' ? 'ignored with a warning' : 'accepted'
  }

  it('name every setting that the schema loads and warns is ignored', () => {
    const ignored = Object.values(schema.definitions as Record<string, object>)
      .flatMap((definition) => ignoredKeys(definition))
      .concat(ignoredKeys(schema.properties))
    expect(ignored).toContain('runSerially')
    expect(ignored.filter((key) => !page.includes(`\`${key}\``))).toEqual([])
  })

  for (const [header, properties] of Object.entries(accepted)) {
    it(`say of each ${header} what the suite schema does with it`, () => {
      const rows = tableRows(page, header)
      expect(rows.length).toBeGreaterThan(3)
      for (const { key, status } of rows) {
        // 'supported' and 'accepted, no effect' are both keys the schema accepts
        const written = /^(supported|accepted)/.test(status) ? 'accepted' : status
        expect([key, written]).toEqual([key, schemaStatus(properties, key)])
      }
    })
  }
})

describe('links to docs/coming-from-promptfoo.md', () => {
  it('are in the docs index and in the first bullet of the README', () => {
    expect(read('docs/README.md')).toContain('(coming-from-promptfoo.md)')
    const whatItDoes = read('README.md').split('## What it does')[1]
    const firstBullet = whatItDoes.split(/\n- /)[1]
    expect(firstBullet).toContain('(docs/coming-from-promptfoo.md)')
  })
})

/** The keys of the properties anywhere in `node` that refer to the schema's ignored_setting. */
function ignoredKeys(node: unknown): string[] {
  if (typeof node !== 'object' || node === null) return []
  return Object.entries(node).flatMap(([key, value]) =>
    (value as { $ref?: unknown })?.$ref === '#/definitions/ignored_setting' ? [key] : ignoredKeys(value),
  )
}

/** The text of the `## ` section of `markdown` whose heading has the GitHub anchor `anchor`. */
function sectionText(markdown: string, anchor: string): string {
  const sections = markdown.split(/^## /m)
  const found = sections.find((section) => slug(section.split('\n')[0]) === anchor)
  if (!found) throw new Error(`docs/graders.md has no section #${anchor}`)
  return found
}

function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, '')
    .replace(/ /g, '-')
}

/** The rows of the markdown table whose first header cell is `header`: each row's keys (in backticks), and status. */
function tableRows(markdown: string, header: string): { key: string; status: string }[] {
  const lines = markdown.split('\n')
  const start = lines.findIndex((line) => line.split('|')[1]?.trim() === header)
  if (start < 0) throw new Error(`docs/coming-from-promptfoo.md has no table headed '${header}'`)
  const rows: { key: string; status: string }[] = []
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break
    const [, keys, status] = line.split('|').map((cell) => cell.trim())
    for (const [, key] of keys.matchAll(/`([^`]+)`/g)) rows.push({ key, status })
  }
  return rows
}
