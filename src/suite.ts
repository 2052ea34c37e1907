/**
 * Suite files -> eval cases. A suite (YAML, JSON, JSONL or CSV, in promptfoo's vocabulary) is checked
 * against the published schema, its file:// references are read, its tests are crossed with its prompts and
 * providers, and each case gets the Messages API request it becomes. Every problem of every file is
 * collected with its file and line, so that an author sees them all at once, before anything is submitted.
 */
import { hash } from 'node:crypto'
import path from 'node:path'
import type {
  ContentBlockParam,
  MessageCreateParamsNonStreaming,
  MessageParam,
} from '@anthropic-ai/sdk/resources/messages/messages'
import { testFromCsvRow } from './csv-tests.js'
import { imageMediaType, isFileRef, resolveFileRef } from './file-refs.js'
import {
  AssertionCompileError,
  compileAssertion,
  compileTransform,
  isModelGraded,
  parseTestThreshold,
  type CompiledAssertion,
  type CompiledTransform,
  type GraderIO,
} from './graders/index.js'
import {
  chatMessages,
  chatOf,
  chatProblem,
  lastUserText,
  promptTurns,
  splitPromptFile,
  type ChatTurn,
} from './prompts.js'
import { parseProvider, type Provider } from './providers.js'
import { maxTokensProblem, pickParams, refusedParams, type RequestParams } from './request-params.js'
import { suiteSchemaProblems, testSchemaProblems, type SchemaProblem } from './suite-schema.js'
import {
  csvRows,
  formatOf,
  itemLines,
  jsonLines,
  parseSource,
  type ListItem,
  type SourceFormat,
  type SourceLines,
  type SourceProblem,
  type ValuePath,
} from './suite-source.js'
import { renderTemplate, TemplateError } from './template.js'
import { parse as parseYaml } from 'yaml'

export const DEFAULT_MAX_TOKENS = 1024

export interface EvalCase {
  id: string
  description: string | undefined
  /** The file the test is written in, relative to the workspace, and its line there. */
  file: string
  line: number
  vars: Record<string, unknown>
  /** The prompt as a person reads it: the text of the last user turn. */
  prompt: string
  params: MessageCreateParamsNonStreaming
  assertions: CompiledAssertion[]
  threshold: number | undefined
  transform: CompiledTransform | undefined
  /** Samples of this test (its `repeat:`); undefined for the action's `repeat` input. */
  repeat?: number
}

export interface SuiteProblem {
  file: string
  line: number
  message: string
}

/** Thrown with every problem found, so that one run shows them all. */
export class SuiteError extends Error {
  constructor(readonly problems: SuiteProblem[]) {
    super(
      `The suite has ${problems.length} problem${problems.length === 1 ? '' : 's'}; nothing was submitted.\n` +
        problems.map((p) => `  ${p.file}:${p.line}: ${p.message}`).join('\n'),
    )
    this.name = 'SuiteError'
  }
}

/** How the loader reads what suites reference; absolute paths in, errors thrown for missing files. */
export interface SuiteIO extends GraderIO {
  readBinary(absolutePath: string): Uint8Array
  /** A text file's lines, as `readText(file).split('\n')` gives them, read a piece at a time. */
  readLines(absolutePath: string): Iterable<string>
}

export interface SuiteOptions {
  /** Paths in messages and results are relative to it. */
  workspace: string
  /** The action's `model` input, for tests that name none. */
  model: string | undefined
  io: SuiteIO
}

interface Source {
  file: string
  /** The file's directory, which its relative references are resolved from. */
  directory: string
  format: SourceFormat
  lines: SourceLines
}

/** Where something is written: a file and the path of the value in it. */
interface Location {
  source: Source
  path: ValuePath
}

const at = (location: Location, ...more: (string | number)[]): Location => ({
  source: location.source,
  path: [...location.path, ...more],
})

type Config = Record<string, unknown>

/**
 * A prompt: a template rendered whole, then read as turns (a JSON chat list, else one user turn), or chat
 * turns whose texts are rendered one by one (a test's `messages`, a chat prompt file, a template that is a
 * JSON chat list as written), so that a var holding quotes or line breaks cannot break the JSON.
 */
type PromptTemplate = { label: string; location: Location } & (
  { template: string; chatFile?: ChatTemplateFile } | { turns: unknown[] }
)

/** A .json prompt file that is JSON only once rendered (its turns written by {% for %}, say). */
interface ChatTemplateFile {
  file: string
  /** Why it does not parse as written. */
  problem: SourceProblem
}

const CHAT_FILE_FIX =
  '; a .json or .yaml prompt file holds a list of chat turns, such as ' +
  '[{"role": "system", "content": "You are terse."}, {"role": "user", "content": "{{ question }}"}]; ' +
  'a text prompt goes in a .txt file'

/** A model a test runs on, with the request parameters of its provider. */
interface TestModel {
  label: string
  model: string | undefined
  params: RequestParams
}

