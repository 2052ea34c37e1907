/**
 * `claude-batch-evals estimate SUITE...`: what the action's dry run reports, in the terminal. Input tokens are
 * counted with the API's free count_tokens when there is a key; nothing is submitted or billed.
 */
import { createAnthropicClient, tokenCounter } from '../batch/client.js'
import { CHARS_PER_TOKEN } from '../common/token-heuristic.js'
import { estimateSummary, HEURISTIC_BAND, inputTokensPhrase, type CostEstimate } from '../cost/estimate.js'
import { formatUsd, usdNumber } from '../cost/usd.js'
import { estimateRun } from '../pipeline/estimate-run.js'
import { planRun } from '../pipeline/plan.js'
import type { Settings } from '../pipeline/settings.js'
import { SUITE_INPUTS, type Command } from './command.js'

export const estimate: Command = {
  name: 'estimate',
  summary: 'What a run would cost, before anything is submitted: requests, tokens, cost. Bills nothing.',
  usage: 'SUITE... [flags]',
  description: [
    "Prints what the action's dry-run reports: the requests, their input tokens and most output tokens, the " +
      'cost at batch and at standard prices (from no output to every output at max_tokens), the prompt-cache ' +
      'plan, and every warning of the load.',
    'With an API key (ANTHROPIC_API_KEY or --anthropic-api-key; --anthropic-base-url or ANTHROPIC_BASE_URL for ' +
      "another endpoint), input tokens are counted with the API's count_tokens, which is free. Without one, they " +
      `are estimated at ${CHARS_PER_TOKEN} characters a token, give or take ${HEURISTIC_BAND * 100}% (the worst ` +
      'case takes the upper end), and the first line says so and why.',
    'With --max-cost, it exits 1 when the worst case (every output at max_tokens) is over the budget, or a ' +
      'model without a price makes it uncheckable: the action would submit nothing then.',
  ],
  examples: [
    'claude-batch-evals estimate evals/suite.yml',
    'ANTHROPIC_API_KEY=sk-ant-... claude-batch-evals estimate evals/ --repeat 5',
    'claude-batch-evals estimate evals/suite.yml --model claude-haiku-4-5 --max-cost 2',
  ],
  uses: [...SUITE_INPUTS, 'anthropic-api-key', 'anthropic-base-url', 'max-cost'],
  run: async (settings, terminal) => {
    const plan = await planRun(settings, terminal)
    const counting = settings.apiKey
      ? tokenCounter(createAnthropicClient(settings))
      : {
          notCounted:
            "no API key was given (set ANTHROPIC_API_KEY or --anthropic-api-key to count them with the API's " +
            'free count_tokens)',
        }
    const { estimate, judgedTests } = await estimateRun(plan, counting)
    terminal.info(estimateSummary(estimate, judgedTests))
    for (const line of estimateLines(estimate, settings)) terminal.info(line)
    for (const line of costLines(estimate, settings.maxCostUsd)) terminal.info(line)
    terminal.info('Nothing was submitted or billed.')
    return withinBudget(estimate, settings.maxCostUsd) ? 0 : 1
  },
}

const n = (value: number) => value.toLocaleString('en-US')

/** The requests and tokens, and where count_tokens failed when it did. */
function estimateLines(estimate: CostEstimate, settings: Pick<Settings, 'baseURL'>): string[] {
  const lines = [
    `${n(estimate.requests)} requests, ${inputTokensPhrase(estimate)}, up to ` +
      `${n(estimate.maxOutputTokens)} output tokens.`,
  ]
  if (estimate.method === 'heuristic' && estimate.heuristicReason?.startsWith('count_tokens failed')) {
    lines.push(`count_tokens was asked at ${settings.baseURL ?? 'the Anthropic API'}.`)
  }
  return lines
}

/**
 * Whether the action would submit: no budget, or a worst case known and within it. An unpriced model makes
 * the worst case unknown, and the action refuses to submit then (action/budget-gate.ts).
 */
function withinBudget(estimate: CostEstimate, maxCostUsd: number | undefined): boolean {
  if (maxCostUsd === undefined) return true
  return estimate.unpriced.length === 0 && usdNumber(estimate.high.batch) <= maxCostUsd
}

/** The standard prices' range, what the ends mean, and the budget. */
function costLines(estimate: CostEstimate, maxCostUsd: number | undefined): string[] {
  const lines: string[] = []
  if (estimate.pricedRequests > 0) {
    const of = estimate.unpriced.length > 0 ? ' for the priced requests' : ''
    lines.push(
      `At standard prices${of}: ${formatUsd(estimate.low.standard)} to ${formatUsd(estimate.high.standard)}.`,
      'The low end has no output and every cached prefix read from the cache; the high end has every output at ' +
        'max_tokens and every cached prefix written.',
    )
  }
  if (maxCostUsd !== undefined) {
    const budget =
      estimate.unpriced.length > 0
        ? 'not checkable: the cost of the unpriced requests is unknown, so the action would submit nothing ' +
          '(add their prices with --pricing)'
        : usdNumber(estimate.high.batch) <= maxCostUsd
          ? 'the worst case is within it'
          : 'the worst case is over it: the action would submit nothing'
    lines.push(`Budget (max-cost): $${maxCostUsd}; ${budget}.`)
  }
  return lines
}
