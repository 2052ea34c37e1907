/** The cost estimate of a planned run, before anything is submitted: the dry run's figures. */
import type { CachePlan } from '../batch/prompt-cache.js'
import { estimateCost, type CostEstimate, type Counting } from '../cost/estimate.js'
import { needsJudge } from '../grading/graders/index.js'
import type { BatchRequest, EvalCase, Sample } from '../model.js'

export interface RunEstimate {
  estimate: CostEstimate
  /** Tests with model-graded assertions, whose judge requests no estimate includes. */
  judgedTests: number
}

/** With a counter (count_tokens), the input tokens are counted; without one, estimated by the heuristic. */
export async function estimateRun(
  plan: {
    cases: EvalCase[]
    requests: BatchRequest[]
    plans: CachePlan[]
    sampleByCustomId?: ReadonlyMap<string, Sample>
  },
  counting: Counting,
): Promise<RunEstimate> {
  const marked = plan.plans.filter((cachePlan) => cachePlan.ttl !== null)
  const prefixes = new Map(marked.map((cachePlan) => [cachePlan.model, cachePlan.prefixTokens]))
  const earlier = plan.requests.map((request) =>
    earlierOutputTokens(plan.sampleByCustomId?.get(request.custom_id)?.evalCase),
  )
  const estimate = await estimateCost(plan.requests, counting, prefixes, earlier)
  const judgedTests = plan.cases.filter((evalCase) => needsJudge(evalCase.assertions)).length
  return { estimate, judgedTests }
}

/** The most the earlier turns' outputs can add to a conversation turn's input: their max_tokens. */
function earlierOutputTokens(evalCase: EvalCase | undefined): number {
  let tokens = 0
  for (let turn = evalCase?.conversation?.after; turn; turn = turn.conversation?.after)
    tokens += turn.params.max_tokens
  return tokens
}
