/**
 * Starts the Message Batches API emulator and keeps it up until SIGINT/SIGTERM.
 *
 *   npm run emulator -- --port 8787 --replies examples/replies.json --processing-ms 2000
 *
 * Optional: --expires-after-ms N (a batch not processed by then ends with the rest `expired`),
 * --max-queued-requests N (the workspace queue limit: a create over it answers 429 with retry-after),
 * --min-cacheable-tokens N (the shortest cacheable prompt prefix for every model, instead of the API's
 * per-model figures), --count-tokens-unavailable (count_tokens answers 404, to see a client's fallback).
 * Realism (docs/emulator.md): --cache-hit-rate R (0 to 1, default 0.7), --canceling-polls N (default 3),
 * --seed N, --sequential (requests one after another in submission order instead of concurrently).
 *
 * Then point the SDK (or the action) at it: ANTHROPIC_BASE_URL=http://127.0.0.1:8787 ANTHROPIC_API_KEY=any
 * The replies file's format, and what an unmatched prompt gets: docs/emulator.md. Warnings go to stderr.
 */
import { parseArgs } from 'node:util'
import { loadRepliesFile, startBatchEmulator, type BatchEmulatorOptions } from './batch-emulator.js'
import { warnOnStderr } from './scripted-replies.js'

const USAGE =
  'usage: batch-emulator-cli [--port 8787] [--replies replies.json] [--processing-ms 1000] ' +
  '[--expires-after-ms 86400000] [--max-queued-requests N] [--min-cacheable-tokens N] [--count-tokens-unavailable] ' +
  '[--cache-hit-rate 0.7] [--canceling-polls 3] [--seed 19] [--sequential]'

function nonNegativeInteger(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const value = Number(text)
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`--${name} must be a non-negative integer, got "${text}"`)
  return value
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '8787' },
      replies: { type: 'string' },
      'processing-ms': { type: 'string' },
      'expires-after-ms': { type: 'string' },
      'max-queued-requests': { type: 'string' },
      'min-cacheable-tokens': { type: 'string' },
      'count-tokens-unavailable': { type: 'boolean' },
      'cache-hit-rate': { type: 'string' },
      'canceling-polls': { type: 'string' },
      seed: { type: 'string' },
      sequential: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  })
  if (values.help) {
    console.log(USAGE)
    return
  }
  const options: BatchEmulatorOptions = { port: nonNegativeInteger('port', values.port) }
  const processingMs = nonNegativeInteger('processing-ms', values['processing-ms'])
  if (processingMs !== undefined) options.processingMs = processingMs
  const expiresAfterMs = nonNegativeInteger('expires-after-ms', values['expires-after-ms'])
  if (expiresAfterMs !== undefined) options.expiresAfterMs = expiresAfterMs
  const maxQueuedRequests = nonNegativeInteger('max-queued-requests', values['max-queued-requests'])
  if (maxQueuedRequests !== undefined) options.maxQueuedRequests = maxQueuedRequests
  const minCacheableTokens = nonNegativeInteger('min-cacheable-tokens', values['min-cacheable-tokens'])
  if (minCacheableTokens !== undefined) options.minCacheableTokens = minCacheableTokens
  if (values['count-tokens-unavailable']) options.countTokensUnavailable = true
  const hitRate = values['cache-hit-rate']
  if (hitRate !== undefined) {
    options.cacheHitRate = Number(hitRate)
    if (!(options.cacheHitRate >= 0 && options.cacheHitRate <= 1))
      throw new Error(`--cache-hit-rate must be a number from 0 to 1, got "${hitRate}"`)
  }
  const cancelingPolls = nonNegativeInteger('canceling-polls', values['canceling-polls'])
  if (cancelingPolls !== undefined) options.cancelingPolls = cancelingPolls
  const seed = nonNegativeInteger('seed', values.seed)
  if (seed !== undefined) options.seed = seed
  if (values.sequential) options.concurrent = false
  if (values.replies !== undefined) {
    const { replies, judge } = loadRepliesFile(values.replies)
    options.replies = replies
    options.judgeReplies = judge
  }

  const emulator = await startBatchEmulator({ ...options, onWarning: warnOnStderr })
  const replyCount = Object.keys(options.replies ?? {}).length
  const verdictCount = Object.keys(options.judgeReplies ?? {}).length
  console.log(`Batch API emulator listening on ${emulator.url}`)
  console.log(
    `  processing time ${options.processingMs ?? 1000} ms, ${replyCount} scripted replies, ` +
      `${verdictCount} scripted judge verdicts`,
  )
  if (options.expiresAfterMs !== undefined) console.log(`  batches expire after ${options.expiresAfterMs} ms`)
  if (options.maxQueuedRequests !== undefined)
    console.log(`  queue limit ${options.maxQueuedRequests} requests`)
  if (minCacheableTokens !== undefined)
    console.log(`  prompt prefixes of ${minCacheableTokens} tokens or more are cached, for every model`)
  if (options.countTokensUnavailable) console.log('  count_tokens unavailable (answers 404)')
  console.log(
    `  requests ${options.concurrent === false ? 'one after another' : 'concurrent, finishing out of order'}; ` +
      `cache hit rate ${options.cacheHitRate ?? 0.7}; canceling lasts ${options.cancelingPolls ?? 3} polls`,
  )

  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    console.log(`${signal}: stopping (${emulator.calls.length} calls served)`)
    emulator.close().then(
      () => process.exit(0),
      (e: unknown) => {
        console.error(e)
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
}

main().catch((e: unknown) => {
  console.error(`batch-emulator: ${e instanceof Error ? e.message : String(e)}`)
  console.error(USAGE)
  process.exit(2)
})
