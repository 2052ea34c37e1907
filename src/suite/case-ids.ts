/**
 * The ids of cases: the one the author wrote (unique, or a problem), else one derived from the file and the
 * description (or, without one, a hash of the vars and prompt), so that ids stay stable while tests are added
 * or moved; a test crossed with several prompts or providers gets their labels in brackets.
 */
import { hash } from 'node:crypto'
import path from 'node:path'
import { at, type Location, type ProblemLog, type SuiteProblem } from './problems.js'
import type { EvalCase } from '../model.js'

/** A case before its id is final (`evalCase.id` is set last): derived ids are made unique over all suites. */
export interface PendingCase {
  evalCase: EvalCase
  /** The test's id as given, or one derived from its file and description (or vars and prompt). */
  id: string
  derived: boolean
  variant: string
  /** Which test of the run the case is of (its cases share its id). */
  test: number
}

export class CaseIds {
  /** Each given test id, with where it is first given. */
  private readonly uses = new Map<string, { file: string; line: number }>()
  private readonly stems = new Map<string, string>()
  /** Each given id used again, where. */
  readonly duplicates: SuiteProblem[] = []

  constructor(private readonly log: ProblemLog) {}

  /** Records a test's given id; an id given before is a problem. */
  use(id: string, test: Location): void {
    const use = { file: this.log.display(test.source.file), line: this.log.lineOf(at(test, 'id')) }
    const first = this.uses.get(id)
    if (!first) this.uses.set(id, use)
    else {
      const message = `duplicate test id '${id}' (first used at ${first.file}:${first.line}); ids must be unique`
      this.duplicates.push({ ...use, message })
    }
  }

  /** The id of a test that gives none, written in `file` (as displayed): before it is made unique. */
  derive(file: string, description: string | undefined, content: () => unknown): string {
    return `${this.stem(file)}/${slug(description ?? '') || hashOf(content())}`
  }

  /** The file name without its extension, which derived ids start with. */
  private stem(displayed: string): string {
    let stem = this.stems.get(displayed)
    if (stem === undefined) {
      stem = path.basename(displayed, path.extname(displayed))
      this.stems.set(displayed, stem)
    }
    return stem
  }
}

/** The cases with their final ids: derived ids that clash get a suffix. */
export function assignIds(pending: PendingCase[]): EvalCase[] {
  // The given ids, gathered only once an id is derived: most large suites give every test its id.
  let taken: Set<string> | undefined
  // By test, whose cases (one per prompt and provider) share its id. Not by file and line: tests written on
  // one line (`tests: [{…}, {…}]`), or a tests file named twice, would share one.
  const uniqueIds = new Map<number, string>()
  const cases: EvalCase[] = new Array(pending.length)
  for (let i = 0; i < pending.length; i++) {
    const { evalCase, id, derived, variant, test } = pending[i]
    let base = id
    if (derived) {
      let unique = uniqueIds.get(test)
      if (unique === undefined) {
        taken ??= givenIds(pending)
        unique = id
        for (let n = 2; taken.has(unique); n++) unique = `${id}-${n}`
        taken.add(unique)
        uniqueIds.set(test, unique)
      }
      base = unique
    }
    evalCase.id = variant ? `${base} [${variant}]` : base
    cases[i] = evalCase
  }
  return cases
}

function givenIds(pending: PendingCase[]): Set<string> {
  const ids = new Set<string>()
  for (const { id, derived } of pending) if (!derived) ids.add(id)
  return ids
}

/**
 * The text's runs of a-z and 0-9 (after lower-casing), joined by '-', cut to 60 characters without a
 * trailing '-'. One pass, as `text.toLowerCase().replace(/[^a-z0-9]+/g, '-')`, trimmed of '-', would give.
 */
function slug(text: string): string {
  const lower = text.toLowerCase()
  let slugged = ''
  let separated = false
  for (let i = 0; i < lower.length && slugged.length < 60; i++) {
    const code = lower.charCodeAt(i)
    if ((code >= 97 && code <= 122) || (code >= 48 && code <= 57)) {
      if (separated && slugged !== '') slugged += '-'
      slugged += lower[i]
      separated = false
    } else separated = true
  }
  // At most one '-' in a row, so at most one to drop after the cut.
  slugged = slugged.slice(0, 60)
  return slugged.endsWith('-') ? slugged.slice(0, -1) : slugged
}

function hashOf(value: unknown): string {
  return hash('sha256', JSON.stringify(value), 'hex').slice(0, 10)
}
