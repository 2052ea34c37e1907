/**
 * promptfoo's scoring of a test's assertion results: pass, score and reason of a test (and of an
 * assert-set), and the test's metrics.
 */
import { reachesThreshold } from './grader.js'
import type { TestGrade } from './types.js'
import { fixed } from './values.js'
import type { AssertionResult } from '../../model.js'

/** Made once per count: every passing test keeps this reason, and a run has few distinct counts. */
const passedReasons: string[] = []
const allPassed = (count: number): string =>
  (passedReasons[count] ??= `${count === 1 ? 'the assertion' : `all ${count} assertions`} passed`)

/**
 * promptfoo's scoring of a test (and of an assert-set): the score is the weighted mean of the scores of the
 * assertions with weight > 0 (1 when there are none). With a threshold, the test passes when the score
 * reaches it; without one, when every assertion with weight > 0 passes. Weight-0 assertions are informational.
 * One addition: an assertion that could not be graded (a judge that gave no answer) fails the test even when
 * the others reach the threshold, as a grade nobody knows is never a pass.
 */
export function combine(
  results: AssertionResult[],
  threshold: number | undefined,
): Pick<TestGrade, 'pass' | 'score' | 'reason'> {
  const gating = results.filter((r) => r.weight > 0)
  const totalWeight = gating.reduce((sum, r) => sum + r.weight, 0)
  const score = totalWeight > 0 ? gating.reduce((sum, r) => sum + r.score * r.weight, 0) / totalWeight : 1
  const failed = gating.filter((r) => !r.pass)
  const firstFailure = failed.length > 0 ? `${failed[0].type}: ${failed[0].reason}` : undefined
  if (typeof threshold === 'number' && !Number.isNaN(threshold)) {
    const reaches = reachesThreshold(score, threshold)
    const reason = `weighted score ${fixed(score)} ${reaches ? '>=' : '<'} threshold ${threshold}`
    const ungraded = gating.find((r) => r.errored)
    if (reaches && ungraded) {
      return {
        pass: false,
        score,
        reason: `${reason}, but ${ungraded.type} has no grade (${ungraded.reason})`,
      }
    }
    return { pass: reaches, score, reason: !reaches && firstFailure ? `${reason}; ${firstFailure}` : reason }
  }
  if (firstFailure) {
    const more = failed.length > 1 ? ` (and ${failed.length - 1} more failed)` : ''
    return { pass: false, score, reason: `${firstFailure}${more}` }
  }
  if (results.length === 0) return { pass: true, score, reason: 'no assertions' }
  const informational = results.length - gating.length
  const passed = allPassed(gating.length)
  if (informational === 0) return { pass: true, score, reason: passed }
  const note = `${informational} informational (weight 0)`
  return { pass: true, score, reason: gating.length === 0 ? `only ${note}` : `${passed}; ${note}` }
}

interface MetricSum {
  weighted: number
  weight: number
  plain: number
  count: number
}

/** The metrics of a test whose assertions carry none: one object for every such test, kept with each grade. */
export const NO_METRICS: Readonly<Record<string, number>> = Object.freeze({})

/**
 * Per metric, the weighted mean score of the results that carry it (an assert-set's results weigh its
 * weight times theirs). A metric carried only by weight-0 results gets their plain mean, so that an
 * informational metric still reports.
 */
export function metricsOf(results: AssertionResult[]): Readonly<Record<string, number>> {
  const sums = new Map<string, MetricSum>()
  const add = (list: AssertionResult[], factor: number, skip: string | undefined) => {
    for (const r of list) {
      if (r.metric !== undefined && r.metric !== skip) {
        const sum = sums.get(r.metric) ?? { weighted: 0, weight: 0, plain: 0, count: 0 }
        sum.weighted += r.score * r.weight * factor
        sum.weight += r.weight * factor
        sum.plain += r.score
        sum.count += 1
        sums.set(r.metric, sum)
      }
      if (r.results) add(r.results, factor * r.weight, r.metric)
    }
  }
  add(results, 1, undefined)
  if (sums.size === 0) return NO_METRICS
  const metrics: Record<string, number> = {}
  for (const [name, sum] of sums)
    metrics[name] = sum.weight > 0 ? sum.weighted / sum.weight : sum.plain / sum.count
  return metrics
}
