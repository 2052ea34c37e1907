import { execFileSync } from 'node:child_process'
import { join } from 'node:path'

/**
 * The size of V8's new space (both semi-spaces) after a child Node process called keepYoungGenerationSmall
 * as a V8 of the given version would, then allocated data that all survives, as a run's tests do.
 */
function newSpaceMbAfterSurvivors(v8Version: string): number {
  const module = join(process.cwd(), 'src', 'young-generation.ts')
  const script = `
    import v8 from 'node:v8'
    import { keepYoungGenerationSmall } from ${JSON.stringify(module)}
    keepYoungGenerationSmall(${JSON.stringify(v8Version)})
    const kept = []
    for (let n = 0; n < 1_000_000; n++) kept.push({ n, text: 'item ' + n })
    const newSpace = v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')
    console.log(newSpace.space_size / 2 ** 20)`
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
  })
  return Number(out)
}

// Loading tsx grows the semi-spaces to a few MB before the call; left to grow, 1,000,000 survivors take them
// to their maximum: 16 MB each before V8 13, 64 MB from it.
const HELD_MB = 16

describe('keepYoungGenerationSmall', () => {
  it('holds the semi-spaces at their size on V8 13 and later, however much survives', () => {
    expect(newSpaceMbAfterSurvivors('13.6.233.17')).toBeLessThanOrEqual(HELD_MB)
  })

  it('leaves older V8 to grow them', () => {
    expect(newSpaceMbAfterSurvivors('12.4.254.21')).toBeGreaterThan(HELD_MB)
  })
})
