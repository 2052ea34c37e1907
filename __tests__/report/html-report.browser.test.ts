/**
 * The HTML report in a real browser: Debian's chromium, driven by playwright-core, opening the file from
 * disk as a user would.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { chromium, type Browser, type Page } from 'playwright-core'
import { HOSTILE, writeRun, type Reply, type WrittenRun } from '../fixtures/html-report-runs.js'

const CHROMIUM = '/usr/bin/chromium'

let dir: string
let browser: Browser
let baseline: WrittenRun
let current: WrittenRun
let large: WrittenRun

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `The HTML report's browser tests need Debian's chromium at ${CHROMIUM}: install it with ` +
        '`apt-get install chromium` (.ci/run does).',
    )
  }
  dir = mkdtempSync(path.join(tmpdir(), 'html-report-browser-'))
  browser = await chromium.launch({ executablePath: CHROMIUM })
  baseline = await writeRun(dir, 'baseline', [
    { text: 'Paris' },
    { text: 'Lyon' },
    { text: 'Paris' },
    { text: 'Paris' },
  ])
  current = await writeRun(
    dir,
    'current',
    [
      { text: 'Lyon' },
      { text: 'Paris' },
      { text: HOSTILE },
      { text: null },
      { text: 'Paris' },
      // Flaky: one of its two samples fails.
      [{ text: 'Paris' }, { text: 'Lyon' }],
    ],
    baseline,
  )
  // 10,000 tests, one in ten failing.
  const replies: Reply[] = Array.from({ length: 10_000 }, (_, i) => ({
    text: i % 10 === 3 ? 'Lyon' : 'Paris',
  }))
  large = await writeRun(dir, 'large', replies)
})

afterAll(async () => {
  await browser?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

interface Opened {
  page: Page
  /** Dialogs and page errors seen: a script of the output that ran would show in one or the other. */
  incidents: string[]
  /** Every URL the page asked for, its own file included. */
  requests: string[]
}

async function open(run: WrittenRun): Promise<Opened> {
  const page = await browser.newPage()
  const incidents: string[] = []
  const requests: string[] = []
  page.on('request', (request) => requests.push(request.url()))
  page.on('dialog', (dialog) => {
    incidents.push(`dialog: ${dialog.message()}`)
    void dialog.dismiss()
  })
  page.on('pageerror', (error) => incidents.push(`error: ${error.message}`))
  await page.goto(pathToFileURL(run.htmlPath).href)
  await page.locator('.counter').waitFor()
  return { page, incidents, requests }
}

const rows = (page: Page) => page.locator('.rows > .row')
// Expressions run in the page: the tests are type-checked without the DOM's types.
const ids = (page: Page) =>
  page.evaluate("Array.from(document.querySelectorAll('.rows > .row'), (row) => row.dataset.id)")
const verdicts = (page: Page) => page.locator('.rows > .row .badge').allTextContents()

