import { createHash } from 'node:crypto'
import { UserError } from '../common/user-error.js'
import type { BatchRequest, EvalCase, Sample } from '../model.js'

const CUSTOM_ID_RULE = /^[A-Za-z0-9_-]{1,64}$/

/**
 * A `custom_id` for a test id: the id itself when the API accepts it, else its legal characters cut short
 * plus a hash of the whole id, so that it stays stable from run to run and unique within the batch.
 */
export function customIdFor(testId: string): string {
  if (CUSTOM_ID_RULE.test(testId)) return testId
  const readable = testId.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 48)
  const hash = createHash('sha256').update(testId).digest('hex').slice(0, 12)
  return `${readable}-${hash}`
}

/**
 * The custom_id of one sample: the test's own for a test sent once (so that ids stay as they were before
 * repeats), else the test id with `_r<index>`, made legal the same way.
 */
export function sampleCustomId(testId: string, index: number, of: number): string {
  return of === 1 ? customIdFor(testId) : customIdFor(`${testId}_r${index}`)
}

/**
 * The batch requests of a run: one per sample, a test's samples one after the other; and the sample of each
 * custom_id (to join results back). `repeat` is the samples of a test that sets none.
 */
export function buildBatchRequests(
  cases: EvalCase[],
  repeat = 1,
): {
  requests: BatchRequest[]
  sampleByCustomId: Map<string, Sample>
} {
  const sampleByCustomId = new Map<string, Sample>()
  const requests: BatchRequest[] = []
  for (const evalCase of cases) {
    const of = evalCase.repeat ?? repeat
    for (let index = 1; index <= of; index++) {
      const customId = sampleCustomId(evalCase.id, index, of)
      const clash = sampleByCustomId.get(customId)
      if (clash) {
        throw new UserError(
          `Tests '${clash.evalCase.id}' and '${evalCase.id}' map to the same custom_id '${customId}'; rename one.`,
        )
      }
      sampleByCustomId.set(customId, { evalCase, index, of, position: requests.length })
      requests.push({ custom_id: customId, params: evalCase.params })
    }
  }
  return { requests, sampleByCustomId }
}
