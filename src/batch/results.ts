/** Downloading an ended batch's results, line by line, through streams that break and come back. */
import type Anthropic from '@anthropic-ai/sdk'
import type { MessageBatchIndividualResponse } from '@anthropic-ai/sdk/resources/messages/batches'
import { isTransient, realSleep, type Log, type Sleep } from './client.js'
import { UserError } from '../common/user-error.js'

/** Attempts at downloading one batch's results when the stream breaks. */
const RESULTS_ATTEMPTS = 5

/**
 * A batch's results as they download, one line at a time. A broken stream is fetched again, skipping the
 * results already given by their custom_id (the API does not promise the same order twice), so no result
 * is lost or doubled.
 */
export async function* streamResults(
  client: Anthropic,
  batchId: string,
  options: { log: Log; sleep?: Sleep },
): AsyncGenerator<MessageBatchIndividualResponse> {
  const delivered = new Set<string>()
  for (let attempt = 1; ; attempt++) {
    try {
      for await (const line of resultLines(client, batchId)) {
        const result = JSON.parse(line) as MessageBatchIndividualResponse
        // Only what an earlier download gave is skipped: a result doubled within one still reaches the sink.
        if (attempt > 1 && delivered.has(result.custom_id)) continue
        delivered.add(result.custom_id)
        yield result
      }
      return
    } catch (error) {
      if (!isTransient(error)) throw error
      if (attempt === RESULTS_ATTEMPTS) {
        throw new UserError(
          `The results of ${batchId} could not be downloaded (${(error as Error).message}) after ` +
            `${RESULTS_ATTEMPTS} attempts. The batch has ended, and its results stay downloadable for 29 days: a re-run of this ` +
            'job resumes it, or collect it with the batch-id input.',
          { cause: error },
        )
      }
      options.log(
        `The results of ${batchId} broke off after ${delivered.size} lines (${(error as Error).message}); fetching them again.`,
      )
      await (options.sleep ?? realSleep)(2 ** attempt * 500)
    }
  }
}

/**
 * The JSONL lines of a batch's results file, split here rather than by the SDK's decoder (`batches.results`),
 * which splits byte by byte and took a second per 100,000 results. Only complete lines are given: a line cut
 * off by a broken stream is never parsed.
 */
async function* resultLines(client: Anthropic, batchId: string): AsyncGenerator<string> {
  const batch = await client.messages.batches.retrieve(batchId)
  if (!batch.results_url) {
    throw new Error(`Batch ${batchId} has no results_url: it is ${batch.processing_status}, not ended.`)
  }
  const response = await client
    .get(batch.results_url, { headers: { Accept: 'application/binary' }, __binaryResponse: true })
    .asResponse()
  if (!response.body) throw new Error(`The results download of ${batchId} has no body.`)
  const decoder = new TextDecoder()
  let pending = ''
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    // What was pending holds no newline: only the new text is searched (a line of megabytes comes in many chunks).
    const searchFrom = pending.length
    pending += decoder.decode(chunk, { stream: true })
    let start = 0
    for (let end = pending.indexOf('\n', searchFrom); end !== -1; end = pending.indexOf('\n', start)) {
      if (end > start) yield pending.slice(start, end)
      start = end + 1
    }
    pending = pending.slice(start)
  }
  pending += decoder.decode()
  if (pending.trim() !== '') yield pending
}