interface SuiteDefaults {
  params: RequestParams
  prompts: PromptTemplate[] | undefined
  /** The providers, else the suite's model (or the action's). */
  models: TestModel[]
  vars: Record<string, unknown>
  /** defaultTest's assertions as written: compiled per test, with the test's vars in their templates. */
  assert: { value: unknown; location: Location }
  threshold: number | undefined
  transform: CompiledTransform | undefined
  /** defaultTest's `options.provider` and `options.rubricPrompt`, for model-graded assertions. */
  judge: JudgeOptions
}

/** The judge settings of model-graded assertions that do not set their own, as `options` writes them. */
interface JudgeOptions {
  provider?: unknown
  rubricPrompt?: unknown
}

/** A case before its id is final (`evalCase.id` is set last): derived ids are made unique over all suites. */
interface PendingCase {
  evalCase: EvalCase
  /** The test's id as given, or one derived from its file and description (or vars and prompt). */
  id: string
  derived: boolean
  variant: string
  /** Which test of the run the case is of (its cases share its id). */
  test: number
}

class SuiteLoader {
  readonly problems: SuiteProblem[] = []
  private readonly reported = new Set<string>()
  private readonly compiledAssertions = new Map<string, Promise<CompiledAssertion>>()
  /** The common `{ type, value }` assertion with a string value, by directory, type and value: no key to build. */
  private readonly compiledTypeValues = new Map<
    string,
    Map<string, Map<string, Promise<CompiledAssertion>>>
  >()
  /** Per file, not per test: a suite of 100,000 tests is a few files. */
  private readonly displayed = new Map<string, string>()
  private readonly stems = new Map<string, string>()
  private readonly testModels = new Map<string, TestModel[]>()
  /** Each given test id, with where it is first given. */
  private readonly idUses = new Map<string, { file: string; line: number }>()
  /** Listed after the other problems. */
  readonly duplicateIds: SuiteProblem[] = []
  /** Tests made so far. */
  private tests = 0

  constructor(private readonly options: SuiteOptions) {}

  display(file: string): string {
    let shown = this.displayed.get(file)
    if (shown === undefined) {
      const relative = path.relative(this.options.workspace, file)
      shown = relative.startsWith('..') ? file : relative.split(path.sep).join('/')
      this.displayed.set(file, shown)
    }
    return shown
  }

  /** The file name without its extension, which derived ids start with. */
  stem(displayed: string): string {
    let stem = this.stems.get(displayed)
    if (stem === undefined) {
      stem = path.basename(displayed, path.extname(displayed))
      this.stems.set(displayed, stem)
    }
    return stem
  }

  lineOf(location: Location, key?: string): number {
    const { lines } = location.source
    return key === undefined ? lines.lineOf(location.path) : lines.keyLineOf(location.path, key)
  }

  /** Records a problem once: defaultTest's problems would otherwise repeat for every test. */
  report(location: Location, message: string, key?: string): void {
    this.reportAt(location.source.file, this.lineOf(location, key), message)
  }

  reportAt(file: string, line: number, message: string): void {
    const problem = { file: this.display(file), line, message }
    const identity = `${problem.file}:${problem.line}:${message}`
    if (this.reported.has(identity)) return
    this.reported.add(identity)
    this.problems.push(problem)
  }

  /** Reads and parses a suite file, or the tests file that `ref` (written at `from`) names. */
  readSource(
    file: string,
    from?: { location: Location; ref: string },
  ): { source: Source; value: unknown } | undefined {
    const read = this.readFile(file, (absolute) => this.options.io.readText(absolute), from)
    return read && this.parse(file, read.format, read.content)
  }

  /** A file's text parsed, its syntax problems reported. */
  parse(file: string, format: SourceFormat, text: string) {
    const parsed = parseSource(text, format)
    for (const problem of parsed.problems) this.syntaxProblem(file, problem)
    const document = parsed.document
    return document && { source: sourceOf(file, format, document), value: document.value }
  }

  /** Reads a suite file, or the tests file that `ref` (written at `from`) names, with `read`. */
  readFile<T>(
    file: string,
    read: (file: string) => T,
    from?: { location: Location; ref: string },
  ): { format: SourceFormat; content: T } | undefined {
    const format = formatOf(file)
    const fail = (message: string) => {
      if (from) this.report(from.location, message)
      else this.problems.push({ file: this.display(file), line: 1, message })
    }
    if (!format) {
      fail(`${this.display(file)} is not a suite file: use .yaml, .yml, .json, .jsonl or .csv`)
      return undefined
    }
    let content: T
    try {
      content = read(file)
    } catch {
      fail(
        from
          ? this.missingRefMessage(from.ref, file)
          : `${this.display(file)} does not exist or cannot be read`,
      )
      return undefined
    }
    return { format, content }
  }

