/**
 * promptfoo's template features: `nunjucksFilters` (a suite's own filters, JavaScript modules from the
 * workspace) run in its prompts, and `_conversation` (the earlier turns of the same conversation) makes each
 * test that reads it a turn, its earlier outputs rendered as tokens that the batch stage fills in.
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
  it('makes each test a turn of the conversation of its prompt, provider and conversationId, in the order written', async () => {
    const files = write({
      'evals/chat.yml': [
        'providers: [anthropic:messages:claude-haiku-4-5, anthropic:messages:claude-sonnet-4-5]',
        'prompts:',
        '  - id: file://history.json',
        '    label: history',
        '  - "{{ _conversation | length }} turns so far. {{ question }}"',
        'tests:',
        '  - vars: { question: Who founded Facebook? }',
        '  - vars: { question: Where does he live? }',
        '  - vars: { question: Hi }',
        '    metadata: { conversationId: other }',
        '  - prompt: "Given {{ _conversation[0].output }}"',
        '    vars: { _conversation: [{ input: a, output: b }] }',
      ].join('\n'),
      'evals/history.json': JSON.stringify([
        { role: 'system', content: 'Be brief.' },
        {
          role: 'user',
          content: '{% for c in _conversation %}[{{ c.input }}] [{{ c.output }}] {% endfor %}{{ question }}',
        },
      ]),
    })
    const { cases, warnings } = await loadRun(files.filter((f) => f.endsWith('.yml')))
    const turns = (prompt: RegExp, model: string) =>
      cases
        .filter((c) => prompt.test(c.prompt) && c.params.model === model)
        .map((c) => [c.prompt, c.conversation?.turn, c.conversation?.after?.prompt])
    // The earlier outputs are tokens until they are in (batch/conversations.ts fills them in).
    expect(turns(/^(\[|Who|Hi)/, 'claude-sonnet-4-5')).toEqual([
      ['Who founded Facebook?', 0, undefined],
      [
        '[Who founded Facebook?] [\u27e6output of turn 1\u27e7] Where does he live?',
        1,
        'Who founded Facebook?',
      ],
      ['Hi', 0, undefined],
    ])
    expect(turns(/turns so far/, 'claude-haiku-4-5')).toEqual([
      ['0 turns so far. Who founded Facebook?', 0, undefined],
      ['1 turns so far. Where does he live?', 1, '0 turns so far. Who founded Facebook?'],
      ['0 turns so far. Hi', 0, undefined],
    ])
    // A test that gives _conversation itself is no turn: it renders with what it gives.
    expect(cases.filter((c) => c.prompt === 'Given b').map((c) => c.conversation)).toEqual([
      undefined,
      undefined,
    ])
    expect(cases.find((c) => c.prompt === 'Hi')?.params.system).toBe('Be brief.')
    expect(warnings).toEqual([])
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
