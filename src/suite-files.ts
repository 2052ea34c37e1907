import { readFile } from 'node:fs/promises'
import path from 'node:path'
import * as glob from '@actions/glob'

export interface SuiteFile {
  /** The path as shown in messages and links: relative to the workspace. */
  file: string
  text: string
}

/** Expands the `suite` input's paths and globs (one per line) and reads each file once, in a stable order. */
export async function readSuiteFiles(patterns: string[], workspace: string): Promise<SuiteFile[]> {
  const paths = new Set<string>()
  for (const pattern of patterns) {
    const globber = await glob.create(path.resolve(workspace, pattern), { matchDirectories: false })
    const matches = (await globber.glob()).sort()
    if (matches.length === 0) {
      throw new Error(
        `Suite '${pattern}' matches no file under ${workspace}. Check the 'suite' input: paths are relative ` +
          'to the workspace, and the repository must be checked out (actions/checkout) before this step.',
      )
    }
    for (const match of matches) paths.add(match)
  }
  return Promise.all(
    [...paths].map(async (absolute) => ({
      file: path.relative(workspace, absolute).split(path.sep).join('/'),
      text: await readFile(absolute, 'utf8'),
    })),
  )
}