  syntaxProblem(file: string, problem: SourceProblem): void {
    this.problems.push({ file: this.display(file), ...problem })
  }

  /** The contents of a file:// reference written at `location`, or undefined (reported) when it is missing. */
  readRef<T>(ref: string, location: Location, read: (file: string) => T): T | undefined {
    const file = resolveFileRef(ref, location.source.file)
    try {
      return read(file)
    } catch {
      this.report(location, this.missingRefMessage(ref, file))
      return undefined
    }
  }

  /** Records a test's given id; an id given before is a problem. */
  useId(id: string, test: Location): void {
    const use = { file: this.display(test.source.file), line: this.lineOf(at(test, 'id')) }
    const first = this.idUses.get(id)
    if (!first) this.idUses.set(id, use)
    else {
      const message = `duplicate test id '${id}' (first used at ${first.file}:${first.line}); ids must be unique`
      this.duplicateIds.push({ ...use, message })
    }
  }

  missingRefMessage(ref: string, file: string): string {
    return `${ref} does not exist (looked for ${this.display(file)}); paths are relative to the file that names them`
  }

  async loadSuite(file: string): Promise<PendingCase[]> {
    if (formatOf(file) === 'jsonl') {
      // Never held whole: a file of 100,000 tests is tens of megabytes.
      const read = this.readFile(file, (absolute) => this.options.io.readLines(absolute))
      return read ? this.casesOfList(file, read.format, jsonLines(read.content)) : []
    }
    const read = this.readFile(file, (absolute) => this.options.io.readText(absolute))
    if (!read) return []
    if (read.format === 'csv') {
      const rows = csvRows(read.content)
      if ('items' in rows) return this.casesOfList(file, read.format, rows.items)
      this.syntaxProblem(file, rows.problem)
      return []
    }
    const parsed = this.parse(file, read.format, read.content)
    if (!parsed) return []
    const { source, value } = parsed
    const root: Location = { source, path: [] }
    // Unknown keys are reported but change nothing else; a value of the wrong shape stops its test (or, outside
    // the tests, the file), so that what is read next can rely on its shape.
    const badTests = new Set<number>()
    let fatal = false
    for (const problem of this.schemaProblems(suiteSchemaProblems(value), source)) {
      if (problem.key !== undefined) continue
      if (problem.path[0] === 'tests' && typeof problem.path[1] === 'number') badTests.add(problem.path[1])
      else fatal = true
    }
    if (fatal) return []
    const config = value as Config
    const defaults = await this.suiteDefaults(config, root)
    const tests = this.testsOfSuite(config.tests, at(root, 'tests')).filter(
      (test) => test.location.source !== source || !badTests.has(test.location.path[1] as number),
    )
    return this.casesOf(tests, defaults)
  }

  /**
   * Reports schema problems, and returns those that matter for loading. An unknown assertion type is left to
   * the graders, whose message lists the types with a did-you-mean.
   */
  schemaProblems(problems: SchemaProblem[], source: Source): SchemaProblem[] {
    const relevant = problems.filter((problem) => !isAssertionType(problem.path))
    for (const problem of relevant) this.report({ source, path: problem.path }, problem.message, problem.key)
    return relevant
  }

  async suiteDefaults(config: Config, root: Location): Promise<SuiteDefaults> {
    const defaultTest = (config.defaultTest ?? {}) as Config
    const defaultAt = at(root, 'defaultTest')
    const transform = (defaultTest.options as Config | undefined)?.transform
    const model = (config.model as string | undefined) ?? this.options.model
    return {
      params: this.requestParams(config, root),
      prompts: config.prompts === undefined ? undefined : this.prompts(config.prompts, at(root, 'prompts')),
      models:
        config.providers === undefined
          ? [{ label: '', model, params: {} }]
          : this.providers(config.providers, at(root, 'providers')),
      vars: this.vars(defaultTest.vars, at(defaultAt, 'vars')),
      assert: { value: defaultTest.assert, location: at(defaultAt, 'assert') },
      threshold: this.threshold(defaultTest.threshold, defaultAt),
      transform: await this.transform(transform, at(defaultAt, 'options', 'transform')),
      judge: judgeOptionsOf(defaultTest.options),
    }
  }

  /** Request parameters written at `location` (suite, provider config or test); refused ones are reported. */
  requestParams(config: Config, location: Location): RequestParams {
    for (const { key, message } of refusedParams(config)) this.report(location, message, key)
    const tooFew = maxTokensProblem(config.max_tokens)
    if (tooFew) this.report(at(location, 'max_tokens'), tooFew)
    const params = pickParams(config)
    if (isFileRef(params.tools)) {
      const tools = this.readRef(params.tools, at(location, 'tools'), (file) =>
        this.options.io.readText(file),
      )
      params.tools =
        tools === undefined
          ? undefined
          : this.parseStructured<RequestParams['tools']>(tools, at(location, 'tools'))
    }
    return params
  }

