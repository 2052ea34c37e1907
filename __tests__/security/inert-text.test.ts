/**
 * Text from a suite, a file name, a model id or a model output can never start a workflow command, break
 * Markdown, or reach readers as control characters: the log, annotations, the job summary, the PR comment.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import * as github from '@actions/github'
import type { MessageBatchResult } from '@anthropic-ai/sdk/resources/messages/batches'
import { gradeAll } from '../fixtures/grading.js'
import { message, onceEach } from '../fixtures/messages.js'
import { annotateProblems } from '../../src/github/annotations.js'
import { compileAssertion } from '../../src/grading/graders/index.js'
import { encodedPath, sourceUrlFor, writeJobSummary } from '../../src/github/publish.js'
import * as log from '../../src/github/log.js'
import { renderReport, SUMMARY_SURFACE } from '../../src/report/markdown.js'
import { ReportComment } from '../../src/github/pr-comment.js'
import { parseModelInput } from '../../src/suite/providers.js'
import { addSecret, clearSecrets } from '../../src/common/redaction.js'
import { buildReport } from '../../src/report/report.js'
import { assertionCompiler } from '../../src/grading/assertion-compiler.js'
import { SuiteError } from '../../src/suite/loader.js'
import { loadSuites } from '../fixtures/load-suites.js'
import { fileSystemSuiteIO } from '../../src/suite/file-system.js'
import { suiteSchemaProblems } from '../../src/suite/schema.js'
import { visibleText } from '../../src/common/visible-text.js'
import type { EvalCase } from '../../src/model.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')

/** Terminal colours, an OSC 8 hyperlink, bell, DEL, C1, bidi overrides and isolates, lone surrogates. */
const CONTROLS =
  'ok\u001b[31mred\u001b]8;;https://evil.example\u001b\\ bell\u0007 del\u007f csi\u009b ' +
  'rlo\u202eevil\u202c lri\u2066x\u2069 lone\ud800 \udc00 pair😀'
/** Lines the runner would take for workflow commands, were they logged as they are. */
const COMMANDS =
  '\n::add-mask::leak\n  ::warning::fake\r::error title=x::fake\r\n\u3000::stop-commands::t\nsee ##[add-mask]old'
const HOSTILE = CONTROLS + COMMANDS

// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\x00-\x08\x0B-\x1F\x7F-\x9F]/
const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** Text a reader sees as it is: no raw control (but tab and newline), no bidi control, no lone surrogate. */
function expectVisible(text: string): void {
  expect(text).not.toMatch(RAW_CONTROL)
  expect(text).not.toMatch(BIDI)
  expect(text).not.toMatch(LONE_SURROGATE)
}

/** What the code wrote to stdout (where @actions/core writes the log) while `action` ran. */
async function printed(action: () => unknown): Promise<string> {
  const write = process.stdout.write
  let out = ''
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')
    return true
  }) as typeof write
  try {
    await action()
  } finally {
    process.stdout.write = write
  }
  return out
}

/** The log as the runner splits it into lines (at \n, \r\n and a lone \r). */
const runnerLines = (out: string) => out.split(/\r\n|\r|\n/).filter((line) => line !== '')

