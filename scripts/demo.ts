/**
 * `npm run demo`: runs the committed action (dist/index.js) on examples/support.yml the way the Actions
 * runner does, and prints its log and job summary. With ANTHROPIC_API_KEY set it uses the real Batch API
 * (billed, at batch prices); without one, the local Batch API emulator answers from examples/replies.json.
 */
import path from 'node:path'
import { PROJECT_ROOT, runAction } from '../test-servers/action-runner.js'
import { loadReplies, startBatchEmulator } from '../test-servers/batch-emulator.js'

const apiKey = process.env.ANTHROPIC_API_KEY
const emulator = apiKey
  ? undefined
  : await startBatchEmulator({
      processingMs: 3000,
      replies: loadReplies(path.join(PROJECT_ROOT, 'examples/replies.json')),
    })
console.log(
  emulator
    ? `No ANTHROPIC_API_KEY: using the local Batch API emulator at ${emulator.url}\n`
    : `ANTHROPIC_API_KEY is set: submitting to the real Batch API${process.env.ANTHROPIC_BASE_URL ? ` at ${process.env.ANTHROPIC_BASE_URL}` : ''}\n`,
)

try {
  const run = await runAction({
    workspace: PROJECT_ROOT,
    inputs: {
      suite: 'examples/support.yml',
      'anthropic-api-key': apiKey ?? 'emulator-key',
      ...(emulator && { 'anthropic-base-url': emulator.url, 'poll-interval': '1s' }),
      'results-file': '.demo/eval-results.json',
    },
    // ::debug:: lines show only in a runner's debug mode; keep the demo's log as a normal run shows it.
    onOutput: (chunk) => process.stdout.write(chunk.replace(/^::debug::.*\n/gm, '')),
  })
  console.log('\n---------------- job summary ----------------\n')
  console.log(run.summary || '(empty)')
  console.log('---------------- step outputs ----------------\n')
  for (const [name, value] of Object.entries(run.outputs)) console.log(`${name}: ${value}`)
  console.log(
    `\nThe action exited ${run.exitCode}` +
      (run.outputs.status === 'failed'
        ? ': the verdict is failed, as the example suite has failing tests by design.'
        : '.'),
  )
  // The demo succeeds when the action reached a verdict; a crash or a missing verdict fails it.
  process.exitCode = run.outputs.status ? 0 : 1
} finally {
  await emulator?.close()
}