  /** A referenced JSON or YAML file's value. */
  parseStructured<T>(text: string, location: Location): T | undefined {
    try {
      return parseYaml(text) as T
    } catch (error) {
      this.report(
        location,
        `the referenced file is neither JSON nor YAML: ${(error as Error).message.split('\n')[0]}`,
      )
      return undefined
    }
  }

  prompts(value: unknown, location: Location): PromptTemplate[] {
    const entries = isFileRef(value)
      ? [value]
      : (value as (string | { raw?: string; id?: string; label?: string })[])
    const location0 = isFileRef(value) ? location : undefined
    return entries.flatMap((entry, i) => {
      const entryAt = location0 ?? at(location, i)
      if (typeof entry !== 'string') {
        if (entry.raw === undefined) {
          this.report(entryAt, "a prompt object needs 'raw' (the template)")
          return []
        }
        return [promptOf(entry.label ?? entry.id ?? `prompt ${i + 1}`, entry.raw, entryAt)]
      }
      if (!isFileRef(entry)) return [promptOf(`prompt ${i + 1}`, entry, entryAt)]
      if (/\.(?:json|ya?ml)$/i.test(entry)) return this.chatPromptFile(entry, entryAt)
      const text = this.readRef(entry, entryAt, (file) => this.options.io.readText(file))
      if (text === undefined) return []
      const name = path.basename(entry)
      const prompts = splitPromptFile(text)
      return prompts.map((template, n) =>
        promptOf(prompts.length > 1 ? `${name} #${n + 1}` : name, template, entryAt),
      )
    })
  }

