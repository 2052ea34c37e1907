/**
 * src/ is laid out as the run's pipeline (docs/development.md): a stage folder imports only from the folders
 * before it, src/model.ts (the data model every stage speaks) imports none of them, and src/index.ts (the
 * action bundle's entry) only the action's front door, action/. The two front doors, action/ and cli/, share
 * pipeline/ and never import each other.
 */
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { PROJECT_ROOT } from '../../test-servers/action-runner.js'

/** The stages in pipeline order: a folder may import from itself and the folders before it. */
const STAGE_ORDER = [
  'common',
  'suite',
  'batch',
  'cost',
  'grading',
  'report',
  'github',
  'pipeline',
  'action',
  'cli',
]
/** Folders that may not import each other although the order would allow it: the two front doors. */
const APART: readonly (readonly [string, string])[] = [['cli', 'action']]
/** The modules of src/ itself, outside the order, and what each may import from src/ (model.ts: nothing). */
const ROOT_MODULES: Record<string, readonly string[]> = { model: [], index: ['action'] }

const SRC = path.join(PROJECT_ROOT, 'src')

/** The module specifiers a source imports or re-exports: `from '…'`, `import '…'` and `import('…')`. */
function importSpecifiers(source: string): string[] {
  const pattern = /(?:\bfrom\s*|^\s*import\s*|\bimport\s*\(\s*)['"]([^'"]+)['"]/gm
  return [...source.matchAll(pattern)].map((match) => match[1])
}

/** Where under src/ a module lies: its stage folder, or its name (`model`) for a module of src/ itself. */
function placeOf(absolutePath: string): string {
  return path
    .relative(SRC, absolutePath)
    .split(path.sep)[0]
    .replace(/\.[jt]s$/, '')
}

/** Every `importer -> imported` of src/ that the layering forbids. */
function forbiddenImports(): string[] {
  const forbidden: string[] = []
  const files = readdirSync(SRC, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts'))
  for (const file of files) {
    const importer = placeOf(path.join(SRC, file))
    for (const specifier of importSpecifiers(readFileSync(path.join(SRC, file), 'utf8'))) {
      if (!specifier.startsWith('.')) continue
      const target = path.resolve(SRC, path.dirname(file), specifier)
      if (path.relative(SRC, target).startsWith('..')) continue // outside src/: schema/ and the like
      const imported = placeOf(target)
      if (imported === importer) continue
      const allowed =
        importer in ROOT_MODULES
          ? ROOT_MODULES[importer].includes(imported)
          : imported === 'model' ||
            (STAGE_ORDER.slice(0, STAGE_ORDER.indexOf(importer)).includes(imported) &&
              !APART.some(([from, to]) => from === importer && to === imported))
      if (!allowed) forbidden.push(`src/${file} -> ${specifier}`)
    }
  }
  return forbidden
}

describe('the layering of src/', () => {
  it('reads static, re-exported, bare and dynamic imports', () => {
    const source = [
      "import type { A } from '../a.js'",
      "import {\n  b,\n} from './b.js'",
      "export { c } from '../c/c.js'",
      "import './d.js'",
      "const e = await import('../e.js')",
      "const text = 'imported from elsewhere'",
    ].join('\n')
    expect(importSpecifiers(source)).toEqual(['../a.js', './b.js', '../c/c.js', './d.js', '../e.js'])
  })

  it('places every folder and module of src/ itself: a stage in the order, or model.ts and index.ts', () => {
    const places = readdirSync(SRC, { withFileTypes: true }).map((entry) =>
      entry.isDirectory() ? entry.name : entry.name.replace(/\.ts$/, ''),
    )
    expect(places.sort()).toEqual([...STAGE_ORDER, ...Object.keys(ROOT_MODULES)].sort())
  })

  it('has no stage importing a later one, cli/ not importing action/, model.ts no stage, index.ts only action/', () => {
    expect(forbiddenImports()).toEqual([])
  })
})
