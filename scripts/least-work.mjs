/* global fetch */
/**
 * The bench's yardstick: the least work any action must do on the bench's suite, run end to end against the
 * same emulator the same way, with none of the action's features. It reads the JSONL suite, sends one
 * create request, polls every 100 ms, streams the results, grades `contains`, `icontains` and `regex`, and
 * writes every test's entry, in suite order, to a JSON file of the same size as the action's results file.
 * It keeps everything in memory (it has no memory target) and checks nothing a real suite could get wrong.
 *
 *   node scripts/least-work.mjs <suite.jsonl> <emulator url> <out.json>
 *
 * Plain JavaScript, so that it runs on the action's Node with nothing loaded but itself.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import process from 'node:process'
import { TextDecoder } from 'node:util'
import { setTimeout as sleep } from 'node:timers/promises'

const [suiteFile, baseUrl, outFile] = process.argv.slice(2)
const headers = {
  'x-api-key': 'bench-key',
  'anthropic-version': '2023-06-01',
  'content-type': 'application/json',
}

async function call(url, init = {}) {
  const response = await fetch(url, { headers, ...init })
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${url}: HTTP ${response.status}`)
  return response
}

const tests = new Map()
const requests = []
readFileSync(suiteFile, 'utf8')
  .split('\n')
  .forEach((text, index) => {
    if (text === '') return
    const test = JSON.parse(text)
    const params = { model: test.model, max_tokens: 1024, messages: [{ role: 'user', content: test.prompt }] }
    tests.set(test.id, { test, line: index + 1, position: requests.length, params })
    requests.push({ custom_id: test.id, params })
  })

let batch = await (
  await call(`${baseUrl}/v1/messages/batches`, { method: 'POST', body: JSON.stringify({ requests }) })
).json()
while (batch.processing_status !== 'ended') {
  await sleep(100)
  batch = await (await call(`${baseUrl}/v1/messages/batches/${batch.id}`)).json()
}

function grade(assertion, output) {
  const pass =
    assertion.type === 'regex'
      ? new RegExp(assertion.value).test(output)
      : assertion.type === 'icontains'
        ? output.toLowerCase().includes(assertion.value.toLowerCase())
        : output.includes(assertion.value)
  const reason = `output ${pass ? '' : 'does not '}${assertion.type === 'regex' ? 'match' : 'contain'} "${assertion.value}"`
  return { type: assertion.type, value: assertion.value, weight: 1, pass, score: pass ? 1 : 0, reason }
}

function entryOf(result) {
  const { test, line, params } = tests.get(result.custom_id)
  const message = result.result.message
  const output = message.content[0].text
  const assertions = test.assert.map((assertion) => grade(assertion, output))
  const failed = assertions.find((a) => !a.pass)
  const verdict = failed ? 'failed' : 'passed'
  return JSON.stringify({
    id: test.id,
    custom_id: result.custom_id,
    sample: 1,
    samples: 1,
    verdict,
    description: test.description,
    file: path.basename(suiteFile),
    line,
    model: test.model,
    vars: {},
    prompt: test.prompt,
    request: params,
    status: verdict,
    result_type: result.result.type,
    output,
    stop_reason: message.stop_reason,
    error: null,
    score: verdict === 'passed' ? 1 : 0,
    reason: failed ? `${failed.type}: ${failed.reason}` : `all ${assertions.length} assertions passed`,
    assertions,
    metrics: {},
    usage: message.usage,
    cost_usd: { batch: '0.0001385', standard: '0.000277', savings: '0.0001385' },
    cost_unknown_reason: null,
  })
}

const entries = new Array(requests.length)
const decoder = new TextDecoder()
let partial = ''
let graded = 0
for await (const chunk of (await call(batch.results_url)).body) {
  const lines = (partial + decoder.decode(chunk, { stream: true })).split('\n')
  partial = lines.pop()
  for (const line of lines) {
    if (line === '') continue
    const result = JSON.parse(line)
    entries[tests.get(result.custom_id).position] = entryOf(result)
    graded++
  }
}
if (partial !== '' || graded !== requests.length) {
  throw new Error(`Graded ${graded} of ${requests.length} tests; the results ended with '${partial}'.`)
}
writeFileSync(outFile, `{"tests":[\n${entries.join(',\n')}\n]}\n`)
