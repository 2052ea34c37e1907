/** promptfoo's `file://` globs for prompts and vars files, confined as every file read is. */
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { assertionCompiler } from '../../src/grading/assertion-compiler.js'
import { allowedRoots, confinedSuiteIO } from '../../src/suite/file-system.js'
import { SuiteError } from '../../src/suite/loader.js'
import { loadSuites } from '../fixtures/load-suites.js'
import { load, problemsOf, write } from './suite-workspace.js'

describe('prompts from a file:// glob', () => {
  it('are the prompts of every file it matches, in sorted order, each labelled by its path', async () => {
    const [suite] = write({
      'evals/suite.yml':
        'model: m\nprompts: [file://prompts/*.txt, { id: "file://chat/*.yaml", label: chat }]\ntests: [{ vars: { q: x } }]\n',
      'evals/prompts/b.txt': 'B {{ q }}',
      'evals/prompts/a.txt': 'A {{ q }}\n---\nA2 {{ q }}',
      'evals/prompts/skip.md': 'not matched',
      'evals/chat/one.yaml': '- { role: user, content: "one {{ q }}" }\n',
    })
    const cases = await load([suite])
    expect(cases.map((c) => [c.id.replace(/^[^[]*/, ''), c.prompt])).toEqual([
      ['[prompts/a.txt #1]', 'A x'],
      ['[prompts/a.txt #2]', 'A2 x'],
      ['[prompts/b.txt]', 'B x'],
      ['[chat]', 'one x'],
    ])
  })

  it('that matches nothing, or searches outside the workspace, is reported at its entry', async () => {
    const outside = mkdtempSync(path.join(tmpdir(), 'outside-'))
    writeFileSync(path.join(outside, 'p.txt'), 'SECRET')
    const [suite] = write({
      'evals/suite.yml': [
        'model: m',
        'prompts:',
        '  - file://none/*.txt',
        `  - file://${outside}/*.txt`,
        'tests:',
        `  - vars: file://${outside}/*.txt`,
      ].join('\n'),
    })
    const workspace = path.dirname(path.dirname(suite))
    try {
      const io = confinedSuiteIO(allowedRoots(workspace, []))
      const error = await loadSuites([suite], {
        workspace,
        model: undefined,
        io,
        assertions: assertionCompiler,
      }).catch((e) => e)
      expect(error).toBeInstanceOf(SuiteError)
      const refused = `searches ${realpathSync(outside)}, which resolves to ${realpathSync(outside)}, outside the workspace`
      expect((error as SuiteError).problems.map((p) => `${p.line}: ${p.message}`)).toEqual([
        '3: file://none/*.txt matches no file (looked for evals/none/*.txt); paths are relative to the file that names them',
        expect.stringContaining(`4: file://${outside}/*.txt ${refused}`),
        expect.stringContaining(`6: file://${outside}/*.txt ${refused}`),
      ])
      expect((error as SuiteError).message).not.toContain('SECRET')
    } finally {
      rmSync(outside, { recursive: true, force: true })
    }
  })
})

describe('vars from files', () => {
  it('merges the mappings of a file:// path, a glob or a list of them, in order, over defaultTest vars', async () => {
    const [suite] = write({
      'evals/suite.yml': [
        'model: m',
        'prompts: ["{{ city }} {{ country }} {{ note }} {{ size }}"]',
        'defaultTest: { vars: file://vars/defaults.yaml }',
        'tests:',
        '  - vars: file://vars/paris-*.yaml',
        '  - vars: [file://vars/paris-1.yaml, file://vars/rome.json]',
      ].join('\n'),
      'evals/vars/defaults.yaml': 'size: big\nnote: none\n',
      'evals/vars/paris-1.yaml': 'city: Paris\ncountry: France\n',
      'evals/vars/paris-2.yaml': 'note: file://notes/paris.txt\n',
      'evals/vars/notes/paris.txt': 'capital',
      'evals/vars/rome.json': '{"city": "Rome", "country": "Italy"}',
    })
    const cases = await load([suite])
    expect(cases.map((c) => c.prompt)).toEqual(['Paris France capital big', 'Rome Italy none big'])
  })

  it('makes one test per item of a list a vars file holds, as inline vars do', async () => {
    const [suite] = write({
      'evals/suite.yml': 'model: m\nprompts: ["{{ word }}"]\ntests: [{ vars: file://words.yaml }]\n',
      'evals/words.yaml': 'word: [hello, bye]\n',
    })
    const cases = await load([suite])
    expect(cases.map((c) => [c.id.replace(/^[^[]*/, ''), c.prompt])).toEqual([
      ['[word=hello]', 'hello'],
      ['[word=bye]', 'bye'],
    ])
  })

  it('reports a vars file that is missing, is no mapping, or does not parse, where it is', async () => {
    const problems = await problemsOf(
      write({
        'evals/suite.yml': [
          'model: m',
          'prompts: ["{{ a }}"]',
          'tests:',
          '  - vars: file://missing.yaml',
          '  - vars: file://list.yaml',
          '  - vars: [file://bad.json]',
        ].join('\n'),
        'evals/list.yaml': '- a\n- b\n',
        'evals/bad.json': '{\n  "a": [1,\n}\n',
      }).slice(0, 1),
    )
    expect(problems.slice(0, 3)).toEqual([
      // The test without its vars file is still rendered, so that its other problems show in the same run.
      expect.stringMatching(/^evals\/suite.yml:2: the template uses \{\{ a \}\} but vars has no such key/),
      'evals/suite.yml:4: file://missing.yaml does not exist (looked for evals/missing.yaml); paths are relative to the file that names them',
      'evals/list.yaml:1: a vars file holds a mapping of var names to values, like {city: Paris}',
    ])
    // The JSON parser may say more than one thing of the same line.
    expect(problems.slice(3)).toContainEqual(expect.stringMatching(/^evals\/bad.json:3: JSON syntax: /))
    expect(problems.slice(3).every((p) => p.startsWith('evals/bad.json:3: JSON syntax: '))).toBe(true)
  })
})

describe('defaultTest from a file', () => {
  it('is read as an inline defaultTest is, its vars files and problems relative to it', async () => {
    const [suite] = write({
      'evals/suite.yml':
        'model: m\nprompts: ["{{ city }} {{ note }}"]\ndefaultTest: file://shared/default.yaml\ntests: [{ vars: { city: Rome } }]\n',
      'evals/shared/default.yaml':
        'vars: file://notes.yaml\nassert:\n  - { type: icontains, value: "{{ city }}" }\nthreshold: 0.5\n',
      'evals/shared/notes.yaml': 'note: capital\n',
    })
    const [evalCase] = await load([suite])
    expect([evalCase.prompt, evalCase.threshold, evalCase.assertions.map((a) => a.value)]).toEqual([
      'Rome capital',
      0.5,
      ['Rome'],
    ])
  })

  it('is reported where it is wrong: missing, not a mapping, or a key the schema does not know', async () => {
    const problems = await problemsOf(
      write({
        'evals/a.yml': 'model: m\ndefaultTest: file://none.yaml\ntests: [{ prompt: hi }]\n',
        'evals/b.yml': 'model: m\ndefaultTest: file://list.yaml\ntests: [{ prompt: hi }]\n',
        'evals/c.yml': 'model: m\ndefaultTest: file://typo.json\ntests: [{ prompt: hi }]\n',
        'evals/list.yaml': '- a\n',
        'evals/typo.json': '{\n  "vars": {"a": 1},\n  "asert": []\n}\n',
      }).filter((file) => file.endsWith('.yml')),
    )
    expect(problems).toEqual([
      'evals/a.yml:2: file://none.yaml does not exist (looked for evals/none.yaml); paths are relative to the file that names them',
      'evals/list.yaml:1: a defaultTest file holds a mapping of what every test shares, like {vars: {...}, assert: [...]}',
      expect.stringMatching(/^evals\/typo.json:3: unknown key 'asert' in defaultTest.*did you mean 'assert'/),
    ])
  })
})
