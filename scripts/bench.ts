/**
 * `npm run bench`: runs the committed action (dist/index.js) end to end, the way the Actions runner does,
 * on generated JSONL suites of 1,000, 10,000 and 100,000 tests against the local Batch API emulator with
 * no model latency, and prints per size the wall time, the action process's peak RSS and the time per test,
 * next to a floor: the time to merely JSON.parse and JSON.stringify the bytes the action reads (the suite
 * file and the results JSONL the emulator serves), in a fresh process of the Node that runs the action, and
 * next to the wall time of the least work any action must do on the same suite (scripts/least-work.mjs). It
 * prints figures and never asserts (machines are noisy); it exits non-zero only when a run crashed.
 *
 *   npm run bench                      # 1,000, 10,000 and 100,000 tests
 *   npm run bench -- 5000 20000        # other sizes
 *   npm run bench -- --cpu-prof        # also write a V8 CPU profile of each action run (open in DevTools)
 *   npm run bench -- --log             # also print the action's log
 *
 * It also prints the cold start (scripts/bench-cold-start.ts): spawn to the first API request, the median of 20
 * pull-request runs of a one-test suite, next to its target and to a bare Node script's first request.
 *
 * Peak RSS is measured on the action process itself: with GNU `/usr/bin/time` when it is installed, else by
 * polling VmHWM (the kernel's high-water mark) in /proc/<pid>/status every 10 ms, which misses only growth in
 * the last 10 ms before exit; elsewhere it shows as n/a. CPU time needs GNU time.
 */
import { execFile, execFileSync } from 'node:child_process'
import { createReadStream, existsSync } from 'node:fs'
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { pipeline } from 'node:stream/promises'
import { fileURLToPath } from 'node:url'
import { parseArgs, promisify } from 'node:util'
import { createGzip } from 'node:zlib'
import { runAction } from '../test-servers/action-runner.js'
import { startBatchEmulator } from '../test-servers/batch-emulator.js'
import { coldStartLine, measureColdStart } from './bench-cold-start.js'

const DEFAULT_SIZES = [1_000, 10_000, 100_000]
/** The targets of issue 4, checked at the largest size. */
const TARGET_WALL_OVER_FLOOR = 3
const TARGET_PEAK_RSS_MB = 400
/** Issue 21's target: `results-file: *.gz` at least this many times smaller than the plain file. */
const TARGET_RESULTS_SHRINK = 4
/** One test in this many has an assertion that fails, so that the report lists problems as real runs do. */
const FAILING_EVERY = 200
const MB = 1024 * 1024
/** The Node that runs the action: ACTION_NODE, as runAction takes it, else this one. */
const ACTION_NODE = process.env.ACTION_NODE || process.execPath
const LEAST_WORK_SCRIPT = fileURLToPath(new URL('least-work.mjs', import.meta.url))

const { values: flags, positionals } = parseArgs({
  options: { 'cpu-prof': { type: 'boolean' }, log: { type: 'boolean' } },
  allowPositionals: true,
})
const sizes = positionals.length > 0 ? positionals.map(sizeOf) : DEFAULT_SIZES

function sizeOf(text: string): number {
  const size = Number(text.replace(/[_,]/g, ''))
  if (!Number.isInteger(size) || size < 1 || size > 100_000) {
    throw new Error(`A size is a number of tests from 1 to 100000 (one batch); got '${text}'.`)
  }
  return size
}

/** One JSONL line per test: a prompt, a model, an id and cheap assertions, as a real suite has. */
function suiteLine(n: number): string {
  const prompt =
    `Case ${n}: a customer asks how many days they have to return order #${n}, bought ${n % 28} days ago, ` +
    'and whether the refund goes back to the original card. Answer in two sentences.'
  const assert: object[] = [
    { type: 'contains', value: `Case ${n}:` },
    { type: 'regex', value: 'order #\\d+' },
  ]
  if (n % FAILING_EVERY === 0) assert.push({ type: 'icontains', value: '30 days' })
  return JSON.stringify({
    id: `bench-${String(n).padStart(6, '0')}`,
    description: `Refund window, case ${n}`,
    prompt,
    model: 'claude-haiku-4-5',
    assert,
  })
}

