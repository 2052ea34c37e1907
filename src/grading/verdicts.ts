/**
 * A test's verdict over its samples (a test with `repeat: N` is sent N times), and what the repeated tests
 * say together: pass@k, pass^k and the flaky ones. The gate counts tests by verdict, so that one test
 * dropping from 3/3 to 2/3 is a failed test, not a dent in an average.
 */
import { passAtK, passHatK } from './statistics.js'
import type { EvalCase, SampleOutcome, TestStatus } from '../model.js'

export interface TestVerdict {
  evalCase: EvalCase
  status: TestStatus
  samples: number
  passes: number
  /** Samples without an output to grade. */
  errors: number
  /** Samples that must pass: `repeat-min-pass`, or all of them. */
  needed: number
  /** Some samples passed and some failed. */
  flaky: boolean
}

/**
 * The verdict of each test, in suite order, from its samples' outcomes (consecutive, as graded). A test
 * passes when at least `needed` samples pass; it failed for want of output (errored) when the samples that
 * errored could have made up the difference.
 */
export function verdictsOf(outcomes: SampleOutcome[], repeatMinPass: number | undefined): TestVerdict[] {
  const verdicts: TestVerdict[] = []
  for (let start = 0; start < outcomes.length;) {
    const { evalCase, samples } = outcomes[start]
    let passes = 0
    let errors = 0
    for (let i = start; i < start + samples; i++) {
      if (outcomes[i].status === 'passed') passes += 1
      else if (outcomes[i].status === 'errored') errors += 1
    }
    const needed = Math.min(repeatMinPass ?? samples, samples)
    const status: TestStatus = passes >= needed ? 'passed' : passes + errors >= needed ? 'errored' : 'failed'
    const flaky = passes > 0 && passes + errors < samples
    verdicts.push({ evalCase, status, samples, passes, errors, needed, flaky })
    start += samples
  }
  return verdicts
}

export interface RepeatSummary {
  /** Tests sent more than once. */
  tests: number
  /** The k of pass@k and pass^k: the fewest samples a repeated test has. */
  k: number
  /** Means over the repeated tests: the share of samples that passed, pass@k and pass^k. */
  passAt1: number
  passAtK: number
  passHatK: number
  /** Repeated tests that both passed and failed, in suite order. */
  flaky: TestVerdict[]
}

/** What the repeated tests say together; null when no test was repeated. */
export function repeatSummaryOf(verdicts: TestVerdict[]): RepeatSummary | null {
  const repeated = verdicts.filter((verdict) => verdict.samples > 1)
  if (repeated.length === 0) return null
  const k = repeated.reduce((fewest, verdict) => Math.min(fewest, verdict.samples), Infinity)
  const mean = (value: (verdict: TestVerdict) => number) =>
    repeated.reduce((sum, verdict) => sum + value(verdict), 0) / repeated.length
  return {
    tests: repeated.length,
    k,
    passAt1: mean((v) => v.passes / v.samples),
    passAtK: mean((v) => passAtK(v.samples, v.passes, k)),
    passHatK: mean((v) => passHatK(v.samples, v.passes, k)),
    flaky: repeated.filter((verdict) => verdict.flaky),
  }
}
