/**
 * The file:// references of a suite read where they are written: vars (text, or base64 for images), tools
 * files, prompt files and images. A file that cannot be read is reported at the reference, and reads as
 * nothing, so that what uses it reports nothing more.
 */
import path from 'node:path'
import { parse as parseYaml } from 'yaml'
import { FileRefusedError, imageMediaType, isFileRef, resolveFileRef } from './file-refs.js'
import type { SuiteIO } from './load-options.js'
import { at, sourceOf, type Location, type ProblemLog } from './problems.js'
import { parseSource } from './source.js'

/** A mapping as written, and where: inline vars, a vars file (`vars: file://vars/*.yaml`), a defaultTest file. */
export interface WrittenMapping {
  value: Record<string, unknown>
  location: Location
}

export class References {
  /** Vars files parsed, by path: the tests of a suite may each name the same few. */
  private readonly varsFileCache = new Map<string, WrittenMapping | undefined>()

  constructor(
    private readonly log: ProblemLog,
    private readonly io: SuiteIO,
  ) {}

  /** The contents of a file:// reference written at `location`, or undefined (reported) when it is missing. */
  read<T>(ref: string, location: Location, read: (file: string) => T): T | undefined {
    const file = resolveFileRef(ref, location.source.file)
    try {
      return read(file)
    } catch (error) {
      this.log.report(location, this.unreadableMessage(ref, file, error))
      return undefined
    }
  }

  readText(ref: string, location: Location): string | undefined {
    return this.read(ref, location, (file) => this.io.readText(file))
  }

  readBinary(ref: string, location: Location): Uint8Array | undefined {
    return this.read(ref, location, (file) => this.io.readBinary(file))
  }

  /**
   * Why the file a file:// reference names (or one its glob matches) could not be read: it is refused, or a
   * directory, else it does not exist.
   */
  unreadableMessage(ref: string, file: string, error: unknown): string {
    if (error instanceof FileRefusedError) {
      return error.about(isGlob(ref) ? `${ref} matches ${this.log.display(file)}, which` : ref)
    }
    if ((error as NodeJS.ErrnoException).code === 'EISDIR') {
      return `${ref} is a directory (${this.log.display(file)}): name a file in it`
    }
    return `${ref} does not exist (looked for ${this.log.display(file)}); paths are relative to the file that names them`
  }

  /**
   * The files a file:// reference written at `location` names: its path, or the files its glob matches, in
   * sorted order, but `except`. A glob that matches none, or would search outside the workspace and the
   * allowed paths, is reported.
   */
  async files(ref: string, location: Location, except?: string): Promise<string[]> {
    const file = resolveFileRef(ref, location.source.file)
    if (!isGlob(ref)) return [file]
    // Only the reference is a pattern: a `[` in the name of the file's own directory is that character.
    const directory = location.source.directory.replace(/[*?[]/g, '[$&]')
    const pattern = resolveFileRef(ref, path.join(directory, path.basename(location.source.file)))
    let matches: string[]
    try {
      matches = (await this.io.globFiles(pattern)).filter((match) => match !== except)
    } catch (error) {
      if (!(error instanceof FileRefusedError)) throw error
      this.log.report(location, error.about(`${ref} searches ${this.log.display(error.file)}, which`))
      return []
    }
    if (matches.length === 0) {
      this.log.report(
        location,
        `${ref} matches no file (looked for ${this.log.display(file)}); paths are relative to the file that names them`,
      )
    }
    return matches
  }

  /**
   * The vars a test (or defaultTest) writes at `location`: a mapping, or promptfoo's vars files, `file://` paths
   * or globs (one, or a list) of YAML or JSON mappings, merged in order. A file that cannot be read or is no
   * mapping is reported.
   */
  async writtenVars(value: unknown, location: Location): Promise<WrittenMapping[]> {
    if (!isFileRef(value) && !Array.isArray(value)) {
      return value === undefined ? [] : [{ value: value as Record<string, unknown>, location }]
    }
    const refs = Array.isArray(value) ? (value as string[]) : [value]
    const written: WrittenMapping[] = []
    for (let i = 0; i < refs.length; i++) {
      const refAt = Array.isArray(value) ? at(location, i) : location
      for (const file of await this.files(refs[i], refAt)) {
        const vars = this.varsFile(refs[i], file, refAt)
        if (vars) written.push(vars)
      }
    }
    return written
  }

  private varsFile(ref: string, file: string, location: Location): WrittenMapping | undefined {
    if (this.varsFileCache.has(file)) return this.varsFileCache.get(file)
    const display = isGlob(ref) ? `file://${path.relative(location.source.directory, file)}` : ref
    const vars = this.mappingFile(
      display,
      location,
      'a vars file holds a mapping of var names to values, like {city: Paris}',
    )
    this.varsFileCache.set(file, vars)
    return vars
  }

  /**
   * A YAML or JSON file of a mapping that a file:// reference written at `location` names (vars, a
   * defaultTest), with the lines of its parts; undefined when it cannot be read, does not parse, or holds no
   * mapping (reported, that last with `notMapping`).
   */
  mappingFile(ref: string, location: Location, notMapping: string): WrittenMapping | undefined {
    const file = resolveFileRef(ref, location.source.file)
    const text = this.read(ref, location, (absolute) => this.io.readText(absolute))
    if (text === undefined) return undefined
    const format = /\.json$/i.test(file) ? 'json' : 'yaml'
    const { document, problems } = parseSource(text, format)
    for (const problem of problems) this.log.reportAt(file, problem.line, problem.message)
    if (!document) return undefined
    const { value } = document
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.log.reportAt(file, 1, notMapping)
      return undefined
    }
    return {
      value: value as Record<string, unknown>,
      location: { source: sourceOf(file, format, document), path: [] },
    }
  }

  /** A referenced JSON or YAML file's value (a tools file), or undefined (reported). */
  readStructured<T>(ref: string, location: Location): T | undefined {
    const text = this.readText(ref, location)
    if (text === undefined) return undefined
    try {
      return parseYaml(text) as T
    } catch (error) {
      this.log.report(
        location,
        `the referenced file is neither JSON nor YAML: ${(error as Error).message.split('\n')[0]}`,
      )
      return undefined
    }
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
  private readVar(ref: string, location: Location): string {
    const text = imageMediaType(ref)
      ? this.read(ref, location, (file) => Buffer.from(this.io.readBinary(file)).toString('base64'))
      : this.readText(ref, location)
    return text ?? ''
  }
}

/** Whether a file:// reference is a glob: `*`, `?` or `[…]` in its path. */
export function isGlob(ref: string): boolean {
  return /[*?[]/.test(ref)
}

/**
 * Whether promptfoo expands a var's value into one test per item: a list whose first item is a string. Other
 * lists (of numbers, of objects, or empty) stay lists, as does any list under `disableVarExpansion`.
 */
export function isExpandable(value: unknown): value is unknown[] {
  return Array.isArray(value) && typeof value[0] === 'string'
}
