import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { loadBaseline, usePriceOverrides } from '../../src/pipeline/input-files.js'
import { UserError } from '../../src/common/user-error.js'
import { allowedRoots, confinedSuiteIO } from '../../src/suite/file-system.js'

let workspace: string
let outside: string
beforeEach(() => {
  workspace = mkdtempSync(path.join(tmpdir(), 'input-files-'))
  outside = mkdtempSync(path.join(tmpdir(), 'outside-'))
  writeFileSync(path.join(outside, 'secret.json'), '{}')
})
afterEach(() => {
  rmSync(workspace, { recursive: true, force: true })
  rmSync(outside, { recursive: true, force: true })
})
const io = () => confinedSuiteIO(allowedRoots(workspace, []))
let warnings: string[] = []
const log = { info: () => {}, warning: (text: string) => warnings.push(text) }
beforeEach(() => {
  warnings = []
})

describe('the pricing file', () => {
  it("is the user's to fix when it is missing", () => {
    const file = path.join(workspace, 'prices.json')
    expect(() => usePriceOverrides(file, io(), log)).toThrow(
      new UserError(`The pricing file ${file} does not exist or cannot be read. Check the 'pricing' input.`),
    )
  })

  it('is refused outside the workspace, naming the input', () => {
    const link = path.join(workspace, 'prices.json')
    symlinkSync(path.join(outside, 'secret.json'), link)
    expect(() => usePriceOverrides(link, io(), log)).toThrow(UserError)
    expect(() => usePriceOverrides(link, io(), log)).toThrow(
      /^The 'pricing' input: .*prices\.json resolves to .*outside the workspace/,
    )
  })
})

describe('the baseline file', () => {
  it('is no comparison when it is missing (a first run has none)', () => {
    expect(loadBaseline(workspace, 'nightly.json', io(), log)).toBeUndefined()
    expect(warnings).toEqual([expect.stringMatching(/^No baseline results file at nightly\.json/)])
  })

  it('is read from the workspace', () => {
    mkdirSync(path.join(workspace, 'results'))
    copyFileSync(
      new URL('../fixtures/baselines/nightly-v1.json', import.meta.url),
      path.join(workspace, 'results', 'nightly.json'),
    )
    expect(loadBaseline(workspace, 'results/nightly.json', io(), log)?.total).toBeGreaterThan(0)
  })

  it('is refused outside the workspace, named as the workspace has it', () => {
    symlinkSync(path.join(outside, 'secret.json'), path.join(workspace, 'nightly.json'))
    expect(() => loadBaseline(workspace, 'nightly.json', io(), log)).toThrow(
      /^The 'baseline' input: nightly\.json resolves to .*outside the workspace/,
    )
  })
})
