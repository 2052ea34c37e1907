/** The `baseline` input: an earlier run's results file that the report compares this run with. */
import path from 'node:path'
import { UserError } from '../common/user-error.js'
import * as log from '../github/log.js'
import { readBaseline, type Baseline } from '../report/baseline.js'
import { FileRefusedError } from '../suite/file-refs.js'
import type { SuiteIO } from '../suite/loader.js'

/** The `baseline` results file; a missing one is a warning (a first run has none), a malformed one an error. */
export function loadBaseline(workspace: string, input: string, io: SuiteIO): Baseline | undefined {
  const absolute = path.resolve(workspace, input)
  // Named as the workspace has it: the runner's absolute path means nothing to a reviewer.
  const file = path.relative(workspace, absolute)
  let text: string
  try {
    text = io.readText(absolute)
  } catch (error) {
    if (error instanceof FileRefusedError)
      throw new UserError(`The 'baseline' input: ${error.about(file)}.`, { cause: error })
    log.warning(
      `No baseline results file at ${file}, so the report has no comparison. Check the 'baseline' input, and that ` +
        'the step that downloads or restores it ran.',
    )
    return undefined
  }
  const baseline = readBaseline(text, file)
  log.info(`Comparing with the baseline ${file} (${baseline.total} tests, written ${baseline.generatedAt}).`)
  return baseline
}
