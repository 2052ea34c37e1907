/**
 * The command line's run host on a terminal: its live progress line is cut to the terminal's width, since a
 * wrapped line is not erased when it is rewritten in place.
 */
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { MessageBatch } from '@anthropic-ai/sdk/resources/messages/batches'
import { cliHost } from '../../src/cli/cli-host.js'
import { Terminal } from '../../src/cli/terminal.js'

const batch = (processed: number, processing: number) =>
  ({
    id: 'msgbatch_1',
    request_counts: { succeeded: processed, errored: 0, canceled: 0, expired: 0, processing },
  }) as MessageBatch

it("cuts the progress line rewritten in place to the terminal's columns", () => {
  let progress = ''
  const stdout = { write: () => true }
  const stderr = { write: (text: string) => (progress += text) }
  const context = {
    stdout,
    stderr,
    env: { XDG_CACHE_HOME: path.join(tmpdir(), 'cli-host-test') },
    cwd: tmpdir(),
    display: { liveProgress: true, color: false, columns: 40 },
  }
  const host = cliHost({ workspace: tmpdir() }, new Terminal(context), context, {
    collectCommand: (ids) => `collect ${ids.join(' ')}`,
  })
  host.progress?.([batch(12_345, 87_655)], 90_000)
  expect(progress.startsWith('\r\x1b[2K12,345 / 100,000 requests processed')).toBe(true)
  expect(progress.slice('\r\x1b[2K'.length).length).toBeLessThan(40)
})