async function writeSuite(file: string, size: number): Promise<void> {
  const lines: string[] = []
  for (let n = 1; n <= size; n++) lines.push(suiteLine(n))
  await writeFile(file, `${lines.join('\n')}\n`)
}

/** How the action process's peak RSS is measured here. */
type RssProbe = 'gnu-time' | 'proc' | 'none'

function rssProbe(): RssProbe {
  try {
    execFileSync('/usr/bin/time', ['-f', '%M', '-o', '/dev/null', 'true'], { stdio: 'ignore' })
    return 'gnu-time'
  } catch {
    return existsSync('/proc/self/status') ? 'proc' : 'none'
  }
}

/**
 * A stand-in for the Node binary (runAction takes it from ACTION_NODE): a small Node script that runs the
 * action under GNU time, or directly, and records the pid of what it started, so that /proc can be read.
 * Not a shell script: sh drops environment variables whose names have dashes, such as INPUT_RESULTS-FILE.
 */
async function nodeWrapper(dir: string, probe: RssProbe, profileDir: string | undefined) {
  const files = {
    pid: path.join(dir, 'pid'),
    usage: path.join(dir, 'usage'),
    script: path.join(dir, 'node.cjs'),
  }
  // Flags, not NODE_OPTIONS: Node 20 refuses --cpu-prof there.
  const nodeFlags = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []
  // GNU time prints the peak RSS in kB, then the user and system CPU seconds.
  const time = ['/usr/bin/time', '-f', '%M %U %S', '-o', files.usage]
  const command = [...(probe === 'gnu-time' ? time : []), ACTION_NODE, ...nodeFlags]
  const script = [
    `#!${process.execPath}`,
    "const { spawn } = require('node:child_process')",
    `const [command, ...args] = [...${JSON.stringify(command)}, ...process.argv.slice(2)]`,
    "const child = spawn(command, args, { stdio: 'inherit' })",
    `require('node:fs').writeFileSync(${JSON.stringify(files.pid)}, String(child.pid))`,
    "child.on('exit', (code) => process.exit(code ?? 1))",
    '',
  ]
  await writeFile(files.script, script.join('\n'))
  await chmod(files.script, 0o755)
  return files
}

/** Polls VmHWM of the process whose pid the wrapper wrote, until stopped; returns the highest seen, in kB. */
function pollVmHwm(pidFile: string): { stop: () => number } {
  let highest = 0
  const timer = setInterval(() => {
    readFile(pidFile, 'utf8')
      .then((pid) => readFile(`/proc/${pid.trim()}/status`, 'utf8'))
      .then((status) => {
        const kb = Number(/^VmHWM:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? 0)
        highest = Math.max(highest, kb)
      })
      .catch(() => undefined)
  }, 10)
  return {
    stop: () => {
      clearInterval(timer)
      return highest
    },
  }
}

/** When the action's log reached each phase, from spawn. */
const PHASES: [name: string, line: RegExp][] = [
  ['loaded', /^Loaded \d+ tests/m],
  ['submitted', /^Created batch /m],
  ['ended', /: ended; /m],
  ['written', /^Wrote the results of \d+ tests/m],
]

/**
 * The least time, over a few tries, to JSON.parse every line of the files and JSON.stringify it again: in a
 * fresh process of the Node that runs the action, so that neither this process's heap (the emulator's
 * batches) nor another Node's JSON speed skews it.
 */
function jsonFloorMs(node: string, files: string[]): number {
  const script = `
    const texts = process.argv.slice(1).map((file) => require('node:fs').readFileSync(file, 'utf8'))
    let best = Infinity
    for (let attempt = 0; attempt < 3; attempt++) {
      const started = performance.now()
      for (const text of texts) {
        for (const line of text.split('\\n')) if (line !== '') JSON.stringify(JSON.parse(line))
      }
      best = Math.min(best, performance.now() - started)
    }
    console.log(best)`
  return Number(execFileSync(node, ['-e', script, ...files], { encoding: 'utf8' }))
}

