/** promptfoo's expansion of list-valued vars: a test whose vars hold lists is one test per combination. */
import type { Config } from './documents.js'
import type { Location, ProblemLog } from './problems.js'
import { isExpandable } from './references.js'

/** A combination of the items of a test's list-valued vars, and the label that shows them in its id. */
export interface VarCombination {
  vars: Record<string, unknown>
  label: string
}

/** The combinations one test may make: as many requests as one batch takes. */
const MAX_COMBINATIONS = 100_000

/** How much of a list item a combination's label shows. */
const LABEL_VALUE_LENGTH = 24

/**
 * The combinations of a test's list-valued vars, as promptfoo makes them (one test each); the lists are
 * labelled with their items as `written` (a file:// path, not its text). Too many is a problem at `location`.
 */
export function varCombinations(
  vars: Record<string, unknown>,
  written: () => Config,
  location: Location,
  log: ProblemLog,
): VarCombination[] {
  const lists = Object.keys(vars).filter((name) => isExpandable(vars[name]))
  if (lists.length === 0) return [{ vars, label: '' }]
  const count = lists.reduce((product, name) => product * (vars[name] as unknown[]).length, 1)
  if (count > MAX_COMBINATIONS) {
    const sizes = lists.map((name) => `${name} ${(vars[name] as unknown[]).length}`).join(' × ')
    log.report(
      location,
      `the lists in vars make ${count.toLocaleString('en-US')} combinations (${sizes}), more than the ` +
        `${MAX_COMBINATIONS.toLocaleString('en-US')} one test may make: split the test, or set ` +
        '`options: { disableVarExpansion: true }` to pass the lists as they are',
    )
    return []
  }
  const writtenVars = written()
  let combinations = [{ vars, labels: [] as string[] }]
  for (const name of lists) {
    const items = vars[name] as unknown[]
    const shown = writtenVars[name] as unknown[]
    combinations = combinations.flatMap((combination) =>
      items.map((item, i) => ({
        vars: { ...combination.vars, [name]: item },
        labels: [...combination.labels, `${name}=${shortValue(shown[i])}`],
      })),
    )
  }
  return numberRepeats(combinations.map(({ vars, labels }) => ({ vars, label: labels.join(', ') })))
}

/** A list item as a label shows it: on one line, cut to LABEL_VALUE_LENGTH characters. */
function shortValue(value: unknown): string {
  const text = (typeof value === 'string' ? value : String(JSON.stringify(value))).replace(/\s+/g, ' ').trim()
  return text.length > LABEL_VALUE_LENGTH ? `${text.slice(0, LABEL_VALUE_LENGTH - 1)}…` : text
}

/** Combinations whose labels are the same (a list holding an item twice, or items cut alike) numbered #2, #3… */
function numberRepeats(combinations: VarCombination[]): VarCombination[] {
  const seen = new Map<string, number>()
  return combinations.map(({ vars, label }) => {
    const n = (seen.get(label) ?? 0) + 1
    seen.set(label, n)
    return { vars, label: n === 1 ? label : `${label} #${n}` }
  })
}
