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
import { FileRefusedError, imageMediaType, isFileRef, resolveFileRef } from './file-refs.js'
import {
  AssertionCompileError,
  compileAssertion,
  compileTransform,
  isModelGraded,
  parseTestThreshold,
  type CompiledAssertion,
  type CompiledTransform,
  type GraderIO,
} from '../grading/graders/index.js'
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
import { suiteSchemaProblems, testSchemaProblems, type SchemaProblem } from './schema.js'
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
} from './source.js'
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

/**
 * How the loader reads what suites reference; absolute paths in, errors thrown for missing files, and a
 * FileRefusedError for a file the IO will not read (outside the workspace, say), reported where it is named.
 */
export interface SuiteIO extends GraderIO {
  readBinary(absolutePath: string): Uint8Array
  /** A text file's lines, as `readText(file).split('\n')` gives them, read a piece at a time. */
  readLines(absolutePath: string): Iterable<string>
  /** The files an absolute glob (`*`, `?`, `[…]`, `**`) matches, in sorted order. */
  globFiles(absolutePattern: string): Promise<string[]>
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

/** A `prompts:` entry as written: a template or file:// path, or an object naming one. */
type PromptEntry = string | { raw?: string; id?: string; label?: string }

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
  /** defaultTest's vars, read once for each way a test expands lists (`disableVarExpansion`), as needed. */
  varsFor(expand: boolean): Record<string, unknown>
  /** defaultTest's vars as written, for the labels of combinations. */
  writtenVars: { value: unknown; location: Location }
  /** Whether defaultTest lets lists in vars make one test per item. */
  expandVars: boolean
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

/** What a test's cases share, whatever the combination of its vars: made once per test. */
interface TestCrossing {
  test: Config
  location: Location
  defaults: SuiteDefaults
  /** Problems found before the test, so that a test with problems of its own makes no case. */
  problemsBefore: number
  file: string
  line: number
  params: RequestParams
  judge: JudgeOptions
  threshold: number | undefined
  transform: CompiledTransform | undefined
  prompts: PromptTemplate[]
  models: TestModel[]
}

/** A combination of the items of a test's list-valued vars, and the label that shows them in its id. */
interface VarCombination {
  vars: Record<string, unknown>
  label: string
}

/** The combinations one test may make: as many requests as one batch takes. */
const MAX_COMBINATIONS = 100_000

/** How much of a list item a combination's label shows. */
const LABEL_VALUE_LENGTH = 24

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
    } catch (error) {
      if (from) fail(this.unreadableRefMessage(from.ref, file, error))
      else if (error instanceof FileRefusedError) fail(error.about(this.display(file)))
      else fail(`${this.display(file)} does not exist or cannot be read`)
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
    } catch (error) {
      this.report(location, this.unreadableRefMessage(ref, file, error))
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

  /**
   * Why the file a file:// reference names (or one its glob matches) could not be read: it is refused, or a
   * directory, else it does not exist.
   */
  unreadableRefMessage(ref: string, file: string, error: unknown): string {
    if (error instanceof FileRefusedError) {
      return error.about(isGlob(ref) ? `${ref} matches ${this.display(file)}, which` : ref)
    }
    if ((error as NodeJS.ErrnoException).code === 'EISDIR') {
      return `${ref} is a directory (${this.display(file)}): name a file in it`
    }
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
    const tests = (await this.testsOfSuite(config.tests, at(root, 'tests'))).filter(
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
    const options = defaultTest.options as Config | undefined
    const transform = options?.transform
    const model = (config.model as string | undefined) ?? this.options.model
    const expandVars = options?.disableVarExpansion !== true
    const varsByExpansion = new Map<boolean, Record<string, unknown>>()
    const varsFor = (expand: boolean) => {
      let vars = varsByExpansion.get(expand)
      if (!vars) {
        vars = this.vars(defaultTest.vars, at(defaultAt, 'vars'), {}, expand)
        varsByExpansion.set(expand, vars)
      }
      return vars
    }
    // Read now, so that a problem in defaultTest's vars is reported even for a suite with no tests.
    varsFor(expandVars)
    return {
      params: this.requestParams(config, root),
      prompts: config.prompts === undefined ? undefined : this.prompts(config.prompts, at(root, 'prompts')),
      models:
        config.providers === undefined
          ? [{ label: '', model, params: {} }]
          : this.providers(config.providers, at(root, 'providers')),
      varsFor,
      writtenVars: { value: defaultTest.vars, location: at(defaultAt, 'vars') },
      expandVars,
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
    const entries = isFileRef(value) ? [value] : (value as PromptEntry[])
    const isUnique = this.labelCheck('prompts')
    return entries.flatMap((entry, i) => {
      const entryAt = isFileRef(value) ? location : at(location, i)
      const prompts = this.promptsOfEntry(entry, i, entryAt)
      const ref = typeof entry === 'string' && isFileRef(entry) ? entry : undefined
      // A string entry takes a label only once written as an object.
      const fix = ref ? `, writing it as {id: ${ref}, label: …}` : ''
      for (const prompt of prompts) if (!isUnique(prompt.label, entryAt, fix)) break
      return prompts
    })
  }

  /**
   * The prompts of one `prompts:` entry: a template, or a file:// path (written as the entry, or as an object's
   * `id` or `raw`, as promptfoo reads both) to a text file of prompts separated by `---` lines or a chat file.
   */
  promptsOfEntry(entry: PromptEntry, i: number, location: Location): PromptTemplate[] {
    if (typeof entry === 'string') return this.promptsOf(entry, undefined, i, location)
    const source = entry.raw ?? entry.id
    if (source === undefined) {
      this.report(location, "a prompt object needs 'id' (a file://path) or 'raw' (the template itself)")
      return []
    }
    // Beside `raw`, an id that is not a path names the prompt, as it did before ids could be paths.
    const label = entry.label ?? (entry.raw !== undefined && !isFileRef(entry.id) ? entry.id : undefined)
    return this.promptsOf(source, label, i, location)
  }

  /** The prompts of a template or file:// path, with `label` (else the file's name, or the entry's number). */
  promptsOf(source: string, label: string | undefined, i: number, location: Location): PromptTemplate[] {
    if (!isFileRef(source)) return [promptOf(label ?? `prompt ${i + 1}`, source, location)]
    const name = label ?? path.basename(source)
    if (/\.(?:json|ya?ml)$/i.test(source)) return this.chatPromptFile(source, name, location)
    const text = this.readRef(source, location, (file) => this.options.io.readText(file))
    if (text === undefined) return []
    const prompts = splitPromptFile(text)
    return prompts.map((template, n) =>
      promptOf(prompts.length > 1 ? `${name} #${n + 1}` : name, template, location),
    )
  }

  /**
   * A .json, .yaml or .yml prompt file, which holds chat turns (as in promptfoo), each at its line there; one
   * that does not is a problem, not a prompt sent as text.
   */
  chatPromptFile(ref: string, label: string, location: Location): PromptTemplate[] {
    const text = this.readRef(ref, location, (file) => this.options.io.readText(file))
    if (text === undefined) return []
    const file = resolveFileRef(ref, location.source.file)
    const format = /\.json$/i.test(ref) ? 'json' : 'yaml'
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
    const isUnique = this.labelCheck('providers')
    return entries.flatMap((entry, i) => {
      const entryAt = Array.isArray(value) ? at(location, i) : location
      try {
        const provider = parseProvider(entry)
        isUnique(provider.label, entryAt)
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

  /**
   * Whether each label of a `prompts:` or `providers:` list is its own: the cases of a test crossed with two
   * alike would get the same id. The second of two is reported at its entry, with `fix` added.
   */
  labelCheck(kind: 'prompts' | 'providers'): (label: string, location: Location, fix?: string) => boolean {
    const first = new Map<string, Location>()
    return (label, location, fix = '') => {
      const earlier = first.get(label)
      if (!earlier) {
        first.set(label, location)
        return true
      }
      this.report(
        location,
        `two ${kind} are both labelled '${label}' (the first at line ${this.lineOf(earlier)}): ` +
          `give each a \`label\` of its own${fix}`,
      )
      return false
    }
  }

  /** The models of a test that names its own: one list per name, as 100,000s of tests name the same few. */
  ownModels(model: string): TestModel[] {
    let models = this.testModels.get(model)
    if (!models) this.testModels.set(model, (models = [{ label: '', model, params: {} }]))
    return models
  }

  /**
   * Vars written at `location`, over those of `base`; a string value file://path becomes the file's text
   * (images: base64), and so does each file:// item of a list that is to be expanded (`expand`).
   */
  vars(
    value: unknown,
    location: Location,
    base: Record<string, unknown>,
    expand: boolean,
  ): Record<string, unknown> {
    const written = (value ?? {}) as Record<string, unknown>
    const vars = { ...base, ...written }
    for (const [name, var_] of Object.entries(written)) {
      const varAt = at(location, name)
      if (isFileRef(var_)) vars[name] = this.readVar(var_, varAt)
      else if (expand && isExpandable(var_) && var_.some(isFileRef)) {
        vars[name] = var_.map((item, i) => (isFileRef(item) ? this.readVar(item, at(varAt, i)) : item))
      }
    }
    return vars
  }

  /** A file:// var's content; empty when it cannot be read (reported), so that templates report nothing more. */
  readVar(ref: string, location: Location): string {
    const text = imageMediaType(ref)
      ? this.readRef(ref, location, (file) =>
          Buffer.from(this.options.io.readBinary(file)).toString('base64'),
        )
      : this.readRef(ref, location, (file) => this.options.io.readText(file))
    return text ?? ''
  }

  /** A test's vars over defaultTest's; `expand` is whether its lists make one test per combination. */
  testVars(test: Config, location: Location, defaults: SuiteDefaults, expand: boolean) {
    const base = defaults.varsFor(expand)
    return test.vars === undefined ? { ...base } : this.vars(test.vars, at(location, 'vars'), base, expand)
  }

  /**
   * The combinations of a test's list-valued vars, as promptfoo makes them (one test each); the lists are
   * labelled with their items as `written` (a file:// path, not its text). Too many is a problem at `location`.
   */
  varCombinations(
    vars: Record<string, unknown>,
    written: () => Config,
    location: Location,
  ): VarCombination[] {
    const lists = Object.keys(vars).filter((name) => isExpandable(vars[name]))
    if (lists.length === 0) return [{ vars, label: '' }]
    const count = lists.reduce((product, name) => product * (vars[name] as unknown[]).length, 1)
    if (count > MAX_COMBINATIONS) {
      const sizes = lists.map((name) => `${name} ${(vars[name] as unknown[]).length}`).join(' × ')
      this.report(
        location,
        `the lists in vars make ${count.toLocaleString('en-US')} combinations (${sizes}), more than the ` +
          `${MAX_COMBINATIONS.toLocaleString('en-US')} one test may make: split the test, or set ` +
          '`options: { disableVarExpansion: true }` to pass the lists as they are',
      )
      return []
    }
    const writtenVars = written()
    let combinations = [{ vars, labels: [] as string[] }]
    for (const name of lists) {
      const items = vars[name] as unknown[]
      const shown = writtenVars[name] as unknown[]
      combinations = combinations.flatMap((combination) =>
        items.map((item, i) => ({
          vars: { ...combination.vars, [name]: item },
          labels: [...combination.labels, `${name}=${shortValue(shown[i])}`],
        })),
      )
    }
    return numberRepeats(combinations.map(({ vars, labels }) => ({ vars, label: labels.join(', ') })))
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

  /** The suite's `tests`: inline tests and the tests of the files it references (a glob: every file it matches). */
  async testsOfSuite(value: unknown, location: Location): Promise<{ test: Config; location: Location }[]> {
    const problemsBefore = this.problems.length
    const entries = isFileRef(value) ? [value] : ((value ?? []) as unknown[])
    const tests: { test: Config; location: Location }[] = []
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]
      const entryAt = isFileRef(value) ? location : at(location, i)
      if (!isFileRef(entry)) {
        tests.push({ test: entry as Config, location: entryAt })
        continue
      }
      for (const file of await this.testsFiles(entry, entryAt)) {
        const testsFile = this.readSource(file, { location: entryAt, ref: entry })
        // One push per test: a tests file may hold 100,000s, too many to spread into push's arguments.
        if (testsFile)
          for (const test of this.testsOfList(testsFile.source, testsFile.value)) tests.push(test)
      }
    }
    if (tests.length === 0 && this.problems.length === problemsBefore) {
      this.report(
        location,
        'the suite has no tests: add a `tests:` list with at least one test (a prompt and its asserts)',
      )
    }
    return tests
  }

  /**
   * The files a tests reference written at `location` names: its path, or the files its glob matches, sorted
   * (none is a problem). The suite itself is left out: a glob beside it may match it, and it is no tests file.
   */
  async testsFiles(ref: string, location: Location): Promise<string[]> {
    const file = resolveFileRef(ref, location.source.file)
    if (!isGlob(ref)) return [file]
    // Only the reference is a pattern: a `[` in the name of the suite's own directory is that character.
    const directory = location.source.directory.replace(/[*?[]/g, '[$&]')
    const pattern = resolveFileRef(ref, path.join(directory, path.basename(location.source.file)))
    let matches: string[]
    try {
      matches = (await this.options.io.globFiles(pattern)).filter((match) => match !== location.source.file)
    } catch (error) {
      if (!(error instanceof FileRefusedError)) throw error
      this.report(location, error.about(`${ref} searches ${this.display(error.file)}, which`))
      return []
    }
    if (matches.length === 0) {
      this.report(
        location,
        `${ref} matches no file (looked for ${this.display(file)}); paths are relative to the file that names them`,
      )
    }
    return matches
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

  /**
   * One test crossed with the suite's prompts and providers (unless it names its own prompt or model); a test
   * whose vars hold lists is one test per combination of their items, as in promptfoo.
   */
  async casesOfTest(test: Config, location: Location, defaults: SuiteDefaults): Promise<PendingCase[]> {
    const testNumber = this.tests++
    const problemsBefore = this.problems.length
    const givenId = test.id === undefined ? undefined : String(test.id)
    if (givenId !== undefined) this.useId(givenId, location)

    const options = test.options as Config | undefined
    const expand =
      typeof options?.disableVarExpansion === 'boolean' ? !options.disableVarExpansion : defaults.expandVars
    const vars = this.testVars(test, location, defaults, expand)
    const crossing: TestCrossing = {
      test,
      location,
      defaults,
      problemsBefore,
      file: this.display(location.source.file),
      line: this.lineOf(location),
      params: this.requestParams(test, location),
      judge: options === undefined ? defaults.judge : { ...defaults.judge, ...judgeOptionsOf(options) },
      threshold: test.threshold === undefined ? defaults.threshold : this.threshold(test.threshold, location),
      transform:
        (typeof options?.transform === 'string'
          ? await this.transform(options.transform, at(location, 'options', 'transform'))
          : undefined) ?? defaults.transform,
      prompts: this.testPrompts(test, location, defaults),
      models: this.testModelsOf(test, location, defaults),
    }
    const description = test.description as string | undefined
    const id =
      givenId ??
      `${this.stem(crossing.file)}/${slug(description ?? '') || hashOf([vars, test.prompt ?? test.messages ?? null])}`
    const written = () => ({ ...(defaults.writtenVars.value as Config), ...(test.vars as Config) })
    const combinations = expand
      ? this.varCombinations(vars, written, at(location, 'vars'))
      : [{ vars, label: '' }]
    const cases: PendingCase[] = []
    for (const combination of combinations) {
      for (const { evalCase, variant } of await this.casesOfCombination(crossing, combination)) {
        cases.push({ evalCase, id, derived: givenId === undefined, variant, test: testNumber })
      }
    }
    return cases
  }

  /** A test's prompts: its own `prompt` or `messages`, else the suite's (a test with none is reported). */
  testPrompts(test: Config, location: Location, defaults: SuiteDefaults): PromptTemplate[] {
    if (typeof test.prompt === 'string') return [promptOf('', test.prompt, at(location, 'prompt'))]
    if (Array.isArray(test.messages))
      return [{ label: '', turns: test.messages, location: at(location, 'messages') }]
    // With `prompts:` written but unreadable, that problem is reported already.
    if (defaults.prompts === undefined) {
      this.report(
        location,
        'this test has no prompt: add `prompt:` or `messages:`, or a top-level `prompts:` list',
      )
    }
    return defaults.prompts ?? []
  }

  /** A test's models: the one it names, else the suite's providers or model (a test with none is reported). */
  testModelsOf(test: Config, location: Location, defaults: SuiteDefaults): TestModel[] {
    const models = typeof test.model === 'string' ? this.ownModels(test.model) : defaults.models
    if (models.some((m) => !m.model)) {
      this.report(
        location,
        "no model for this test: set `model:` in the suite or the test, or the action's `model` input",
      )
    }
    return models
  }

  /** The cases of one combination of a test's vars: one per prompt and model, with the labels that tell them apart. */
  async casesOfCombination(
    crossing: TestCrossing,
    { vars, label }: VarCombination,
  ): Promise<{ evalCase: EvalCase; variant: string }[]> {
    const { test, location, defaults, prompts, models } = crossing
    // defaultTest's assertions, then the test's, in one list; a list that is not written adds nothing. concat
    // makes a list of exactly their length: one grown by push keeps spare room, in each of 100,000s of tests.
    const defaultAssertions = await this.assertions(
      defaults.assert.value,
      defaults.assert.location,
      vars,
      crossing.judge,
    )
    const assertions = defaultAssertions.concat(
      test.assert === undefined
        ? []
        : await this.assertions(test.assert, at(location, 'assert'), vars, crossing.judge),
    )
    const cases: { evalCase: EvalCase; variant: string }[] = []
    for (const prompt of prompts) {
      for (const model of models) {
        const merged = { ...defaults.params, ...model.params, ...crossing.params }
        const turns = this.renderPrompt(prompt, vars)
        const system = turns?.system ?? this.renderSystem(merged.system, vars, at(location, 'system'))
        if (!turns || !model.model || this.problems.length > crossing.problemsBefore) continue
        const evalCase: EvalCase = {
          id: '',
          description: test.description as string | undefined,
          file: crossing.file,
          line: crossing.line,
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
          threshold: crossing.threshold,
          transform: crossing.transform,
          ...(typeof test.repeat === 'number' && { repeat: test.repeat }),
        }
        // The labels that tell this case from its siblings, joined with ', ' (empty ones left out).
        const variant = [label, prompts.length > 1 ? prompt.label : '', models.length > 1 ? model.label : '']
          .filter((part) => part !== '')
          .join(', ')
        cases.push({ evalCase, variant })
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

/**
 * Whether promptfoo expands a var's value into one test per item: a list whose first item is a string. Other
 * lists (of numbers, of objects, or empty) stay lists, as does any list under `disableVarExpansion`.
 */
function isExpandable(value: unknown): value is unknown[] {
  return Array.isArray(value) && typeof value[0] === 'string'
}

/** A list item as a label shows it: on one line, cut to LABEL_VALUE_LENGTH characters. */
function shortValue(value: unknown): string {
  const text = (typeof value === 'string' ? value : String(JSON.stringify(value))).replace(/\s+/g, ' ').trim()
  return text.length > LABEL_VALUE_LENGTH ? `${text.slice(0, LABEL_VALUE_LENGTH - 1)}…` : text
}

/** Combinations whose labels are the same (a list holding an item twice, or items cut alike) numbered #2, #3… */
function numberRepeats(combinations: VarCombination[]): VarCombination[] {
  const seen = new Map<string, number>()
  return combinations.map(({ vars, label }) => {
    const n = (seen.get(label) ?? 0) + 1
    seen.set(label, n)
    return { vars, label: n === 1 ? label : `${label} #${n}` }
  })
}

/** Whether a file:// reference is a glob: `*`, `?` or `[…]` in its path. */
function isGlob(ref: string): boolean {
  return /[*?[]/.test(ref)
}

function hashOf(value: unknown): string {
  return hash('sha256', JSON.stringify(value), 'hex').slice(0, 10)
}
