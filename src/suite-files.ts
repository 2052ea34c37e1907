/** The file system edge of suites: the `suite` input's globs, and reading what suites reference. */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import * as glob from '@actions/glob'
import type { SuiteIO } from './suite.js'

/** Expands the `suite` input's paths and globs (one per line) into absolute paths, in a stable order. */
export async function findSuiteFiles(patterns: string[], workspace: string): Promise<string[]> {
  const files = new Set<string>()
  for (const pattern of patterns) {
    // A directory given as `suite` stands for the files under it.
    const matches = await sortedMatches(path.resolve(workspace, pattern), true)
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
  readLines,
  // Directories left out, not descended into.
  globFiles: (pattern) => sortedMatches(pattern, false),
  // webpackIgnore: the bundle must import the user's module at run time, not try to bundle it.
  importModule: (file) => import(/* webpackIgnore: true */ pathToFileURL(file).href),
}

/** The files an absolute glob matches, in sorted order; a matched directory's files with `descend`. */
async function sortedMatches(pattern: string, descend: boolean): Promise<string[]> {
  const globber = await glob.create(pattern, { matchDirectories: false, implicitDescendants: descend })
  return (await globber.glob()).sort()
}

const CHUNK_BYTES = 1 << 20

/**
 * A file's lines, read a megabyte at a time. A line is decoded from its own bytes, which gives what decoding
 * the whole file would: UTF-8 has no '\n' byte inside a character. The file is opened and its first
 * megabyte read here, so that a file that cannot be read throws at once, as with readText.
 */
function readLines(file: string): Iterable<string> {
  const fd = openSync(file, 'r')
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES)
  try {
    return linesOf(fd, buffer, readSync(fd, buffer))
  } catch (error) {
    closeSync(fd)
    throw error
  }
}

/** The lines of the file open at `fd`, whose next `filled` bytes are in `buffer`; closes it when done. */
function* linesOf(fd: number, buffer: Buffer, filled: number): Generator<string> {
  try {
    for (let atEnd = filled === 0; ;) {
      const bytes = buffer.subarray(0, filled)
      let start = 0
      for (let end = bytes.indexOf(10); end !== -1; end = bytes.indexOf(10, start)) {
        yield bytes.toString('utf8', start, end)
        start = end + 1
      }
      if (atEnd) {
        yield bytes.toString('utf8', start)
        return
      }
      // The start of a line that goes on: moved to the front, or, when it fills the buffer, into a larger one.
      if (start > 0) buffer.copy(buffer, 0, start, filled)
      else if (filled === buffer.length) buffer = Buffer.concat([buffer], buffer.length * 2)
      filled -= start
      const read = readSync(fd, buffer, filled, buffer.length - filled, null)
      filled += read
      atEnd = read === 0
    }
  } finally {
    closeSync(fd)
  }
}