  /**
   * A .json, .yaml or .yml prompt file, which holds chat turns (as in promptfoo), each at its line there; one
   * that does not is a problem, not a prompt sent as text.
   */
  chatPromptFile(ref: string, location: Location): PromptTemplate[] {
    const text = this.readRef(ref, location, (file) => this.options.io.readText(file))
    if (text === undefined) return []
    const file = resolveFileRef(ref, location.source.file)
    const format = /\.json$/i.test(ref) ? 'json' : 'yaml'
    const label = path.basename(ref)
    const { document, problems } = parseSource(text, format)
    if (!document) {
      if (format === 'json' && /\{[{%]/.test(text)) {
        return [{ label, template: text, location, chatFile: { file, problem: problems[0] } }]
      }
      for (const problem of problems) this.reportAt(file, problem.line, `${problem.message}${CHAT_FILE_FIX}`)
      return []
    }
    const source = sourceOf(file, format, document)
    const problem = chatProblem(document.value)
    if (problem) {
      const turnAt = { source, path: problem.turn === undefined ? [] : [problem.turn] }
      this.report(turnAt, `${ref} ${problem.message}${CHAT_FILE_FIX}`)
      return []
    }
    return [{ label, turns: document.value as unknown[], location: { source, path: [] } }]
  }

  providers(value: unknown, location: Location): Provider[] {
    const entries = (Array.isArray(value) ? value : [value]) as Parameters<typeof parseProvider>[0][]
    return entries.flatMap((entry, i) => {
      const entryAt = Array.isArray(value) ? at(location, i) : location
      try {
        const provider = parseProvider(entry)
        const configAt = at(entryAt, 'config')
        return [
          { ...provider, params: { ...provider.params, ...this.requestParams(provider.config, configAt) } },
        ]
      } catch (error) {
        this.report(entryAt, (error as Error).message)
        return []
      }
    })
  }

  /** The models of a test that names its own: one list per name, as 100,000s of tests name the same few. */
  ownModels(model: string): TestModel[] {
    let models = this.testModels.get(model)
    if (!models) this.testModels.set(model, (models = [{ label: '', model, params: {} }]))
    return models
  }

  /**
   * Vars written at `location`, over those of `base`; a string value file://path becomes the file's text
   * (images: base64).
   */
  vars(value: unknown, location: Location, base: Record<string, unknown> = {}): Record<string, unknown> {
    const written = (value ?? {}) as Record<string, unknown>
    const vars = { ...base, ...written }
    for (const [name, var_] of Object.entries(written)) {
      if (!isFileRef(var_)) continue
      const varAt = at(location, name)
      vars[name] = imageMediaType(var_)
        ? this.readRef(var_, varAt, (file) =>
            Buffer.from(this.options.io.readBinary(file)).toString('base64'),
          )
        : this.readRef(var_, varAt, (file) => this.options.io.readText(file))
    }
    return vars
  }

  /**
   * One compiled assertion per distinct assertion and directory: compiled assertions are immutable, and a
   * suite of 100,000 tests repeats the same few, whose compiled forms (closures, regexes) would add up.
   */
  compiled(raw: Config, directory: string): Promise<CompiledAssertion> {
    const key = `${directory}\0${JSON.stringify(raw)}`
    let compiled = this.compiledAssertions.get(key)
    if (!compiled) {
      compiled = compileAssertion(raw, directory, this.options.io)
      this.compiledAssertions.set(key, compiled)
    }
    return compiled
  }

  /**
   * `compiled` for an assertion that is exactly `{ type, value }` with string values, rendered as
   * renderAssertionValues would; the rendered copy is made only when it is compiled.
   */
  compiledTypeValue(type: string, value: string, vars: Record<string, unknown>, directory: string) {
    const rendered = isFileRef(value) || type.endsWith('javascript') ? value : renderTemplate(value, vars)
    let byType = this.compiledTypeValues.get(directory)
    if (!byType) this.compiledTypeValues.set(directory, (byType = new Map()))
    let byValue = byType.get(type)
    if (!byValue) byType.set(type, (byValue = new Map()))
    let compiled = byValue.get(rendered)
    if (!compiled) {
      compiled = compileAssertion({ type, value: rendered }, directory, this.options.io)
      byValue.set(rendered, compiled)
    }
    return compiled
  }

  /** Assertions written at `location`, their values rendered with the test's vars (as promptfoo does). */
  async assertions(
    value: unknown,
    location: Location,
    vars: Record<string, unknown>,
    judge: JudgeOptions,
  ): Promise<CompiledAssertion[]> {
    const compiled: CompiledAssertion[] = []
    if (value === undefined || value === null) return compiled
    const { directory } = location.source
    const written = value as Config[]
    for (let i = 0; i < written.length; i++) {
      const raw = withJudgeOptions(written[i], judge)
      try {
        compiled.push(
          await (isTypeValue(raw)
            ? this.compiledTypeValue(raw.type, raw.value, vars, directory)
            : this.compiled(renderAssertionValues(raw, vars), directory)),
        )
      } catch (error) {
        if (error instanceof AssertionCompileError) this.report(at(location, i, ...error.path), error.message)
        else if (error instanceof TemplateError) this.report(at(location, i, 'value'), error.message)
        else throw error
      }
    }
    return compiled
  }

  /** The `threshold` of a test or of defaultTest (at `location`), checked; undefined when not written. */
  threshold(value: unknown, location: Location): number | undefined {
    try {
      return parseTestThreshold(value)
    } catch (error) {
      if (!(error instanceof AssertionCompileError)) throw error
      this.report(at(location, ...error.path), error.message)
      return undefined
    }
  }

  async transform(source: unknown, location: Location): Promise<CompiledTransform | undefined> {
    if (typeof source !== 'string') return undefined
    try {
      return await compileTransform(source, location.source.directory, this.options.io)
    } catch (error) {
      if (!(error instanceof AssertionCompileError)) throw error
      this.report(location, error.message)
      return undefined
    }
  }

  /** The suite's `tests`: inline tests and the tests of the files it references. */
  testsOfSuite(value: unknown, location: Location): { test: Config; location: Location }[] {
    const problemsBefore = this.problems.length
    const entries = isFileRef(value) ? [value] : ((value ?? []) as unknown[])
    const tests = entries.flatMap((entry, i) => {
      const entryAt = isFileRef(value) ? location : at(location, i)
      if (!isFileRef(entry)) return [{ test: entry as Config, location: entryAt }]
      const testsFile = this.readSource(resolveFileRef(entry, location.source.file), {
        location: entryAt,
        ref: entry,
      })
      return testsFile ? this.testsOfList(testsFile.source, testsFile.value) : []
    })
    if (tests.length === 0 && this.problems.length === problemsBefore) {
      this.report(
        location,
        'the suite has no tests: add a `tests:` list with at least one test (a prompt and its asserts)',
      )
    }
    return tests
  }

  /** The tests of a file that holds a list of them (YAML or JSON list, JSONL, CSV). */
  testsOfList(source: Source, value: unknown): { test: Config; location: Location }[] {
    if (!Array.isArray(value)) {
      this.report({ source, path: [] }, 'a tests file must hold a list of tests')
      return []
    }
    const tests: { test: Config; location: Location }[] = []
    for (let i = 0; i < value.length; i++) {
      const location = { source, path: [i] }
      const test = this.testOf(value[i], location)
      if (test) tests.push({ test, location })
    }
    return tests
  }

  /**
   * The cases of a JSONL or CSV suite file, made test by test as its items are taken, so that a JSONL file
   * of 100,000 tests is never held parsed all at once.
   */
  async casesOfList(
    file: string,
    format: SourceFormat,
    items: Iterable<ListItem | SourceProblem>,
  ): Promise<PendingCase[]> {
    const lines: number[] = []
    const source = sourceOf(file, format, itemLines(lines))
    const root: Location = { source, path: [] }
    const defaults = await this.suiteDefaults({}, root)
    const cases: PendingCase[] = []
    let unparsed = 0
    for (const item of items) {
      if (!('value' in item)) {
        this.syntaxProblem(file, item)
        unparsed++
        continue
      }
      const location = { source, path: [lines.push(item.line) - 1] }
      const test = this.testOf(item.value, location)
      if (test) for (const testCase of await this.casesOfTest(test, location, defaults)) cases.push(testCase)
    }
    // A file with items has tests, or problems that say why not; lines that do not parse have said so.
    if (lines.length === 0 && unparsed === 0) {
      this.report(root, 'the file has no tests: add one test per line')
    }
    return cases
  }

  /** An item of a tests file (a CSV row is made a test) checked against the schema: the test, if it is one. */
  testOf(item: unknown, location: Location): Config | undefined {
    const { source } = location
    let test = item as Config
    if (source.format === 'csv') {
      try {
        test = testFromCsvRow(item as Record<string, string>)
      } catch (error) {
        this.report(location, (error as Error).message)
        return undefined
      }
    }
    const problems = this.schemaProblems(testSchemaProblems(test, location.path), source)
    return problems.some((problem) => problem.key === undefined) ? undefined : test
  }

  async casesOf(
    tests: { test: Config; location: Location }[],
    defaults: SuiteDefaults,
  ): Promise<PendingCase[]> {
    const cases: PendingCase[] = []
    for (const { test, location } of tests) {
      for (const testCase of await this.casesOfTest(test, location, defaults)) cases.push(testCase)
    }
    return cases
  }

  /** One test crossed with the suite's prompts and providers (unless it names its own prompt or model). */
  async casesOfTest(test: Config, location: Location, defaults: SuiteDefaults): Promise<PendingCase[]> {
    const testNumber = this.tests++
    const problemsBefore = this.problems.length
    const line = this.lineOf(location)
    const file = this.display(location.source.file)
    const givenId = test.id === undefined ? undefined : String(test.id)
    if (givenId !== undefined) this.useId(givenId, location)

    const testParams = this.requestParams(test, location)
    const vars =
      test.vars === undefined
        ? { ...defaults.vars }
        : this.vars(test.vars, at(location, 'vars'), defaults.vars)
    const judge =
      test.options === undefined ? defaults.judge : { ...defaults.judge, ...judgeOptionsOf(test.options) }
    // defaultTest's assertions, then the test's, in one list; a list that is not written adds nothing. concat
    // makes a list of exactly their length: one grown by push keeps spare room, in each of 100,000s of tests.
    const defaultAssertions = await this.assertions(
      defaults.assert.value,
      defaults.assert.location,
      vars,
      judge,
    )
    const assertions = defaultAssertions.concat(
      test.assert === undefined
        ? []
        : await this.assertions(test.assert, at(location, 'assert'), vars, judge),
    )
    const threshold =
      test.threshold === undefined ? defaults.threshold : this.threshold(test.threshold, location)
    const ownTransform = (test.options as Config | undefined)?.transform
    const transform =
      (typeof ownTransform === 'string'
        ? await this.transform(ownTransform, at(location, 'options', 'transform'))
        : undefined) ?? defaults.transform

    const prompts: PromptTemplate[] =
      typeof test.prompt === 'string'
        ? [promptOf('', test.prompt, at(location, 'prompt'))]
        : Array.isArray(test.messages)
          ? [{ label: '', turns: test.messages, location: at(location, 'messages') }]
          : (defaults.prompts ?? [])
    // With `prompts:` written but unreadable, that problem is reported already.
    if (prompts.length === 0 && defaults.prompts === undefined) {
      this.report(
        location,
        'this test has no prompt: add `prompt:` or `messages:`, or a top-level `prompts:` list',
      )
    }
    const models = typeof test.model === 'string' ? this.ownModels(test.model) : defaults.models
    if (models.some((m) => !m.model)) {
      this.report(
        location,
        "no model for this test: set `model:` in the suite or the test, or the action's `model` input",
      )
    }

    const description = test.description as string | undefined
    const id =
      givenId ??
      `${this.stem(file)}/${slug(description ?? '') || hashOf([vars, test.prompt ?? test.messages ?? null])}`
    const cases: PendingCase[] = []
    for (const prompt of prompts) {
      for (const model of models) {
        const merged = { ...defaults.params, ...model.params, ...testParams }
        const turns = this.renderPrompt(prompt, vars)
        const system = turns?.system ?? this.renderSystem(merged.system, vars, at(location, 'system'))
        if (!turns || !model.model || this.problems.length > problemsBefore) continue
        // The labels that tell this case from its siblings, joined with ', ' (empty ones left out).
        const promptLabel = prompts.length > 1 ? prompt.label : ''
        const modelLabel = models.length > 1 ? model.label : ''
        const variant =
          promptLabel && modelLabel
            ? `${promptLabel}, ${modelLabel}`
            : promptLabel
              ? `${promptLabel}`
              : modelLabel
                ? `${modelLabel}`
                : ''
        const evalCase: EvalCase = {
          id: '',
          description,
          file,
          line,
          vars,
          prompt: lastUserText(turns.messages),
          params: {
            ...merged,
            model: model.model,
            max_tokens: merged.max_tokens ?? DEFAULT_MAX_TOKENS,
            ...(system !== undefined && { system }),
            messages: turns.messages,
          },
          assertions,
          threshold,
          transform,
          ...(typeof test.repeat === 'number' && { repeat: test.repeat }),
        }
        cases.push({ evalCase, id, derived: givenId === undefined, variant, test: testNumber })
      }
    }
    return cases
  }

  render(template: string, vars: Record<string, unknown>, location: Location): string | undefined {
    try {
      return renderTemplate(template, vars)
    } catch (error) {
      this.report(location, (error as Error).message)
      return undefined
    }
  }

  renderSystem(system: RequestParams['system'], vars: Record<string, unknown>, location: Location) {
    return typeof system === 'string' ? this.render(system, vars, location) : system
  }

  /** A prompt's turns for a test's vars, or undefined (reported) when it does not render. */
  renderPrompt(
    prompt: PromptTemplate,
    vars: Record<string, unknown>,
  ): { messages: MessageParam[]; system?: string } | undefined {
    if ('turns' in prompt) return this.renderTurns(prompt.turns, vars, prompt.location)
    const rendered = this.render(prompt.template, vars, prompt.location)
    if (rendered === undefined) return undefined
    if (!prompt.chatFile) return promptTurns(rendered)
    const chat = chatOf(rendered)
    if (chat) return chatMessages(chat)
    // Its problem as written says where to look; the rendered text's would differ from test to test.
    const { file, problem } = prompt.chatFile
    this.reportAt(
      file,
      problem.line,
      `${problem.message}, and rendered it is not a list of chat turns either${CHAT_FILE_FIX}`,
    )
    return undefined
  }

  /**
   * Chat turns with their text rendered and file:// image sources read as base64 image blocks; `system`
   * turns become the system prompt.
   */
  renderTurns(turns: unknown[], vars: Record<string, unknown>, location: Location) {
    const problemsBefore = this.problems.length
    const rendered = turns.map((turn, i): ChatTurn => {
      const { role, content } = turn as { role: ChatTurn['role']; content: string | Config[] }
      const contentAt = at(location, i, 'content')
      if (typeof content === 'string') return { role, content: this.render(content, vars, contentAt) ?? '' }
      const blocks = content.map((block, j) => this.renderBlock(block, vars, at(contentAt, j)))
      return { role, content: blocks as unknown as ContentBlockParam[] }
    })
    return this.problems.length > problemsBefore ? undefined : chatMessages(rendered)
  }

  renderBlock(block: Config, vars: Record<string, unknown>, location: Location): Config {
    if (block.type === 'text' && typeof block.text === 'string') {
      return { ...block, text: this.render(block.text, vars, location) ?? '' }
    }
    if (block.type === 'image' && isFileRef(block.source)) {
      const mediaType = imageMediaType(block.source)
      if (!mediaType) {
        this.report(
          location,
          `${block.source} is not an image the API takes: use .png, .jpg, .jpeg, .gif or .webp`,
        )
        return block
      }
      const data = this.readRef(block.source, location, (file) => this.options.io.readBinary(file))
      return {
        type: 'image',
        source: { type: 'base64', media_type: mediaType, data: Buffer.from(data ?? []).toString('base64') },
      }
    }
    return block
  }
}

/** Loads every suite into one run; throws a SuiteError listing every problem in every file. */
export async function loadSuites(files: string[], options: SuiteOptions): Promise<EvalCase[]> {
  const loader = new SuiteLoader(options)
  const pending: PendingCase[] = []
  // One push per case: spreading 100,000s of cases into push's arguments overflows the stack.
  for (const file of files) for (const testCase of await loader.loadSuite(file)) pending.push(testCase)
  const problems = [...loader.problems, ...loader.duplicateIds]
  if (problems.length > 0) throw new SuiteError(inReadingOrder(problems))
  return assignIds(pending)
}

/** Problems by file (in the order the files were read), then by line. */
function inReadingOrder(problems: SuiteProblem[]): SuiteProblem[] {
  const fileOrder = [...new Set(problems.map((p) => p.file))]
  return problems
    .map((problem, index) => ({ problem, index }))
    .sort(
      (a, b) =>
        fileOrder.indexOf(a.problem.file) - fileOrder.indexOf(b.problem.file) ||
        a.problem.line - b.problem.line ||
        a.index - b.index,
    )
    .map(({ problem }) => problem)
}

/**
 * Final ids: the one the author wrote, else one derived from the file and the description (or, without one,
 * a hash of the vars and prompt), so that ids stay stable while tests are added or moved; a test crossed
 * with several prompts or providers gets their labels in brackets. Derived ids that clash get a suffix.
 */
function assignIds(pending: PendingCase[]): EvalCase[] {
  // The given ids, gathered only once an id is derived: most large suites give every test its id.
  let taken: Set<string> | undefined
  // By test, whose cases (one per prompt and provider) share its id. Not by file and line: tests written on
  // one line (`tests: [{…}, {…}]`), or a tests file named twice, would share one.
  const uniqueIds = new Map<number, string>()
  const cases: EvalCase[] = new Array(pending.length)
  for (let i = 0; i < pending.length; i++) {
    const { evalCase, id, derived, variant, test } = pending[i]
    let base = id
    if (derived) {
      let unique = uniqueIds.get(test)
      if (unique === undefined) {
        taken ??= givenIds(pending)
        unique = id
        for (let n = 2; taken.has(unique); n++) unique = `${id}-${n}`
        taken.add(unique)
        uniqueIds.set(test, unique)
      }
      base = unique
    }
    evalCase.id = variant ? `${base} [${variant}]` : base
    cases[i] = evalCase
  }
  return cases
}

/** A prompt template; one that is a JSON list of chat turns as written is read as those turns. */
function promptOf(label: string, template: string, location: Location): PromptTemplate {
  const turns = chatOf(template)
  return turns ? { label, turns, location } : { label, template, location }
}

function sourceOf(file: string, format: SourceFormat, lines: SourceLines): Source {
  return { file, directory: path.dirname(file), format, lines }
}

function givenIds(pending: PendingCase[]): Set<string> {
  const ids = new Set<string>()
  for (const { id, derived } of pending) if (!derived) ids.add(id)
  return ids
}

/**
 * An assertion with the `{{ var }}` templates of its values rendered (nested assert-set entries too).
 * JavaScript is left as written: its braces are code.
 */
function renderAssertionValues(raw: Config, vars: Record<string, unknown>): Config {
  const render = (value: unknown): unknown => {
    if (typeof value === 'string' && !isFileRef(value)) return renderTemplate(value, vars)
    if (Array.isArray(value)) return value.map(render)
    return value
  }
  const rendered: Config = { ...raw }
  if (raw.value !== undefined && !String(raw.type).endsWith('javascript')) rendered.value = render(raw.value)
  if (Array.isArray(raw.assert))
    rendered.assert = raw.assert.map((inner: Config) => renderAssertionValues(inner, vars))
  return rendered
}

function judgeOptionsOf(options: unknown): JudgeOptions {
  if (typeof options !== 'object' || options === null) return {}
  const { provider, rubricPrompt } = options as Config
  return {
    ...(provider !== undefined && { provider }),
    ...(rubricPrompt !== undefined && { rubricPrompt }),
  }
}

/**
 * A model-graded assertion (also inside an assert-set) with the test's or defaultTest's judge options for
 * the keys it does not set itself; any other assertion as written.
 */
function withJudgeOptions(raw: Config, judge: JudgeOptions): Config {
  if (judge.provider === undefined && judge.rubricPrompt === undefined) return raw
  if (typeof raw !== 'object' || raw === null) return raw
  if (Array.isArray(raw.assert)) {
    return { ...raw, assert: raw.assert.map((inner: Config) => withJudgeOptions(inner, judge)) }
  }
  if (typeof raw.type !== 'string' || !isModelGraded(raw.type)) return raw
  return { ...judge, ...raw }
}

/** An assertion written as exactly `{ type, value }`, both strings: most of a large suite's. */
function isTypeValue(raw: Config): raw is { type: string; value: string } {
  if (
    typeof raw !== 'object' ||
    raw === null ||
    typeof raw.type !== 'string' ||
    typeof raw.value !== 'string'
  ) {
    return false
  }
  const keys = Object.keys(raw)
  return keys.length === 2 && keys[0] === 'type' && keys[1] === 'value'
}

function isAssertionType(valuePath: ValuePath): boolean {
  return valuePath.at(-1) === 'type' && valuePath.at(-3) === 'assert'
}

/**
 * The text's runs of a-z and 0-9 (after lower-casing), joined by '-', cut to 60 characters without a
 * trailing '-'. One pass, as `text.toLowerCase().replace(/[^a-z0-9]+/g, '-')`, trimmed of '-', would give.
 */
function slug(text: string): string {
  const lower = text.toLowerCase()
  let slugged = ''
  let separated = false
  for (let i = 0; i < lower.length && slugged.length < 60; i++) {
    const code = lower.charCodeAt(i)
    if ((code >= 97 && code <= 122) || (code >= 48 && code <= 57)) {
      if (separated && slugged !== '') slugged += '-'
      slugged += lower[i]
      separated = false
    } else separated = true
  }
  // At most one '-' in a row, so at most one to drop after the cut.
  slugged = slugged.slice(0, 60)
  return slugged.endsWith('-') ? slugged.slice(0, -1) : slugged
}

function hashOf(value: unknown): string {
  return hash('sha256', JSON.stringify(value), 'hex').slice(0, 10)
}
