/**
 * The files a user names on their own command line (a results file to report or regrade, a baseline): read
 * where the user says, not confined to the working directory as a suite's references are (a suite is
 * someone else's text; nothing in a results file makes the command read another file).
 */
import { readFileSync } from 'node:fs'
import { UserError } from '../common/user-error.js'
import { resultsFileText } from '../report/results-text.js'

/** The results file's text (gzipped or not); `what` names it in the error, e.g. "results file (--from)". */
export function readUserFile(file: string, what: string): string {
  let bytes: Buffer
  try {
    bytes = readFileSync(file)
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'cannot be read'
    throw new UserError(`The ${what} ${file} ${reason}.`, { cause: error })
  }
  return resultsFileText(bytes, file)
}
