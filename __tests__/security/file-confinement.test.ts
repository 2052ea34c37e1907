/**
 * file:// references read through the action's SuiteIO stay inside the workspace and the allowed-paths
 * directories, by real path: each escape is refused at the reference's line, all at once, and the file's text
 * reaches nothing.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { assertionCompiler } from '../../src/grading/assertion-compiler.js'
import { SuiteError } from '../../src/suite/loader.js'
import { loadSuites } from '../fixtures/load-suites.js'
import { allowedRoots, confinedSuiteIO, findSuiteFiles } from '../../src/suite/file-system.js'
import { readInputs } from '../../src/action/runner-inputs.js'
import type { EvalCase } from '../../src/model.js'

const SECRET = 'TOP SECRET OUTSIDE THE WORKSPACE'
const PASSWD_LINE = /root:.*:0:0:/
const onLinux = existsSync('/proc/self/environ')

let workspace: string
let outside: string
beforeEach(() => {
  workspace = mkdtempSync(path.join(tmpdir(), 'confined-'))
  outside = mkdtempSync(path.join(tmpdir(), 'outside-'))
  mkdirSync(path.join(workspace, 'evals'))
  writeFileSync(path.join(outside, 'secret.txt'), `${SECRET}\n`)
})
afterEach(() => {
  rmSync(workspace, { recursive: true, force: true })
  rmSync(outside, { recursive: true, force: true })
})

/** Writes a file under the workspace (or an absolute path) and returns its absolute path. */
function write(file: string, text: string): string {
  const absolute = path.resolve(workspace, file)
  mkdirSync(path.dirname(absolute), { recursive: true })
  writeFileSync(absolute, text)
  return absolute
}

const link = (target: string, file: string) => symlinkSync(target, path.resolve(workspace, file))

function load(suite: string, allowedPaths: string[] = []): Promise<EvalCase[]> {
  const io = confinedSuiteIO(allowedRoots(workspace, allowedPaths))
  return loadSuites([path.resolve(workspace, suite)], {
    workspace,
    model: 'claude-haiku-4-5',
    io,
    assertions: assertionCompiler,
  })
}

/** The problems of a suite that must be refused, as `file:line: message`, and the whole error's text. */
async function refusal(suite: string): Promise<{ problems: string[]; text: string }> {
  try {
    await load(suite)
  } catch (error) {
    if (!(error instanceof SuiteError)) throw error
    return { problems: error.problems.map((p) => `${p.file}:${p.line}: ${p.message}`), text: error.message }
  }
  throw new Error('expected the suite to be refused')
}

/** A suite of one test per var: `leak: <ref>` at line 5 + 4 * i. */
function varsSuite(refs: string[]): string {
  const tests = refs.map(
    (ref, i) => `  - id: t${i}\n    vars:\n      leak: ${ref}\n    prompt: 'Echo {{ leak }}'\n`,
  )
  return write('evals/suite.yml', `model: claude-haiku-4-5\ntests:\n${tests.join('')}`)
}

const OUTSIDE = "outside the workspace and the 'allowed-paths' directories"
const FIX = "move the file into the repository, or list its directory in the 'allowed-paths' input"

