import type { MessageBatchResult } from '@anthropic-ai/sdk/resources/messages/batches'
import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages/messages'
import { JudgeBook, judgeCustomId } from '../../src/grading/judging.js'
import { message, text } from '../fixtures/messages.js'

const params = (rubric: string): MessageCreateParamsNonStreaming => ({
  model: 'claude-sonnet-4-6',
  max_tokens: 1024,
  messages: [{ role: 'user', content: `<Rubric>${rubric}</Rubric>` }],
})
const answered = (reply: string): MessageBatchResult => ({
  type: 'succeeded',
  message: message([text(reply)], { input_tokens: 1_000, output_tokens: 100 }),
})
const errored = (type: 'overloaded_error' | 'invalid_request_error'): MessageBatchResult => ({
  type: 'errored',
  error: { type: 'error', error: { type, message: 'no' }, request_id: 'req_1' },
})

describe('JudgeBook', () => {
  it('gathers one request per distinct judge question, and answers from the batch once it has', async () => {
    const book = new JudgeBook()
    expect(book.answer(params('polite'))).toEqual({ state: 'pending' })
    expect(book.answer(params('polite'))).toEqual({ state: 'pending' })
    expect(book.answer(params('short'))).toEqual({ state: 'pending' })
    const requests = book.unanswered()
    expect(requests.map((r) => r.custom_id)).toEqual([
      judgeCustomId(params('polite')),
      judgeCustomId(params('short')),
    ])
    expect(requests[0].custom_id).toMatch(/^judge_[0-9a-f]{40}$/)
    expect(requests[0].params).toEqual(params('polite'))

    await book.add({ custom_id: requests[0].custom_id, result: answered('{"pass": true}') })
    expect(book.answer(params('polite'))).toEqual({ state: 'answered', text: '{"pass": true}' })
    expect(book.unanswered().map((r) => r.custom_id)).toEqual([requests[1].custom_id])
    expect(book.calls()).toEqual([
      expect.objectContaining({ model: 'claude-sonnet-4-6', cost: expect.any(Object), costUnknown: null }),
    ])
  })

  it('retries what failed for a passing reason, and answers a lasting failure as errored, never as a pass', async () => {
    const book = new JudgeBook()
    book.answer(params('a'))
    book.answer(params('b'))
    book.answer(params('c'))
    const [a, b] = book.unanswered().map((r) => r.custom_id)
    await book.add({ custom_id: a, result: errored('overloaded_error') })
    await book.add({ custom_id: b, result: errored('invalid_request_error') })
    expect(book.retryableCustomIds()).toEqual([a])
    expect(book.requestOf(a).params).toEqual(params('a'))
    await book.add({ custom_id: a, result: answered('{"pass": false}') })
    expect(book.retryableCustomIds()).toEqual([])
    expect(book.answer(params('a'))).toEqual({ state: 'answered', text: '{"pass": false}' })
    expect(book.answer(params('b'))).toEqual({
      state: 'errored',
      message: 'the judge request failed: invalid_request_error: no',
    })
    // c never came back: once judging ends, it is errored rather than left pending.
    expect(book.answer(params('c'))).toEqual({ state: 'pending' })
    book.close()
    expect(book.answer(params('c'))).toEqual({
      state: 'errored',
      message: "the judge's batch returned no result for this request",
    })
  })

  it('keeps answers that arrive before anyone asks (collected batches), and reports the ones never asked for', async () => {
    const book = new JudgeBook()
    const early = judgeCustomId(params('early'))
    await book.add({ custom_id: early, result: answered('Y') })
    await book.add({ custom_id: 'judge_stranger', result: answered('N') })
    expect(book.answer(params('early'))).toEqual({ state: 'answered', text: 'Y' })
    expect(book.unanswered()).toEqual([])
    expect(book.unexpectedCustomIds()).toEqual(['judge_stranger'])
    expect(JudgeBook.owns(early)).toBe(true)
    expect(JudgeBook.owns('capital-of-france')).toBe(false)
  })
})
