/**
 * The rounds of a run with promptfoo conversations (suite/conversations.ts). The first turns go in the run's
 * first batches with every other test; each later turn goes in a batch of the round after its earlier turn's,
 * once that turn's output is in, with the earlier turns' outputs in place of their tokens. A turn whose
 * earlier turn has no output is not sent (never with a hole in its history): its result is an error naming
 * that turn.
 */
import type { ErrorObject } from '@anthropic-ai/sdk/resources/shared'
import type { Message } from '@anthropic-ai/sdk/resources/messages/messages'
import type { MessageBatchIndividualResponse } from '@anthropic-ai/sdk/resources/messages/batches'
import type { ResultSink } from './run.js'
import type { BatchRequest, EvalCase, Sample } from '../model.js'

/** The error type of a turn not sent because an earlier turn has no output. */
export const NOT_SENT_ERROR = 'earlier_turn_failed'

export class ConversationRounds {
  /** The samples of each turn that a later turn follows, by sample index (1-based) less one. */
  private readonly customIdsOf = new Map<EvalCase, string[]>()
  /** The later turns' samples by turn (1, 2, ...). */
  private readonly laterTurns: { customId: string; sample: Sample; request: BatchRequest }[][] = []
  /** The outputs of the conversations' turns, by custom_id. */
  private readonly outputs = new Map<string, string>()
  /** Every custom_id a result came for (an earlier attempt's batches, resumed, may hold later turns'). */
  private readonly answered = new Set<string>()
  /** The later turns' requests as sent, their tokens filled in: for a retry to send the same. */
  private readonly sent = new Map<string, BatchRequest>()

  constructor(
    requests: BatchRequest[],
    private readonly sampleByCustomId: Map<string, Sample>,
    /** A turn's output as promptfoo's `_conversation` gives it. */
    private readonly outputOf: (message: Message) => string,
  ) {
    for (const request of requests) {
      const sample = sampleByCustomId.get(request.custom_id) as Sample
      const turn = sample.evalCase.conversation
      if (!turn) continue
      const ids = this.customIdsOf.get(sample.evalCase) ?? []
      ids.push(request.custom_id)
      this.customIdsOf.set(sample.evalCase, ids)
      if (turn.turn > 0)
        (this.laterTurns[turn.turn] ??= []).push({ customId: request.custom_id, sample, request })
    }
  }

  /** The turns of the longest conversation: the run's rounds (1 without conversations). */
  get turns(): number {
    return Math.max(1, this.laterTurns.length)
  }

  /** The later turns' samples without a result yet. */
  get unanswered(): number {
    return this.laterTurns.flat().filter(({ customId }) => !this.answered.has(customId)).length
  }

  /**
   * Of the run's requests (and their sizes, when known), those of the first round: all but the conversations'
   * later turns; all of them when there are none.
   */
  firstRound(
    requests: BatchRequest[],
    bytes?: readonly number[],
  ): [requests: BatchRequest[], bytes: readonly number[] | undefined] {
    if (this.laterTurns.length === 0) return [requests, bytes]
    const first = requests.flatMap((request, i) =>
      (this.sampleByCustomId.get(request.custom_id)?.evalCase.conversation?.turn ?? 0) === 0 ? [i] : [],
    )
    return [first.map((i) => requests[i]), bytes && first.map((i) => bytes[i])]
  }

  /** Whether a result came for `customId`. */
  hasResult(customId: string): boolean {
    return this.answered.has(customId)
  }

  /** The request of `customId` as sent, when it is a later turn already sent. */
  sentRequest(customId: string): BatchRequest | undefined {
    return this.sent.get(customId)
  }

  /** The sink, seeing the outputs of the conversations' turns on their way to it. */
  recording(sink: ResultSink): ResultSink {
    return {
      add: (line) => {
        this.answered.add(line.custom_id)
        const sample = this.sampleByCustomId.get(line.custom_id)
        if (sample?.evalCase.conversation && line.result.type === 'succeeded')
          this.outputs.set(line.custom_id, this.outputOf(line.result.message))
        return sink.add(line)
      },
      retryableCustomIds: () => sink.retryableCustomIds(),
    }
  }

  /**
   * Round `round` (1 for the second turns): the requests of its turns that have no result yet, their earlier
   * turns' outputs filled in, and the results of those that cannot be sent, as an earlier turn has no output.
   */
  round(round: number): { requests: BatchRequest[]; unsent: MessageBatchIndividualResponse[] } {
    const requests: BatchRequest[] = []
    const unsent: MessageBatchIndividualResponse[] = []
    for (const { customId, sample, request } of this.laterTurns[round] ?? []) {
      if (this.answered.has(customId)) continue
      const filled = this.fill(sample, request)
      if ('missing' in filled) {
        unsent.push(notSent(customId, filled.missing))
        continue
      }
      this.sent.set(customId, filled.request)
      requests.push(filled.request)
    }
    return { requests, unsent }
  }

  /** The request with its earlier turns' outputs in place of their tokens, or the first turn with none. */
  private fill(sample: Sample, request: BatchRequest): { request: BatchRequest } | { missing: EvalCase } {
    const outputs: [token: string, output: string][] = []
    for (let turn = sample.evalCase.conversation?.after; turn; turn = turn.conversation?.after) {
      const ids = this.customIdsOf.get(turn) ?? []
      // A turn repeated less often than the next: its last sample goes on.
      const output = this.outputs.get(ids[Math.min(sample.index, ids.length) - 1])
      if (output === undefined) return { missing: turn }
      outputs.push([turn.conversation?.outputToken as string, output])
    }
    const fillIn = (value: unknown): unknown =>
      typeof value === 'string'
        ? outputs.reduce((text, [token, output]) => text.replaceAll(token, () => output), value)
        : Array.isArray(value)
          ? value.map(fillIn)
          : typeof value === 'object' && value !== null
            ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillIn(v)]))
            : value
    const { params } = request
    const filled = {
      ...params,
      messages: fillIn(params.messages) as typeof params.messages,
      ...(params.system !== undefined && { system: fillIn(params.system) as typeof params.system }),
    }
    return { request: { custom_id: request.custom_id, params: filled } }
  }
}

/** The result of a turn not sent: an earlier turn of its conversation has no output. */
function notSent(customId: string, earlier: EvalCase): MessageBatchIndividualResponse {
  const message =
    `not sent: turn '${earlier.id}' (${earlier.file}:${earlier.line}) of its conversation has no output, ` +
    'and this turn would be sent without it'
  // Not an API error: a result of the run's own, which the grader reads as it reads any errored result.
  const error = { type: NOT_SENT_ERROR, message } as unknown as ErrorObject
  return {
    custom_id: customId,
    result: { type: 'errored', error: { type: 'error', error, request_id: null } },
  }
}