/**
 * The wall time of scripts/least-work.mjs on the suite, on the action's Node against a fresh emulator: the
 * same create, polls and results download, and a file of the same entries, with none of the action's
 * features. What any action would spend here, and so the part of the floor ratio that is not the action's.
 */
async function leastWorkMs(suiteFile: string, workspace: string): Promise<number> {
  const emulator = await startBatchEmulator({ processingMs: 1 })
  try {
    const started = performance.now()
    await promisify(execFile)(ACTION_NODE, [
      LEAST_WORK_SCRIPT,
      suiteFile,
      emulator.url,
      path.join(workspace, 'least-work.json'),
    ])
    return performance.now() - started
  } finally {
    await emulator.close()
  }
}

interface Measurement {
  size: number
  wallMs: number
  leastWorkMs: number
  /** User + system CPU time of the action process, when GNU time measured it. */
  actionCpuMs: number | null
  /** How long this process's event loop was busy during the run: the emulator, which runs here. */
  emulatorMs: number
  peakRssMb: number | null
  floorMs: number
  suiteMb: number
  resultsJsonlMb: number
  resultsFileMb: number | null
  /** The results file gzipped as `results-file: *.gz` writes it (zlib's defaults). */
  resultsGzMb: number | null
  phases: Record<string, number>
  status: string
}

async function measure(size: number, probe: RssProbe, profileDir: string | undefined): Promise<Measurement> {
  const workspace = await mkdtemp(path.join(tmpdir(), `bench-${size}-`))
  try {
    const suiteFile = path.join(workspace, 'suite.jsonl')
    await writeSuite(suiteFile, size)
    const wrapper = await nodeWrapper(workspace, probe, profileDir)
    const resultsFile = path.join(workspace, 'out', 'eval-results.json')
    const emulator = await startBatchEmulator({ processingMs: 1 })
    let run: Awaited<ReturnType<typeof runAction>>
    const resultsJsonlFile = path.join(workspace, 'results.jsonl')
    const phases: Record<string, number> = {}
    let log = ''
    let wallMs: number
    let emulatorMs: number
    let vmHwm: { stop: () => number } | undefined
    const previousActionNode = process.env.ACTION_NODE
    try {
      process.env.ACTION_NODE = wrapper.script
      vmHwm = probe === 'proc' ? pollVmHwm(wrapper.pid) : undefined
      const busyBefore = performance.eventLoopUtilization()
      const started = performance.now()
      run = await runAction({
        workspace,
        inputs: {
          suite: 'suite.jsonl',
          'anthropic-api-key': 'bench-key',
          'anthropic-base-url': emulator.url,
          'poll-interval': '100ms',
          'max-wait': '30m',
          'min-pass-rate': '0.9',
          comment: 'false',
          'results-file': resultsFile,
        },
        onOutput: (chunk) => {
          log += chunk
          for (const [name, line] of PHASES) {
            if (phases[name] === undefined && line.test(log)) phases[name] = performance.now() - started
          }
          if (flags.log) process.stdout.write(chunk)
        },
      })
      wallMs = performance.now() - started
      emulatorMs = performance.eventLoopUtilization(busyBefore).active
      const batchId = run.outputs['batch-ids']?.split('\n')[0]
      await writeFile(resultsJsonlFile, batchId ? await downloadResults(emulator.url, batchId) : '')
    } finally {
      if (previousActionNode === undefined) delete process.env.ACTION_NODE
      else process.env.ACTION_NODE = previousActionNode
      await emulator.close()
    }
    const hwmKb = vmHwm?.stop() ?? 0
    // A verdict (even `failed`) is a measured run; no verdict means the action crashed.
    if (!run.outputs.status) {
      throw new Error(
        `The action run on ${size} tests exited ${run.exitCode} with status '${run.outputs.status ?? ''}'. ` +
          `Its log ends:\n${run.log.slice(-3000)}`,
      )
    }
    // GNU time's last line; a line before it says so when the command was killed by a signal.
    const timed =
      probe === 'gnu-time' ? (await readFile(wrapper.usage, 'utf8')).trim().split('\n').at(-1) : ''
    const [maxRssKb, userS, systemS] = (timed ?? '').split(' ').map(Number)
    const peakKb = probe === 'gnu-time' ? maxRssKb : hwmKb
    return {
      size,
      wallMs,
      actionCpuMs: probe === 'gnu-time' && Number.isFinite(userS + systemS) ? (userS + systemS) * 1000 : null,
      emulatorMs,
      peakRssMb: probe === 'none' || !peakKb ? null : peakKb / 1024,
      leastWorkMs: await leastWorkMs(suiteFile, workspace),
      floorMs: jsonFloorMs(ACTION_NODE, [suiteFile, resultsJsonlFile]),
      suiteMb: (await stat(suiteFile)).size / MB,
      resultsJsonlMb: (await stat(resultsJsonlFile)).size / MB,
      resultsFileMb: existsSync(resultsFile) ? (await stat(resultsFile)).size / MB : null,
      resultsGzMb: existsSync(resultsFile) ? (await gzippedBytes(resultsFile)) / MB : null,
      phases,
      status: run.outputs.status,
    }
  } finally {
    await rm(workspace, { recursive: true, force: true })
  }
}

