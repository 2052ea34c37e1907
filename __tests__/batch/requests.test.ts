import { buildBatchRequests, customIdFor } from '../../src/batch/requests.js'
import type { EvalCase } from '../../src/model.js'

const evalCase = (id: string): EvalCase => ({
  id,
  description: undefined,
  file: 'a.yml',
  line: 1,
  vars: {},
  prompt: 'p',
  params: { model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'p' }] },
  assertions: [],
  threshold: undefined,
  transform: undefined,
})

describe('custom ids', () => {
  it('keeps ids the API accepts', () => {
    expect(customIdFor('refund-window_2')).toBe('refund-window_2')
    expect(customIdFor('a'.repeat(64))).toBe('a'.repeat(64))
  })

  it('maps other ids to a stable, legal, distinct id', () => {
    for (const id of ['capital of France?', 'x'.repeat(65), 'suite/été', 'suite/ete']) {
      const customId = customIdFor(id)
      expect(customId).toMatch(/^[A-Za-z0-9_-]{1,64}$/)
      expect(customIdFor(id)).toBe(customId)
    }
    expect(customIdFor('capital of France?')).toMatch(/^capital_of_France_-[0-9a-f]{12}$/)
    expect(customIdFor('suite/été')).not.toBe(customIdFor('suite/ete'))
  })

  it('builds one request per case and keeps the mapping', () => {
    const cases = [evalCase('one'), evalCase('two words')]
    const { requests, sampleByCustomId } = buildBatchRequests(cases)
    expect(requests.map((r) => r.custom_id)).toEqual(['one', customIdFor('two words')])
    expect(requests[0].params).toBe(cases[0].params)
    expect(sampleByCustomId.get(customIdFor('two words'))).toEqual({
      evalCase: cases[1],
      index: 1,
      of: 1,
      position: 1,
    })
  })
})
