import { BUILT_IN_TABLE } from '../../src/cost/price-table.js'

/** Days a price table may age before CI asks for a refresh: models and prices change every few months. */
const MAX_AGE_DAYS = 60
const DAY_MS = 24 * 60 * 60 * 1000

/**
 * The days from the table's date to today. This test reads the real date on purpose: its job is to fail in CI
 * once the table is stale, with no change to the code.
 */
function ageInDays(tableDate: string, today: Date): number {
  const checked = Date.parse(`${tableDate}T00:00:00Z`)
  const midnight = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate())
  return Math.floor((midnight - checked) / DAY_MS)
}

describe('the price table', () => {
  it('counts its age in whole days', () => {
    expect(ageInDays('2026-12-07', new Date('2026-12-07T23:59:00Z'))).toBe(0)
    expect(ageInDays('2026-10-08', new Date('2026-12-07T00:00:00Z'))).toBe(60)
    expect(ageInDays('2026-10-07', new Date('2026-12-07T00:00:00Z'))).toBe(61)
  })

  it(`is at most ${MAX_AGE_DAYS} days old`, () => {
    const age = ageInDays(BUILT_IN_TABLE.date, new Date())
    if (age > MAX_AGE_DAYS) {
      throw new Error(
        `src/cost/prices.json is dated ${BUILT_IN_TABLE.date}, ${age} days ago (more than ${MAX_AGE_DAYS}). ` +
          'Check every price against https://platform.claude.com/docs/en/about-claude/pricing and the models ' +
          "overview, add the models released since then (with their snapshot ids' families), set 'date' to " +
          "today and name each new page in 'sources'; see docs/development.md, 'Refreshing the price table'.",
      )
    }
    expect(age).toBeGreaterThanOrEqual(0)
  })
})