/** The size of a file gzipped as the action writes a `.gz` results file: the same document, streamed. */
async function gzippedBytes(file: string): Promise<number> {
  let bytes = 0
  await pipeline(createReadStream(file), createGzip(), async (chunks: AsyncIterable<Buffer>) => {
    for await (const chunk of chunks) bytes += chunk.length
  })
  return bytes
}

/** The results JSONL the emulator served the action, fetched again (an ended batch's results do not change). */
async function downloadResults(baseUrl: string, batchId: string): Promise<string> {
  const response = await fetch(`${baseUrl}/v1/messages/batches/${batchId}/results`, {
    headers: { 'x-api-key': 'bench-key', 'anthropic-version': '2023-06-01' },
  })
  if (!response.ok) throw new Error(`Downloading the results of ${batchId} failed: HTTP ${response.status}`)
  return response.text()
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)))
  const line = (row: string[]) =>
    `| ${row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join(' | ')} |`
  return [
    line(rows[0]),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.slice(1).map(line),
  ].join('\n')
}

const seconds = (ms: number) => (ms / 1000).toFixed(2)
const megabytes = (mb: number | null) => (mb === null ? 'n/a' : mb.toFixed(0))

const probe = rssProbe()
const profileDir = flags['cpu-prof'] ? await mkdtemp(path.join(tmpdir(), 'bench-profiles-')) : undefined
console.log(
  `Benchmark of dist/index.js on Node ${execFileSync(ACTION_NODE, ['--version'], { encoding: 'utf8' }).trim()}: ` +
    'emulator with no model latency, poll-interval 100ms. ' +
    `Peak RSS ${probe === 'gnu-time' ? 'from /usr/bin/time' : probe === 'proc' ? 'from /proc VmHWM polling' : 'unavailable on this system'}.\n`,
)

const measurements: Measurement[] = []
let crashed = false
for (const size of sizes) {
  process.stdout.write(`${size.toLocaleString('en-US')} tests... `)
  try {
    const sizeProfileDir = profileDir && path.join(profileDir, String(size))
    if (sizeProfileDir) await mkdir(sizeProfileDir)
    const m = await measure(size, probe, sizeProfileDir)
    measurements.push(m)
    const phases = PHASES.map(
      ([name]) => `${name} ${m.phases[name] === undefined ? '?' : seconds(m.phases[name])}s`,
    )
    console.log(`${seconds(m.wallMs)} s (${m.status}; ${phases.join(', ')})`)
  } catch (error) {
    crashed = true
    console.log('CRASHED')
    console.error((error as Error).message)
  }
}

