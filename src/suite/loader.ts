/**
 * Suite files -> eval cases. A suite (YAML, JSON, JSONL or CSV, in promptfoo's vocabulary) is checked
 * against the published schema, its file:// references are read, its tests are crossed with its prompts and
 * providers, and each case gets the Messages API request it becomes. Every problem of every file is
 * collected with its file and line, so that an author sees them all at once, before anything is submitted.
 */
import { CaseAssertions } from './case-assertions.js'
import { assignIds, CaseIds, type PendingCase } from './case-ids.js'
import { CaseParams } from './case-params.js'
import { suiteFilters } from './custom-filters.js'
import { Documents, type Config } from './documents.js'
import { TestExpander } from './expansion.js'
import type { LoadOptions } from './load-options.js'
import { isFileRef } from './file-refs.js'
import { dereference } from './json-refs.js'
import { LoadWarnings } from './load-warnings.js'
import { at, inReadingOrder, ProblemLog, sourceOf, SuiteError, type Location } from './problems.js'
import { PromptTemplates } from './prompt-templates.js'
import { scenarioTests } from './scenarios.js'
import { References } from './references.js'
import { suiteSchemaProblems } from './schema.js'
import { DEFAULT_ENGINE } from './template.js'
import {
  csvRows,
  formatOf,
  itemLines,
  jsonLines,
  maxExpandedSize,
  type ListItem,
  type SourceFormat,
  type SourceProblem,
} from './source.js'
import type { EvalCase } from '../model.js'

export { DEFAULT_MAX_TOKENS } from './expansion.js'
export type { AssertionCompiler, LoadOptions, SuiteIO } from './load-options.js'
export { SuiteError, type SuiteProblem } from './problems.js'

/** The run's cases, and what the load changed of the suites as written, one warning each for the run. */
export interface LoadedSuites {
  cases: EvalCase[]
  warnings: string[]
}

/** Loads every suite into one run; throws a SuiteError listing every problem in every file. */
export async function loadSuiteRun(files: string[], options: LoadOptions): Promise<LoadedSuites> {
  const loader = new SuiteLoader(options)
  const pending: PendingCase[] = []
  // One push per case: spreading 100,000s of cases into push's arguments overflows the stack.
  for (const file of files) for (const testCase of await loader.casesOfFile(file)) pending.push(testCase)
  if (pending.length === 0 && loader.warnings.anySkipped) loader.warnings.reportNothingLeft()
  const problems = loader.problems()
  if (problems.length > 0) throw new SuiteError(problems)
  return { cases: assignIds(pending), warnings: loader.warnings.messages() }
}

/** The run's suites, read one file at a time, with the problems of all of them. */
class SuiteLoader {
  private readonly log: ProblemLog
  private readonly ids: CaseIds
  private readonly documents: Documents
  private readonly expander: TestExpander
  private readonly refs: References
  private readonly prompts: PromptTemplates
  readonly warnings: LoadWarnings

  constructor(private readonly options: LoadOptions) {
    const log = (this.log = new ProblemLog(options.workspace))
    const warnings = (this.warnings = new LoadWarnings(log))
    const refs = (this.refs = new References(log, options.io))
    const prompts = (this.prompts = new PromptTemplates(log, refs))
    this.ids = new CaseIds(log)
    this.documents = new Documents(log, refs, options.io, warnings)
    this.expander = new TestExpander(
      {
        log,
        refs,
        params: new CaseParams(
          log,
          refs,
          { override: options.providerOverride, model: options.model },
          warnings,
        ),
        prompts,
        assertions: new CaseAssertions(log, options.assertions, options.io, warnings, {
          override: options.providerOverride,
          model: options.model,
        }),
        ids: this.ids,
        warnings,
      },
      options.model,
    )
  }

  /** Every problem found, in reading order. */
  problems() {
    return inReadingOrder([...this.log.problems, ...this.ids.duplicates])
  }

