/**
 * The HTML report's run history in a real browser (Debian's chromium, driven by playwright-core): the chart
 * of pass rate and cost and the tests flipping over time, from the history embedded in the page.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { chromium, type Browser, type Page } from 'playwright-core'
import { writeRun, type WrittenRun } from '../fixtures/html-report-runs.js'
import { withThisRun, type HistoryRecord } from '../../src/report/history.js'
import { htmlReportData } from '../../src/report/html-report-data.js'
import { writeHtmlReport } from '../../src/report/html-report.js'

const CHROMIUM = '/usr/bin/chromium'
/** A test id that would run script or load an image, were it markup. */
const HOSTILE_ID = '</script><script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 1">'

let dir: string
let browser: Browser
let run: WrittenRun
let withHistory: string

const record = (n: number, passRate: number, tests: HistoryRecord['tests']): HistoryRecord => ({
  time: `2026-04-0${n}T03:00:00.000Z`,
  commit: `${n}`.repeat(40),
  run: String(n),
  total: 2,
  passed: passRate * 2,
  failed: 2 - passRate * 2,
  errored: 0,
  passRate,
  costUsd: n / 1000,
  cacheHitRate: null,
  tests,
})

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`The browser tests need Debian's chromium at ${CHROMIUM}.`)
  dir = mkdtempSync(path.join(tmpdir(), 'html-history-browser-'))
  browser = await chromium.launch({ executablePath: CHROMIUM })
  // test-0 passes, test-1 fails: a 50% run.
  run = await writeRun(dir, 'run', [{ text: 'Paris' }, { text: 'Lyon' }])
  const flipping = (letter: 'p' | 'f'): HistoryRecord['tests'] => ({
    'test-1': letter,
    [HOSTILE_ID]: letter === 'p' ? 'f' : 'p',
  })
  const past = {
    records: [record(1, 1, flipping('p')), record(2, 0, flipping('f')), record(3, 1, flipping('p'))],
    location: 'eval-history:geo-1a2b3c4d.jsonl',
    commit: 'c'.repeat(40),
    run: '4',
  }
  const records = withThisRun(past, run.report, new Date('2026-04-04T03:00:00Z'))
  withHistory = await writeHtmlReport(
    path.join(dir, 'history.html'),
    run.resultsPath,
    htmlReportData(run.report, undefined, { location: past.location, records }),
  )
})

afterAll(async () => {
  await browser?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

async function open(file: string): Promise<{ page: Page; incidents: string[]; requests: string[] }> {
  const page = await browser.newPage()
  const incidents: string[] = []
  const requests: string[] = []
  page.on('request', (request) => requests.push(request.url()))
  page.on('dialog', (dialog) => {
    incidents.push(`dialog: ${dialog.message()}`)
    void dialog.dismiss()
  })
  page.on('pageerror', (error) => incidents.push(`error: ${error.message}`))
  await page.goto(pathToFileURL(file).href)
  await page.locator('.counter').waitFor()
  return { page, incidents, requests }
}

describe('the HTML report with a run history', () => {
  it('charts pass rate and cost of the runs, this one last', async () => {
    const { page, incidents } = await open(withHistory)
    await expect(page.locator('h2', { hasText: /^History$/ }).count()).resolves.toBe(1)
    await expect(page.locator('.history').locator('..').textContent()).resolves.toContain(
      'The last 4 runs recorded in eval-history:geo-1a2b3c4d.jsonl, this one last.',
    )
    const dots = page.locator('.history svg circle.pass-dot')
    await expect(dots.count()).resolves.toBe(4)
    // Pass rates 100%, 0%, 100%, 50% on a 160-pixel plot from y=10 (100%) down to y=170 (0%).
    const heights = await dots.evaluateAll((nodes) => nodes.map((n) => Number(n.getAttribute('cy'))))
    expect(heights).toEqual([10, 170, 10, 90])
    await expect(page.locator('.history svg polyline.pass-line').count()).resolves.toBe(1)
    // A bar a run, the costliest full height: $0.001, $0.002 and $0.003 against this run's own cost.
    const bars = page.locator('.history svg rect.cost-bar')
    await expect(bars.count()).resolves.toBe(4)
    await expect(dots.nth(0).locator('title').textContent()).resolves.toBe(
      '04-01 #1, 1111111: 100% of 2 passed, $0.001 at batch prices',
    )
    await expect(dots.nth(3).locator('title').textContent()).resolves.toMatch(
      /^04-04 #4, ccccccc: 50% of 2 passed, \$[\d.]+ at batch prices$/,
    )
    expect(incidents).toEqual([])
    await page.close()
  })

  it('lists the tests flipping over time, a hostile id shown as text', async () => {
    const { page, incidents, requests } = await open(withHistory)
    await expect(page.locator('h3', { hasText: 'Flipping over time' }).textContent()).resolves.toBe(
      'Flipping over time: 2 tests changed verdict at least twice in the last 4 runs',
    )
    const rows = page.locator('table.over-time tbody tr')
    await expect(rows.count()).resolves.toBe(2)
    // Most flips first: test-1 went p, f, p, f (3 flips); the hostile id f, p, f and then no verdict (2).
    await expect(rows.nth(0).locator('td').allTextContents()).resolves.toEqual(['test-1', '3', '✓✗✓✗'])
    await expect(rows.nth(1).locator('td').allTextContents()).resolves.toEqual([HOSTILE_ID, '2', '✗✓✗·'])
    await expect(page.evaluate('window.__pwned')).resolves.toBeUndefined()
    await expect(page.locator('img').count()).resolves.toBe(0)
    await expect(page.locator('script').count()).resolves.toBe(3)
    expect(incidents).toEqual([])
    expect(requests).toEqual([pathToFileURL(withHistory).href])
    await page.close()
  })

  it('shows no history without one', async () => {
    const { page } = await open(run.htmlPath)
    await expect(page.locator('h2', { hasText: /^History$/ }).count()).resolves.toBe(0)
    await expect(page.locator('.history, table.over-time').count()).resolves.toBe(0)
    await page.close()
  })
})
