/**
 * The problems found while loading suites, each at its file and line: collected rather than thrown, so that
 * an author sees every problem of every file at once, before anything is submitted.
 */
import path from 'node:path'
import { UserError } from '../common/user-error.js'
import type { SourceFormat, SourceLines, SourceProblem, ValuePath } from './source.js'

export interface SuiteProblem {
  file: string
  line: number
  message: string
}

/** Thrown with every problem found, so that one run shows them all: the user's to fix, not a bug. */
export class SuiteError extends UserError {
  constructor(readonly problems: SuiteProblem[]) {
    super(
      `The suite has ${problems.length} problem${problems.length === 1 ? '' : 's'}; nothing was submitted.\n` +
        problems.map((p) => `  ${p.file}:${p.line}: ${p.message}`).join('\n'),
    )
  }
}

/** A parsed file, with the lines of its values. */
export interface Source {
  file: string
  /** The file's directory, which its relative references are resolved from. */
  directory: string
  format: SourceFormat
  lines: SourceLines
}

/** Where something is written: a file and the path of the value in it. */
export interface Location {
  source: Source
  path: ValuePath
}

export const at = (location: Location, ...more: (string | number)[]): Location => ({
  source: location.source,
  path: [...location.path, ...more],
})

export function sourceOf(file: string, format: SourceFormat, lines: SourceLines): Source {
  return { file, directory: path.dirname(file), format, lines }
}

export class ProblemLog {
  readonly problems: SuiteProblem[] = []
  private readonly reported = new Set<string>()
  /** Per file, not per test: a suite of 100,000 tests is a few files. */
  private readonly displayed = new Map<string, string>()

  /** Paths in messages are relative to `workspace`. */
  constructor(private readonly workspace: string) {}

  /** A file as messages name it: relative to the workspace, else absolute. */
  display(file: string): string {
    let shown = this.displayed.get(file)
    if (shown === undefined) {
      const relative = path.relative(this.workspace, file)
      shown = relative.startsWith('..') ? file : relative.split(path.sep).join('/')
      this.displayed.set(file, shown)
    }
    return shown
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

  /** A problem of a whole file (one that cannot be read, say), at its first line. */
  reportFile(file: string, message: string): void {
    this.problems.push({ file: this.display(file), line: 1, message })
  }

  syntaxProblem(file: string, problem: SourceProblem): void {
    this.problems.push({ file: this.display(file), ...problem })
  }

  /**
   * A check that each label of a `prompts:` or `providers:` list is its own: the cases of a test crossed with
   * two alike would get the same id. The second of two is reported at its entry, with `fix` added.
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
}

/** Problems by file (in the order the files were read), then by line. */
export function inReadingOrder(problems: SuiteProblem[]): SuiteProblem[] {
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
