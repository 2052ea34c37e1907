/**
 * promptfoo's template features: `nunjucksFilters` (a suite's own filters, JavaScript modules from the
 * workspace) run in its prompts, and `_conversation` (the earlier outputs of the same conversation, which a
 * batch cannot have) skips the test cases that read it, said once for the run, never rendered as if empty.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { assertionCompiler } from '../../src/grading/assertion-compiler.js'
import { allowedRoots, confinedSuiteIO } from '../../src/suite/file-system.js'
import { loadSuiteRun, SuiteError } from '../../src/suite/loader.js'
import { loadRun, problemsOf, write } from './suite-workspace.js'

/** The problems of loading `files` as the action does, reading only inside `workspace`. */
async function problemsOfRun(files: string[], workspace: string): Promise<string[]> {
  const io = confinedSuiteIO(allowedRoots(workspace, []))
  try {
    await loadSuiteRun(files, { workspace, model: undefined, io, assertions: assertionCompiler })
  } catch (error) {
    if (error instanceof SuiteError) return error.problems.map((p) => `${p.file}:${p.line}: ${p.message}`)
    throw error
  }
  throw new Error('expected the suite to be refused')
}

describe('a prompt that reads _conversation', () => {
  it('skips those test cases with one warning saying why and what to write instead; the others run', async () => {
    const files = write({
      'evals/chat.yml': [
        'model: claude-haiku-4-5',
        'prompts:',
        '  - id: file://history.json',
        '    label: history',
        '  - "Answer: {{ question }}"',
        'tests:',
        '  - vars: { question: Who founded Facebook? }',
        '  - vars: { question: Did he found any other companies? }',
      ].join('\n'),
      'evals/history.json': JSON.stringify([
        { role: 'system', content: 'Be brief.' },
        {
          role: 'user',
          content: '{% for c in _conversation %}{{ c.input }} {{ c.output }}\n{% endfor %}{{ question }}',
        },
      ]),
      'evals/own.yml': [
        'model: claude-haiku-4-5',
        'tests:',
        '  - prompt: "{{ _conversation | length }} turns so far. {{ question }}"',
        '    vars: { question: Hi }',
        '  - prompt: "Given {{ _conversation[0].output }}"',
        '    vars: { _conversation: [{ input: a, output: b }] }',
      ].join('\n'),
    })
    const { cases, warnings } = await loadRun(files.filter((f) => f.endsWith('.yml')))
    expect(cases.map((c) => c.prompt)).toEqual([
      'Answer: Who founded Facebook?',
      'Answer: Did he found any other companies?',
      'Given b',
    ])
    expect(warnings).toEqual([
      'Skipped: 3 tests (e.g. evals/history.json:1) whose prompt reads _conversation: promptfoo fills it with the ' +
        "earlier turns' outputs, and one batch has no earlier outputs, so these are not sent; write the earlier " +
        'turns into the prompt instead (a chat prompt, or the messages var, with role: assistant turns).',
    ])
  })

  it('leaving no test at all is an error at the prompt, with the fix', async () => {
    const files = write({
      'evals/chat.yml': [
        'model: claude-haiku-4-5',
        'tests:',
        '  - prompt: "{{ _conversation | dump }} {{ q }}"',
        '    vars: { q: Hi }',
      ].join('\n'),
    })
    expect(await problemsOf(files)).toEqual([
      'evals/chat.yml:3: no test runs: the prompt reads _conversation (1 test (e.g. evals/chat.yml:3)): promptfoo ' +
        "fills it with the earlier turns' outputs, and one batch has no earlier outputs, so these are not sent; " +
        'write the earlier turns into the prompt instead (a chat prompt, or the messages var, with role: assistant turns)',
    ])
  })
})

describe('nunjucksFilters', () => {
  it("run a suite's own filters in its prompts, from modules in the workspace, as promptfoo does", async () => {
    const files = write({
      'evals/x.yml': [
        'nunjucksFilters:',
        '  shout: ./filters/shout.cjs',
        '  wrap: filters/wrap.mjs',
        'model: claude-haiku-4-5',
        'prompts:',
        "  - \"{{ name | shout }} {{ name | wrap('[', ']') }}\"",
        'tests:',
        '  - vars: { name: ada }',
        '  - prompt: "{{ name | shout | lower }}"',
        '    vars: { name: Bo }',
      ].join('\n'),
      'evals/filters/shout.cjs': 'module.exports = (s) => String(s).toUpperCase() + "!"',
      'evals/filters/wrap.mjs': 'export default function wrap(s, open, close) { return open + s + close }',
      'evals/other.yml':
        'model: claude-haiku-4-5\ntests:\n  - prompt: "{{ name | shout }}"\n    vars: { name: cy }\n',
    })
    const { cases, warnings } = await loadRun(files.slice(0, 1))
    expect(cases.map((c) => c.prompt)).toEqual(['ADA! [ada]', 'bo!'])
    expect(warnings).toEqual([])
    // Another suite of the run does not have them.
    expect(await problemsOf([files[0], files[3]])).toEqual([
      "evals/other.yml:3: the template uses the filter 'shout' (template line 1), which nunjucks does not have: " +
        "use one of nunjucks' filters or load; a suite's own filters (nunjucksFilters) apply in its prompts only",
    ])
  })

  it('are reported at their line when a module is missing, outside the workspace, not JavaScript or no function', async () => {
    const outside = mkdtempSync(path.join(tmpdir(), 'filters-outside-'))
    try {
      writeFileSync(path.join(outside, 'evil.cjs'), 'globalThis.ranEvil = true; module.exports = (s) => s')
      const files = write({
        'evals/x.yml': [
          'nunjucksFilters:',
          '  gone: ./missing.js',
          `  evil: ${path.join(outside, 'evil.cjs')}`,
          '  text: ./notes.txt',
          '  data: ./data.cjs',
          'model: claude-haiku-4-5',
          'tests:',
          '  - prompt: hi',
        ].join('\n'),
        'evals/data.cjs': 'module.exports = { not: "a function" }',
        'evals/notes.txt': 'hello',
      })
      const problems = await problemsOfRun(files.slice(0, 1), path.dirname(path.dirname(files[0])))
      expect(problems).toEqual([
        expect.stringMatching(
          /^evals\/x.yml:2: nunjucksFilters: gone: \.\/missing\.js does not exist \(looked for evals\/missing\.js\)/,
        ),
        expect.stringMatching(
          /^evals\/x.yml:3: nunjucksFilters: evil: .*evil\.cjs resolves to .*, outside the workspace/,
        ),
        'evals/x.yml:4: nunjucksFilters: text: ./notes.txt is not a JavaScript file: give a .js, .mjs or .cjs ' +
          'module whose default export is the filter',
        'evals/x.yml:5: nunjucksFilters: data: ./data.cjs exports no function: make the filter its default export ' +
          '(module.exports = fn)',
      ])
      expect((globalThis as { ranEvil?: boolean }).ranEvil).toBeUndefined()
    } finally {
      rmSync(outside, { recursive: true, force: true })
    }
  })
})
