import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages/messages'
import { JudgeBook, judgeCustomId } from '../../src/grading/judging.js'
import { message, text } from '../fixtures/messages.js'

const params = (rubric: string): MessageCreateParamsNonStreaming => ({
  model: 'claude-sonnet-4-6',
  max_tokens: 1024,
  messages: [{ role: 'user', content: `<Rubric>${rubric}</Rubric>` }],
})

describe("JudgeBook's stored replies", () => {
  it('answers a request a stored reply has without asking, and keeps both kinds of reply for the next run', async () => {
    const book = new JudgeBook()
    const stored = {
      key: judgeCustomId(params('polite')),
      model: 'claude-sonnet-4-6',
      reply: '{"pass": true}',
      batchCost: 7n,
      madeAt: '2026-12-01T00:00:00.000Z',
    }
    book.reuse([stored])
    expect(book.answer(params('polite'))).toEqual({ state: 'answered', text: '{"pass": true}' })
    expect(book.answer(params('short'))).toEqual({ state: 'pending' })
    expect(book.unanswered().map((request) => request.custom_id)).toEqual([judgeCustomId(params('short'))])
    expect(book.requested).toBe(1)
    expect(book.reused()).toEqual([stored])

    await book.add({
      custom_id: judgeCustomId(params('short')),
      result: {
        type: 'succeeded',
        message: message([text('{"pass": false}')], { input_tokens: 10, output_tokens: 1 }),
      },
    })
    // The reused reply is not billed again; the one received is, and both are kept.
    expect(book.calls()).toHaveLength(1)
    expect(book.replies()).toEqual([
      {
        key: judgeCustomId(params('short')),
        model: 'claude-sonnet-4-6',
        reply: '{"pass": false}',
        batchCost: book.calls()[0].cost?.batch,
      },
      stored,
    ])
  })
})
