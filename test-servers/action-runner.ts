/**
 * Runs the committed bundle the way the GitHub Actions runner does: `node dist/index.js` with the inputs
 * as INPUT_* variables (action.yml's defaults applied), GITHUB_OUTPUT, GITHUB_STEP_SUMMARY and an event
 * payload in GITHUB_EVENT_PATH.
 */
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
/** The committed bundle, or ACTION_BUNDLE: one built elsewhere, to try changes before dist/ is rebuilt. */
const BUNDLE = process.env.ACTION_BUNDLE || path.join(PROJECT_ROOT, 'dist', 'index.js')

export interface RunActionOptions {
  /** Inputs by their action.yml names; omitted ones get action.yml's defaults. */
  inputs: Record<string, string>
  /** The workspace (GITHUB_WORKSPACE and the working directory). */
  workspace: string
  event?: { name: string; payload: object }
  /** Extra environment, e.g. GITHUB_API_URL, GITHUB_TOKEN, ANTHROPIC_BASE_URL. */
  env?: Record<string, string>
  /** Called with each chunk the action prints, as it prints it. */
  onOutput?: (chunk: string) => void
  /**
   * Called with the whole log so far after each chunk: for a test to act on what the action has said (a line
   * may come in several chunks), such as ending a batch the emulator holds.
   */
  onLog?: (log: string) => void
  /** Sends the process a signal once its log matches, as the runner does when a job is cancelled. */
  signalWhen?: { log: RegExp; signal: NodeJS.Signals }
}

export interface ActionRun {
  exitCode: number
  log: string
  outputs: Record<string, string>
  summary: string
}

interface ActionYml {
  inputs: Record<string, { default?: string }>
}

async function inputEnv(
  inputs: Record<string, string>,
  githubToken: string,
): Promise<Record<string, string>> {
  const action = parse(await readFile(path.join(PROJECT_ROOT, 'action.yml'), 'utf8')) as ActionYml
  for (const name of Object.keys(inputs)) {
    if (!(name in action.inputs)) throw new Error(`action.yml has no input '${name}'`)
  }
  const env: Record<string, string> = {}
  for (const [name, spec] of Object.entries(action.inputs)) {
    const value = inputs[name] ?? spec.default?.replace('${{ github.token }}', githubToken) ?? ''
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value
  }
  return env
}

/** Parses the runner's `name<<DELIMITER ... DELIMITER` file format. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i])
    if (heredoc) {
      const end = lines.indexOf(heredoc[2], i + 1)
      outputs[heredoc[1]] = lines.slice(i + 1, end).join('\n')
      i = end
    } else if (lines[i].includes('=')) {
      const [name, ...value] = lines[i].split('=')
      outputs[name] = value.join('=')
    }
  }
  return outputs
}

/** Inputs that point the action at a Batch API emulator at `url`, polling every 100 ms; `inputs` add or override. */
export function emulatorInputs(url: string, inputs: Record<string, string> = {}): Record<string, string> {
  return { 'anthropic-api-key': 'sk-test', 'anthropic-base-url': url, 'poll-interval': '100ms', ...inputs }
}

export async function runAction(options: RunActionOptions): Promise<ActionRun> {
  const runnerDir = await mkdtemp(path.join(tmpdir(), 'action-run-'))
  const files = {
    output: path.join(runnerDir, 'output'),
    summary: path.join(runnerDir, 'summary.md'),
    event: path.join(runnerDir, 'event.json'),
  }
  const event = options.event ?? { name: 'workflow_dispatch', payload: {} }
  await Promise.all([
    writeFile(files.output, ''),
    writeFile(files.summary, ''),
    writeFile(files.event, JSON.stringify(event.payload)),
  ])
  const githubToken = options.env?.GITHUB_TOKEN ?? ''
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? runnerDir,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: options.workspace,
    GITHUB_REPOSITORY: 'acme/support-bot',
    GITHUB_EVENT_NAME: event.name,
    GITHUB_EVENT_PATH: files.event,
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_RUN_ID: '4242',
    GITHUB_SERVER_URL: 'https://github.com',
    RUNNER_TEMP: runnerDir,
    ...(await inputEnv(options.inputs, githubToken)),
    ...options.env,
  }
  // The runner uses its own Node (node24); ACTION_NODE lets CI run the bundle on that version.
  const node = process.env.ACTION_NODE || process.execPath
  const child = spawn(node, [BUNDLE], { cwd: options.workspace, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let log = ''
  let signalled = false
  const collect = (chunk: Buffer) => {
    log += chunk.toString()
    options.onOutput?.(chunk.toString())
    options.onLog?.(log)
    if (options.signalWhen && !signalled && options.signalWhen.log.test(log)) {
      signalled = true
      child.kill(options.signalWhen.signal)
    }
  }
  child.stdout.on('data', collect)
  child.stderr.on('data', collect)
  const exitCode = await new Promise<number>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code) => resolve(code ?? -1))
  })
  const run = {
    exitCode,
    log,
    outputs: parseOutputFile(await readFile(files.output, 'utf8')),
    summary: await readFile(files.summary, 'utf8'),
  }
  await rm(runnerDir, { recursive: true, force: true })
  return run
}
