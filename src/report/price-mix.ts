/**
 * The cost mix of a run with on-timeout: standard: how many requests were billed at batch prices and how
 * many at standard prices (sent by the standard API once the batches ran out of time), and what waiting for
 * the batches would have saved on the latter.
 */
import { costOf, priceTierOf } from '../cost/pricing.js'
import { formatUsd } from '../cost/usd.js'
import type { SampleOutcome } from '../model.js'

export interface PriceMix {
  /** Succeeded requests at each price. */
  batch: number
  standard: number
  /** The standard requests' cost less their cost at batch prices; null when one's cost is unknown. */
  waitingSaves: bigint | null
}

/** Adds up the outputs' requests by price tier; undefined when none was sent at the standard price. */
export class PriceMixSums {
  private readonly mix: PriceMix = { batch: 0, standard: 0, waitingSaves: 0n }

  add(outcome: Pick<SampleOutcome, 'priceTier' | 'resultType' | 'usage' | 'cost' | 'evalCase'>): void {
    if (outcome.resultType !== 'succeeded') return
    // A results file's entries (report, merge) have no priceTier: their stored usage says it.
    const tier = outcome.priceTier ?? (outcome.usage ? priceTierOf(outcome.usage) : 'batch')
    if (tier !== 'standard' || !outcome.usage) {
      this.mix.batch++
      return
    }
    this.mix.standard++
    const atBatch = costOf(outcome.evalCase.params.model, { ...outcome.usage, service_tier: 'batch' })
    this.mix.waitingSaves =
      this.mix.waitingSaves === null || !outcome.cost || !('cost' in atBatch)
        ? null
        : this.mix.waitingSaves + outcome.cost.batch - atBatch.cost.batch
  }

  result(): PriceMix | undefined {
    return this.mix.standard > 0 ? { ...this.mix } : undefined
  }
}

/** "Price mix: 40 requests at batch price, 10 at standard price (...); waiting for the batches would have saved $0.01." */
export function priceMixSentence(mix: PriceMix): string {
  const saved =
    mix.waitingSaves === null
      ? 'what waiting for the batches would have saved is unknown (some costs are)'
      : `waiting for the batches would have saved ${formatUsd(mix.waitingSaves)}`
  return (
    `Price mix: ${mix.batch} request${mix.batch === 1 ? '' : 's'} at batch price, ${mix.standard} at standard price ` +
    `(sent by the standard API when the batches ran out of time, on-timeout: standard); ${saved}.`
  )
}
