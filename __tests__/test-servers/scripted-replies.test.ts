/**
 * The emulator's replies file: unmatched prompts said out loud (in the reply and in a warning), and judge
 * verdicts scripted by the output judged, through the real SDK and through the committed action bundle.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import Anthropic from '@anthropic-ai/sdk'
import type { MessageBatchIndividualResponse } from '@anthropic-ai/sdk/resources/messages/batches'
import { emulatorInputs, runAction } from '../../test-servers/action-runner.js'
import { startBatchEmulator, type BatchEmulatorOptions } from '../../test-servers/batch-emulator.js'
import { manualClock } from '../../test-servers/manual-clock.js'
import {
  loadRepliesFile,
  MAX_UNMATCHED_WARNINGS,
  unmatchedReply,
} from '../../test-servers/scripted-replies.js'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'scripted-replies-'))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

/** Runs one batch of these prompts through the real SDK on a manual clock; the texts by prompt, and the warnings. */
async function answers(prompts: string[], options: BatchEmulatorOptions) {
  const clock = manualClock()
  const warnings: string[] = []
  const emulator = await startBatchEmulator({
    clock: clock.now,
    processingMs: 1,
    // Requests met in submission order, so that "the first ten" warned of are the first ten prompts.
    concurrent: false,
    onWarning: (message) => warnings.push(message),
    ...options,
  })
  try {
    const client = new Anthropic({ apiKey: 'test-key', baseURL: emulator.url, maxRetries: 0 })
    const texts: string[] = []
    for (const round of [1, 2]) {
      const batch = await client.messages.batches.create({
        requests: prompts.map((prompt, i) => ({
          custom_id: `r${round}_${i}`,
          params: {
            model: 'claude-haiku-4-5',
            max_tokens: 1000,
            messages: [{ role: 'user', content: prompt }],
          },
        })),
      })
      clock.advance(1)
      const lines: MessageBatchIndividualResponse[] = []
      for await (const line of await client.messages.batches.results(batch.id)) lines.push(line)
      lines.sort((a, b) => a.custom_id.localeCompare(b.custom_id, 'en', { numeric: true }))
      for (const { result } of lines) {
        if (result.type !== 'succeeded') throw new Error(`unexpected ${result.type}`)
        const [block] = result.message.content
        texts.push(block.type === 'text' ? block.text : block.type)
      }
    }
    return { texts, warnings }
  } finally {
    await emulator.close()
  }
}

describe('a prompt no scripted reply matches', () => {
  it('gets a reply that says so, and one warning naming it, however often it comes', async () => {
    const long = `Tell me about ${'routers '.repeat(20)}`
    const { texts, warnings } = await answers(['Hi', long, 'Hi'], { replies: { Hi: 'Hello!' } })
    expect(texts).toEqual([
      'Hello!',
      unmatchedReply(long),
      'Hello!',
      'Hello!',
      unmatchedReply(long),
      'Hello!',
    ])
    expect(unmatchedReply(long)).toBe(
      '[emulator] No scripted reply matches this prompt; add its last user message as a key of the replies ' +
        `file (docs/emulator.md). Prompt: ${long}`,
    )
    expect(warnings).toEqual([
      `emulator: no scripted reply for the prompt "${long.slice(0, 79)}…"; it got a placeholder reply. Add ` +
        'its last user message as a key of "replies" in the replies file (--replies; docs/emulator.md).',
    ])
  })

  it('names the first ten, then says once that more came', async () => {
    const prompts = Array.from({ length: MAX_UNMATCHED_WARNINGS + 3 }, (_, i) => `Question ${i + 1}?`)
    const { warnings } = await answers(prompts, { replies: {} })
    expect(warnings).toHaveLength(MAX_UNMATCHED_WARNINGS + 1)
    expect(warnings[9]).toContain('"Question 10?"')
    expect(warnings[10]).toBe('emulator: more prompts have no scripted reply; only the first 10 are named')
  })

  it('with no replies at all, names only the first', async () => {
    const { texts, warnings } = await answers(['a', 'b', 'c'], {})
    expect(texts[2]).toBe(unmatchedReply('c'))
    expect(warnings).toHaveLength(2)
    expect(warnings[0]).toContain('"a"')
    expect(warnings[1]).toBe('emulator: more prompts have no scripted reply; only the first is named')
  })
})

