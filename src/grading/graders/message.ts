/** What the graders read of an Anthropic Message. */
import type { Message, ToolUseBlock } from '@anthropic-ai/sdk/resources/messages/messages'

/** The text a grader sees: the message's text blocks joined; thinking and tool blocks are not output. */
export function outputText(message: Message): string {
  let text = ''
  for (const block of message.content) if (block.type === 'text') text += block.text
  return text
}

/** The message's client tool calls (`tool_use` blocks), in order. Server tools' calls are not among them. */
export function toolUses(message: Message): ToolUseBlock[] {
  return message.content.filter((block): block is ToolUseBlock => block.type === 'tool_use')
}
