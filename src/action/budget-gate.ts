/**
 * The gate before anything is submitted: the cost estimate, then a dry run or a worst case over `max-cost`
 * stops the run here.
 */
import type Anthropic from '@anthropic-ai/sdk'
import { tokenCounter } from '../batch/client.js'
import type { CachePlan } from '../batch/prompt-cache.js'
import { estimateSummary } from '../cost/estimate.js'
import { formatUsd, usdNumber, usdString } from '../cost/pricing.js'
import { setOutput, setStatus } from '../github/action-interface.js'
import * as log from '../github/log.js'
import { commentOnPullRequest, writeJobSummary } from '../github/publish.js'
import type { ReportComment } from '../github/pr-comment.js'
import { renderEstimate } from '../report/markdown.js'
import { estimateRun } from '../pipeline/estimate-run.js'
import type { Settings } from '../pipeline/settings.js'
import type { BatchRequest, EvalCase, Sample } from '../model.js'

export interface BudgetGateRun {
  inputs: Pick<Settings, 'dryRun' | 'maxCostUsd' | 'commentHeader'>
  cases: EvalCase[]
  requests: BatchRequest[]
  plans: CachePlan[]
  sampleByCustomId: ReadonlyMap<string, Sample>
  /** The suite load's warnings, which the estimate's report lists. */
  warnings: string[]
  client: Anthropic
  comment: ReportComment | undefined
}

/**
 * Estimates the cost before anything is submitted. Returns false when nothing may be submitted: a dry run
 * (reported here), or a worst case over `max-cost` (the step fails with the figures).
 */
export async function withinBudget({
  inputs,
  cases,
  requests,
  plans,
  sampleByCustomId,
  warnings,
  client,
  comment,
}: BudgetGateRun): Promise<boolean> {
  // count_tokens costs time (its own rate limit): it is used where the figure decides something.
  const exact = inputs.dryRun || inputs.maxCostUsd !== undefined
  const { estimate, judgedTests } = await estimateRun(
    { cases, requests, plans, sampleByCustomId },
    exact ? tokenCounter(client) : undefined,
  )
  log.info(estimateSummary(estimate, judgedTests))
  setOutput(
    'estimated-cost-batch-usd',
    estimate.unpricedModels.length > 0 ? '' : usdString(estimate.high.batch),
  )
  const over =
    inputs.maxCostUsd !== undefined &&
    (estimate.unpricedModels.length > 0 || usdNumber(estimate.high.batch) > inputs.maxCostUsd)
  if (!inputs.dryRun && !over) return true
  const view = {
    estimate,
    plans,
    maxCostUsd: inputs.maxCostUsd,
    judgedTests,
    warnings,
    title: inputs.commentHeader || undefined,
  }
  const markdown = renderEstimate(view, inputs.dryRun ? 'dry run' : 'over budget')
  await writeJobSummary(`${markdown}\nNothing was submitted.\n`)
  await commentOnPullRequest(comment, `${markdown}\nNothing was submitted.\n`, undefined)
  if (over) {
    setStatus('over-budget')
    log.setFailed(
      estimate.unpricedModels.length > 0
        ? `max-cost is set, but ${estimate.unpricedModels.join(', ')} is not in the price table, so the budget cannot be ` +
            "checked; nothing was submitted. Add the model's prices with the pricing input."
        : `The worst-case estimate, ${formatUsd(estimate.high.batch)} at batch prices (every output at max_tokens), ` +
            `exceeds max-cost ($${inputs.maxCostUsd}); nothing was submitted. Lower max_tokens, trim the suite, or raise max-cost.`,
    )
  } else {
    setStatus('dry-run')
  }
  return false
}
