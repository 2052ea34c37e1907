/**
 * Suite files and the tests files they reference, read and parsed, each test checked against the schema. A
 * file that cannot be read, or does not parse, is reported where it is named.
 */
import { csvTestReader } from './csv-tests.js'
import { FileRefusedError, isFileRef } from './file-refs.js'
import { ignoredSettingsOfSuite, ignoredSettingsOfTest } from './ignored-settings.js'
import type { SuiteIO } from './load-options.js'
import type { LoadWarnings } from './load-warnings.js'
import type { References, WrittenMapping } from './references.js'
import { at, sourceOf, type Location, type ProblemLog, type Source } from './problems.js'
import { suiteSchemaProblems, testSchemaProblems, type SchemaProblem } from './schema.js'
import { formatOf, parseSource, type SourceFormat } from './source.js'

/** A mapping as a suite writes it. */
export type Config = Record<string, unknown>

/** A test as written, and where. */
export interface WrittenTest {
  test: Config
  location: Location
}

export class Documents {
  private readonly testFromCsvRow: (row: Record<string, string>) => Config

  constructor(
    private readonly log: ProblemLog,
    private readonly refs: References,
    private readonly io: SuiteIO,
    private readonly warnings: LoadWarnings,
  ) {
    this.testFromCsvRow = csvTestReader()
  }

  /** Reads a suite file, or the tests file that `ref` (written at `from`) names, with `read`. */
  readFile<T>(
    file: string,
    read: (file: string) => T,
    from?: { location: Location; ref: string },
  ): { format: SourceFormat; content: T } | undefined {
    const format = formatOf(file)
    const fail = (message: string) => {
      if (from) this.log.report(from.location, message)
      else this.log.reportFile(file, message)
    }
    if (!format) {
      fail(`${this.log.display(file)} is not a suite file: use .yaml, .yml, .json, .jsonl or .csv`)
      return undefined
    }
    let content: T
    try {
      content = read(file)
    } catch (error) {
      if (from) fail(this.refs.unreadableMessage(from.ref, file, error))
      else if (error instanceof FileRefusedError) fail(error.about(this.log.display(file)))
      else fail(`${this.log.display(file)} does not exist or cannot be read`)
      return undefined
    }
    return { format, content }
  }

  /** A file's text parsed, its syntax problems reported. */
  parse(file: string, format: SourceFormat, text: string): { source: Source; value: unknown } | undefined {
    const parsed = parseSource(text, format)
    for (const problem of parsed.problems) this.log.syntaxProblem(file, problem)
    const document = parsed.document
    return document && { source: sourceOf(file, format, document), value: document.value }
  }

  /** Reports schema problems, and returns those that matter for loading. */
  schemaProblems(problems: SchemaProblem[], source: Source): SchemaProblem[] {
    // An unknown assertion type is left to the graders, whose message lists the types with a did-you-mean.
    const relevant = problems.filter((problem) => !isAssertionType(problem.path))
    for (const problem of relevant)
      this.log.report({ source, path: problem.path }, problem.message, problem.key)
    return relevant
  }

  /** Notes the promptfoo settings a suite file's value writes that change nothing, for the run's warning. */
  ignoredSettingsOfSuite(value: unknown, source: Source): void {
    ignoredSettingsOfSuite(value, (path, key) => this.warnings.ignoredSetting(key, { source, path }))
  }

  /**
   * promptfoo's `defaultTest: file://…` written at `location`: the file's mapping, checked against the schema as
   * an inline defaultTest is; undefined (reported) when it cannot be read or has a value of the wrong shape.
   */
  defaultTestFile(ref: string, location: Location): WrittenMapping | undefined {
    const read = this.refs.mappingFile(
      ref,
      location,
      'a defaultTest file holds a mapping of what every test shares, like {vars: {...}, assert: [...]}',
    )
    if (!read) return undefined
    const { source } = read.location
    // Checked as the suite's defaultTest, each problem at its path in the file.
    const inFile = <T extends { path: readonly (string | number)[] }>(problem: T) => ({
      ...problem,
      path: problem.path.slice(1),
    })
    const problems = this.schemaProblems(suiteSchemaProblems({ defaultTest: read.value }).map(inFile), source)
    ignoredSettingsOfSuite({ defaultTest: read.value }, (path, key) =>
      this.warnings.ignoredSetting(key, { source, path: path.slice(1) }),
    )
    return problems.some((problem) => problem.key === undefined) ? undefined : read
  }

  /** The suite's `tests`: inline tests and the tests of the files it references (a glob: every file it matches). */
  async testsOfSuite(value: unknown, location: Location): Promise<WrittenTest[]> {
    const problemsBefore = this.log.problems.length
    const entries = isFileRef(value) ? [value] : ((value ?? []) as unknown[])
    const tests: WrittenTest[] = []
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]
      const entryAt = isFileRef(value) ? location : at(location, i)
      if (!isFileRef(entry)) {
        tests.push({ test: entry as Config, location: entryAt })
        continue
      }
      // The suite itself is left out: a glob beside it may match it, and it is no tests file.
      for (const file of await this.refs.files(entry, entryAt, location.source.file)) {
        const testsFile = this.readTestsFile(file, { location: entryAt, ref: entry })
        // One push per test: a tests file may hold 100,000s, too many to spread into push's arguments.
        if (testsFile)
          for (const test of this.testsOfList(testsFile.source, testsFile.value)) tests.push(test)
      }
    }
    if (tests.length === 0 && this.log.problems.length === problemsBefore) {
      this.log.report(
        location,
        'the suite has no tests: add a `tests:` list with at least one test (a prompt and its asserts)',
      )
    }
    return tests
  }

  /** Reads and parses the tests file that `ref` (written at `from`) names. */
  private readTestsFile(file: string, from: { location: Location; ref: string }) {
    const read = this.readFile(file, (absolute) => this.io.readText(absolute), from)
    return read && this.parse(file, read.format, read.content)
  }

  /** The tests of a file that holds a list of them (YAML or JSON list, JSONL, CSV). */
  private testsOfList(source: Source, value: unknown): WrittenTest[] {
    if (!Array.isArray(value)) {
      this.log.report({ source, path: [] }, 'a tests file must hold a list of tests')
      return []
    }
    const tests: WrittenTest[] = []
    for (let i = 0; i < value.length; i++) {
      const location = { source, path: [i] }
      const test = this.testOf(value[i], location)
      if (test) tests.push({ test, location })
    }
    return tests
  }

  /** An item of a tests file (a CSV row is made a test) checked against the schema: the test, if it is one. */
  testOf(item: unknown, location: Location): Config | undefined {
    const { source } = location
    let test = item as Config
    if (source.format === 'csv') {
      try {
        test = this.testFromCsvRow(item as Record<string, string>)
      } catch (error) {
        this.log.report(location, (error as Error).message)
        return undefined
      }
    }
    const problems = this.schemaProblems(testSchemaProblems(test, location.path), source)
    ignoredSettingsOfTest(test, location.path, (path, key) =>
      this.warnings.ignoredSetting(key, { source, path }),
    )
    return problems.some((problem) => problem.key === undefined) ? undefined : test
  }
}

function isAssertionType(valuePath: readonly (string | number)[]): boolean {
  return valuePath.at(-1) === 'type' && valuePath.at(-3) === 'assert'
}
