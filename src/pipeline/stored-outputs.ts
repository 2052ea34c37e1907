/**
 * The outputs a results file stores, matched to the samples a suite builds now and turned back into the
 * batch results the grader takes: what `regrade` grades instead of sending anything.
 */
import type { MessageBatchIndividualResponse } from '@anthropic-ai/sdk/resources/messages/batches'
import type { ContentBlock } from '@anthropic-ai/sdk/resources/messages/messages'
import { canonicalJson } from '../batch/request-keys.js'
import { NO_USAGE } from '../batch/echo.js'
import { ResultsFileError, type StoredEntry } from '../report/stored-run.js'
import type { Sample } from '../model.js'

/** The samples whose stored output matches, and the tests left out (no stored output for a sample). */
export interface StoredOutputs {
  /** The kept samples, by custom_id, in suite order, their positions counted again from 0. */
  samples: Map<string, Sample>
  /** The stored entry of each kept sample, by its custom_id now. */
  entries: Map<string, StoredEntry>
  /** Ids of the tests left out, in suite order: new, or a sample's request changed since the file. */
  leftOut: string[]
}

const key = (id: string, sample: number) => `${id}\u0000${sample}`

/**
 * Each sample gets the entry with its test id and sample number whose stored request is the one the suite
 * builds now (compared canonically, cache_control marks aside). A test with a sample that gets none is left
 * out whole: its verdict is over all its samples.
 */
export function matchStoredOutputs(
  sampleByCustomId: ReadonlyMap<string, Sample>,
  stored: Iterable<StoredEntry>,
): StoredOutputs {
  const byKey = new Map<string, StoredEntry>()
  for (const entry of stored) byKey.set(key(entry.id, entry.sample), entry)
  const byTest = new Map<string, [string, Sample][]>()
  for (const [customId, sample] of sampleByCustomId) {
    const test = byTest.get(sample.evalCase.id)
    if (test) test.push([customId, sample])
    else byTest.set(sample.evalCase.id, [[customId, sample]])
  }
  const samples = new Map<string, Sample>()
  const entries = new Map<string, StoredEntry>()
  const leftOut: string[] = []
  for (const [id, testSamples] of byTest) {
    const found = testSamples.map(([, sample]) => {
      const entry = byKey.get(key(id, sample.index))
      return entry && canonicalJson(entry.request) === canonicalJson(sample.evalCase.params)
        ? entry
        : undefined
    })
    if (found.some((entry) => entry === undefined)) {
      leftOut.push(id)
      continue
    }
    testSamples.forEach(([customId, sample], i) => {
      samples.set(customId, { ...sample, position: samples.size })
      entries.set(customId, found[i] as StoredEntry)
    })
  }
  return { samples, entries, leftOut }
}

/**
 * The batch result a stored entry records, under the sample's custom_id now: its message rebuilt from the
 * stored content blocks (or the output as one text block), stop_reason and usage; an errored, expired or
 * canceled result as such. Undefined for a missing result (the grader reports it missing again). `file`
 * names the results file in errors.
 */
export function storedResult(
  customId: string,
  entry: StoredEntry,
  file: string,
): MessageBatchIndividualResponse | undefined {
  switch (entry.result_type) {
    case 'succeeded':
      return { custom_id: customId, result: { type: 'succeeded', message: storedMessage(entry, file) } }
    case 'errored': {
      const error = entry.error ?? { type: 'api_error', message: 'the stored result has no error' }
      return {
        custom_id: customId,
        result: { type: 'errored', error: { type: 'error', error: error as never, request_id: null } },
      }
    }
    case 'expired':
    case 'canceled':
      return { custom_id: customId, result: { type: entry.result_type } }
    default:
      return undefined
  }
}

function storedMessage(entry: StoredEntry, file: string) {
  const content = (entry as StoredEntry & { content?: unknown }).content
  if (content !== undefined && !isBlocks(content)) {
    throw new ResultsFileError(file, `has an entry of '${entry.id}' whose content is not a list of blocks`)
  }
  if (entry.output === null && content === undefined) {
    throw new ResultsFileError(file, `has a succeeded entry of '${entry.id}' with no output`)
  }
  return {
    id: `stored_${entry.custom_id}`,
    type: 'message' as const,
    role: 'assistant' as const,
    model: entry.model,
    content: content ?? [{ type: 'text' as const, text: entry.output ?? '', citations: null }],
    stop_reason: entry.stop_reason as never,
    stop_sequence: null,
    stop_details: null,
    container: null,
    diagnostics: null,
    usage: (entry.usage ?? NO_USAGE) as never,
  }
}

const isBlocks = (value: unknown): value is ContentBlock[] =>
  Array.isArray(value) &&
  value.every((block) => typeof block === 'object' && block !== null && typeof block.type === 'string')
