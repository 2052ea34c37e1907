/**
 * promptfoo's multi-turn conversations, as the suite loads them: a test whose prompt reads `_conversation` is
 * a turn of the conversation of its suite file, prompt, provider and `metadata.conversationId`, its tests in
 * the order written. `_conversation` holds the earlier turns as promptfoo fills it, `{ prompt, input, output }`
 * each. An earlier turn's output is not known until its batch has ended, so it is rendered as a token, which
 * the batch stage (batch/conversations.ts) replaces with the output before it sends the turn.
 */
import type { MessageParam } from '@anthropic-ai/sdk/resources/messages/messages'
import type { ConversationTurn, EvalCase } from '../model.js'

/** promptfoo's variable of the earlier turns of a conversation. */
export const CONVERSATION_VAR = '_conversation'

/** An earlier turn, as promptfoo gives it: the prompt sent, its last part, and the model's output. */
interface PastTurn {
  prompt: unknown
  input: unknown
  output: string
}

export class Conversations {
  private readonly threads = new Map<string, { past: PastTurn[]; last: EvalCase }>()

  /** The `_conversation` var of the next turn of the conversation `key`. */
  history(key: string): PastTurn[] {
    return this.threads.get(key)?.past ?? []
  }

  /**
   * Adds `evalCase` as the next turn of the conversation `key`, rendered as `rendered` (a chat prompt's
   * turns, or a text prompt's one user turn).
   */
  add(
    key: string,
    evalCase: EvalCase,
    rendered: { messages: MessageParam[]; system?: string },
    chat: boolean,
  ): ConversationTurn {
    const thread = this.threads.get(key)
    const past = thread?.past ?? []
    const turn: ConversationTurn = {
      outputToken: outputToken(past.length),
      after: thread?.last,
      turn: past.length,
    }
    // promptfoo's `prompt` is a chat prompt's rendered list of turns, else the rendered text.
    const turns = [
      ...(rendered.system !== undefined ? [{ role: 'system', content: rendered.system }] : []),
      ...rendered.messages,
    ]
    const prompt = chat ? turns : evalCase.prompt
    const input = chat ? lastTurnReading(turns) : evalCase.prompt
    this.threads.set(key, { past: [...past, { prompt, input, output: turn.outputToken }], last: evalCase })
    return turn
  }
}

/**
 * A chat prompt's `input`: promptfoo 0.123 gives the content of its last turn, and its own example (written for
 * earlier versions, which gave the list of turns) reads `input[input.length - 1].content`. Both read: the list
 * of turns, which prints as the content of its last.
 */
function lastTurnReading(turns: { content: unknown }[]): { content: unknown }[] {
  const last = turns.at(-1)?.content
  const text = typeof last === 'string' ? last : JSON.stringify(last ?? '')
  return Object.defineProperty([...turns], 'toString', { value: () => text, enumerable: false })
}

/**
 * The key of a conversation: promptfoo keeps one per provider and prompt, and per `metadata.conversationId`
 * when a test gives one; here per suite file too, as each suite is a promptfoo eval of its own.
 */
export function conversationKey(
  file: string,
  promptLabel: string,
  providerLabel: string,
  metadata: unknown,
): string {
  const id =
    typeof metadata === 'object' && metadata !== null
      ? (metadata as { conversationId?: unknown }).conversationId
      : undefined
  return JSON.stringify([file, promptLabel, providerLabel, id === undefined ? null : String(id)])
}

/**
 * The stand-in of a turn's output. A request holds only the tokens of its own conversation's earlier turns,
 * so their numbers tell them apart; it stays the same from run to run, as the run key hashes the requests.
 */
function outputToken(turn: number): string {
  return `\u27e6output of turn ${turn + 1}\u27e7`
}