describe('loadRepliesFile', () => {
  it('reads the replies and the judge verdicts, and refuses a malformed verdict', async () => {
    const file = path.join(dir, 'replies.json')
    await writeFile(
      file,
      JSON.stringify({
        replies: { Hi: 'Hello!', Again: { sequence: ['One', 'Two'] } },
        judge: { 'Hello!': { pass: true, score: 0.8, reason: 'greets' }, One: { pass: false } },
      }),
    )
    expect(loadRepliesFile(file)).toEqual({
      replies: { Hi: 'Hello!', Again: { sequence: ['One', 'Two'] } },
      judge: { 'Hello!': { pass: true, score: 0.8, reason: 'greets' }, One: { pass: false } },
    })
    await writeFile(file, JSON.stringify({ replies: {} }))
    expect(loadRepliesFile(file)).toEqual({ replies: {}, judge: {} })

    for (const bad of [{ pass: 'yes' }, { pass: true, score: 8 }, { pass: true, reason: 1 }]) {
      await writeFile(file, JSON.stringify({ replies: {}, judge: { 'Hello!': bad } }))
      expect(() => loadRepliesFile(file)).toThrow(/the judge's verdict on "Hello!" must be \{"pass"/)
    }
    await writeFile(file, JSON.stringify({ replies: {}, judge: [] }))
    expect(() => loadRepliesFile(file)).toThrow(/"judge" must be an object/)
  })
})

const SUITE = `
model: claude-haiku-4-5
defaultTest:
  options:
    provider: anthropic:messages:claude-haiku-4-5
tests:
  - id: scripted-pass
    prompt: Is it waterproof?
    assert:
      - type: llm-rubric
        value: Mentions "IP67"
  - id: scripted-fail
    prompt: How do I reset it?
    assert:
      - type: model-graded-closedqa
        value: Says to hold the "reset button"
  - id: scripted-g-eval
    prompt: Is it waterproof?
    assert:
      - type: g-eval
        value: Answers plainly
        threshold: 0.7
  - id: by-rule
    prompt: Say hello
    assert:
      - type: llm-rubric
        value: Says "hello"
  - id: unscripted
    prompt: What colour is it?
    assert:
      - type: icontains
        value: blue
`

interface StoredTest {
  id: string
  status: string
  output: string
  assertions: { type: string; pass: boolean; score: number; reason: string }[]
}

describe('judge verdicts scripted by the output, through the committed action', () => {
  it('overrides the rule for the outputs scripted, in each type’s format, and keeps the rule for the rest', async () => {
    const workspace = await mkdtemp(path.join(tmpdir(), 'scripted-judge-'))
    const warnings: string[] = []
    const emulator = await startBatchEmulator({
      processingMs: 1,
      replies: {
        'Is it waterproof?': 'No.',
        'How do I reset it?': 'Hold the reset button for 10 seconds.',
        'Say hello': 'Hello there!',
      },
      judgeReplies: {
        'No.': { pass: true, score: 0.8, reason: 'scripted: an honest answer' },
        'Hold the reset button for 10 seconds.': { pass: false, reason: 'scripted: too terse' },
      },
      onWarning: (message) => warnings.push(message),
    })
    try {
      await writeFile(path.join(workspace, 'suite.yml'), SUITE)
      const run = await runAction({
        workspace,
        inputs: emulatorInputs(emulator.url, { suite: 'suite.yml', 'results-file': 'results.json' }),
      })
      expect(run.outputs.status).toBe('failed')
      const results = JSON.parse(await readFile(path.join(workspace, 'results.json'), 'utf8')) as {
        tests: StoredTest[]
      }
      const byId = new Map(results.tests.map((test) => [test.id, test]))
      const judged = (id: string) => byId.get(id)?.assertions[0]

      // The rule fails "No." against "IP67"; the scripted verdict passes it, with its score and reason.
      expect(byId.get('scripted-pass')?.status).toBe('passed')
      expect(judged('scripted-pass')).toMatchObject({ pass: true, score: 0.8 })
      expect(judged('scripted-pass')?.reason).toContain('scripted: an honest answer')
      // The rule passes it (it quotes "reset button"); the scripted verdict fails it: an N.
      expect(byId.get('scripted-fail')?.status).toBe('failed')
      expect(judged('scripted-fail')?.reason).toContain('scripted: too terse')
      // g-eval's reply is out of 10: the scripted 0.8 comes back as 8 of 10.
      expect(byId.get('scripted-g-eval')?.status).toBe('passed')
      expect(judged('scripted-g-eval')?.score).toBe(0.8)
      // Not scripted: the rule's verdict, as before.
      expect(byId.get('by-rule')?.status).toBe('passed')
      expect(judged('by-rule')?.reason).toContain('the output meets the criterion')

      // The unmatched prompt shows in the report as its output, and in one warning; judge requests none.
      expect(byId.get('unscripted')).toMatchObject({
        status: 'failed',
        output: unmatchedReply('What colour is it?'),
      })
      expect(run.summary).toContain('No scripted reply matches this prompt')
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toContain('"What colour is it?"')
    } finally {
      await emulator.close()
      await rm(workspace, { recursive: true, force: true })
    }
  })
})
