import { gradeTest } from '../../../src/grading/graders/index.js'
import { webhookGrader } from '../../../src/grading/graders/webhook.js'
import type { CompiledAssertion } from '../../../src/model.js'
import {
  startWebhookGrader,
  type WebhookGrader,
  type WebhookReply,
} from '../../../test-servers/webhook-grader.js'
import { BASE_DIR, compileError, grade, gradingInput, io } from './fixtures.js'

let webhook: WebhookGrader
let reply: (body: unknown) => WebhookReply

beforeAll(async () => {
  webhook = await startWebhookGrader((body) => reply(body))
})
afterAll(() => webhook.close())
beforeEach(() => {
  webhook.requests.length = 0
})

describe('webhook', () => {
  it("POSTs {output, context: {prompt, vars}} as JSON, and grades by the answer's pass, score and reason", async () => {
    reply = (body) => {
      const { output } = body as { output: string }
      return { pass: output.includes('Paris'), score: 0.8, reason: 'the grader read it' }
    }
    const result = await grade({ type: 'webhook', value: webhook.url }, 'The capital is Paris.')
    expect(result).toMatchObject({ pass: true, score: 0.8, reason: 'the grader read it' })
    expect(webhook.requests).toEqual([
      {
        headers: expect.objectContaining({ 'content-type': 'application/json' }),
        body: {
          output: 'The capital is Paris.',
          context: { prompt: 'What is the capital of France?', vars: { city: 'Paris' } },
        },
      },
    ])
    expect(await grade({ type: 'webhook', value: webhook.url }, 'Lyon.')).toMatchObject({
      pass: false,
      score: 0.8,
    })
  })

  it('sends the transformed output, scores 1 or 0 without a score, and inverts as not-webhook', async () => {
    reply = () => ({ pass: true })
    const result = await grade(
      { type: 'webhook', value: webhook.url, transform: '({ answer: output.trim() })' },
      ' Paris ',
    )
    expect(result).toMatchObject({
      pass: true,
      score: 1,
      reason: `webhook "${webhook.url}" answered pass: true`,
    })
    expect((webhook.requests[0].body as { output: unknown }).output).toEqual({ answer: 'Paris' })
    expect(await grade({ type: 'not-webhook', value: webhook.url }, 'Paris')).toMatchObject({
      pass: false,
      score: 0,
    })
  })

  it.each<[string, WebhookReply, string]>([
    ['an HTTP error', { status: 500, body: 'boom' }, 'answered HTTP 500: "boom"'],
    ['a body that is not JSON', { status: 200, body: 'yes' }, 'answered "yes", which is not JSON'],
    ['an answer without pass', { score: 1 }, "answered 'pass' undefined; it must be true or false"],
    [
      'a score that is not a number',
      { pass: true, score: 'high' },
      `answered 'score' "high"; it must be a number`,
    ],
  ])('makes %s an errored grade with the reason', async (_, answer, problem) => {
    reply = () => answer
    for (const type of ['webhook', 'not-webhook']) {
      const result = await grade({ type, value: webhook.url }, 'Paris')
      expect(result).toMatchObject({ pass: false, score: 0, errored: true })
      expect(result.reason).toBe(`webhook "${webhook.url}" ${problem}`)
    }
  })

  it('makes a webhook that cannot be reached, or does not answer in time, an errored grade', async () => {
    const closed = await startWebhookGrader(() => ({ pass: true }))
    await closed.close()
    const unreachable = await grade({ type: 'webhook', value: closed.url }, 'Paris')
    expect(unreachable).toMatchObject({ pass: false, errored: true })
    expect(unreachable.reason).toMatch(/^webhook ".*" could not be reached: .*ECONNREFUSED/)

    reply = () => 'hang'
    const check = await webhookGrader(50).compile({
      type: 'webhook',
      base: 'webhook',
      negate: false,
      value: webhook.url,
      threshold: undefined,
      config: undefined,
      extra: {},
      baseDir: BASE_DIR,
      io,
    })
    const assertion: CompiledAssertion = {
      type: 'webhook',
      value: webhook.url,
      weight: 1,
      internals: { negate: false, readsOutput: true, check } as CompiledAssertion['internals'],
    }
    const graded = await gradeTest([assertion], gradingInput('Paris'))
    expect(graded.results[0]).toMatchObject({
      pass: false,
      errored: true,
      reason: `webhook "${webhook.url}" did not answer within 0.05 s`,
    })
  })

  it.each([
    [
      undefined,
      "webhook needs a 'value': the URL of the webhook (http or https) that the output is POSTed to",
    ],
    ['grader.example', `webhook needs a 'value' that is an http or https URL; got "grader.example"`],
    ['file:///etc/passwd', `webhook needs a 'value' that is an http or https URL; got "file:///etc/passwd"`],
  ])('refuses the value %j when the suite loads', async (value, message) => {
    expect(await compileError({ type: 'webhook', value })).toMatchObject({ key: 'value', message })
  })
})
