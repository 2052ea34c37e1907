/**
 * promptfoo's `scenarios`: each scenario's tests crossed with its `config` list, as promptfoo merges them: the
 * test's keys over the config item's, their vars, metadata and options merged, the config item's assertions
 * before the test's. defaultTest is merged in afterwards, as into every test. A scenario without tests makes
 * one test of each config item. A merged test reads its lines from where each of its parts is written.
 */
import type { Config, WrittenTest } from './documents.js'
import { at, type Location, type Source } from './problems.js'
import type { ValuePath } from './source.js'

const MERGED = ['vars', 'metadata', 'options']

const isMapping = (value: unknown): value is Config =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** The tests of the suite's `scenarios` (written at `location`). */
export function scenarioTests(value: unknown, location: Location): WrittenTest[] {
  const tests: WrittenTest[] = []
  ;((value ?? []) as Config[]).forEach((scenario, i) => {
    const configs = scenario.config as Config[]
    const written = scenario.tests as Config[] | undefined
    configs.forEach((data, k) => {
      const dataAt = at(location, i, 'config', k)
      if (!written) tests.push({ test: data, location: dataAt })
      else written.forEach((test, j) => tests.push(merged(data, dataAt, test, at(location, i, 'tests', j))))
    })
  })
  return tests
}

function merged(data: Config, dataAt: Location, test: Config, testAt: Location): WrittenTest {
  const value: Config = { ...data, ...test }
  for (const key of MERGED) {
    if (isMapping(data[key]) && isMapping(test[key])) value[key] = { ...data[key], ...test[key] }
  }
  const dataAsserts = Array.isArray(data.assert) ? data.assert.length : 0
  if (dataAsserts > 0 && Array.isArray(test.assert)) value.assert = [...(data.assert as []), ...test.assert]

  /** Where a part of the merged test (its path from the test) is written: in the test, or in the config item. */
  const written = (rest: ValuePath): ValuePath => {
    const [key, next] = rest
    if (key === 'assert' && typeof next === 'number' && dataAsserts > 0 && Array.isArray(test.assert)) {
      return next < dataAsserts
        ? [...dataAt.path, ...rest]
        : [...testAt.path, 'assert', next - dataAsserts, ...rest.slice(2)]
    }
    const inTest =
      key === undefined ||
      (typeof key === 'string' &&
        Object.hasOwn(test, key) &&
        (next === undefined ||
          !MERGED.includes(key) ||
          !isMapping(test[key]) ||
          Object.hasOwn(test[key], next)))
    return [...(inTest || !Object.hasOwn(data, key) ? testAt.path : dataAt.path), ...rest]
  }
  const { lines } = testAt.source
  const from = testAt.path.length
  const source: Source = {
    ...testAt.source,
    lines: {
      lineOf: (path) => lines.lineOf(written(path.slice(from))),
      keyLineOf: (path, key) => lines.keyLineOf(written([...path.slice(from), key]).slice(0, -1), key),
    },
  }
  return { test: value, location: { source, path: testAt.path } }
}