  /** The cases of one suite file: a YAML or JSON suite, or a JSONL or CSV file of tests. */
  async casesOfFile(file: string): Promise<PendingCase[]> {
    const { io } = this.options
    this.prompts.useEngine(DEFAULT_ENGINE)
    if (formatOf(file) === 'jsonl') {
      // Never held whole: a file of 100,000 tests is tens of megabytes.
      const read = this.documents.readFile(file, (absolute) => io.readLines(absolute))
      return read ? this.casesOfList(file, read.format, jsonLines(read.content)) : []
    }
    const read = this.documents.readFile(file, (absolute) => io.readText(absolute))
    if (!read) return []
    if (read.format === 'csv') {
      const rows = csvRows(read.content)
      if ('items' in rows) return this.casesOfList(file, read.format, rows.items)
      this.log.syntaxProblem(file, rows.problem)
      return []
    }
    const parsed = this.documents.parse(file, read.format, read.content)
    if (!parsed) return []
    const { source } = parsed
    let { value } = parsed
    if (read.content.includes('$ref')) {
      const refs = dereference(value, maxExpandedSize(read.content))
      for (const problem of refs.problems)
        this.log.report({ source, path: problem.path }, problem.message, '$ref')
      if (refs.problems.length > 0) return []
      value = refs.value
    }
    const root: Location = { source, path: [] }
    // Unknown keys are reported but change nothing else; a value of the wrong shape stops its test (or, outside
    // the tests, the file), so that what is read next can rely on its shape.
    const badTests = new Set<number>()
    let fatal = false
    for (const problem of this.documents.schemaProblems(suiteSchemaProblems(value), source)) {
      if (problem.key !== undefined) continue
      if (problem.path[0] === 'tests' && typeof problem.path[1] === 'number') badTests.add(problem.path[1])
      else fatal = true
    }
    if (fatal) return []
    this.documents.ignoredSettingsOfSuite(value, source)
    const config = value as Config
    if (config.nunjucksFilters) {
      const filters = config.nunjucksFilters as Record<string, string>
      const engine = await suiteFilters(filters, at(root, 'nunjucksFilters'), io, this.refs, this.log)
      if (engine) this.prompts.useEngine(engine)
    }
    const defaultTestFile = isFileRef(config.defaultTest)
      ? this.documents.defaultTestFile(config.defaultTest, at(root, 'defaultTest'))
      : undefined
    const defaults = await this.expander.suiteDefaults(config, root, defaultTestFile)
    // A suite of scenarios alone has no `tests:`, which is no problem then.
    const written =
      config.tests === undefined && config.scenarios !== undefined
        ? []
        : await this.documents.testsOfSuite(config.tests, at(root, 'tests'))
    const tests = written
      .filter((test) => test.location.source !== source || !badTests.has(test.location.path[1] as number))
      .concat(scenarioTests(config.scenarios, at(root, 'scenarios')))
    return this.expander.casesOf(tests, defaults)
  }

  /**
   * The cases of a JSONL or CSV suite file, made test by test as its items are taken, so that a JSONL file
   * of 100,000 tests is never held parsed all at once.
   */
  private async casesOfList(
    file: string,
    format: SourceFormat,
    items: Iterable<ListItem | SourceProblem>,
  ): Promise<PendingCase[]> {
    const lines: number[] = []
    const source = sourceOf(file, format, itemLines(lines))
    const root: Location = { source, path: [] }
    const defaults = await this.expander.suiteDefaults({}, root)
    const cases: PendingCase[] = []
    let unparsed = 0
    for (const item of items) {
      if (!('value' in item)) {
        this.log.syntaxProblem(file, item)
        unparsed++
        continue
      }
      const location = { source, path: [lines.push(item.line) - 1] }
      const test = this.documents.testOf(item.value, location)
      if (test)
        for (const testCase of await this.expander.casesOfTest(test, location, defaults)) cases.push(testCase)
    }
    // A file with items has tests, or problems that say why not; lines that do not parse have said so.
    if (lines.length === 0 && unparsed === 0) {
      this.log.report(root, 'the file has no tests: add one test per line')
    }
    return cases
  }
}
