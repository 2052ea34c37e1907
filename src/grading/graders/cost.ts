/** The cost grader: the test's cost at batch price against a ceiling. An unknown cost never passes. */
import { formatUsd } from '../../cost/usd.js'
import type { GraderDefinition } from './grader.js'
import type { Finding } from './types.js'

const cost: GraderDefinition = {
  value: 'none',
  valueHelp: "put the most the test may cost in 'threshold' (USD at batch prices), e.g. 'threshold: 0.01'",
  threshold: {
    kind: 'usd',
    required: true,
    help: "the most the test may cost in USD at batch prices, e.g. 'threshold: 0.01'",
  },
  readsOutput: false,
  looksAt: 'cost',
  compile(c) {
    const { negate } = c
    const ceiling = c.threshold as number
    return ({ input }): Finding => {
      const spent = input.costUsd
      if (spent === null || !Number.isFinite(spent)) {
        const why = input.costUnknownReason ?? 'the action cannot price this test'
        return { pass: false, score: 0, reason: `cost unknown: ${why}`, error: true }
      }
      const holds = spent <= ceiling
      const pass = holds !== negate
      let reason: string
      if (negate) {
        reason = pass
          ? `cost ${formatUsd(spent)} is above ${formatUsd(ceiling)}`
          : `expected cost above ${formatUsd(ceiling)}; it was ${formatUsd(spent)}`
      } else {
        reason = pass
          ? `cost ${formatUsd(spent)} is within ${formatUsd(ceiling)}`
          : `expected cost at most ${formatUsd(ceiling)} at batch prices; it was ${formatUsd(spent)}`
      }
      return { pass: holds, score: holds ? 1 : 0, reason }
    }
  },
}

export const COST_GRADERS: Record<string, GraderDefinition> = { cost }
