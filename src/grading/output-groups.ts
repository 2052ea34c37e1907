/**
 * The outputs that select-best and max-score grade against one another. promptfoo compares the rows of one
 * test index: one test and one combination of its vars, across the prompts and providers it is crossed with,
 * in one repeat. Here: the samples whose cases share an output group (EvalCase.outputGroup) and a sample
 * number, so that a repeated test's samples k are compared with one another. A test without such assertions
 * forms no group, and its samples are graded one at a time as they come.
 */
import { comparisonOf, compareOutputs, withComparisons, type Candidate, type Judge } from './graders/index.js'
import { sampleLabel } from './run-grader.js'
import type { CompiledAssertion, Sample, TestOutcome } from '../model.js'

interface Member {
  customId: string
  sample: Sample
  /** Its grade by the test's other assertions, once it has an output; held until the group is compared. */
  graded?: TestOutcome
  /** Whether that grade awaits a judge's answer. */
  pending: boolean
}

export class OutputGroup {
  readonly members: Member[] = []
  /** Whether each member has its final outcome. */
  compared = false

  constructor(
    /** The test's assertions graded one output at a time: all but the comparisons. */
    readonly own: CompiledAssertion[],
    /** select-best and max-score, as listed in the test's assert. */
    readonly comparisons: CompiledAssertion[],
  ) {}

  /** Holds a member's grade by its own assertions (again, once its judge has answered). */
  hold(customId: string, graded: TestOutcome, pending: boolean): void {
    const member = this.members.find((m) => m.customId === customId) as Member
    member.graded = graded
    member.pending = pending
  }

  /**
   * Each member with an output and its final outcome, once every comparison could be made; undefined while a
   * judge's answer is awaited (every select-best's judge is asked all the same, so that one judge batch holds
   * them all). Members without an output (their requests failed) are left out of the comparisons.
   */
  compare(judge: Judge | undefined): { sample: Sample; outcome: TestOutcome }[] | undefined {
    const withOutput = this.members.filter((m) => m.graded !== undefined)
    const candidates: Candidate[] = withOutput.map(({ sample, graded }) => ({
      label: `${sample.evalCase.id}${sampleLabel({ sample: sample.index, samples: sample.of })}`,
      output: graded?.output ?? '',
      results: graded?.assertions ?? [],
    }))
    const without = this.members.length - withOutput.length
    const awaited = withOutput.some((m) => m.pending)
    const results = this.comparisons.map((assertion) =>
      // max-score takes the other assertions' scores, which a judge may not have given yet.
      awaited && comparisonOf(assertion)?.kind === 'max-score'
        ? 'pending'
        : compareOutputs(assertion, candidates, without, judge),
    )
    if (awaited || results.some((result) => result === 'pending')) return undefined
    this.compared = true
    return withOutput.map(({ sample, graded }, i) => ({
      sample,
      outcome: withComparisons(
        graded as TestOutcome,
        results.map((result) => (result as Exclude<typeof result, 'pending'>)[i]),
      ),
    }))
  }
}

/** What a member shows until its group is compared: not passed, with the reason. */
export function awaitingComparison(graded: TestOutcome, group: OutputGroup): TestOutcome {
  const types = group.comparisons.map((assertion) => assertion.type).join(' and ')
  return { ...graded, status: 'failed', reason: `awaiting ${types}, which compare the test's outputs` }
}

const comparesOutputs = (assertion: CompiledAssertion) => comparisonOf(assertion) !== undefined

/** The output groups of the samples whose tests compare outputs, by custom_id. */
export function outputGroups(sampleByCustomId: Map<string, Sample>): Map<string, OutputGroup> {
  const byCustomId = new Map<string, OutputGroup>()
  const byKey = new Map<string, OutputGroup>()
  for (const [customId, sample] of sampleByCustomId) {
    const { evalCase } = sample
    // Most tests compare nothing: they cost a look at each assertion, and no list.
    if (!evalCase.assertions.some(comparesOutputs)) continue
    // A case without a group (made otherwise than by the suite loader) is compared with no other.
    const key = `${evalCase.outputGroup ?? customId}:${sample.index}`
    let group = byKey.get(key)
    if (!group) {
      const own = evalCase.assertions.filter((assertion) => !comparesOutputs(assertion))
      group = new OutputGroup(own, evalCase.assertions.filter(comparesOutputs))
      byKey.set(key, group)
    }
    group.members.push({ customId, sample, pending: false })
    byCustomId.set(customId, group)
  }
  return byCustomId
}
