import { execFileSync } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

const MODULE = [
  '// It’s a comment — with a dash.',
  "export const quoted = 'it’s done ✅, café'",
  'export const templated = `👋 ${1 + 1} → two`',
  'export const matches = /[–—]/.test("a — b") && /👋/u.test("hi 👋")',
  '',
].join('\n')

/** The module's exports, as a child Node process imports them. */
function exportsOf(file: string): unknown {
  const script = `import(${JSON.stringify(pathToFileURL(file).href)}).then((m) => console.log(JSON.stringify(m)))`
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }))
}

describe('scripts/one-byte-bundle.ts', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'one-byte-bundle-'))
    await writeFile(path.join(dir, 'package.json'), '{"type":"module"}')
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('escapes every character above U+00FF in the JavaScript files, and the code means the same', async () => {
    const file = path.join(dir, 'index.js')
    await writeFile(file, MODULE)
    const before = exportsOf(file)
    execFileSync(process.execPath, ['--import', 'tsx', 'scripts/one-byte-bundle.ts', dir])
    const source = await readFile(file, 'utf8')
    expect(source).not.toMatch(/[\u0100-\uffff]/)
    expect(source).toContain('caf\u00e9')
    expect(exportsOf(file)).toEqual(before)
    expect(before).toEqual({ quoted: 'it’s done ✅, café', templated: '👋 2 → two', matches: true })
    expect(await readFile(path.join(dir, 'package.json'), 'utf8')).toBe('{"type":"module"}')
  })
})