if (measurements.length > 0) {
  console.log(
    `\n${table([
      [
        'tests',
        'wall s',
        'ms/test',
        'peak RSS MB',
        'floor s',
        'wall/floor',
        'least work s',
        'action CPU s',
        'emulator s',
        'suite MB',
        'results JSONL MB',
        'results file MB',
        '.gz MB',
      ],
      ...measurements.map((m) => [
        m.size.toLocaleString('en-US'),
        seconds(m.wallMs),
        (m.wallMs / m.size).toFixed(3),
        megabytes(m.peakRssMb),
        seconds(m.floorMs),
        (m.wallMs / m.floorMs).toFixed(1),
        seconds(m.leastWorkMs),
        m.actionCpuMs === null ? 'n/a' : seconds(m.actionCpuMs),
        seconds(m.emulatorMs),
        m.suiteMb.toFixed(1),
        m.resultsJsonlMb.toFixed(1),
        m.resultsFileMb === null ? 'n/a' : m.resultsFileMb.toFixed(1),
        m.resultsGzMb === null ? 'n/a' : m.resultsGzMb.toFixed(1),
      ]),
    ])}`,
  )
  console.log(
    '\nfloor: the least time to JSON.parse + JSON.stringify every line of the suite and of the results JSONL, ' +
      "in a fresh process of the action's Node.\n" +
      'wall: from spawning the action to its exit, Node start-up, polling (100ms) and waiting on the emulator included.\n' +
      'least work: the same, for scripts/least-work.mjs: the same requests and a file of the same entries, with ' +
      "none of the action's features; what any action spends on this machine and emulator.\n" +
      "action CPU: the action process's user + system time (it may exceed wall: Node's GC and I/O threads).\n" +
      "emulator: the time this process's event loop was busy during the run, which is almost all the emulator's " +
      '(it runs here); the action waits on part of it.',
  )
  const largest = measurements.reduce((a, b) => (b.size > a.size ? b : a))
  const ratio = largest.wallMs / largest.floorMs
  const verdict = (holds: boolean) => (holds ? 'holds' : 'MISSED')
  console.log(`\nTargets at ${largest.size.toLocaleString('en-US')} tests:`)
  console.log(
    `  wall <= ${TARGET_WALL_OVER_FLOOR}x floor: ${ratio.toFixed(1)}x -> ${verdict(ratio <= TARGET_WALL_OVER_FLOOR)}` +
      ` (least work: ${(largest.leastWorkMs / largest.floorMs).toFixed(1)}x the floor; the action takes ` +
      `${(largest.wallMs / largest.leastWorkMs).toFixed(1)}x the least work)`,
  )
  console.log(
    `  peak RSS <= ${TARGET_PEAK_RSS_MB} MB: ${megabytes(largest.peakRssMb)} MB -> ` +
      (largest.peakRssMb === null ? 'not measured' : verdict(largest.peakRssMb <= TARGET_PEAK_RSS_MB)),
  )
  if (largest.resultsFileMb !== null && largest.resultsGzMb !== null) {
    const shrink = largest.resultsFileMb / largest.resultsGzMb
    console.log(
      `  results file .gz >= ${TARGET_RESULTS_SHRINK}x smaller: ${shrink.toFixed(1)}x ` +
        `(${largest.resultsFileMb.toFixed(1)} MB -> ${largest.resultsGzMb.toFixed(1)} MB) -> ` +
        verdict(shrink >= TARGET_RESULTS_SHRINK),
    )
  }
  if (largest.size !== 100_000) console.log('  (the targets are set for 100,000 tests)')
}
if (!flags['cpu-prof']) {
  const nodeVersion = execFileSync(ACTION_NODE, ['--version'], { encoding: 'utf8' }).trim()
  console.log(`  ${coldStartLine(await measureColdStart(), nodeVersion)}`)
}
if (profileDir) console.log(`\nCPU profiles of the action runs: ${profileDir}`)
process.exitCode = crashed ? 1 : 0
