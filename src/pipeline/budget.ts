/**
 * The check before anything is submitted: the cost estimate, and whether a dry run or a worst case over
 * `max-cost` stops the run there. The front door shows it.
 */
import type Anthropic from '@anthropic-ai/sdk'
import { tokenCounter } from '../batch/client.js'
import type { CachePlan } from '../batch/prompt-cache.js'
import { methodPhrase, unpricedPhrases, type CostEstimate } from '../cost/estimate.js'
import { formatUsd, usdNumber } from '../cost/usd.js'
import { estimateRun } from './estimate-run.js'
import type { RunPlan } from './plan.js'
import type { Settings } from './settings.js'

export interface BudgetCheck {
  estimate: CostEstimate
  /** Tests with model-graded assertions, whose judge requests no estimate includes. */
  judgedTests: number
  /** The suite load's warnings and the prompt-cache plans, which the estimate's report lists. */
  warnings: string[]
  plans: CachePlan[]
  /** Why nothing is submitted, when nothing is. */
  stop: 'dry-run' | 'over-budget' | undefined
  /** With `stop: 'over-budget'`: why, and what to do. */
  overBudget: string | undefined
}

export async function checkBudget(
  settings: Pick<Settings, 'dryRun' | 'maxCostUsd'> & Partial<Pick<Settings, 'onTimeout'>>,
  plan: Pick<RunPlan, 'cases' | 'requests' | 'plans' | 'sampleByCustomId' | 'warnings'>,
  client: Anthropic,
): Promise<BudgetCheck> {
  // count_tokens costs time (its own rate limit): it is used where the figure decides something.
  const exact = settings.dryRun || settings.maxCostUsd !== undefined
  const counting = exact
    ? tokenCounter(client)
    : { notCounted: 'count_tokens is asked only with dry-run or max-cost' }
  const { estimate, judgedTests } = await estimateRun(plan, counting)
  const overBudget = overBudgetReason(estimate, settings.maxCostUsd, settings.onTimeout === 'standard')
  const stop = overBudget ? 'over-budget' : settings.dryRun ? 'dry-run' : undefined
  return { estimate, judgedTests, warnings: plan.warnings, plans: plan.plans, stop, overBudget }
}

/** With on-timeout: standard, the worst case is every request sent by the standard API, at standard prices. */
function overBudgetReason(
  estimate: CostEstimate,
  maxCostUsd: number | undefined,
  standard: boolean,
): string | undefined {
  if (maxCostUsd === undefined) return undefined
  if (estimate.unpricedModels.length > 0)
    return (
      'max-cost is set, but the cost of some requests is unknown, so the budget cannot be checked; nothing was ' +
      `submitted: ${unpricedPhrases(estimate).join('; ')}.`
    )
  const worst = standard ? estimate.high.standard : estimate.high.batch
  if (usdNumber(worst) <= maxCostUsd) return undefined
  const uncounted =
    estimate.method === 'count_tokens' ? '' : `, ${methodPhrase(estimate)}, at the band's upper end`
  const prices = standard
    ? 'at standard prices (on-timeout: standard may send every request through the standard API)'
    : 'at batch prices'
  return (
    `The worst-case estimate, ${formatUsd(worst)} ${prices} (every output at max_tokens${uncounted}), ` +
    `exceeds max-cost ($${maxCostUsd}); nothing was submitted. Lower max_tokens, trim the suite, or raise max-cost.`
  )
}
