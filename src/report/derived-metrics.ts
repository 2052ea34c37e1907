/**
 * promptfoo's derived metrics, computed as promptfoo computes them: each suite's formulas over the sums of its
 * tests' named metric scores and `__count` (the samples counted), in the order written, each value readable by
 * the formulas after it. A formula that reads a metric no test scored, or divides by zero, has no value and
 * says why: a figure the action cannot compute is never guessed.
 */
import { ArithmeticError, evaluateArithmetic, parseArithmetic } from '../common/arithmetic.js'
import type { DerivedMetric, SampleOutcome } from '../model.js'

export interface DerivedMetricValue {
  name: string
  formula: string
  value: number | null
  /** Why there is no value. */
  reason: string | null
}

interface SuiteSums {
  sums: Map<string, number>
  count: number
}

/** Running sums of the named metrics per suite that derives metrics (its cases share one list of them). */
export class DerivedMetricSums {
  private readonly suites = new Map<readonly DerivedMetric[], SuiteSums>()

  add(outcome: SampleOutcome): void {
    const definitions = outcome.evalCase.derivedMetrics
    if (!definitions) return
    let suite = this.suites.get(definitions)
    if (!suite) this.suites.set(definitions, (suite = { sums: new Map(), count: 0 }))
    suite.count += 1
    for (const [name, score] of Object.entries(outcome.metrics)) {
      suite.sums.set(name, (suite.sums.get(name) ?? 0) + score)
    }
  }

  /** Each suite's derived metrics, in the order the suites' tests came and the metrics are written. */
  values(): DerivedMetricValue[] {
    return [...this.suites].flatMap(([definitions, { sums, count }]) => {
      const scope = new Map(sums).set('__count', count)
      return definitions.map(({ name, formula }) => {
        const { value, reason } = valueOf(formula, scope)
        if (value !== null) scope.set(name, value)
        return { name, formula, value, reason }
      })
    })
  }
}

function valueOf(formula: string, scope: ReadonlyMap<string, number>) {
  try {
    const value = evaluateArithmetic(parseArithmetic(formula), scope)
    if (Number.isFinite(value)) return { value, reason: null }
    return { value: null, reason: Number.isNaN(value) ? 'not a number (0 / 0?)' : 'divides by zero' }
  } catch (error) {
    if (!(error instanceof ArithmeticError)) throw error
    return {
      value: null,
      reason: error.missing ? `no test scored the metric '${error.missing}'` : error.message,
    }
  }
}
