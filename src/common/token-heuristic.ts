/**
 * A token count without the API: about four characters a token for text and tool definitions, and 1,600
 * tokens an image (a 1,092 x 1,092 image, the size the API scales large images to). Used where
 * `count_tokens` cannot be reached, and to size cacheable prefixes; within about 25% on English text.
 */
import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages/messages'

export const CHARS_PER_TOKEN = 4
export const IMAGE_TOKENS = 1_600

type Counted = Partial<Pick<MessageCreateParamsNonStreaming, 'system' | 'tools' | 'messages'>>

function textOf(content: unknown): { chars: number; images: number } {
  if (typeof content === 'string') return { chars: content.length, images: 0 }
  let chars = 0
  let images = 0
  for (const block of (content ?? []) as { type?: string; text?: string }[]) {
    if (block.type === 'image') images += 1
    else if (block.type === 'text') chars += block.text?.length ?? 0
    else chars += JSON.stringify(block).length
  }
  return { chars, images }
}

export function heuristicTokens(params: Counted): number {
  let chars = params.tools ? JSON.stringify(params.tools).length : 0
  let images = 0
  for (const part of [params.system, ...(params.messages ?? []).map((m) => m.content)]) {
    const counted = textOf(part)
    chars += counted.chars
    images += counted.images
  }
  return Math.ceil(chars / CHARS_PER_TOKEN) + images * IMAGE_TOKENS
}
