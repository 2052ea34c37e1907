/**
 * Runs the committed command-line bundle as a user's shell does: `node dist/cli/index.js ARGS...` in a
 * directory, with only the environment given (and PATH, HOME), so that no key of the machine's leaks in.
 */
import { spawn } from 'node:child_process'
import path from 'node:path'
import { PROJECT_ROOT } from './action-runner.js'

/** The committed bundle, or CLI_BUNDLE: one built elsewhere, to try changes before dist/ is rebuilt. */
export const CLI_BUNDLE = process.env.CLI_BUNDLE || path.join(PROJECT_ROOT, 'dist', 'cli', 'index.js')

export interface CliRun {
  exitCode: number
  stdout: string
  stderr: string
}

export interface RunCliOptions {
  /** The working directory. */
  cwd: string
  env?: Record<string, string>
  /** The program to start: `node` with the bundle (default), or the bundle itself, through its `#!` line. */
  direct?: boolean
}

export async function runCliBundle(args: string[], options: RunCliOptions): Promise<CliRun> {
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? options.cwd, ...options.env }
  const [program, argv] = options.direct ? [CLI_BUNDLE, args] : [process.execPath, [CLI_BUNDLE, ...args]]
  const child = spawn(program, argv, { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exitCode = await new Promise<number>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code) => resolve(code ?? -1))
  })
  return { exitCode, stdout, stderr }
}
