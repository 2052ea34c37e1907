/**
 * promptfoo's assertion types that parse SQL, run Python or call a webhook, run by the committed bundle as the
 * runner runs it: the SQL parser loads from its own chunk, Python runs in the runner's python3 without the
 * action's secrets, and the webhook is a real server on 127.0.0.1.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { runAction } from '../../test-servers/action-runner.js'
import { startBatchEmulator, type BatchEmulator } from '../../test-servers/batch-emulator.js'
import { startWebhookGrader, type WebhookGrader } from '../../test-servers/webhook-grader.js'

const API_KEY = 'sk-ant-code-assertions-0123'

const suite = (webhookUrl: string) => `prompts:
  - '{{task}}'
providers:
  - anthropic:messages:claude-haiku-4-5
tests:
  - vars: { task: 'Write SQL for the user names.' }
    assert:
      - type: contains-sql
        value: { allowedTables: ['select::null::users'] }
      - type: not-is-sql
  - vars: { task: 'Write SQL for the orders.' }
    assert:
      - type: is-sql
        value: { allowedTables: ['select::null::users'] }
  - vars: { task: 'Name the capital of France.' }
    assert:
      - type: python
        value: file://checks/capital.py
      - type: python
        value: |
          import os
          leaked = [name for name, value in os.environ.items() if '${API_KEY}' in value or 'TOKEN' in name]
          return {'pass': not leaked, 'score': 1, 'reason': 'secrets seen: %s' % leaked}
      - type: webhook
        value: ${webhookUrl}
`

let emulator: BatchEmulator
let webhook: WebhookGrader
let workspace: string

beforeEach(async () => {
  emulator = await startBatchEmulator({
    processingMs: 1,
    replies: {
      'Write SQL for the user names.': 'Here it is:\n\n```sql\nSELECT name FROM users\n```',
      'Write SQL for the orders.': 'SELECT id FROM orders',
      'Name the capital of France.': 'Paris',
    },
  })
  webhook = await startWebhookGrader((body) => {
    const { output } = body as { output: string }
    return { pass: output === 'Paris', reason: `the webhook read ${output}` }
  })
  workspace = await mkdtemp(path.join(tmpdir(), 'workspace-'))
  await mkdir(path.join(workspace, 'evals', 'checks'), { recursive: true })
  await writeFile(path.join(workspace, 'evals', 'suite.yaml'), suite(webhook.url))
  await writeFile(
    path.join(workspace, 'evals', 'checks', 'capital.py'),
    "def get_assert(output, context):\n    return output.strip() == 'Paris'\n",
  )
})

afterEach(async () => {
  await Promise.all([emulator.close(), webhook.close(), rm(workspace, { recursive: true, force: true })])
})

describe('SQL, Python and webhook assertions, run by the bundle', () => {
  it('grade as promptfoo grades them, with no secret in the Python code’s environment', async () => {
    const result = await runAction({
      workspace,
      inputs: {
        suite: 'evals/suite.yaml',
        'anthropic-api-key': API_KEY,
        'anthropic-base-url': emulator.url,
        'poll-interval': '10ms',
        'results-file': 'results.json',
      },
      env: { ANTHROPIC_API_KEY: API_KEY, GITHUB_TOKEN: 'ghs_code_assertions_token' },
    })
    expect(result.outputs).toMatchObject({ total: '3', passed: '2', failed: '1', errored: '0' })
    // The orders query parses, but reads a table that is not allowed.
    expect(result.summary).toContain("table 'select::null::orders' is not among the allowed tables")
    expect(webhook.requests).toEqual([
      expect.objectContaining({
        body: {
          output: 'Paris',
          context: { prompt: 'Name the capital of France.', vars: expect.any(Object) },
        },
      }),
    ])
    const results = JSON.parse(await readFile(path.join(workspace, 'results.json'), 'utf8')) as {
      tests: { assertions: { type: string; pass: boolean; reason: string }[] }[]
    }
    expect(results.tests[2].assertions).toEqual([
      expect.objectContaining({
        type: 'python',
        pass: true,
        reason: 'file://checks/capital.py returned true',
      }),
      expect.objectContaining({ type: 'python', pass: true, reason: 'secrets seen: []' }),
      expect.objectContaining({ type: 'webhook', pass: true, reason: 'the webhook read Paris' }),
    ])
  })
})