/** Lines the runner would act on: `::` first after whitespace, or the legacy `##[` anywhere. */
const commandLines = (out: string) => runnerLines(out).filter((line) => /^\s*::|##\[/.test(line))

/** The message of a `::command props::message` line, unescaped as the runner unescapes it. */
function commandMessage(line: string): string {
  const data = line.slice(line.indexOf('::', 2) + 2)
  return data.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%')
}

afterEach(() => clearSecrets())

describe('the log', () => {
  it('keeps untrusted text in an info line from starting a workflow command, and shows its controls', async () => {
    const out = await printed(() => log.info(`Loaded 1 test from evals/x.yml${HOSTILE}`))
    expect(commandLines(out)).toEqual([])
    expectVisible(out)
    expect(out).toContain('ok\\x1b[31mred\\x1b]8;;https://evil.example\\x1b\\ bell\\x07 del\\x7f csi\\x9b')
    expect(out).toContain('rlo\\u202eevil\\u202c lri\\u2066x\\u2069 lone\ufffd \ufffd pair😀')
    // Still there to read: the text is only kept from being a command.
    expect(out).toContain('\u200b::add-mask::leak\n  \u200b::warning::fake\n\u200b::error title=x::fake\n')
    expect(out).toContain('see ##\u200b[add-mask]old')
  })

  it('writes each warning, error and notice as one command line, its message and title visible', async () => {
    const properties = { title: `Failed: a${HOSTILE}`, file: 'evals/a.yml', startLine: 3 }
    for (const write of [log.warning, log.error, log.notice]) {
      const out = await printed(() => write(`because${HOSTILE}`, properties))
      const lines = runnerLines(out)
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatch(
        /^::(warning|error|notice) title=Failed%3A a.*,file=evals\/a\.yml,line=3::because/,
      )
      const text = commandMessage(lines[0])
      expectVisible(text)
      expect(runnerLines(text).filter((line) => /^\s*::|##\[/.test(line))).toEqual([])
    }
  })

  it('fails the step with one error line, and debug writes one line too', async () => {
    const exitCode = process.exitCode
    try {
      const failed = await printed(() => log.setFailed(`Evals failed${HOSTILE}`))
      expect(runnerLines(failed)).toHaveLength(1)
      expect(failed).toMatch(/^::error::Evals failed/)
      expect(process.exitCode).toBe(1)
    } finally {
      process.exitCode = exitCode
    }
    const debug = await printed(() => log.debug(`custom_id${HOSTILE}`))
    expect(runnerLines(debug)).toHaveLength(1)
    expectVisible(commandMessage(runnerLines(debug)[0]))
  })

  it('redacts the secrets the run knows from every line it logs', async () => {
    addSecret('sk-ant-api03-secret-key')
    const out = await printed(() => {
      log.info('401: invalid x-api-key sk-ant-api03-secret-key')
      log.warning('echoed sk-ant-api03-secret-key', { title: 'key sk-ant-api03-secret-key' })
    })
    expect(out).not.toContain('sk-ant-api03-secret-key')
    expect(out).toContain('invalid x-api-key ***')
    expect(out).toContain('title=key ***::echoed ***')
  })

  it('is the only way the action logs: no call of @actions/core logging, console or stdout elsewhere (but the CLI entry, which hands stdout to its terminal)', () => {
    const sources = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory()
          ? sources(path.join(dir, entry.name))
          : entry.name.endsWith('.ts')
            ? [path.join(dir, entry.name)]
            : [],
      )
    const files = sources(path.join(ROOT, 'src'))
    expect(files.length).toBeGreaterThan(20)
    const offenders = files
      .filter((file) => !['src/github/log.ts', 'src/cli/index.ts'].includes(path.relative(ROOT, file)))
      .filter((file) =>
        /\bcore\.(info|warning|error|notice|debug|setFailed)\b|\bconsole\.\w+\(|process\.(stdout|stderr)\.write/.test(
          readFileSync(file, 'utf8'),
        ),
      )
    expect(offenders.map((file) => path.relative(ROOT, file))).toEqual([])
  })
})

async function hostileCase(file: string): Promise<EvalCase> {
  return {
    id: `id${CONTROLS}`,
    description: `about${HOSTILE}`,
    file,
    line: 7,
    vars: {},
    prompt: 'p',
    params: { model: 'claude-haiku-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'p' }] },
    assertions: [await compileAssertion({ type: 'equals', value: 'Paris' }, '/', fileSystemSuiteIO)],
    threshold: undefined,
    transform: undefined,
  }
}

const succeeded = (reply: string): MessageBatchResult => ({ type: 'succeeded', message: message(reply) })

async function hostileReport(file = 'evals/x)@someone!.yml') {
  const graded = await gradeAll(onceEach([await hostileCase(file)]), [
    { custom_id: `id${CONTROLS}`, result: succeeded(`The answer${HOSTILE}`) },
  ])
  return buildReport(graded, {
    minPassRate: 1,
    batchIds: ['msgbatch_1'],
    batchDurationMs: 0,
    runUrl: undefined,
  })
}

/** `sourceUrlFor()` as a pull request's run has it. */
function sourceUrl(): (file: string, line: number) => string | undefined {
  const { GITHUB_REPOSITORY, GITHUB_SHA } = process.env
  process.env.GITHUB_REPOSITORY = 'o/r'
  process.env.GITHUB_SHA = 'abc'
  try {
    return sourceUrlFor()
  } finally {
    if (GITHUB_REPOSITORY === undefined) delete process.env.GITHUB_REPOSITORY
    else process.env.GITHUB_REPOSITORY = GITHUB_REPOSITORY
    if (GITHUB_SHA === undefined) delete process.env.GITHUB_SHA
    else process.env.GITHUB_SHA = GITHUB_SHA
  }
}

describe('annotations', () => {
  it('are one error line each, whatever the file name, id, description and reasons hold', async () => {
    const report = await hostileReport('evals/x\n::add-mask::y.yml')
    const out = await printed(() => annotateProblems(report.problems))
    const lines = runnerLines(out)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(
      /^::error title=Failed%3A id.*,file=evals\/x%0A%3A%3Aadd-mask%3A%3Ay\.yml,line=7::/,
    )
    const text = commandMessage(lines[0])
    expectVisible(text)
    expect(text).toContain('aboutok\\x1b[31m')
  })
})

describe('the report', () => {
  it('links a file named x)@someone!.yml as one link, percent-encoded, mentioning nobody', async () => {
    const markdown = renderReport(await hostileReport(), {
      surface: SUMMARY_SURFACE,
      remainderAt: 'the results file',
      sourceUrl: sourceUrl(),
    })
    expect(markdown).toContain(
      '[evals/x)@\u200bsomeone!.yml:7](https://github.com/o/r/blob/abc/evals/x%29%40someone%21.yml#L7)',
    )
    expect(markdown).not.toMatch(/@someone/)
    const unencoded = renderReport(await hostileReport(), {
      surface: SUMMARY_SURFACE,
      remainderAt: 'the results file',
      sourceUrl: (file, line) => `https://github.com/o/r/blob/abc/${file} (copy)<b>#L${line}`,
    })
    expect(unencoded).toContain(
      '](https://github.com/o/r/blob/abc/evals/x%29%40someone%21.yml%20%28copy%29%3Cb%3E#L7)',
    )
  })

  it('shows every control character of the model, the suite and the file name as a visible escape', async () => {
    const markdown = renderReport(await hostileReport('evals/\u202egnp.yml'), {
      surface: SUMMARY_SURFACE,
      remainderAt: 'the results file',
    })
    expectVisible(markdown)
    expect(markdown).not.toContain('\r')
    // In a cell, the escape's backslash is itself escaped, so that it shows.
    expect(markdown).toContain('**❌ failed: idok\\\\x1b\\[31mred')
    expect(markdown).toContain('evals/\\\\u202egnp.yml:7')
    expect(markdown).toContain('<pre>The answerok\\x1b[31mred')
  })

  it('posts a well-formed summary, and keeps it from starting a command where it goes to the log', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'summary-'))
    const saved = process.env.GITHUB_STEP_SUMMARY
    try {
      process.env.GITHUB_STEP_SUMMARY = path.join(dir, 'summary.md')
      writeFileSync(process.env.GITHUB_STEP_SUMMARY, '')
      await writeJobSummary('lone \ud800 half')
      expect(readFileSync(process.env.GITHUB_STEP_SUMMARY, 'utf8')).toBe('lone \ufffd half')
      delete process.env.GITHUB_STEP_SUMMARY
      const markdown = renderReport(await hostileReport(), { surface: SUMMARY_SURFACE, remainderAt: 'x' })
      const out = await printed(() => writeJobSummary(markdown))
      expect(out).toContain('::add-mask::leak')
      expect(commandLines(out)).toEqual([])
    } finally {
      if (saved === undefined) delete process.env.GITHUB_STEP_SUMMARY
      else process.env.GITHUB_STEP_SUMMARY = saved
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('posts a well-formed comment body', () => {
    const comment = new ReportComment(
      github.getOctokit('unused'),
      { owner: 'o', repo: 'r', number: 1 },
      { mode: 'update', header: '' },
    )
    const body = comment.body('report \udc00 with a lone half', undefined)
    expect(body).not.toMatch(LONE_SURROGATE)
    expect(body).toBe(`${comment.marker}\nreport \ufffd with a lone half`)
  })
})

describe('visibleText', () => {
  it('keeps tabs, line breaks and every printable character as they are', () => {
    const text = 'tab\there\nnext ünïcödé 😀 Ω → «»'
    expect(visibleText(text)).toBe(text)
    expect(visibleText('a\r\nb\rc')).toBe('a\nb\nc')
  })
})

describe('file paths in links', () => {
  it('percent-encodes each segment, the characters encodeURIComponent leaves included', () => {
    expect(encodedPath('evals/x)@someone!.yml')).toBe('evals/x%29%40someone%21.yml')
    expect(encodedPath("a b/(c)<d>#e?f%g'h*i~j.yml")).toBe('a%20b/%28c%29%3Cd%3E%23e%3Ff%25g%27h%2Ai~j.yml')
  })
})

describe('model ids', () => {
  const real = [
    'claude-sonnet-4-5-20250929',
    'claude-3-5-sonnet-latest',
    'claude-haiku-4-5',
    'anthropic.claude-3-5-sonnet-20240620-v1:0',
    'claude-opus-4-1@20250805',
    'us.anthropic.claude-sonnet-4-5/v1',
  ]
  const invalid = ['claude-haiku-4-5\n::add-mask::x', 'claude haiku', '::warning::x', '', 'claude-<b>']

  it('accepts the forms Anthropic and the clouds name models with, in a suite and in the model input', () => {
    for (const model of real) {
      expect([model, suiteSchemaProblems({ model, tests: [{ model }] })]).toEqual([model, []])
      expect(parseModelInput('model', model)).toBe(model)
    }
    expect(parseModelInput('model', '')).toBeUndefined()
  })

  it('refuses anything else in a suite, with the rule', () => {
    for (const model of invalid) {
      expect(suiteSchemaProblems({ model, tests: [] }).map((p) => p.message)).toEqual([
        'model must be a model id (a letter or digit, then letters, digits, . _ - : @ or /; for example claude-haiku-4-5)',
      ])
    }
  })

  it('refuses a model id with a newline in a suite file at its file and line', async () => {
    const workspace = mkdtempSync(path.join(tmpdir(), 'model-id-'))
    try {
      const file = path.join(workspace, 'evals', 'suite.yml')
      mkdirSync(path.dirname(file), { recursive: true })
      writeFileSync(file, 'tests:\n  - vars: {}\n    model: "claude-haiku-4-5\\n::add-mask::x"\n')
      const refused = loadSuites([file], {
        workspace,
        model: undefined,
        io: fileSystemSuiteIO,
        assertions: assertionCompiler,
      })
      await expect(refused).rejects.toBeInstanceOf(SuiteError)
      const problems = ((await refused.catch((error: unknown) => error)) as SuiteError).problems
      expect(problems.map((p) => `${p.file}:${p.line}: ${p.message}`)).toEqual([
        'evals/suite.yml:3: tests[0].model must be a model id (a letter or digit, then letters, digits, . _ - : @ ' +
          'or /; for example claude-haiku-4-5)',
      ])
    } finally {
      rmSync(workspace, { recursive: true, force: true })
    }
  })

  it('refuses anything else in the model input, naming the input and the rule', () => {
    expect(() => parseModelInput('model', 'claude-haiku-4-5\n::add-mask::x')).toThrow(
      'Input \'model\' is "claude-haiku-4-5\\n::add-mask::x", which is not a model id (a letter or digit, then ' +
        'letters, digits, . _ - : @ or /; for example claude-haiku-4-5). Give the model id alone, on one line.',
    )
  })
})
