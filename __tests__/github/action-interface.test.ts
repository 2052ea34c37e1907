import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { parse } from 'yaml'
import { INPUT_DEFAULTS, INPUTS, OUTPUTS } from '../../src/github/action-interface.js'

const action = parse(readFileSync(new URL('../../action.yml', import.meta.url), 'utf8')) as {
  inputs: Record<string, { default?: string }>
  outputs: Record<string, unknown>
  runs: unknown
}

describe('the interface table and action.yml', () => {
  it('name the same inputs', () => {
    expect([...INPUTS].sort()).toEqual(Object.keys(action.inputs).sort())
  })

  it('name the same outputs', () => {
    expect([...OUTPUTS].sort()).toEqual(Object.keys(action.outputs).sort())
  })

  it('have the same defaults, but for the expressions only the runner evaluates', () => {
    const declared = Object.entries(action.inputs)
      .filter(([, input]) => input.default !== undefined && !input.default.includes('${{'))
      .map(([name, input]) => [name, input.default])
    expect(Object.entries(INPUT_DEFAULTS).sort()).toEqual(declared.sort())
  })

  it('runs the bundle on node24', () => {
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' })
  })
})

describe('the interface table', () => {
  it('is the only place that reads inputs or sets outputs by name', () => {
    const sources = new URL('../../src/', import.meta.url)
    const offenders = (readdirSync(sources, { recursive: true }) as string[])
      .filter((file) => file.endsWith('.ts') && file !== path.join('github', 'action-interface.ts'))
      .filter((file) => /\bcore\.(getInput|setOutput)\(/.test(readFileSync(new URL(file, sources), 'utf8')))
    expect(offenders).toEqual([])
  })
})
