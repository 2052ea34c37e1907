/**
 * promptfoo's `derivedMetrics`: named formulas over the sums of the suite's named metrics (and `__count`, the
 * tests counted), checked here so that one that does not parse is reported at its line before anything is
 * billed; the report computes them.
 */
import { ARITHMETIC_FUNCTIONS, ArithmeticError, parseArithmetic } from '../common/arithmetic.js'
import type { Config } from './documents.js'
import { at, type Location, type ProblemLog } from './problems.js'
import type { DerivedMetric } from '../model.js'

/** The derived metrics a suite writes at `location` (the schema has checked their shape), or undefined. */
export function derivedMetricsOf(
  value: unknown,
  location: Location,
  log: ProblemLog,
): DerivedMetric[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined
  const metrics: DerivedMetric[] = []
  ;(value as Config[]).forEach((metric, i) => {
    const name = metric.name as string
    const formula = metric.value as string
    if (name === '__count') {
      log.report(
        at(location, i, 'name'),
        "'__count' is the number of tests a formula may read: name the metric otherwise",
      )
      return
    }
    try {
      parseArithmetic(formula)
      metrics.push({ name, formula })
    } catch (error) {
      if (!(error instanceof ArithmeticError)) throw error
      log.report(
        at(location, i, 'value'),
        `derived metric '${name}': ${error.message}; write a formula of numbers, metric names, + - * / % ^, ` +
          `parentheses and ${ARITHMETIC_FUNCTIONS.join(', ')}`,
      )
    }
  })
  return metrics
}
