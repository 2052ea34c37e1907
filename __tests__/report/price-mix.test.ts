/** The price mix of a run with on-timeout: standard, live and read back from its results file. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { writeRun } from '../fixtures/html-report-runs.js'
import { costOf, priceTierOf } from '../../src/cost/pricing.js'
import { storedResult } from '../../src/pipeline/stored-outputs.js'
import { htmlReportData } from '../../src/report/html-report-data.js'
import { priceMixSentence } from '../../src/report/price-mix.js'
import { readStoredRun, storedEntries } from '../../src/report/stored-run.js'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'price-mix-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const STANDARD = { input_tokens: 1_000_000, output_tokens: 0, service_tier: 'standard' as const }

describe('the price mix', () => {
  it('counts the requests at each price and what waiting for the batches would have saved', async () => {
    const run = await writeRun(dir, 'mixed', [
      { text: 'Paris' },
      { text: 'Paris', usage: STANDARD },
      { text: null },
    ])
    // A million input tokens of Haiku 4.5: $1 at standard, $0.50 at batch. The errored result is not billed.
    expect(run.report.priceMix).toEqual({ batch: 1, standard: 1, waitingSaves: 500_000_000_000_000n })
    expect(priceMixSentence(run.report.priceMix ?? { batch: 0, standard: 0, waitingSaves: null })).toBe(
      'Price mix: 1 request at batch price, 1 at standard price (sent by the standard API when the batches ran ' +
        'out of time, on-timeout: standard); waiting for the batches would have saved $0.5.',
    )
  })

  it('is left out of a run with every request at batch price', async () => {
    const run = await writeRun(dir, 'batch', [{ text: 'Paris' }])
    expect(run.report.priceMix).toBeUndefined()
  })

  it('keeps each result’s tier in the results file, for the report and regrade of a stored run', async () => {
    const run = await writeRun(dir, 'mixed', [{ text: 'Paris' }, { text: 'Paris', usage: STANDARD }])
    const text = readFileSync(run.resultsPath, 'utf8')
    const entries = [...storedEntries(text, 'mixed.json')]
    expect(entries.map((entry) => entry.usage?.service_tier)).toEqual(['batch', 'standard'])
    expect(entries.map((entry) => entry.cost_usd?.batch)).toEqual(['0.0000175', '1'])

    expect(readStoredRun(text, 'mixed.json').report.priceMix).toEqual(run.report.priceMix)
    // Regrade rebuilds each stored message: the standard one is priced at standard again.
    const rebuilt = storedResult('test-1', entries[1] as (typeof entries)[number], 'mixed.json')
    if (rebuilt?.result.type !== 'succeeded') throw new Error('not succeeded')
    const usage = rebuilt.result.message.usage
    expect(priceTierOf(usage)).toBe('standard')
    const cost = costOf('claude-haiku-4-5', usage)
    expect('cost' in cost && cost.cost.batch).toBe(1_000_000_000_000_000n)
  })

  it('is a figure of the HTML page, whose chart prices the standard requests’ tokens at standard', async () => {
    const run = await writeRun(dir, 'mixed', [{ text: 'Paris' }, { text: 'Paris', usage: STANDARD }])
    const data = htmlReportData(run.report)
    expect(data.priceMix).toEqual({ batch: 1, standard: 1, waitingSavesUsd: '0.5' })
    const [row] = data.costByModel
    expect(row?.partsUnknown).toBeNull()
    // 1,000,010 input tokens: 10 at $0.50 a million (batch), a million at $1 (standard).
    expect(row?.parts?.find((part) => part.kind === 'input')).toEqual({
      kind: 'input',
      tokens: 1_000_010,
      batchUsd: '1.000005',
      standardUsd: '1.00001',
    })
    expect(row?.batchUsd).toBe('1.0000175')
    expect(htmlReportData((await writeRun(dir, 'batch', [{ text: 'Paris' }])).report).priceMix).toBeNull()
  })
})
