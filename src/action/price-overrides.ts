/** The `pricing` input: a price file whose models override or extend the built-in table for the whole run. */
import { UserError } from '../common/user-error.js'
import { createPricer, loadPriceOverrides, setPricer } from '../cost/pricing.js'
import * as log from '../github/log.js'
import { FileRefusedError } from '../suite/file-refs.js'
import type { SuiteIO } from '../suite/loader.js'

/** Prices from the `pricing` file, over the built-in table, for every cost this run computes. */
export function usePriceOverrides(file: string, io: SuiteIO): void {
  let text: string
  try {
    text = io.readText(file)
  } catch (error) {
    if (error instanceof FileRefusedError)
      throw new UserError(`The 'pricing' input: ${error.about(file)}.`, { cause: error })
    throw new UserError(
      `The pricing file ${file} does not exist or cannot be read. Check the 'pricing' input.`,
      { cause: error },
    )
  }
  const pricer = createPricer(loadPriceOverrides(text, file))
  setPricer(pricer)
  const { changed = [], added = [] } = pricer.overrides ?? {}
  log.info(`Prices from ${file}: ${added.length} model(s) added, ${changed.length} changed.`)
}
