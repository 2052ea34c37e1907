/**
 * A stored run's cost rows (the results file's `cost.by_model`) read back: what they count beyond the
 * entries, the judge's requests and results for unknown custom_ids, as billed calls, so that the report of
 * a stored run rebuilds the rows the run had.
 */
import type { Usage } from '@anthropic-ai/sdk/resources/messages/messages'
import { addCosts, addTokens, NO_COST, NO_TOKENS, tokenCountsOf, type BilledCall } from '../cost/pricing.js'
import type { Cost, TestOutcome } from '../model.js'
import { femtoFromUsd } from './baseline.js'
import type { CostRole } from './report.js'

/** One row of a results file's `cost.by_model`. */
export interface StoredModelCost {
  model: string
  role: CostRole
  tests: number
  tokens: {
    input: number
    cache_write_5m: number
    cache_write_1h: number
    cache_read: number
    output: number
  }
  cost_usd: { batch: string; standard: string } | null
  unpriced_tests: number
  unpriced_reason: string | null
}

/** A stored decimal USD cost (checked when read) in femto-dollars. */
export const femtoCost = (usd: { batch: string; standard: string }): Cost => ({
  batch: femtoFromUsd(usd.batch) as bigint,
  standard: femtoFromUsd(usd.standard) as bigint,
})

/**
 * The requests the stored cost rows count beyond the entries: the judge's (all of a judge row) and results
 * for unknown custom_ids (what an outputs row has more than its entries). Each row's remainder comes back as
 * calls of its count, the first carrying its tokens and cost, so that the rebuilt rows equal the stored ones.
 */
export function callsBeyondEntries(rows: StoredModelCost[], outcomes: TestOutcome[]) {
  const fromEntries = new Map<
    string,
    { tests: number; unpriced: number; tokens: typeof NO_TOKENS; cost: Cost }
  >()
  for (const { evalCase, usage, cost } of outcomes) {
    const sum = fromEntries.get(evalCase.params.model) ?? {
      tests: 0,
      unpriced: 0,
      tokens: NO_TOKENS,
      cost: NO_COST,
    }
    sum.tests += 1
    if (usage) sum.tokens = addTokens(sum.tokens, tokenCountsOf(usage))
    if (cost) sum.cost = addCosts(sum.cost, cost)
    else sum.unpriced += 1
    fromEntries.set(evalCase.params.model, sum)
  }
  const unexpectedCalls: BilledCall[] = []
  const judgeCalls: BilledCall[] = []
  for (const row of rows) {
    const covered = row.role === 'judge' ? undefined : fromEntries.get(row.model)
    const count = row.tests - (covered?.tests ?? 0)
    if (count <= 0) continue
    const tokens = row.tokens
    const usage = {
      input_tokens: tokens.input - (covered?.tokens.input ?? 0),
      output_tokens: tokens.output - (covered?.tokens.output ?? 0),
      cache_read_input_tokens: tokens.cache_read - (covered?.tokens.cacheRead ?? 0),
      cache_creation_input_tokens:
        tokens.cache_write_5m +
        tokens.cache_write_1h -
        (covered ? covered.tokens.cacheWrite5m + covered.tokens.cacheWrite1h : 0),
      cache_creation: {
        ephemeral_5m_input_tokens: tokens.cache_write_5m - (covered?.tokens.cacheWrite5m ?? 0),
        ephemeral_1h_input_tokens: tokens.cache_write_1h - (covered?.tokens.cacheWrite1h ?? 0),
      },
    } as Usage
    const unpriced = row.unpriced_tests - (covered?.unpriced ?? 0)
    const cost =
      row.cost_usd === null
        ? NO_COST
        : {
            batch: femtoCost(row.cost_usd).batch - (covered?.cost.batch ?? 0n),
            standard: femtoCost(row.cost_usd).standard - (covered?.cost.standard ?? 0n),
          }
    const calls = row.role === 'judge' ? judgeCalls : unexpectedCalls
    for (let call = 0; call < count; call++) {
      const unknown = call < unpriced
      calls.push({
        model: row.model,
        usage: call === 0 ? usage : null,
        cost: unknown ? null : call === Math.min(unpriced, count - 1) ? cost : NO_COST,
        costUnknown: unknown ? row.unpriced_reason : null,
      })
    }
  }
  return { unexpectedCalls, judgeCalls }
}
