/** What the graders read of an Anthropic Message. */
import type { Message, ToolUseBlock } from '@anthropic-ai/sdk/resources/messages/messages'

/**
 * The text a grader sees: the message's text blocks joined. A message that calls a tool reads as promptfoo's
 * Anthropic provider gives it: each text block, and each block but thinking as its JSON (a `tool_use` block
 * as `{"type":"tool_use","id":…,"name":…,"input":…}`), joined by blank lines, so that text assertions see the
 * calls. Thinking is never output here (promptfoo's `showThinking` is ignored with a warning).
 */
export function outputText(message: Message): string {
  if (!message.content.some((block) => block.type === 'tool_use')) {
    let text = ''
    for (const block of message.content) if (block.type === 'text') text += block.text
    return text
  }
  const parts: string[] = []
  for (const block of message.content) {
    if (block.type === 'text') parts.push(block.text)
    else if (block.type !== 'thinking' && block.type !== 'redacted_thinking')
      parts.push(JSON.stringify(block))
  }
  return parts.filter((part) => part !== '').join('\n\n')
}

/** The message's client tool calls (`tool_use` blocks), in order. Server tools' calls are not among them. */
export function toolUses(message: Message): ToolUseBlock[] {
  return message.content.filter((block): block is ToolUseBlock => block.type === 'tool_use')
}
