/**
 * The reports of a run without grades (its batches running, still running when it stopped waiting, stopped
 * on an error, or estimated before submitting), and the heading and batch list every report shows.
 */
import {
  inputTokensPhrase,
  methodPhrase,
  theOthers,
  unpricedPhrases,
  type CostEstimate,
} from '../cost/estimate.js'
import { cachePlanLine, type CachePlan } from '../batch/prompt-cache.js'
import { formatUsd, usdNumber } from '../cost/usd.js'
import { inertBlock, inertCell } from './inert-text.js'
import type { Cost } from '../model.js'

/** An error's text in a report (the log has all of it): even escaped, well within a PR comment. */
const MAX_ERROR_CHARS = 10_000

export function heading(icon: string, status: string, title: string | undefined): string {
  return `## ${icon} Claude Batch Evals${title ? ` · ${inertCell(title, 100)}` : ''}: ${status}`
}

/** "Batch `a`" or "Batches `a`, `b`". */
export function batchList(batchIds: string[]): string {
  return `${batchIds.length === 1 ? 'Batch' : 'Batches'} ${batchIds.map((id) => `\`${id}\``).join(', ')}`
}

/** The comment while the batches run: reviewers see the evals are under way, and where. */
export function renderRunning(batchIds: string[], title?: string): string {
  return [
    heading('⏳', 'running', title),
    '',
    `${batchList(batchIds)} submitted; ` + 'this comment is updated when the results are in.',
    '',
  ].join('\n')
}

/** The report of a run that stopped on an error. */
export function renderError(message: string, title?: string): string {
  return [heading('❌', 'error', title), '', inertBlock(message, MAX_ERROR_CHARS), ''].join('\n')
}

export interface PendingRun {
  batchIds: string[]
  /** Why the run stopped waiting, as a sentence. */
  why: string
  /** The batches the run was waiting for (the judge's, once the outputs' have ended). */
  waitingFor: string[]
  /** Request counts over the batches waited for, as last polled. */
  counts: { processing: number; succeeded: number; errored: number; canceled: number; expired: number }
  /** The step that collects the results: this action's `uses:`, and the inputs the custom_ids depend on. */
  uses: string
  suitePatterns: string[]
  /** The `repeat` input, which the collecting run must give too (the samples' custom_ids carry it). */
  repeat: number
  title?: string
}

/** The report of a run that stopped waiting while its batches still run: where they are and how to collect them. */
export function renderPending(run: PendingRun): string {
  const { processing, succeeded, errored, canceled, expired } = run.counts
  const suite =
    run.suitePatterns.length === 1
      ? ` ${run.suitePatterns[0]}`
      : ` |\n${run.suitePatterns.map((p) => `      ${p}`).join('\n')}`
  return [
    heading('⏳', 'still running', run.title),
    '',
    `${run.why} The batches keep running, and nothing is lost: their results stay downloadable for 29 days.`,
    '',
    `${batchList(run.waitingFor)}: processing ${processing}, succeeded ${succeeded}, ` +
      `errored ${errored}, canceled ${canceled}, expired ${expired}.`,
    '',
    'Collect, grade and report them, without submitting anything, with a later run of this action (for example in a ' +
      'scheduled or `workflow_dispatch` workflow):',
    '',
    '```yaml',
    `- uses: ${run.uses}`,
    '  with:',
    `    suite:${suite}`,
    '    anthropic-api-key: ${{ secrets.ANTHROPIC_API_KEY }}',
    ...(run.repeat > 1 ? [`    repeat: ${run.repeat}`] : []),
    '    batch-id: |',
    ...run.batchIds.map((id) => `      ${id}`),
    '```',
    '',
  ].join('\n')
}

export interface EstimateView {
  estimate: CostEstimate
  plans: CachePlan[]
  maxCostUsd: number | undefined
  /** Tests with model-graded assertions, whose judge requests the estimate cannot include. */
  judgedTests: number
  /** The suite load's warnings (sampling parameters not sent, providers replaced or skipped), shown before any spend. */
  warnings?: string[]
  title?: string
}

/** How the input tokens were counted, first: a heuristic's range and why count_tokens was not used, in bold. */
function methodLine(estimate: CostEstimate): string {
  const phrase = methodPhrase(estimate, (text) => inertCell(text, 300))
  const sentence = `${phrase.charAt(0).toUpperCase()}${phrase.slice(1)}.`
  return estimate.method === 'heuristic'
    ? `**Estimated by heuristic, not counted**: ${sentence} Both ends of the range below take the band.`
    : `${sentence}`
}

/** The estimate before submitting: the dry-run report, and the figures a budget check refers to. */
export function renderEstimate(view: EstimateView, status: string): string {
  const { estimate } = view
  const n = (value: number) => value.toLocaleString('en-US')
  const lines = [
    heading('🧮', status, view.title),
    '',
    methodLine(estimate),
    '',
    `${n(estimate.requests)} requests · ${inputTokensPhrase(estimate)} · up to ${n(estimate.maxOutputTokens)} output tokens.`,
    '',
    estimatedCost(view),
  ]
  if (view.judgedTests > 0) {
    lines.push(
      '',
      `Not included: the judge's requests for the model-graded assertions of ${n(view.judgedTests)} test(s). They ` +
        'are made from the outputs, so they go out after them, in a batch of their own, and cost what their ' +
        'outputs make them cost.',
    )
  }
  if (view.maxCostUsd !== undefined) {
    const budget =
      estimate.unpriced.length > 0
        ? '**not checkable**: the cost of the unpriced requests is unknown'
        : usdNumber(estimate.high.batch) <= view.maxCostUsd
          ? 'within'
          : '**over**'
    lines.push('', `Budget (max-cost): $${view.maxCostUsd} · ${budget}.`)
  }
  for (const plan of view.plans) lines.push('', `Prompt caching: ${inertCell(cachePlanLine(plan), 500)}`)
  if (view.warnings?.length) lines.push('', warningsSection(view.warnings))
  return lines.join('\n').concat('\n')
}

/** The cost: a range when every request is priced; otherwise unknown, with the priced part as its own. */
function estimatedCost({ estimate, plans }: EstimateView): string {
  const range = (kind: keyof Cost) => `${formatUsd(estimate.low[kind])} to ${formatUsd(estimate.high[kind])}`
  const ends =
    plans.length > 0
      ? 'The low end has no output and every cached prefix read from the cache (as when an earlier run wrote ' +
        'it within the hour); the high end has every output at max_tokens and every cached prefix written at ' +
        'the 1-hour price.'
      : 'The low end has no output; the high end has every output at max_tokens.'
  if (estimate.unpriced.length === 0) {
    return `**Estimated cost at batch prices: ${range('batch')}** (standard prices: ${range('standard')}). ${ends}`
  }
  const unknown = `**Estimated cost at batch prices: unknown.** ${unpricedPhrases(estimate, (text) => inertCell(text, 200)).join('; ')}.`
  if (estimate.pricedRequests === 0) return unknown
  return (
    `${unknown} ${theOthers(estimate.pricedRequests)} ${range('batch')} at batch prices (standard prices: ` +
    `${range('standard')}), so the run costs at least ${formatUsd(estimate.low.batch)}. ${ends}`
  )
}

/** The suite load's warnings as a list under a heading, or nothing when there are none. */
export function warningsSection(warnings: readonly string[]): string {
  if (warnings.length === 0) return ''
  return ['**Warnings**', '', ...warnings.map((warning) => `- ${inertCell(warning, 2_000)}`)].join('\n')
}
