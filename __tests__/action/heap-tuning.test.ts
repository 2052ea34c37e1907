import { spawnSync } from 'node:child_process'
import { join } from 'node:path'

/**
 * What a child Node process prints after calling tuneHeapForRun as a V8 of the given version would, then
 * allocating data that all survives, as a run's tests do: the size of V8's new space (both semi-spaces), in
 * MB, and anything V8 said on stderr (an unknown flag is reported there, and otherwise ignored).
 */
function afterSurvivors(v8Version: string): { newSpaceMb: number; stderr: string } {
  const module = join(process.cwd(), 'src', 'action', 'heap-tuning.ts')
  const script = `
    import v8 from 'node:v8'
    import { tuneHeapForRun } from ${JSON.stringify(module)}
    tuneHeapForRun(${JSON.stringify(v8Version)})
    const kept = []
    for (let n = 0; n < 1_000_000; n++) kept.push({ n, text: 'item ' + n })
    const newSpace = v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')
    console.log(newSpace.space_size / 2 ** 20)`
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
  })
  return { newSpaceMb: Number(child.stdout), stderr: child.stderr }
}

// Loading tsx grows the semi-spaces to a few MB before the call; left to grow, 1,000,000 survivors take them
// to their maximum: 16 MB each before V8 13, 64 MB from it.
const HELD_MB = 16

describe('tuneHeapForRun', () => {
  it('holds the semi-spaces at their size on V8 13 and later, however much survives', () => {
    const { newSpaceMb, stderr } = afterSurvivors('13.6.233.17')
    expect(newSpaceMb).toBeLessThanOrEqual(HELD_MB)
    // This Node's V8 knows the flags it is given.
    expect(stderr).toBe('')
  })

  it('leaves older V8 to grow them', () => {
    const { newSpaceMb, stderr } = afterSurvivors('12.4.254.21')
    expect(newSpaceMb).toBeGreaterThan(HELD_MB)
    expect(stderr).toBe('')
  })
})
