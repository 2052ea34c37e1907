/**
 * The file system edge of suites: the `suite` input's globs, and reading what suites reference, confined to
 * the workspace and the `allowed-paths` directories.
 */
import {
  closeSync,
  constants,
  fstatSync,
  openSync,
  readFileSync,
  readlinkSync,
  readSync,
  realpathSync,
  statSync,
  type Stats,
} from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import * as glob from '@actions/glob'
import { FileRefusedError } from './file-refs.js'
import type { SuiteIO } from './load-options.js'
import { UserError } from '../common/user-error.js'

/**
 * Expands the `suite` input's paths and globs (one per line) into absolute paths, in a stable order. The
 * globs are the workflow's, but the tree they walk may be a pull request's: symlinked directories are not
 * descended into, and each file matched is read through confinedSuiteIO like any other.
 */
export async function findSuiteFiles(patterns: string[], workspace: string): Promise<string[]> {
  const files = new Set<string>()
  for (const pattern of patterns) {
    // A directory given as `suite` stands for the files under it.
    const matches = await sortedMatches(path.resolve(workspace, pattern), true)
    if (matches.length === 0) {
      throw new UserError(
        `Suite '${pattern}' matches no file under ${workspace}. Check the 'suite' input: paths are relative ` +
          'to the workspace, and the repository must be checked out (actions/checkout) before this step.',
      )
    }
    for (const match of matches) files.add(match)
  }
  return [...files]
}

/**
 * Reads any path, symlinks followed, with no confinement: for tests that read fixtures. The action reads
 * through confinedSuiteIO.
 */
export const fileSystemSuiteIO: SuiteIO = {
  readText: (file) => readFileSync(file, 'utf8'),
  readBinary: (file) => readFileSync(file),
  readLines: (file) => readLines(openSync(file, 'r')),
  // Directories left out, not descended into.
  globFiles: (pattern) => sortedMatches(pattern, false),
  // webpackIgnore: the bundle must import the user's module at run time, not try to bundle it.
  importModule: (file) => import(/* webpackIgnore: true */ pathToFileURL(file).href),
}

/**
 * The directories suites may read from, by real path: the workspace, and each of `allowedPaths` (the
 * `allowed-paths` input: relative to the workspace, or absolute). One that is not a directory is an error.
 */
export function allowedRoots(workspace: string, allowedPaths: readonly string[]): string[] {
  const roots = [realpathSync(workspace)]
  for (const allowed of allowedPaths) {
    const absolute = path.resolve(workspace, allowed)
    let real: string
    try {
      real = realpathSync(absolute)
    } catch {
      throw new UserError(
        `allowed-paths: '${allowed}' (${absolute}) does not exist. List directories that exist, one per line, ` +
          'relative to the workspace or absolute.',
      )
    }
    if (!statSync(real).isDirectory()) {
      throw new UserError(
        `allowed-paths: '${allowed}' (${real}) is not a directory: list the directory that holds it.`,
      )
    }
    roots.push(real)
  }
  return roots
}

/**
 * Reads, globs and imports only regular files whose real path (symlinks followed) lies under one of `roots`
 * (real paths, from allowedRoots); anything else throws a FileRefusedError, which the loader reports at the
 * reference's file and line.
 */
export function confinedSuiteIO(roots: readonly string[]): SuiteIO {
  const read = (file: string) => {
    const fd = openConfined(file, roots)
    try {
      return readFileSync(fd)
    } finally {
      closeSync(fd)
    }
  }
  return {
    readText: (file) => read(file).toString('utf8'),
    readBinary: read,
    readLines: (file) => readLines(openConfined(file, roots)),
    globFiles: async (pattern) => {
      const globber = await createGlobber(pattern, false)
      // The directories it walks are checked first, so that not even the names outside are listed.
      for (const searchPath of globber.getSearchPaths()) {
        const real = existingRealPath(searchPath)
        if (real !== undefined) confine(searchPath, real, roots)
      }
      return sortedFiles(globber)
    },
    // Async, so that a refusal rejects the promise as a failed import does.
    importModule: async (file) => {
      const real = realpathSync(file)
      confine(file, real, roots)
      regularFile(file, real, statSync(real))
      return (await import(/* webpackIgnore: true */ pathToFileURL(real).href)) as Record<string, unknown>
    },
  }
}

/**
 * Opens a confined file for reading. Its real path is checked, then opened without following a symlink at
 * its end and without waiting on a FIFO; on Linux, the path of what was opened is checked again, so that a
 * directory on the way swapped for a symlink in between is caught too.
 */
function openConfined(file: string, roots: readonly string[]): number {
  const real = realpathSync(file)
  confine(file, real, roots)
  regularFile(file, real, statSync(real))
  const fd = openSync(real, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0))
  try {
    regularFile(file, real, fstatSync(fd))
    const opened = openedPath(fd)
    if (opened !== undefined) confine(file, opened, roots)
    return fd
  } catch (error) {
    closeSync(fd)
    throw error
  }
}

function confine(file: string, real: string, roots: readonly string[]): void {
  if (!roots.some((root) => isWithin(real, root))) throw new FileRefusedError(file, real, 'outside')
}

/** Throws for anything but a regular file: EISDIR for a directory (as a read would), else a refusal. */
function regularFile(file: string, real: string, stats: Stats): void {
  if (stats.isFile()) return
  if (stats.isDirectory()) {
    throw Object.assign(new Error(`EISDIR: illegal operation on a directory, read '${file}'`), {
      code: 'EISDIR',
    })
  }
  throw new FileRefusedError(file, real, 'not-a-file')
}

function isWithin(real: string, root: string): boolean {
  const relative = path.relative(root, real)
  return (
    relative === '' ||
    (!relative.startsWith(`..${path.sep}`) && relative !== '..' && !path.isAbsolute(relative))
  )
}

/** The path the kernel gives the open file, where /proc tells it (Linux); undefined elsewhere. */
function openedPath(fd: number): string | undefined {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`)
  } catch {
    return undefined
  }
}

function existingRealPath(file: string): string | undefined {
  try {
    return realpathSync(file)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

/**
 * The files an absolute glob matches, in sorted order; a matched directory's files with `descend`.
 * Symlinked directories are neither descended into (one pointing at / would have the whole disk walked) nor
 * matched.
 */
async function sortedMatches(pattern: string, descend: boolean): Promise<string[]> {
  return sortedFiles(await createGlobber(pattern, descend))
}

function createGlobber(pattern: string, descend: boolean): Promise<glob.Globber> {
  return glob.create(pattern, {
    matchDirectories: false,
    implicitDescendants: descend,
    followSymbolicLinks: false,
  })
}

/** What a globber matches, less symlinks to directories (which it matches as files when not following them). */
async function sortedFiles(globber: glob.Globber): Promise<string[]> {
  return (await globber.glob()).filter((match) => !isDirectory(match)).sort()
}

/** Whether a path leads to a directory, symlinks followed. */
function isDirectory(file: string): boolean {
  try {
    return statSync(file).isDirectory()
  } catch {
    return false
  }
}

const CHUNK_BYTES = 1 << 20

/**
 * A file's lines, read a megabyte at a time. A line is decoded from its own bytes, which gives what decoding
 * the whole file would: UTF-8 has no '\n' byte inside a character. The first megabyte is read here, so that
 * a file that cannot be read throws at once, as with readText. Closes `fd` once read (or on an error).
 */
function readLines(fd: number): Iterable<string> {
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
