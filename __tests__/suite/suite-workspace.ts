/** A workspace made afresh for each test, and suites loaded from it as the action loads them. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { assertionCompiler } from '../../src/grading/assertion-compiler.js'
import { fileSystemSuiteIO } from '../../src/suite/file-system.js'
import { loadSuiteRun, SuiteError, type LoadOptions } from '../../src/suite/loader.js'
import { loadSuites } from '../fixtures/load-suites.js'

export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'suites')

/** The test's workspace, a new directory for each test of the file that imports this module. */
let workspace: string
beforeEach(() => {
  workspace = mkdtempSync(path.join(tmpdir(), 'suite-'))
})
afterEach(() => rmSync(workspace, { recursive: true, force: true }))

/** Writes files (workspace-relative path -> text) and returns their absolute paths. */
export function write(files: Record<string, string>): string[] {
  return Object.entries(files).map(([file, text]) => {
    const absolute = path.join(workspace, file)
    mkdirSync(path.dirname(absolute), { recursive: true })
    writeFileSync(absolute, text)
    return absolute
  })
}

export const load = (suites: string[], model?: string, root = workspace) =>
  loadSuites(suites, { workspace: root, model, io: fileSystemSuiteIO, assertions: assertionCompiler })

/** Loads as the action does, with its `model` and `provider-override` inputs: the cases and the warnings. */
export const loadRun = (
  suites: string[],
  inputs: Pick<LoadOptions, 'model' | 'providerOverride'> = { model: undefined },
) => loadSuiteRun(suites, { workspace, ...inputs, io: fileSystemSuiteIO, assertions: assertionCompiler })

export const loadText = (text: string, file = 'evals/suite.yml', model?: string) =>
  load(write({ [file]: text }).slice(0, 1), model)

export async function problemsOf(suites: string[], root = workspace): Promise<string[]> {
  try {
    await load(suites, undefined, root)
  } catch (error) {
    if (error instanceof SuiteError) return error.problems.map((p) => `${p.file}:${p.line}: ${p.message}`)
    throw error
  }
  throw new Error('expected the suite to be refused')
}

export const problemsOfText = (text: string, file = 'evals/suite.yml') => problemsOf(write({ [file]: text }))