describe('file:// references outside the workspace', () => {
  it('refuses a relative escape, an absolute path and symlinks pointing out, all at once, each at its line', async () => {
    link('/etc/passwd', 'evals/passwd-link.txt')
    link(outside, 'evals/outside-dir')
    link(path.join(outside, 'secret.txt'), 'evals/secret-link.txt')
    const refs = [
      'file://../../../../../../../../../../etc/passwd',
      'file:///etc/hostname',
      'file://passwd-link.txt',
      'file://outside-dir/secret.txt',
      'file://secret-link.txt',
      `file://${path.join(outside, 'secret.txt')}`,
    ]
    varsSuite(refs)
    const { problems, text } = await refusal('evals/suite.yml')

    expect(problems).toEqual([
      `evals/suite.yml:5: ${refs[0]} resolves to /etc/passwd, ${OUTSIDE} (symlinks are followed): ${FIX}`,
      expect.stringMatching(
        /^evals\/suite\.yml:9: file:\/\/\/etc\/hostname resolves to \/etc\/hostname, outside/,
      ),
      `evals/suite.yml:13: file://passwd-link.txt resolves to /etc/passwd, ${OUTSIDE} (symlinks are followed): ${FIX}`,
      expect.stringMatching(
        /^evals\/suite\.yml:17: file:\/\/outside-dir\/secret\.txt resolves to .*secret\.txt, outside/,
      ),
      expect.stringMatching(
        /^evals\/suite\.yml:21: file:\/\/secret-link\.txt resolves to .*secret\.txt, outside/,
      ),
      expect.stringMatching(
        /^evals\/suite\.yml:25: file:\/\/\/.*secret\.txt resolves to .*secret\.txt, outside/,
      ),
    ])
    expect(text).not.toMatch(PASSWD_LINE)
    expect(text).not.toContain(SECRET)
  })

  ;(onLinux ? it : it.skip)('refuses /proc/self/environ, which holds the API key and the token', async () => {
    varsSuite(['file:///proc/self/environ'])
    const { problems, text } = await refusal('evals/suite.yml')
    expect(problems).toEqual([
      expect.stringMatching(
        /^evals\/suite\.yml:5: file:\/\/\/proc\/self\/environ resolves to \/proc\/\d+\/environ, outside the workspace/,
      ),
    ])
    expect(text).not.toContain('PATH=')
  })

  it('refuses a FIFO inside the workspace, without waiting on it', async () => {
    execFileSync('mkfifo', [path.join(workspace, 'evals', 'pipe.txt')])
    varsSuite(['file://pipe.txt'])
    const { problems } = await refusal('evals/suite.yml')
    expect(problems).toEqual([
      expect.stringMatching(
        /^evals\/suite\.yml:5: file:\/\/pipe\.txt resolves to .*pipe\.txt, which is not a regular file \(a FIFO, socket or device\)/,
      ),
    ])
  })

  it('refuses every other kind of reference a suite can name: prompts, tools, images, schemas, rubrics, scripts, transforms', async () => {
    write(path.join(outside, 'schema.json'), '{"type": "object"}')
    write(path.join(outside, 'rubric.txt'), SECRET)
    write(path.join(outside, 'check.mjs'), 'export default () => true')
    write(path.join(outside, 'tools.json'), `[{"name": "${SECRET}", "input_schema": {"type": "object"}}]`)
    write(path.join(outside, 'cat.png'), SECRET)
    const out = (file: string) => `file://${path.join(outside, file)}`
    write(
      'evals/suite.yml',
      [
        'model: claude-haiku-4-5', // 1
        'prompts:',
        `  - ${out('secret.txt')}`, // 3
        `tools: ${out('tools.json')}`, // 4
        'defaultTest:',
        '  options:',
        `    transform: ${out('check.mjs')}`, // 7
        'tests:',
        '  - vars: { q: hi }', // 9
        '    assert:',
        `      - { type: is-json, value: ${out('schema.json')} }`, // 11
        `      - { type: llm-rubric, value: polite, rubricPrompt: ${out('rubric.txt')} }`, // 12
        `      - { type: javascript, value: ${out('check.mjs')} }`, // 13
        '  - messages:', // 14
        '      - role: user',
        '        content:',
        '          - type: image', // 17
        `            source: ${out('cat.png')}`,
      ].join('\n'),
    )
    const { problems, text } = await refusal('evals/suite.yml')
    for (const line of [3, 4, 7, 11, 12, 13, 17]) {
      expect(problems).toContainEqual(
        expect.stringMatching(
          new RegExp(`^evals/suite\\.yml:${line}: file://\\S+ resolves to \\S+, outside the workspace`),
        ),
      )
    }
    expect(text).not.toContain(SECRET)
    expect(text).not.toContain(Buffer.from(SECRET).toString('base64'))
  })

  it('refuses tests files outside, CSV and JSONL too, at the line that names them', async () => {
    write(path.join(outside, 'cases.csv'), `prompt\n${SECRET}\n`)
    write(path.join(outside, 'cases.jsonl'), `{"prompt": "${SECRET}"}\n`)
    link(path.join(outside, 'cases.jsonl'), 'evals/cases.jsonl')
    write(
      'evals/suite.yml',
      `model: claude-haiku-4-5\ntests:\n  - file://${path.join(outside, 'cases.csv')}\n  - file://cases.jsonl\n`,
    )
    const { problems, text } = await refusal('evals/suite.yml')
    expect(problems).toEqual([
      expect.stringMatching(
        /^evals\/suite\.yml:3: file:\/\/\S+cases\.csv resolves to \S+cases\.csv, outside the workspace/,
      ),
      expect.stringMatching(
        /^evals\/suite\.yml:4: file:\/\/cases\.jsonl resolves to \S+cases\.jsonl, outside the workspace/,
      ),
    ])
    expect(text).not.toContain(SECRET)
  })

  it('refuses a tests glob match that is a symlink pointing out, and only that one', async () => {
    write(path.join(outside, 'evil.yaml'), `- prompt: ${SECRET}\n`)
    write('evals/cases/good.yaml', '- prompt: hello\n')
    link(path.join(outside, 'evil.yaml'), 'evals/cases/evil.yaml')
    write('evals/suite.yml', 'model: claude-haiku-4-5\ntests: file://cases/*.yaml\n')
    const { problems, text } = await refusal('evals/suite.yml')
    expect(problems).toEqual([
      expect.stringMatching(
        /^evals\/suite\.yml:2: file:\/\/cases\/\*\.yaml matches evals\/cases\/evil\.yaml, which resolves to \S+evil\.yaml, outside the workspace/,
      ),
    ])
    expect(text).not.toContain(SECRET)
  })

  it('refuses a tests glob whose directory lies outside, before listing a name there', async () => {
    write(path.join(outside, 'listed-name.yaml'), `- prompt: ${SECRET}\n`)
    link(outside, 'evals/cases')
    write(
      'evals/suite.yml',
      `model: claude-haiku-4-5\ntests:\n  - file://cases/*.yaml\n  - file://${outside}/*.yaml\n`,
    )
    const { problems, text } = await refusal('evals/suite.yml')
    expect(problems).toEqual([
      expect.stringMatching(
        /^evals\/suite\.yml:3: file:\/\/cases\/\*\.yaml searches evals\/cases, which resolves to \S+, outside the workspace/,
      ),
      expect.stringMatching(
        /^evals\/suite\.yml:4: file:\/\/\S+\/\*\.yaml searches \S+, which resolves to \S+, outside the workspace/,
      ),
    ])
    expect(text).not.toContain('listed-name')
  })

  it('refuses a suite file that is a symlink pointing out', async () => {
    write(path.join(outside, 'suite.yml'), `model: claude-haiku-4-5\ntests:\n  - prompt: ${SECRET}\n`)
    link(path.join(outside, 'suite.yml'), 'evals/linked.yml')
    const { problems, text } = await refusal('evals/linked.yml')
    expect(problems).toEqual([
      expect.stringMatching(
        /^evals\/linked\.yml:1: evals\/linked\.yml resolves to \S+suite\.yml, outside the workspace/,
      ),
    ])
    expect(text).not.toContain(SECRET)
  })
})

