/** The cost estimate of a planned run, before anything is submitted: the dry run's figures. */
import type { CachePlan } from '../batch/prompt-cache.js'
import { estimateCost, type CostEstimate, type TokenCounter } from '../cost/estimate.js'
import { needsJudge } from '../grading/graders/index.js'
import type { BatchRequest, EvalCase } from '../model.js'

export interface RunEstimate {
  estimate: CostEstimate
  /** Tests with model-graded assertions, whose judge requests no estimate includes. */
  judgedTests: number
}

/** With `counter` (count_tokens), the input tokens are counted; without it, estimated by the heuristic. */
export async function estimateRun(
  plan: { cases: EvalCase[]; requests: BatchRequest[]; plans: CachePlan[] },
  counter: TokenCounter | undefined,
): Promise<RunEstimate> {
  const prefixes = new Map(plan.plans.map((cachePlan) => [cachePlan.model, cachePlan.prefixTokens]))
  const estimate = await estimateCost(plan.requests, counter, prefixes)
  const judgedTests = plan.cases.filter((evalCase) => needsJudge(evalCase.assertions)).length
  return { estimate, judgedTests }
}
