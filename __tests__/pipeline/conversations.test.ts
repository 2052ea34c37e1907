/**
 * promptfoo's multi-turn conversations, run in rounds against the emulator: each later turn is sent once the
 * turn before it is in, holding the earlier turns' outputs; a turn after one without output is not sent.
 */
import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages/messages'
import { createAnthropicClient } from '../../src/batch/client.js'
import { ConversationRounds } from '../../src/batch/conversations.js'
import { buildBatchRequests } from '../../src/batch/requests.js'
import { BatchRun } from '../../src/batch/run.js'
import type { RunState, RunStateStore } from '../../src/batch/run-state.js'
import { outputText } from '../../src/grading/graders/message.js'
import { RunGrader } from '../../src/grading/run-grader.js'
import { Lifecycle } from '../../src/pipeline/lifecycle.js'
import { estimateRun } from '../../src/pipeline/estimate-run.js'
import { estimateSummary } from '../../src/cost/estimate.js'
import { startBatchEmulator, type BatchEmulator } from '../../test-servers/batch-emulator.js'
import { manualClock } from '../../test-servers/manual-clock.js'
import { whole } from '../fixtures/messages.js'
import type { BatchRequest } from '../../src/model.js'
import { loadRun, write } from '../suite/suite-workspace.js'

const SUITE = [
  'model: claude-haiku-4-5',
  'prompts: [file://chat.json]',
  'tests:',
  '  - vars: { q: Who founded Facebook? }',
  '  - vars: { q: Where does he live? }',
  '  - vars: { q: Which state? }',
  '  - vars: { q: Hi }',
  '    metadata: { conversationId: broken }',
  '  - vars: { q: Still there? }',
  '    metadata: { conversationId: broken }',
].join('\n')

const CHAT = JSON.stringify([
  { role: 'system', content: 'Be brief.' },
  '{% for turn in _conversation %}',
  { role: 'user', content: '{{ turn.input }}' },
  { role: 'assistant', content: '{{ turn.output }}' },
  '{% endfor %}',
  { role: 'user', content: '{{ q }}' },
])
  // The loop tags between the turns, as promptfoo's example writes them.
  .replace(/"(\{% (?:for|endfor)[^"]*%\})",/g, '$1')

const REPLIES = {
  'Who founded Facebook?': 'Mark Zuckerberg.',
  'Where does he live?': 'Palo Alto.',
  'Which state?': 'California.',
  Hi: { error: { type: 'invalid_request_error' as const, message: 'refused' } },
}

const noStore: RunStateStore = {
  name: 'nowhere',
  load: async () => undefined,
  save: async (_state: RunState) => undefined,
}

