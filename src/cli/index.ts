#!/usr/bin/env node
/** The command line's entry point (`claude-batch-evals`, package.json's bin): `node dist/cli/index.js`. */
import { runCli } from './cli.js'
import { displayOf } from './terminal.js'

// The command's own output goes through its terminal, which escapes what it prints, to the stream as it is.
const write = process.stdout.write.bind(process.stdout)
// @actions/glob, which finds the suites, logs through @actions/core: `::debug::` workflow commands, one a
// write, which a terminal would show. Nothing else may reach stdout.
process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) =>
  typeof chunk === 'string' && chunk.startsWith('::') ? true : write(chunk, ...rest)) as typeof write

// A reader that stops early (`run ... | head`) closes the pipe: the run goes on to write its files, quietly.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error
  })

// The first Ctrl-C stops a run's waiting (its batches are reported, to collect later); a second one, with
// Node's default handling restored, ends the process at once.
const interrupt = new AbortController()
process.once('SIGINT', () => interrupt.abort())

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: { write },
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  display: displayOf(process.stdout, process.stderr, process.env),
  signal: interrupt.signal,
})
