/**
 * Matrix shards (the `shard` input, `INDEX/COUNT`): the slice of a suite's cases one job of a matrix runs.
 * Each test goes to the shard its id's hash picks, so that adding or removing a test moves no other; the
 * cases that must be graded or sent together (a conversation's turns, select-best and max-score's outputs of
 * one test) go with the first of them.
 */
import { hash } from 'node:crypto'
import { UserError } from '../common/user-error.js'
import type { EvalCase } from '../model.js'

/** 1-based: shard `index` of `count`. */
export interface Shard {
  index: number
  count: number
}

/** A shard as its results file records it: which suite it is a slice of, so that a merge can tell. */
export interface ShardRecord extends Shard {
  /** The whole suite's tests, and a hash of their ids in order: the same in every shard of one suite. */
  suiteTests: number
  suiteKey: string
}

/** The most shards a suite may be split into (a workflow's matrix has at most 256 jobs). */
export const MAX_SHARDS = 256

/** The `shard` input's value; undefined when empty. */
export function parseShard(input: string, value: string): Shard | undefined {
  const text = value.trim()
  if (!text) return undefined
  const match = /^(\d+)\s*\/\s*(\d+)$/.exec(text)
  const index = match ? Number(match[1]) : NaN
  const count = match ? Number(match[2]) : NaN
  if (!(count >= 1 && count <= MAX_SHARDS && index >= 1 && index <= count)) {
    throw new UserError(
      `Input '${input}' is '${text}': give INDEX/COUNT, the 1-based index of this job's shard and how many ` +
        `there are (1 ≤ INDEX ≤ COUNT ≤ ${MAX_SHARDS}), e.g. '2/4', or '\${{ matrix.shard }}/4' in a matrix job.`,
    )
  }
  return { index, count }
}

export const shardLabel = ({ index, count }: Shard) => `shard ${index} of ${count}`

/** 32-bit FNV-1a of the text's UTF-16 units: the same on every machine and Node version. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash
}

/** The 1-based shard a test of this id (its group's first) goes to. */
export const shardOfId = (id: string, count: number): number => (fnv1a(id) % count) + 1

/**
 * The id each case is sharded by: its group's first case's, where a group is the cases joined by a
 * conversation (each turn with the one before) or an output group (select-best, max-score).
 */
export function shardKeys(cases: readonly EvalCase[]): string[] {
  const parent = cases.map((_, i) => i)
  const root = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]]
    return i
  }
  // The earlier case stays the root: the group is keyed by its first case in the suite's order.
  const join = (a: number, b: number) => {
    const [ra, rb] = [root(a), root(b)]
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb)
  }
  const position = new Map(cases.map((evalCase, i) => [evalCase, i]))
  const firstOfGroup = new Map<number, number>()
  cases.forEach((evalCase, i) => {
    const before = evalCase.conversation?.after && position.get(evalCase.conversation.after)
    if (before !== undefined) join(i, before)
    if (evalCase.outputGroup !== undefined) {
      const first = firstOfGroup.get(evalCase.outputGroup)
      if (first === undefined) firstOfGroup.set(evalCase.outputGroup, i)
      else join(i, first)
    }
  })
  return cases.map((_, i) => cases[root(i)].id)
}

/** The cases of the shard, in the suite's order, and its record. */
export function casesOfShard(cases: EvalCase[], shard: Shard): { cases: EvalCase[]; record: ShardRecord } {
  const keys = shardKeys(cases)
  const suiteKey = hash('sha256', cases.map((evalCase) => evalCase.id).join('\n')).slice(0, 16)
  return {
    cases: cases.filter((_, i) => shardOfId(keys[i], shard.count) === shard.index),
    record: { ...shard, suiteTests: cases.length, suiteKey },
  }
}
