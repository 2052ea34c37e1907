/** Prompt templates (inline or from files) and how a rendered prompt becomes Messages API turns. */
import type { MessageParam, TextBlockParam } from '@anthropic-ai/sdk/resources/messages/messages'

/** A prompt file may hold several prompts separated by a line of `---`, as in promptfoo. */
export function splitPromptFile(text: string): string[] {
  return text
    .split(/^---\s*$/m)
    .map((prompt) => prompt.trim())
    .filter((prompt) => prompt !== '')
}

export interface ChatTurn {
  role: 'system' | 'user' | 'assistant'
  content: string | unknown[]
}

const ROLES = ['system', 'user', 'assistant']

/**
 * Why a value is not promptfoo's chat format, a list of {role, content} turns with at least one that is not
 * a system turn; undefined when it is. `turn` is the index of the turn at fault.
 */
export function chatProblem(value: unknown): { turn?: number; message: string } | undefined {
  if (!Array.isArray(value) || value.length === 0) return { message: 'is not a list of chat turns' }
  for (let i = 0; i < value.length; i++) {
    const turn: unknown = value[i]
    if (typeof turn !== 'object' || turn === null || Array.isArray(turn)) {
      return { turn: i, message: `turn ${i + 1} is not a {role, content} mapping` }
    }
    const { role, content } = turn as Record<string, unknown>
    if (typeof role !== 'string' || !ROLES.includes(role)) {
      return {
        turn: i,
        message: `turn ${i + 1} has role ${JSON.stringify(role)}: use system, user or assistant`,
      }
    }
    if (typeof content !== 'string' && !Array.isArray(content)) {
      return { turn: i, message: `turn ${i + 1} needs a content: a string, or a list of content blocks` }
    }
  }
  if (value.every((turn: ChatTurn) => turn.role === 'system')) {
    return { message: 'has only system turns: add a user turn' }
  }
  return undefined
}

/** Whether a value is a mapping that holds chat turns as its only key, `messages`: `{messages: [...]}`. */
export function isMessagesMapping(value: unknown): value is { messages: unknown } {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).length === 1 &&
    Object.hasOwn(value, 'messages')
  )
}

/**
 * The chat turns a text holds as JSON (a list of turns, or `{"messages": [...]}`), or undefined when it holds
 * none (it is plain text).
 */
export function chatOf(text: string): ChatTurn[] | undefined {
  const trimmed = text.trim()
  if (!trimmed.startsWith('[') && !trimmed.startsWith('{')) return undefined
  try {
    const parsed: unknown = JSON.parse(trimmed)
    const value = isMessagesMapping(parsed) ? parsed.messages : parsed
    return chatProblem(value) ? undefined : (value as ChatTurn[])
  } catch {
    return undefined
  }
}

/** Chat turns -> Messages API turns, the `system` turns becoming the system prompt. */
export function chatMessages(chat: ChatTurn[]): { messages: MessageParam[]; system?: string } {
  const system = chat.filter((turn) => turn.role === 'system').map((turn) => textOf(turn.content))
  const messages = chat.filter((turn) => turn.role !== 'system') as MessageParam[]
  return { messages, ...(system.length > 0 && { system: system.join('\n\n') }) }
}

/**
 * A rendered prompt -> turns. A prompt that is a JSON list of {role, content} (promptfoo's chat format) gives
 * those turns, its `system` turns becoming the system prompt; any other text is one user turn.
 */
export function promptTurns(rendered: string): { messages: MessageParam[]; system?: string } {
  const chat = chatOf(rendered)
  return chat ? chatMessages(chat) : { messages: [{ role: 'user', content: rendered }] }
}

function textOf(content: string | unknown[]): string {
  if (typeof content === 'string') return content
  return (content as TextBlockParam[])
    .filter((block) => block.type === 'text')
    .map((block) => block.text)
    .join('\n')
}

/** The prompt as a person reads it: the text of the last user turn. */
export function lastUserText(messages: MessageParam[]): string {
  const last = messages.findLast((m) => m.role === 'user')
  if (!last) return ''
  if (typeof last.content === 'string') return last.content
  return last.content.map((block) => (block.type === 'text' ? block.text : `[${block.type}]`)).join('\n')
}
