/** The file system edge of suites: the `suite` input's globs, and reading what suites reference. */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import * as glob from '@actions/glob'
import type { SuiteIO } from './suite.js'

/** Expands the `suite` input's paths and globs (one per line) into absolute paths, in a stable order. */
export async function findSuiteFiles(patterns: string[], workspace: string): Promise<string[]> {
  const files = new Set<string>()
  for (const pattern of patterns) {
    const globber = await glob.create(path.resolve(workspace, pattern), { matchDirectories: false })
    const matches = (await globber.glob()).sort()
    if (matches.length === 0) {
      throw new Error(
        `Suite '${pattern}' matches no file under ${workspace}. Check the 'suite' input: paths are relative ` +
          'to the workspace, and the repository must be checked out (actions/checkout) before this step.',
      )
    }
    for (const match of matches) files.add(match)
  }
  return [...files]
}

export const fileSystemSuiteIO: SuiteIO = {
  readText: (file) => readFileSync(file, 'utf8'),
  readBinary: (file) => readFileSync(file),
  // webpackIgnore: the bundle must import the user's module at run time, not try to bundle it.
  importModule: (file) => import(/* webpackIgnore: true */ pathToFileURL(file).href),
}