describe('conversations, a round per turn', () => {
  let emulator: BatchEmulator | undefined
  let clock = manualClock()
  beforeEach(() => {
    clock = manualClock()
  })
  afterEach(async () => {
    await emulator?.close()
    emulator = undefined
  })

  /** Runs the suite's conversations as main.ts does, recording in `store`; the outcomes and the log. */
  async function runConversations(store: RunStateStore) {
    const { cases } = await loadRun(write({ 'evals/chat.yml': SUITE, 'evals/chat.json': CHAT }).slice(0, 1))
    const { requests, sampleByCustomId } = buildBatchRequests(cases)
    // A second run (a re-run of the job) meets the same API, on the same clock.
    emulator ??= await startBatchEmulator({ processingMs: 10, replies: REPLIES, clock: clock.now })
    const logs: string[] = []
    const run = new BatchRun({
      client: createAnthropicClient({ apiKey: 'k', baseURL: emulator.url }),
      log: (line) => logs.push(line),
      store,
      runKey: 'run-1',
      wait: { maxWaitMs: 60_000, pollIntervalMs: 5, now: clock.now, sleep: clock.sleep },
    })
    const conversations = new ConversationRounds(requests, sampleByCustomId, outputText)
    expect(conversations.turns).toBe(3)
    await run.submit(...conversations.firstRound(requests))
    const lifecycle = new Lifecycle({
      policy: { maxWaitMs: 60_000, onTimeout: 'fail', cancelOnAbort: false, retryErrored: true },
      log: (line) => logs.push(line),
      onSubmitted: () => {},
    })
    const grader = new RunGrader(sampleByCustomId)
    const sink = conversations.recording(grader)
    const requestOf = (id: string) =>
      conversations.sentRequest(id) ?? (requests.find((r) => r.custom_id === id) as BatchRequest)
    expect(await lifecycle.waitAndGrade(run, sink, requestOf)).toBeUndefined()
    expect(await lifecycle.converse(run, sink, conversations, requestOf)).toBeUndefined()
    const outcomes = whole((await grader.finish()).outcomes)
    return { cases, logs, outcomes: outcomes.map((o) => [o.status, o.output ?? o.error?.message]) }
  }

  it('sends each later turn with the earlier turns and their outputs; a turn after an errored one is not sent', async () => {
    const { cases, logs, outcomes } = await runConversations(noStore)
    const sent = (emulator as BatchEmulator).createdBatches().map((batch) =>
      batch.requests.map(({ params }) => {
        const { system, messages } = params as MessageCreateParamsNonStreaming
        return [system, ...messages.map((m) => `${m.role}: ${m.content as string}`)]
      }),
    )
    expect(sent).toEqual([
      [
        ['Be brief.', 'user: Who founded Facebook?'],
        ['Be brief.', 'user: Hi'],
      ],
      [
        [
          'Be brief.',
          'user: Who founded Facebook?',
          'assistant: Mark Zuckerberg.',
          'user: Where does he live?',
        ],
      ],
      [
        [
          'Be brief.',
          'user: Who founded Facebook?',
          'assistant: Mark Zuckerberg.',
          'user: Where does he live?',
          'assistant: Palo Alto.',
          'user: Which state?',
        ],
      ],
    ])
    expect(outcomes).toEqual([
      ['passed', 'Mark Zuckerberg.'],
      ['passed', 'Palo Alto.'],
      ['passed', 'California.'],
      ['errored', 'refused'],
      [
        'errored',
        `not sent: turn '${cases[3].id}' (evals/chat.yml:7) of its conversation has no output, and this turn ` +
          'would be sent without it',
      ],
    ])
    expect(logs).toContain(
      'Conversations: 1 turn-2 request(s) are not sent, as an earlier turn has no output.',
    )
  })

  it('resumes every round an earlier attempt made, sending nothing again', async () => {
    const saved = new Map<string, RunState>()
    const store: RunStateStore = {
      name: 'memory',
      load: async (key) => saved.get(key),
      save: async (state) => void saved.set(state.runKey, state),
    }
    const first = await runConversations(store)
    const batches = emulator?.createdBatches().map((batch) => batch.id)
    expect(batches).toHaveLength(3)
    expect(saved.get('run-1')?.batchIds).toEqual(batches)

    const again = await runConversations(store)
    expect(emulator?.createdBatches().map((batch) => batch.id)).toEqual(batches)
    expect(again.outcomes).toEqual(first.outcomes)
    expect(again.logs[0]).toBe(
      `Resuming ${batches?.join(', ')}, created by an earlier attempt of this run (found in the memory).`,
    )
  })

  it("estimates the later turns' input without the earlier outputs, and says so", async () => {
    const { cases } = await loadRun(write({ 'evals/chat.yml': SUITE, 'evals/chat.json': CHAT }).slice(0, 1))
    const { requests, sampleByCustomId } = buildBatchRequests(cases)
    const without = await estimateRun({ cases, requests, plans: [] }, { notCounted: 'no key' })
    const { estimate } = await estimateRun(
      { cases, requests, plans: [], sampleByCustomId },
      { notCounted: 'no key' },
    )
    // The high end counts each earlier output at its max_tokens (1024 each: 1 + 2 + 1 of them).
    expect(estimate.laterTurns).toBe(3)
    expect(estimate.high.batch).not.toEqual(without.estimate.high.batch)
    expect(estimate.low).toEqual(without.estimate.low)
    expect(estimateSummary(estimate)).toMatch(
      /3 requests of conversations' later turns will hold the earlier turns' outputs, not known yet/,
    )
  })
})
