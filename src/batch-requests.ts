import { createHash } from 'node:crypto'
import type { BatchCreateParams } from '@anthropic-ai/sdk/resources/messages/batches'
import type { EvalCase } from './suite.js'

export type BatchRequest = BatchCreateParams.Request

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

/** One batch request per case, and the case of each custom_id (to join results back). */
export function buildBatchRequests(cases: EvalCase[]): {
  requests: BatchRequest[]
  caseByCustomId: Map<string, EvalCase>
} {
  const caseByCustomId = new Map<string, EvalCase>()
  const requests = cases.map((evalCase) => {
    const customId = customIdFor(evalCase.id)
    const clash = caseByCustomId.get(customId)
    if (clash) {
      throw new Error(
        `Tests '${clash.id}' and '${evalCase.id}' map to the same custom_id '${customId}'; rename one.`,
      )
    }
    caseByCustomId.set(customId, evalCase)
    return { custom_id: customId, params: evalCase.params }
  })
  return { requests, caseByCustomId }
}
