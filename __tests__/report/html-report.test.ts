import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pageScripts as scripts } from '../fixtures/html-page.js'
import { HOSTILE, writeRun } from '../fixtures/html-report-runs.js'
import { htmlReportData, baselineOutputsOf } from '../../src/report/html-report-data.js'
import { CONTENT_SECURITY_POLICY, htmlReportText, scriptSafeJson } from '../../src/report/html-report.js'
import { CLIENT_SCRIPT } from '../../src/report/html/client-script.js'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'html-report-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

describe('scriptSafeJson', () => {
  it('leaves no character that could end or change a script element, and parses to the same value', () => {
    const value = { output: HOSTILE, nested: ['<!--', '&amp;', '\u2028\u2029', '>'] }
    const safe = scriptSafeJson(JSON.stringify(value))
    expect(safe).not.toMatch(/[<>&\u2028\u2029]/)
    expect(JSON.parse(safe)).toEqual(value)
  })
})

describe('the HTML report', () => {
  it('embeds the results file once, whole, and a hostile output only as escaped JSON', async () => {
    const run = await writeRun(dir, 'run', [{ text: 'Paris' }, { text: HOSTILE }, { text: null }])
    const page = readFileSync(run.htmlPath, 'utf8')
    const [results, data, client] = scripts(page)
    expect(scripts(page)).toHaveLength(3)
    expect(JSON.parse(results)).toEqual(JSON.parse(readFileSync(run.resultsPath, 'utf8')))
    expect(JSON.parse(results).tests[1].output).toBe(HOSTILE)
    expect(JSON.parse(data)).toEqual(htmlReportData(run.report))
    expect(client).toBe(CLIENT_SCRIPT)
    // Nothing of the output is markup: no tag, comment or line separator of it is in the page raw.
    expect(page).not.toContain('<img')
    expect(page).not.toContain('<!--')
    expect(page).not.toContain('onerror="')
    expect(page).not.toMatch(/[\u2028\u2029]/)
  })

  it('lets no script run but its own, and nothing load', async () => {
    const run = await writeRun(dir, 'run', [{ text: 'Paris' }])
    const page = readFileSync(run.htmlPath, 'utf8')
    const hash = createHash('sha256').update(CLIENT_SCRIPT).digest('base64')
    expect(CONTENT_SECURITY_POLICY).toContain(`script-src 'sha256-${hash}'`)
    expect(CONTENT_SECURITY_POLICY).toMatch(/^default-src 'none';/)
    expect(page).toContain(`<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">`)
    // The policy comes before any script, so that it covers them all.
    expect(page.indexOf('Content-Security-Policy')).toBeLessThan(page.indexOf('<script'))
    expect(page).not.toMatch(/\b(src|href)=/)
  })

  it('embeds the text as it is read, in chunks, whatever their boundaries', async () => {
    const json = JSON.stringify({ tests: [{ output: HOSTILE }] })
    const chunks = json.match(/[\s\S]{1,7}/g) ?? []
    let page = ''
    for await (const piece of htmlReportText(chunks, htmlReportDataless)) page += piece
    expect(JSON.parse(scripts(page)[0])).toEqual(JSON.parse(json))
  })
})

const htmlReportDataless = {
  costByModel: [],
  cacheHitRate: null,
  cachedInputShare: null,
  baselineOutputs: {},
  history: null,
}

describe('htmlReportData', () => {
  it("splits each model's cost by kind of token, adding up to its cost exactly", async () => {
    const usage = { input_tokens: 1000, output_tokens: 200, cache_read_input_tokens: 3000 }
    const run = await writeRun(dir, 'run', [
      { text: 'Paris', usage },
      { text: 'Paris', usage },
    ])
    const [row] = htmlReportData(run.report).costByModel
    expect(row.partsUnknown).toBeNull()
    expect(row.parts?.map((part) => [part.kind, part.tokens])).toEqual([
      ['input', 2000],
      ['cache read', 6000],
      ['output', 400],
    ])
    const sum = (row.parts ?? []).reduce((total, part) => total + Number(part.batchUsd), 0)
    expect(sum).toBeCloseTo(Number(row.batchUsd), 12)
    expect(Number(row.batchUsd)).toBeGreaterThan(0)
    // The one request read the cache: a 100% hit rate; its reads are 6,000 of its 8,000 input tokens.
    expect(htmlReportData(run.report).cacheHitRate).toBe(1)
    expect(htmlReportData(run.report).cachedInputShare).toBeCloseTo(6000 / 8000, 12)
  })

  it('says why a figure cannot be computed instead of guessing it', async () => {
    const longContext = { input_tokens: 250_000, output_tokens: 10 }
    const run = await writeRun(dir, 'run', [
      { text: 'Paris', model: 'claude-mystery-9' },
      { text: 'Paris', model: 'claude-sonnet-4-5', usage: longContext },
      { text: 'Paris', model: 'claude-sonnet-4-5', usage: { input_tokens: 10 } },
    ])
    const [mystery, sonnet] = [...htmlReportData(run.report).costByModel].sort((a, b) =>
      a.model.localeCompare(b.model),
    )
    expect(mystery).toMatchObject({ model: 'claude-mystery-9', batchUsd: null, parts: null })
    expect(mystery.unknown).toContain('not in the price table')
    expect(mystery.partsUnknown).toContain('could not be priced')
    expect(sonnet.batchUsd).not.toBeNull()
    expect(sonnet.parts).toBeNull()
    expect(sonnet.partsUnknown).toContain('long-context')
  })

  it("keeps the baseline's outputs of the tests that flipped, and only theirs", async () => {
    const before = await writeRun(dir, 'before', [{ text: 'Paris' }, { text: 'Lyon' }, { text: 'Paris' }])
    const after = await writeRun(
      dir,
      'after',
      [{ text: 'Lyon' }, { text: 'Paris' }, { text: 'Paris' }],
      before,
    )
    const data = htmlReportData(after.report, readFileSync(before.resultsPath, 'utf8'))
    expect(data.baselineOutputs).toEqual({
      'test-0': [{ sample: 1, status: 'passed', output: 'Paris', error: null }],
      'test-1': [{ sample: 1, status: 'failed', output: 'Lyon', error: null }],
    })
    expect(baselineOutputsOf('{}', new Set(['test-0']))).toEqual({})
  })
})
