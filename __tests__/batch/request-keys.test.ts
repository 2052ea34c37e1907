import { contentKey } from '../../src/batch/request-keys.js'
import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages/messages'

const params: MessageCreateParamsNonStreaming = {
  model: 'claude-haiku-4-5',
  max_tokens: 100,
  system: [{ type: 'text', text: 'You are terse.' }],
  messages: [{ role: 'user', content: 'Capital of France?' }],
}

describe('contentKey', () => {
  it('is a 40-digit hash, the same whatever the order of fields and the cache marks', () => {
    const key = contentKey(params)
    expect(key).toMatch(/^[0-9a-f]{40}$/)
    const reordered = {
      messages: params.messages,
      system: [{ text: 'You are terse.', type: 'text', cache_control: { type: 'ephemeral', ttl: '1h' } }],
      max_tokens: 100,
      model: 'claude-haiku-4-5',
    } as MessageCreateParamsNonStreaming
    expect(contentKey(reordered)).toBe(key)
  })

  it('changes with anything sent: model, parameters, system, messages, tools', () => {
    const variants: MessageCreateParamsNonStreaming[] = [
      { ...params, model: 'claude-sonnet-4-6' },
      { ...params, max_tokens: 101 },
      { ...params, stop_sequences: ['END'] },
      { ...params, system: 'You are verbose.' },
      { ...params, messages: [{ role: 'user', content: 'Capital of Spain?' }] },
      { ...params, tools: [{ name: 'lookup', input_schema: { type: 'object' } }] },
    ]
    const keys = new Set([contentKey(params), ...variants.map(contentKey)])
    expect(keys.size).toBe(variants.length + 1)
  })
})