describe('the HTML report in a browser', () => {
  it('loads: the verdict, the counts, the cost and every test', async () => {
    const { page, incidents } = await open(current)
    await expect(page.locator('h1 .badge').textContent()).resolves.toBe('failed')
    const stats = await page.locator('.stat').allTextContents()
    expect(stats).toContain('Tests62 passed, 3 failed, 1 errored (7 samples)')
    // Six replies of 10 input and 5 output tokens of claude-haiku-4-5, at $1 and $5 per million (standard).
    expect(stats).toContain('Cost at batch prices$0.000105$0.00021 at standard prices')
    expect(stats).toContain('Saved by batching$0.000105')
    expect(stats).toContain('Batch duration1h 2m 3s')
    await expect(page.locator('.chart svg rect').count()).resolves.toBe(2)
    await expect(ids(page)).resolves.toEqual([
      'test-0',
      'test-1',
      'test-2',
      'test-3',
      'test-4',
      'test-5',
      'test-5',
    ])
    expect(incidents).toEqual([])
    await page.close()
  })

  it('filters by status, searches and sorts', async () => {
    const { page } = await open(current)
    await page.getByRole('button', { name: /^Failed/ }).click()
    await expect(ids(page)).resolves.toEqual(['test-0', 'test-2', 'test-5', 'test-5'])
    await page.getByRole('button', { name: /^Flaky/ }).click()
    await expect(ids(page)).resolves.toEqual(['test-5', 'test-5'])
    await expect(rows(page).locator('span:nth-child(4)').allTextContents()).resolves.toEqual(['1/2', '2/2'])
    await page.getByRole('button', { name: /^Errored/ }).click()
    await expect(ids(page)).resolves.toEqual(['test-3'])
    await page.getByRole('button', { name: /^Changed vs baseline/ }).click()
    await expect(ids(page)).resolves.toEqual(['test-0', 'test-1', 'test-2', 'test-3'])
    await page.getByRole('button', { name: /^All/ }).click()
    // By a var's value: the odd tests' city.
    await page.getByRole('searchbox').fill('lyon')
    await expect(ids(page)).resolves.toEqual(['test-1', 'test-3', 'test-5', 'test-5'])
    await page.getByRole('searchbox').fill('capital number 4')
    await expect(ids(page)).resolves.toEqual(['test-4'])
    await page.getByRole('searchbox').fill('')
    await page.locator('.row.head [data-sort="status"]').click()
    const byVerdict = ['errored', 'failed', 'failed', 'failed', 'failed', 'passed', 'passed']
    await expect(verdicts(page)).resolves.toEqual(byVerdict)
    await page.locator('.row.head [data-sort="status"]').click()
    await expect(verdicts(page)).resolves.toEqual([...byVerdict].reverse())
    await page.close()
  })

  it('expands a row to the prompt as sent, the output, each assertion and the cost', async () => {
    const { page } = await open(current)
    await rows(page).first().click()
    const detail = page.locator('.rows > .detail')
    await expect(detail.count()).resolves.toBe(1)
    const text = await detail.textContent()
    expect(text).toContain('Prompt as sent')
    expect(text).toContain('Answer in one word.')
    expect(text).toContain('What is the capital? (0)')
    await expect(detail.locator('pre').nth(3).textContent()).resolves.toBe('Lyon')
    const assertions = await detail.locator('table.assertions tbody tr').allTextContents()
    expect(assertions).toHaveLength(2)
    expect(assertions[0]).toMatch(/^containsfailed0\.00Paris.*expected output to contain "Paris"/)
    expect(text).toMatch(/\$0\.0000\d+ at batch prices/)
    await rows(page).first().click()
    await expect(detail.count()).resolves.toBe(0)
    await page.close()
  })

  it('shows the flips first, with the old and new output side by side', async () => {
    const { page } = await open(current)
    const regressions = page.locator('.flips.regressions .flip')
    await expect(regressions.count()).resolves.toBe(3)
    await expect(regressions.first().locator('.old pre').textContent()).resolves.toBe('Paris')
    await expect(regressions.first().locator('.new pre').textContent()).resolves.toBe('Lyon')
    const fix = page.locator('.flips.fixes .flip')
    await expect(fix.locator('.old pre').textContent()).resolves.toBe('Lyon')
    await expect(fix.locator('.new pre').textContent()).resolves.toBe('Paris')
    // Above the table of tests.
    const [flipsTop, tableTop] = await Promise.all(
      ['.flips', '.table'].map(
        async (selector) => (await page.locator(selector).first().boundingBox())?.y ?? NaN,
      ),
    )
    expect(flipsTop).toBeLessThan(tableTop)
    await page.close()
  })

  it('shows a hostile output as text: no script of it runs, no markup of it renders, nothing loads', async () => {
    const { page, incidents, requests } = await open(current)
    await rows(page).nth(2).click()
    const shown = await page.locator('.rows > .detail pre').nth(3).textContent()
    expect(shown).toBe(HOSTILE)
    await expect(page.locator('.new pre').nth(1).textContent()).resolves.toBe(HOSTILE)
    await expect(page.evaluate('window.__pwned')).resolves.toBeUndefined()
    await expect(page.locator('img').count()).resolves.toBe(0)
    // One script element of each kind: the output's `</script><script>` made none.
    await expect(page.locator('script').count()).resolves.toBe(3)
    expect(incidents).toEqual([])
    expect(requests).toEqual([pathToFileURL(current.htmlPath).href])
    await page.close()
  })

  it('opens 10,000 tests with a window of rows, filters them, and renders more on scroll', async () => {
    const { page } = await open(large)
    await expect(rows(page).count()).resolves.toBe(100)
    await expect(page.locator('.counter').textContent()).resolves.toBe(
      'Showing 100 of 10000 matching entries (10000 in all).',
    )
    await page.getByRole('button', { name: /^Failed/ }).click()
    await expect(page.locator('.counter').textContent()).resolves.toMatch(/^Showing 100 of 1000 matching/)
    await expect(verdicts(page)).resolves.toEqual(Array(100).fill('failed'))
    await page.locator('.more button').scrollIntoViewIfNeeded()
    await rows(page).nth(199).waitFor()
    await expect(rows(page).count()).resolves.toBe(200)
    await page.getByRole('searchbox').fill('test-9993')
    await expect(ids(page)).resolves.toEqual(['test-9993'])
    await page.close()
  })
})
