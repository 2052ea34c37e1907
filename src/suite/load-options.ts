/** What loading suites is given: where paths are relative to, how files are read, and how assertions compile. */
import type { CompiledAssertion, CompiledTransform } from '../model.js'
import type { ProviderOverride } from './providers.js'

/**
 * How the loader reads what suites reference; absolute paths in, errors thrown for missing files, and a
 * FileRefusedError for a file the IO will not read (outside the workspace, say), reported where it is named.
 */
export interface SuiteIO {
  /** Reads a text file (a file:// reference, a suite, a tests file). */
  readText(absolutePath: string): string
  /** Imports a JS module referenced as file://; the IO may refuse it as readText does. */
  importModule(absolutePath: string): Promise<Record<string, unknown>>
  readBinary(absolutePath: string): Uint8Array
  /** A text file's lines, as `readText(file).split('\n')` gives them, read a piece at a time. */
  readLines(absolutePath: string): Iterable<string>
  /** The files an absolute glob (`*`, `?`, `[…]`, `**`) matches, in sorted order. */
  globFiles(absolutePattern: string): Promise<string[]>
}

/** An error of an assertion as written, with the path from it to the key at fault. */
export type AssertionProblem = Error & { readonly path: readonly (string | number)[] }

/**
 * What an assertion loads with, said once for the run rather than refused: a `threshold` on a type that passes
 * or fails (dropped, as promptfoo ignores it too), or a promptfoo type that is not graded here (each such
 * assertion fails its test with the reason). `path` leads from the assertion to the key.
 */
export interface AssertionWarning {
  kind: 'ignored-threshold' | 'ungradable'
  type: string
  path: readonly (string | number)[]
}

/**
 * What the suite needs of the grading stage, which comes after it: assertions and transforms are compiled as
 * the suite is read, so that a wrong one is reported at its line before anything is submitted. The caller
 * passes grading's compiler in; the suite carries what it makes to the graders unread.
 */
export interface AssertionCompiler {
  /** Compiles one assertion; what it drops as meaning nothing (but loads) is told to `warn`. */
  compileAssertion(
    raw: Record<string, unknown>,
    baseDir: string,
    io: SuiteIO,
    warn?: (warning: AssertionWarning) => void,
  ): Promise<CompiledAssertion>
  compileTransform(source: string, baseDir: string, io: SuiteIO): Promise<CompiledTransform>
  /** A test's `threshold`, checked: an AssertionProblem (path `threshold`) for one out of range. */
  parseTestThreshold(value: unknown): number | undefined
  /** Whether an assertion of `type` is graded by a judge model, and so takes a test's judge options. */
  isModelGraded(type: string): boolean
  /** Whether `error` is one the compiler throws for an assertion as written, rather than a bug. */
  isAssertionProblem(error: unknown): error is AssertionProblem
  /** The judge model of a model-graded assertion that names no Anthropic provider nothing maps. */
  defaultJudgeModel: string
}

export interface LoadOptions {
  /** Paths in messages and results are relative to it. */
  workspace: string
  /** The action's `model` input, for tests that name none, and for providers that are not Anthropic. */
  model: string | undefined
  /** The action's `provider-override` input: the models non-Anthropic providers run as. */
  providerOverride?: ProviderOverride
  io: SuiteIO
  assertions: AssertionCompiler
}
