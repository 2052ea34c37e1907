/**
 * The README's inputs and outputs tables are the interface's documentation: they must match action.yml. The
 * suites shown in the README and in docs/ must be suites the schema accepts.
 */
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { parse } from 'yaml'
import { dereference } from '../../src/suite/json-refs.js'
import { suiteSchemaProblems } from '../../src/suite/schema.js'
import { PROJECT_ROOT } from '../../test-servers/action-runner.js'

const action = parse(readFileSync(path.join(PROJECT_ROOT, 'action.yml'), 'utf8')) as {
  inputs: Record<string, { default?: string }>
  outputs: Record<string, unknown>
}
const readme = readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8')

/** The text under a `## heading`, up to the next. */
const sectionOf = (heading: string) => readme.split(`\n## ${heading}\n`)[1]?.split('\n## ')[0] ?? ''

/** The rows of the table under a `## heading`: each row's cells, the first with its backticked names. */
function tableRows(heading: string): string[][] {
  return sectionOf(heading)
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) =>
      line
        .slice(1, -1)
        .split(' | ')
        .map((cell) => cell.trim()),
    )
}

/** The ```yaml blocks of a Markdown text. */
const yamlBlocksOf = (markdown: string) =>
  [...markdown.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1])

const namesOf = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1])

describe('README', () => {
  it('lists every input of action.yml, once, with its default', () => {
    const rows = tableRows('Inputs')
    expect(rows.map(([name]) => namesOf(name)[0]).sort()).toEqual(Object.keys(action.inputs).sort())
    for (const [name, , written] of rows) {
      const expected = action.inputs[namesOf(name)[0]].default ?? ''
      const shown = namesOf(written)[0] ?? written
      // `${{ github.token }}` is shown as is; other defaults in backticks.
      expect([name, shown]).toEqual([name, expected])
    }
  })

  it('lists every output of action.yml', () => {
    const documented = tableRows('Outputs').flatMap(([names]) => namesOf(names))
    expect(documented.sort()).toEqual(Object.keys(action.outputs).sort())
  })

  it('shows a suite that the suite schema accepts as it is written', () => {
    const [example] = yamlBlocksOf(sectionOf('Suite files'))
    expect(parse(example)).toMatchObject({ tests: expect.any(Array) })
    expect(suiteSchemaProblems(parse(example))).toEqual([])
  })

  it('shows, in docs/, only suites that the suite schema accepts as they are written', () => {
    const docs = path.join(PROJECT_ROOT, 'docs')
    // A block with a top-level `tests` list is a suite; workflows and pricing files are not.
    const suites = readdirSync(docs)
      .filter((name) => name.endsWith('.md'))
      .flatMap((name) =>
        yamlBlocksOf(readFileSync(path.join(docs, name), 'utf8')).map((block) => ({
          name,
          suite: parse(block),
        })),
      )
      .filter(({ suite }) => Array.isArray(suite?.tests))
    expect(suites.map(({ name }) => name)).toEqual(expect.arrayContaining(['suite-format.md', 'graders.md']))
    // Checked as the loader reads a suite: its $refs followed first.
    for (const { name, suite } of suites) {
      const { value, problems } = dereference(suite, 1_000_000)
      expect([name, problems, suiteSchemaProblems(value)]).toEqual([name, [], []])
    }
  })
})