describe('file:// references that may be read', () => {
  it('reads files inside the workspace, through symlinks that stay inside', async () => {
    write('shared/doc.txt', 'inside text')
    link(path.join(workspace, 'shared'), 'evals/shared-link')
    write(
      'evals/cases/one.yaml',
      '- prompt: "Doc: {{ doc }}"\n  vars: { doc: file://../shared-link/doc.txt }\n',
    )
    write('evals/suite.yml', 'model: claude-haiku-4-5\ntests: file://cases/*.yaml\n')
    const cases = await load('evals/suite.yml')
    expect(cases.map((c) => c.prompt)).toEqual(['Doc: inside text'])
  })

  it('reads a file in an allowed-paths directory, given relative to the workspace or absolute', async () => {
    const allowed = path.join(outside, 'allowed')
    write(path.join(allowed, 'deeper', 'doc.txt'), 'allowed text')
    varsSuite([`file://${path.join(allowed, 'deeper', 'doc.txt')}`])
    for (const given of [allowed, path.relative(workspace, allowed)]) {
      const cases = await load('evals/suite.yml', [given])
      expect(cases.map((c) => c.prompt)).toEqual(['Echo allowed text'])
    }
  })

  it('reads nothing outside the allowed-paths directory, not even beside it', async () => {
    mkdirSync(path.join(outside, 'data'))
    write(path.join(outside, 'data-private', 'doc.txt'), SECRET)
    varsSuite([
      `file://${path.join(outside, 'data-private', 'doc.txt')}`,
      `file://${path.join(outside, 'secret.txt')}`,
    ])
    const loading = load('evals/suite.yml', [path.join(outside, 'data')])
    await expect(loading).rejects.toThrow(SuiteError)
    const message = await loading.catch((error: Error) => error.message)
    expect(message).toMatch(/suite\.yml:5: \S+ resolves to \S+data-private\S+, outside the workspace/)
    expect(message).toMatch(/suite\.yml:9: \S+ resolves to \S+secret\.txt, outside the workspace/)
    expect(message).not.toContain(SECRET)
  })
})
describe('allowedRoots and the allowed-paths input', () => {
  it('refuses an entry that does not exist, or is a file, naming the input and the fix', () => {
    write('notes.txt', 'x')
    expect(() => allowedRoots(workspace, ['notes.txt'])).toThrow(
      `allowed-paths: 'notes.txt' (${path.join(realpathSync(workspace), 'notes.txt')}) is not a directory`,
    )
    expect(() => allowedRoots(workspace, ['gone'])).toThrow(
      `allowed-paths: 'gone' (${path.join(workspace, 'gone')}) does not exist. List directories that exist`,
    )
  })

  it('reads allowed-paths one directory per line', () => {
    const saved = { ...process.env }
    try {
      process.env['INPUT_SUITE'] = 'evals/suite.yml'
      process.env['INPUT_ANTHROPIC-API-KEY'] = 'sk-ant-confinement-test'
      process.env['INPUT_ALLOWED-PATHS'] = '../shared\n\n  /opt/evals  \n'
      expect(readInputs({}).allowedPaths).toEqual(['../shared', '/opt/evals'])
      delete process.env['INPUT_ALLOWED-PATHS']
      expect(readInputs({}).allowedPaths).toEqual([])
    } finally {
      process.env = saved
    }
  })
})

describe('findSuiteFiles', () => {
  it('does not walk into a symlinked directory, which may lead anywhere', async () => {
    write('evals/a.yml', 'x')
    write(path.join(outside, 'b.yml'), 'x')
    link(outside, 'evals/elsewhere')
    expect(await findSuiteFiles(['evals'], workspace)).toEqual([path.join(workspace, 'evals', 'a.yml')])
  })
})
