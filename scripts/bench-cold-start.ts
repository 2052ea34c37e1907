/**
 * The bench's cold-start figure: the time from spawning the action (`node dist/index.js`, or ACTION_BUNDLE)
 * to the first request the Batch API emulator receives, as a pull request's run sees it (the fake GitHub
 * answers its calls), the median of several runs on a one-test suite. Each run is a fresh process, as the
 * runner starts one; the emulator runs in this process and notes the arrival as it records the call.
 *
 *   npx tsx scripts/bench-cold-start.ts [RUNS]    # alone; `npm run bench` prints it with the other figures
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { emulatorInputs, runAction } from '../test-servers/action-runner.js'
import { startBatchEmulator, type RecordedCall } from '../test-servers/batch-emulator.js'
import { startFakeGitHub } from '../test-servers/fake-github.js'

/** The target of issue 21: the median, on Node 24, the runner's `node24`. */
export const TARGET_COLD_START_MS = 250
export const COLD_START_RUNS = 20

const SUITE = `tests:
  - description: Refund window
    vars: { days: 12 }
    prompt: 'A customer bought an order {{days}} days ago and asks whether they can still return it.'
    model: claude-haiku-4-5
    assert:
      - type: contains
        value: return
`

const GITHUB_TOKEN = 'bench-token'

export interface ColdStart {
  /** Milliseconds from spawn to the emulator's first request, one a run, in run order. */
  runsMs: number[]
  medianMs: number
  /** The same for a bare Node script whose first act is a request: Node's own start and first fetch. */
  bareMedianMs: number
  /** The first Anthropic call of a run (the preflight's count_tokens, unless that is off). */
  firstCall: string
}

/** Calls `onFirst` once, when the emulator records the first call it receives (it records each on arrival). */
function onFirstCall(calls: RecordedCall[], onFirst: () => void): void {
  const push = calls.push.bind(calls)
  calls.push = (...items) => {
    if (calls.length === 0) onFirst()
    return push(...items)
  }
}

async function oneColdStart(workspace: string, run: number): Promise<{ ms: number; firstCall: string }> {
  const [emulator, github] = await Promise.all([
    startBatchEmulator({ processingMs: 1, onWarning: () => {} }),
    startFakeGitHub({ token: GITHUB_TOKEN }),
  ])
  try {
    let firstAt: number | undefined
    onFirstCall(emulator.calls, () => (firstAt = performance.now()))
    const started = performance.now()
    const result = await runAction({
      workspace,
      inputs: emulatorInputs(emulator.url, {
        suite: 'suite.yml',
        'results-file': `results-${run}.json`,
        'html-report': '',
      }),
      event: {
        name: 'pull_request',
        payload: { number: 9, pull_request: { number: 9, head: { sha: 'c0ffee' } } },
      },
      env: { GITHUB_TOKEN, GITHUB_API_URL: github.url, GITHUB_SHA: 'c0ffee' },
    })
    if (firstAt === undefined || !result.outputs.status) {
      throw new Error(
        `The cold-start run exited ${result.exitCode}; its log ends:\n${result.log.slice(-2000)}`,
      )
    }
    const call = emulator.calls[0]
    return { ms: firstAt - started, firstCall: `${call.method} ${call.path}` }
  } finally {
    await Promise.all([emulator.close(), github.close()])
  }
}

/** Spawn to the first request of `node -e "fetch(url)"`, on the action's Node. */
async function oneBareStart(): Promise<number> {
  const emulator = await startBatchEmulator({ processingMs: 1 })
  try {
    let firstAt: number | undefined
    onFirstCall(emulator.calls, () => (firstAt = performance.now()))
    const started = performance.now()
    const child = spawn(process.env.ACTION_NODE || process.execPath, [
      '-e',
      `fetch(${JSON.stringify(`${emulator.url}/v1/models`)}).then((r) => r.text())`,
    ])
    await once(child, 'close')
    if (firstAt === undefined) throw new Error('The bare Node script sent no request.')
    return firstAt - started
  } finally {
    await emulator.close()
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

export async function measureColdStart(runs = COLD_START_RUNS): Promise<ColdStart> {
  const workspace = await mkdtemp(path.join(tmpdir(), 'bench-cold-start-'))
  try {
    await writeFile(path.join(workspace, 'suite.yml'), SUITE)
    const runsMs: number[] = []
    const bareMs: number[] = []
    let firstCall = ''
    // Interleaved, so that a busy spell of the machine weighs on both alike.
    for (let run = 0; run < runs; run++) {
      const one = await oneColdStart(workspace, run)
      runsMs.push(one.ms)
      firstCall = one.firstCall
      bareMs.push(await oneBareStart())
    }
    return { runsMs, medianMs: median(runsMs), bareMedianMs: median(bareMs), firstCall }
  } finally {
    await rm(workspace, { recursive: true, force: true })
  }
}

export function coldStartLine(coldStart: ColdStart, nodeVersion: string): string {
  const { medianMs, runsMs } = coldStart
  const verdict = medianMs <= TARGET_COLD_START_MS ? 'holds' : 'MISSED'
  const range = `${Math.min(...runsMs).toFixed(0)}-${Math.max(...runsMs).toFixed(0)} ms`
  const node = nodeVersion.startsWith('v24.')
    ? `Node ${nodeVersion}`
    : `Node ${nodeVersion}, NOT 24 (set ACTION_NODE)`
  return (
    `cold start <= ${TARGET_COLD_START_MS} ms: ${medianMs.toFixed(0)} ms -> ${verdict} ` +
    `(median of ${runsMs.length} on ${node}, range ${range}; spawn to ${coldStart.firstCall}; ` +
    `a bare Node script's first request: ${coldStart.bareMedianMs.toFixed(0)} ms)`
  )
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { execFileSync } = await import('node:child_process')
  const node = process.env.ACTION_NODE || process.execPath
  const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim()
  const runs = process.argv[2] ? Number(process.argv[2]) : COLD_START_RUNS
  console.log(coldStartLine(await measureColdStart(runs), version))
}
