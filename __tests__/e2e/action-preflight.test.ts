/**
 * Preflight through the committed bundle: a request the API would refuse stops the run before any batch is
 * created; with `preflight: false` it is submitted and comes back errored, as the real API would answer it.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { emulatorInputs, runAction, type RunActionOptions } from '../../test-servers/action-runner.js'
import { startBatchEmulator, type BatchEmulator } from '../../test-servers/batch-emulator.js'

const SUITE = [
  'model: claude-haiku-4-5',
  'max_tokens: 100',
  'tests:',
  '  - id: short-answer',
  '    prompt: Say hi',
  '  - id: long-answer',
  '    prompt: Write an essay',
  '    max_tokens: 64001',
].join('\n')

let emulator: BatchEmulator
let workspace: string

beforeEach(async () => {
  emulator = await startBatchEmulator({ processingMs: 1 })
  workspace = await mkdtemp(path.join(tmpdir(), 'preflight-'))
})
afterEach(async () => {
  await Promise.all([emulator.close(), rm(workspace, { recursive: true, force: true })])
})

async function run(inputs: RunActionOptions['inputs'] = {}) {
  await writeFile(path.join(workspace, 'suite.yml'), SUITE)
  return runAction({ workspace, inputs: emulatorInputs(emulator.url, { suite: 'suite.yml', ...inputs }) })
}

describe('preflight, run from dist/', () => {
  it('stops before any batch is created, naming the test, the reason and the fix', async () => {
    const result = await run()
    expect(result.exitCode).toBe(1)
    expect(emulator.createdBatches()).toHaveLength(0)
    expect(result.log).toContain('::error::Preflight: the API would refuse a request of this suite')
    expect(result.log).toContain('long-answer (suite.yml:')
    expect(result.log).toContain(
      'max_tokens: 64001 > 64000, which is the maximum allowed number of output tokens for claude-haiku-4-5',
    )
    expect(result.log).toContain('Fix: set max_tokens to 64000 or less.')
    expect(result.log).not.toContain('short-answer (suite.yml:')
  })

  it('with preflight: false, submits the suite and the request comes back errored with the API text', async () => {
    const result = await run({ preflight: 'false', 'retry-errored': 'false' })
    expect(emulator.createdBatches()).toHaveLength(1)
    expect(result.outputs.errored).toBe('1')
    expect(result.summary).toContain(
      'invalid\\_request\\_error: max\\_tokens: 64001 &gt; 64000, which is the maximum allowed number of output',
    )
  })
})
