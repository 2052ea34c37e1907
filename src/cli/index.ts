#!/usr/bin/env node
/** The command line's entry point (`claude-batch-evals`, package.json's bin): `node dist/cli/index.js`. */
import { runCli } from './cli.js'

const stdout = { write: process.stdout.write.bind(process.stdout) }
// @actions/glob, which finds the suites, logs through @actions/core: `::debug::` workflow commands, one a
// write, which a terminal would show. Only the command's own output, written above, reaches stdout.
const write = process.stdout.write.bind(process.stdout)
process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) =>
  typeof chunk === 'string' && chunk.startsWith('::') ? true : write(chunk, ...rest)) as typeof write

process.exitCode = await runCli(process.argv.slice(2), {
  stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
})
