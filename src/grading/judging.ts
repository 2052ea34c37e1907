/**
 * The judge's side of model-graded assertions: the judge requests that grading the outputs asks for, gathered
 * (one per distinct request) to go out as a batch of their own, and the judge's answers as they come back.
 */
import { createHash } from 'node:crypto'
import type {
  MessageBatchIndividualResponse,
  MessageBatchResult,
} from '@anthropic-ai/sdk/resources/messages/batches'
import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages/messages'
import { outputText, type Judge, type JudgeAnswer } from './graders/index.js'
import type { ResultSink } from '../batch/run.js'
import { worthRetrying } from './run-grader.js'
import { billedCall, type BilledCall } from '../cost/pricing.js'
import type { BatchRequest } from '../model.js'

/** custom_ids of judge requests start with this; the rest is a hash of the request. */
const JUDGE_CUSTOM_ID_PREFIX = 'judge_'

/** The same request always gets the same id, so that a test's second grading finds its answer. */
export function judgeCustomId(params: MessageCreateParamsNonStreaming): string {
  const hash = createHash('sha256').update(JSON.stringify(params)).digest('hex')
  return `${JUDGE_CUSTOM_ID_PREFIX}${hash.slice(0, 40)}`
}

/** A judge's reply as a results file keeps it: its request's key (the custom_id), model, text and cost. */
export interface StoredJudgeReply {
  key: string
  model: string
  reply: string
  /** Femtodollars at batch prices; null when unknown. */
  batchCost: bigint | null
  /** When an earlier run received it, for a reply reused since (undefined: the run that stores it). */
  madeAt?: string
}

/** What one judge request cost. */
export type JudgeCall = BilledCall

interface Answered {
  answer: JudgeAnswer
  /** Whether the request may be sent again as it is (an overloaded or expired request). */
  retryable: boolean
  call: JudgeCall | undefined
}

function answerOf(result: MessageBatchResult): JudgeAnswer {
  switch (result.type) {
    case 'succeeded':
      return { state: 'answered', text: outputText(result.message) }
    case 'errored': {
      const { type, message } = result.error.error
      return { state: 'errored', message: `the judge request failed: ${type}: ${message}` }
    }
    case 'expired':
      return { state: 'errored', message: 'the judge request expired before it was processed' }
    case 'canceled':
      return { state: 'errored', message: 'the judge request was canceled before it was processed' }
  }
}

export class JudgeBook implements Judge, ResultSink {
  private readonly asked = new Map<string, BatchRequest>()
  private readonly answers = new Map<string, Answered>()
  /** Results for judge ids that no grading asked for (yet): kept when collecting batches of unknown role. */
  private readonly unasked = new Set<string>()
  /** Replies an earlier run stored, by custom_id (its content key): answers that need no request. */
  private readonly stored = new Map<string, StoredJudgeReply>()
  /** The stored replies grading used. */
  private readonly reusedIds = new Set<string>()

  answer(params: MessageCreateParamsNonStreaming): JudgeAnswer {
    const customId = judgeCustomId(params)
    this.unasked.delete(customId)
    const known = this.answers.get(customId)
    if (known) return known.answer
    const stored = this.stored.get(customId)
    if (stored) {
      this.reusedIds.add(customId)
      return { state: 'answered', text: stored.reply }
    }
    if (!this.asked.has(customId)) this.asked.set(customId, { custom_id: customId, params })
    return { state: 'pending' }
  }

  /** Replies of an earlier run to reuse: a judge request with one of their keys is answered by it, not sent. */
  reuse(replies: Iterable<StoredJudgeReply>): void {
    for (const reply of replies) this.stored.set(reply.key, reply)
  }

  /** How many judge requests grading asked for that no stored reply answered. */
  get requested(): number {
    return this.asked.size
  }

  /** The stored replies that answered a judge request of this run. */
  reused(): StoredJudgeReply[] {
    return [...this.reusedIds].map((key) => this.stored.get(key) as StoredJudgeReply)
  }

  /**
   * The judge's replies of this run, each under its request's key, for a later run to reuse: those it
   * received (with their cost at batch prices) and those it reused (with their stored cost).
   */
  replies(): StoredJudgeReply[] {
    const received = [...this.answers].flatMap(([key, { answer, call }]) =>
      answer.state === 'answered' && this.asked.has(key)
        ? [
            {
              key,
              model: this.asked.get(key)?.params.model ?? '',
              reply: answer.text,
              batchCost: call?.cost?.batch ?? null,
            },
          ]
        : [],
    )
    return [...received, ...this.reused()]
  }

  /** Whether a custom_id is a judge request's. */
  static owns(customId: string): boolean {
    return customId.startsWith(JUDGE_CUSTOM_ID_PREFIX)
  }

  /** A judge's result; a later one replaces an earlier one only when that one failed. */
  async add({ custom_id, result }: MessageBatchIndividualResponse): Promise<void> {
    const earlier = this.answers.get(custom_id)
    if (earlier && earlier.answer.state === 'answered') return
    const request = this.asked.get(custom_id)
    if (!request) this.unasked.add(custom_id)
    const call =
      result.type === 'succeeded'
        ? billedCall(request?.params.model ?? result.message.model, result.message.usage)
        : undefined
    const retryable = worthRetrying(
      result.type,
      result.type === 'errored' ? result.error.error.type : undefined,
    )
    this.answers.set(custom_id, { answer: answerOf(result), retryable, call })
  }

  /** Judge requests asked for that have no answer yet: what the judge's batch must hold. */
  unanswered(): BatchRequest[] {
    return [...this.asked.values()].filter((request) => !this.answers.has(request.custom_id))
  }

  retryableCustomIds(): string[] {
    return [...this.answers]
      .filter(([customId, { retryable }]) => retryable && this.asked.has(customId))
      .map(([customId]) => customId)
  }

  /** The request of a custom_id this book asked for (to send it again). */
  requestOf(customId: string): BatchRequest {
    return this.asked.get(customId) as BatchRequest
  }

  /** Ends the judging: a request with no answer (`why` says why) is answered as errored. */
  close(why = "the judge's batch returned no result for this request"): void {
    for (const customId of this.asked.keys()) {
      if (!this.answers.has(customId)) {
        this.answers.set(customId, {
          answer: { state: 'errored', message: why },
          retryable: false,
          call: undefined,
        })
      }
    }
  }

  /** What each answered judge request cost. */
  calls(): JudgeCall[] {
    return [...this.answers.values()].flatMap(({ call }) => (call ? [call] : []))
  }

  /** Judge results no grading asked for. */
  unexpectedCustomIds(): string[] {
    return [...this.unasked]
  }
}
