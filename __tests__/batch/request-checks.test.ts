import { capabilitiesOf, MODEL_CAPABILITIES } from '../../src/batch/model-capabilities.js'
import { requestProblems } from '../../src/batch/request-checks.js'

const user = (content: unknown) => ({ role: 'user', content })
const base = (model: string, extra: Record<string, unknown> = {}) => ({
  model,
  max_tokens: 100,
  messages: [user('Hi')],
  ...extra,
})
const messagesOf = (params: Record<string, unknown>) => requestProblems(params).map((p) => p.message)

describe('model capability table', () => {
  test('resolves ids, dated snapshots, -latest aliases and the Claude 4 dated ids', () => {
    expect(capabilitiesOf('claude-haiku-4-5-20251001')).toBe(MODEL_CAPABILITIES['claude-haiku-4-5'])
    expect(capabilitiesOf('claude-opus-5-5-latest')).toBe(MODEL_CAPABILITIES['claude-opus-5-5'])
    expect(capabilitiesOf('claude-sonnet-4-20250514')).toBe(MODEL_CAPABILITIES['claude-sonnet-4-0'])
    expect(capabilitiesOf('claude-mystery-9')).toBeUndefined()
  })

  test('every entry names its source', () => {
    for (const [id, entry] of Object.entries(MODEL_CAPABILITIES))
      expect([id, entry.source]).not.toEqual([id, ''])
  })
})

describe('requestProblems', () => {
  test('a request every check accepts, and any request to a model the table does not know, has none', () => {
    expect(requestProblems(base('claude-haiku-4-5'))).toEqual([])
    expect(requestProblems(base('claude-mystery-9', { max_tokens: 10 ** 9 }))).toEqual([])
  })

  test('a retired model is not_found_error with its retirement date in the fix', () => {
    const [problem] = requestProblems(base('claude-3-5-sonnet-20241022'))
    expect(problem).toMatchObject({ type: 'not_found_error', message: 'model: claude-3-5-sonnet-20241022' })
    expect(problem.fix).toContain('2025-10-22')
  })

  test('max_tokens above the maximum output, in the API words', () => {
    expect(messagesOf(base('claude-haiku-4-5-20251001', { max_tokens: 64001 }))).toEqual([
      'max_tokens: 64001 > 64000, which is the maximum allowed number of output tokens for claude-haiku-4-5-20251001',
    ])
    expect(requestProblems(base('claude-haiku-4-5', { max_tokens: 64000 }))).toEqual([])
  })

  test('thinking modes: manual budgets refused where only adaptive is, adaptive where only manual is', () => {
    const manual = { thinking: { type: 'enabled', budget_tokens: 2000 }, max_tokens: 4000 }
    expect(messagesOf(base('claude-opus-4-8', manual))[0]).toContain(
      '"thinking.type.enabled" is not supported',
    )
    expect(requestProblems(base('claude-opus-4-6', manual))).toEqual([])
    expect(requestProblems(base('claude-haiku-4-5', manual))).toEqual([])
    expect(messagesOf(base('claude-haiku-4-5', { thinking: { type: 'adaptive' } }))).toHaveLength(1)
    expect(requestProblems(base('claude-sonnet-5', { thinking: { type: 'adaptive' } }))).toEqual([])
    expect(messagesOf(base('claude-haiku-4-5', { ...manual, max_tokens: 2000 }))).toEqual([
      '`max_tokens` must be greater than `thinking.budget_tokens`.',
    ])
  })

  test('forced tool_choice with thinking, and forced tool use where the model refuses it', () => {
    const tools = [{ name: 'f', input_schema: { type: 'object' } }]
    const forced = { tools, tool_choice: { type: 'any' } }
    expect(
      messagesOf(
        base('claude-haiku-4-5', {
          ...forced,
          thinking: { type: 'enabled', budget_tokens: 1024 },
          max_tokens: 2000,
        }),
      ),
    ).toEqual(['Thinking may not be enabled when tool_choice forces tool use.'])
    expect(requestProblems(base('claude-haiku-4-5', forced))).toEqual([])
    expect(messagesOf(base('claude-fable-5-1', forced))).toHaveLength(1)
    expect(requestProblems(base('claude-fable-5-1', { tools, tool_choice: { type: 'auto' } }))).toEqual([])
  })

  test('a custom tool without input_schema; server tools need none', () => {
    const tools = [{ type: 'web_search_20250305', name: 'web_search' }, { name: 'lookup' }]
    expect(messagesOf(base('claude-haiku-4-5', { tools }))).toEqual([
      'tools.1.custom.input_schema: Field required',
    ])
  })

  test('prefill where the model refuses it, and user-only blocks in an assistant turn', () => {
    const prefilled = { messages: [user('Hi'), { role: 'assistant', content: '{' }] }
    expect(messagesOf(base('claude-sonnet-4-6', prefilled))[0]).toContain(
      'does not support assistant message prefill',
    )
    expect(requestProblems(base('claude-sonnet-4-5', prefilled))).toEqual([])
    const doc = { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'x' } }
    const withDoc = { messages: [user('Hi'), { role: 'assistant', content: [doc] }, user('And?')] }
    expect(messagesOf(base('claude-mystery-9', withDoc))).toEqual([
      'messages.1.content.0: document blocks are not allowed in assistant messages',
    ])
  })
})
