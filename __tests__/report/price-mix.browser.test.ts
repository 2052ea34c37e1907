/** The price mix on the HTML page, in a real browser (Debian's chromium, as html-report.browser.test.ts). */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { chromium, type Browser } from 'playwright-core'
import { writeRun } from '../fixtures/html-report-runs.js'

let dir: string
let browser: Browser
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'price-mix-browser-'))
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium' })
})
afterAll(async () => {
  await browser?.close()
  rmSync(dir, { recursive: true, force: true })
})

it('shows how many requests were billed at each price, and what waiting would have saved', async () => {
  const run = await writeRun(dir, 'mixed', [
    { text: 'Paris' },
    { text: 'Paris', usage: { input_tokens: 1_000_000, output_tokens: 0, service_tier: 'standard' } },
  ])
  const page = await browser.newPage()
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(error.message))
  await page.goto(pathToFileURL(run.htmlPath).href)
  await page.locator('.counter').waitFor()
  const stats = await page.locator('.stat').allTextContents()
  expect(stats).toContain(
    'Price mix1 at batch, 1 at standardsent by the standard API when the batches ran out of time (on-timeout: standard); ' +
      'waiting would have saved $0.5',
  )
  expect(errors).toEqual([])
})
