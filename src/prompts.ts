/** Prompt templates (inline or from files) and how a rendered prompt becomes Messages API turns. */
import type { MessageParam, TextBlockParam } from '@anthropic-ai/sdk/resources/messages/messages'

/** A prompt file may hold several prompts separated by a line of `---`, as in promptfoo. */
export function splitPromptFile(text: string): string[] {
  return text
    .split(/^---\s*$/m)
    .map((prompt) => prompt.trim())
    .filter((prompt) => prompt !== '')
}

interface ChatTurn {
  role: 'system' | 'user' | 'assistant'
  content: string | unknown[]
}

function isChat(value: unknown): value is ChatTurn[] {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every(
      (turn) =>
        typeof turn === 'object' &&
        turn !== null &&
        ['system', 'user', 'assistant'].includes((turn as ChatTurn).role) &&
        (typeof (turn as ChatTurn).content === 'string' || Array.isArray((turn as ChatTurn).content)),
    )
  )
}

/**
 * A rendered prompt -> turns. A prompt that is a JSON list of {role, content} (promptfoo's chat format) gives
 * those turns, its `system` turns becoming the system prompt; any other text is one user turn.
 */
export function promptTurns(rendered: string): { messages: MessageParam[]; system?: string } {
  const text = rendered.trim()
  if (text.startsWith('[')) {
    try {
      const chat: unknown = JSON.parse(text)
      if (isChat(chat)) {
        const system = chat.filter((turn) => turn.role === 'system').map((turn) => textOf(turn.content))
        const messages = chat.filter((turn) => turn.role !== 'system') as MessageParam[]
        return { messages, ...(system.length > 0 && { system: system.join('\n\n') }) }
      }
    } catch {
      // Not JSON: the prompt is plain text that happens to start with a bracket.
    }
  }
  return { messages: [{ role: 'user', content: rendered }] }
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
