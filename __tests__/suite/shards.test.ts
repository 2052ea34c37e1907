/** Matrix shards: the `shard` input, and which tests each shard runs. */
import { casesOfShard, parseShard, shardKeys } from '../../src/suite/shards.js'
import type { EvalCase } from '../../src/model.js'

const testCase = (id: string, more: Partial<EvalCase> = {}): EvalCase =>
  ({ id, file: 's.yaml', line: 1, vars: {}, prompt: '', assertions: [], ...more }) as unknown as EvalCase

describe('parseShard', () => {
  it('reads INDEX/COUNT, 1-based, and nothing when empty', () => {
    expect(parseShard('shard', '2/4')).toEqual({ index: 2, count: 4 })
    expect(parseShard('shard', ' 1 / 1 ')).toEqual({ index: 1, count: 1 })
    expect(parseShard('shard', '')).toBeUndefined()
  })

  it.each(['0/4', '5/4', '2', '2/0', 'a/b', '1/300'])(
    'refuses %s, naming the input and the form',
    (value) => {
      expect(() => parseShard('shard', value)).toThrow(`Input 'shard' is '${value}': give INDEX/COUNT`)
    },
  )
})

describe('casesOfShard', () => {
  const cases = Array.from({ length: 200 }, (_, i) => testCase(`test-${i}`))

  it('puts every test in exactly one shard', () => {
    const seen = new Map<string, number>()
    for (let index = 1; index <= 3; index++) {
      for (const { id } of casesOfShard(cases, { index, count: 3 }).cases)
        seen.set(id, (seen.get(id) ?? 0) + 1)
    }
    expect(seen.size).toBe(200)
    expect([...seen.values()].every((n) => n === 1)).toBe(true)
    // Each shard gets a share, not all or nothing.
    for (let index = 1; index <= 3; index++)
      expect(casesOfShard(cases, { index, count: 3 }).cases.length).toBeGreaterThan(40)
  })

  it('moves no test when tests are added, and records the suite it is a slice of', () => {
    const before = casesOfShard(cases, { index: 2, count: 4 })
    const grown = [testCase('new-a'), ...cases, testCase('new-b')]
    const after = casesOfShard(grown, { index: 2, count: 4 })
    const ids = (list: EvalCase[]) => list.map((c) => c.id).filter((id) => id.startsWith('test-'))
    expect(ids(after.cases)).toEqual(ids(before.cases))
    expect(before.record).toMatchObject({ index: 2, count: 4, suiteTests: 200 })
    expect(after.record.suiteKey).not.toBe(before.record.suiteKey)
  })

  it("keeps a conversation's turns and an output group's cases with the group's first", () => {
    const first = testCase('turn-1')
    const second = testCase('turn-2', { conversation: { outputToken: 't', after: first, turn: 1 } })
    const third = testCase('turn-3', { conversation: { outputToken: 'u', after: second, turn: 2 } })
    const best = [testCase('best [a]', { outputGroup: 7 }), testCase('best [b]', { outputGroup: 7 })]
    const all = [testCase('alone'), first, second, ...best, third]
    expect(shardKeys(all)).toEqual(['alone', 'turn-1', 'turn-1', 'best [a]', 'best [a]', 'turn-1'])
    for (let index = 1; index <= 5; index++) {
      const ids = casesOfShard(all, { index, count: 5 }).cases.map((c) => c.id)
      expect([0, 3].includes(ids.filter((id) => id.startsWith('turn')).length)).toBe(true)
      expect([0, 2].includes(ids.filter((id) => id.startsWith('best')).length)).toBe(true)
    }
  })
})
