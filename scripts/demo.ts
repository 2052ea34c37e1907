/**
 * `npm run demo`: runs the committed action (dist/index.js) on examples/support.yml and policy.yml the way
 * the Actions runner does, and prints its log and job summary. With ANTHROPIC_API_KEY set it uses the real Batch API
 * (billed, at batch prices); without one, the local Batch API emulator answers from examples/replies.json.
 */
import path from 'node:path'
import { PROJECT_ROOT, runAction } from '../test-servers/action-runner.js'
import { loadRepliesFile, startBatchEmulator } from '../test-servers/batch-emulator.js'

const apiKey = process.env.ANTHROPIC_API_KEY
const script = apiKey ? undefined : loadRepliesFile(path.join(PROJECT_ROOT, 'examples/replies.json'))
const emulator =
  script &&
  (await startBatchEmulator({
    processingMs: 3000,
    replies: script.replies,
    judgeReplies: script.judge,
    // Among the action's log lines: a prompt of the suite that examples/replies.json does not answer.
    onWarning: (message) => console.log(`[emulator warning] ${message}`),
  }))
console.log(
  emulator
    ? `No ANTHROPIC_API_KEY: using the local Batch API emulator at ${emulator.url}\n`
    : `ANTHROPIC_API_KEY is set: submitting to the real Batch API${process.env.ANTHROPIC_BASE_URL ? ` at ${process.env.ANTHROPIC_BASE_URL}` : ''}\n`,
)

/**
 * What the runner shows of the action's output: workflow commands are processed, not printed. A runner hides
 * `::add-mask::` lines and prints *** for the values they mask, shows `::debug::` lines only in debug mode,
 * and shows `::error::`, `::warning::` and `::notice::` as annotations: here, the level, title and suite line,
 * then the message, unescaped. Fed the output chunk by chunk; `rest()` gives what is left at the end.
 */
function runnerView(): ((chunk: string) => string) & { rest: () => string } {
  const masked: string[] = []
  let pending = ''
  const unescape = (text: string) => text.replace(/%(0D|0A|3A|2C|25)/g, (code) => decodeURIComponent(code))
  const mask = (text: string) => masked.reduce((line, secret) => line.split(secret).join('***'), text)
  const annotation = (level: string, properties: string, message: string) => {
    const { title, file, line } = Object.fromEntries(
      properties.split(',').map((property) => property.split('=').map(unescape)),
    ) as Record<string, string | undefined>
    const at = file ? ` (${file}${line ? `:${line}` : ''})` : ''
    const text = unescape(message)
    return title || at
      ? `${level}: ${title ?? ''}${at}\n  ${text.replace(/\n/g, '\n  ')}`
      : `${level}: ${text}`
  }
  const line = (text: string): string => {
    const command = /^::([a-z-]+)(?: ([^:]*))?::(.*)$/.exec(text)
    const [, name, properties = '', value = ''] = command ?? []
    if (name === 'add-mask') {
      if (value !== '') masked.push(value)
      return ''
    }
    if (name === 'debug') return ''
    const level = { error: 'Error', warning: 'Warning', notice: 'Notice' }[name ?? '']
    return `${mask(level ? annotation(level, properties, value) : text)}\n`
  }
  const view = (chunk: string) => {
    const lines = (pending + chunk).split('\n')
    pending = lines.pop() ?? ''
    return lines.map(line).join('')
  }
  return Object.assign(view, { rest: () => (pending === '' ? '' : line(pending)) })
}
const shown = runnerView()

try {
  const run = await runAction({
    workspace: PROJECT_ROOT,
    inputs: {
      suite: 'examples/support.yml\nexamples/policy.yml',
      // policy.yml's tests share a long system prompt: the report shows the realized hit rate and what caching
      // saved. A forced 5-minute write: with no earlier run to learn a hit rate from, auto would not mark it.
      cache: '5m',
      'anthropic-api-key': apiKey ?? 'emulator-key',
      ...(emulator && { 'anthropic-base-url': emulator.url, 'poll-interval': '1s' }),
      'results-file': '.demo/eval-results.json',
      'html-report': '.demo/claude-batch-evals-report.html',
    },
    onOutput: (chunk) => process.stdout.write(shown(chunk)),
  })
  process.stdout.write(shown.rest())
  console.log('\n---------------- job summary ----------------\n')
  console.log(run.summary || '(empty)')
  console.log('---------------- step outputs ----------------\n')
  for (const [name, value] of Object.entries(run.outputs)) console.log(`${name}: ${value}`)
  console.log(
    `\nThe action exited ${run.exitCode}` +
      (run.outputs.status === 'failed'
        ? ': the verdict is failed, as the example suite has failing tests by design.'
        : '.') +
      (run.outputs['html-report']
        ? `\nOpen ${run.outputs['html-report']} in a browser to browse every test.`
        : ''),
  )
  // The demo succeeds when the action reached a verdict; a crash or a missing verdict fails it.
  process.exitCode = run.outputs.status ? 0 : 1
} finally {
  await emulator?.close()
}
