/**
 * The files inputs name beside the suites: `pricing` (prices over the built-in table) and `baseline` (an
 * earlier run's results to compare with). Both are read as the suites are, confined to the workspace and
 * the allowed-paths directories.
 */
import path from 'node:path'
import { UserError } from '../common/user-error.js'
import { createPricer, loadPriceOverrides, setPricer } from '../cost/pricing.js'
import { BaselineFileError, readBaseline, type Baseline, type BaselineSource } from '../report/baseline.js'
import { resultsFileText } from '../report/results-text.js'
import { FileRefusedError } from '../suite/file-refs.js'
import type { SuiteIO } from '../suite/loader.js'
import type { RunLog } from './run-log.js'

/** Prices from the `pricing` file, over the built-in table, for every cost this run computes. */
export function usePriceOverrides(file: string, io: SuiteIO, log: RunLog): void {
  const text = readInputFile('pricing', file, file, io)
  if (text === undefined)
    throw new UserError(
      `The pricing file ${file} does not exist or cannot be read. Check the 'pricing' input.`,
    )
  const pricer = createPricer(loadPriceOverrides(text, file))
  setPricer(pricer)
  const { changed = [], added = [] } = pricer.overrides ?? {}
  log.info(`Prices from ${file}: ${added.length} model(s) added, ${changed.length} changed.`)
}

/** The `baseline` input's value for the latest stored run, which the action finds in the Actions cache. */
export const BASELINE_AUTO = 'auto'

/**
 * The `baseline` results file; a missing one is a warning (a first run has none), a malformed one an error,
 * but for a stored run the action found (`source`), which is only not compared with.
 */
export function loadBaseline(
  workspace: string,
  input: string,
  io: SuiteIO,
  log: RunLog,
  source?: BaselineSource,
): Baseline | undefined {
  if (input === BASELINE_AUTO)
    throw new UserError(
      "baseline: auto finds an earlier run in the GitHub Actions cache, which only the action has. Here, give the path of an earlier run's results file (--baseline eval-results.json).",
    )
  const absolute = path.resolve(workspace, input)
  // Named as the workspace has it: the runner's absolute path means nothing to a reviewer.
  const file = source?.name ?? path.relative(workspace, absolute)
  const text = readInputFile('baseline', absolute, file, io)
  if (text === undefined) {
    log.warning(
      `No baseline results file at ${file}, so the report has no comparison. Check the 'baseline' input, and that ` +
        'the step that downloads or restores it ran.',
    )
    return undefined
  }
  let baseline: Baseline
  try {
    baseline = readBaseline(text, file)
  } catch (error) {
    if (!source || !(error instanceof BaselineFileError)) throw error
    log.warning(`${error.message}. It is not compared with: the report has no comparison.`)
    return undefined
  }
  log.info(`Comparing with the baseline ${file} (${baseline.total} tests, written ${baseline.generatedAt}).`)
  return source ? { ...baseline, source } : baseline
}

/**
 * The file's text (a gzipped one decompressed, as a results file may be), or undefined when it cannot be
 * read; a file the IO refuses is the input's error.
 */
function readInputFile(input: string, absolute: string, shown: string, io: SuiteIO): string | undefined {
  let bytes: Uint8Array
  try {
    bytes = io.readBinary(absolute)
  } catch (error) {
    if (error instanceof FileRefusedError)
      throw new UserError(`The '${input}' input: ${error.about(shown)}.`, { cause: error })
    return undefined
  }
  return resultsFileText(bytes, `The '${input}' file ${shown}`)
}
