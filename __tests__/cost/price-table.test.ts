import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Ajv } from 'ajv'
import {
  BUILT_IN_TABLE,
  loadPriceOverrides,
  mergePriceTable,
  PricingFileError,
  resolveModel,
} from '../../src/cost/price-table.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const readJson = (file: string) => JSON.parse(readFileSync(path.join(ROOT, file), 'utf8'))

/** The problems a pricing file is refused with, as `file:line: message` lines. */
function problems(text: string, file = 'prices.yml'): string[] {
  try {
    loadPriceOverrides(text, file)
  } catch (error) {
    if (!(error instanceof PricingFileError)) throw error
    return error.problems.map((p) => `${p.file}:${p.line}: ${p.message}`)
  }
  throw new Error('the file was accepted')
}

describe('the published price schema', () => {
  const schema = readJson('schema/prices.schema.json')
  // Editors validate with standard JSON Schema tools; the action checks with ajv's code of the same file.
  const ajv = new Ajv({ allErrors: true, strict: false }).addSchema(schema)

  it('accepts the built-in table as a table and as a pricing file, and refuses a misspelt key', () => {
    const table = ajv.getSchema(`${schema.$id}#/definitions/built_in_table`)
    const file = ajv.getSchema(schema.$id)
    const prices = readJson('src/cost/prices.json')
    expect([table?.(prices), table?.errors]).toEqual([true, null])
    expect([file?.(prices), file?.errors]).toEqual([true, null])
    expect(file?.({ models: { acme: { input: 1, output: 2, ouptut: 2 } } })).toBe(false)
    expect(table?.({ models: {}, aliases: {} })).toBe(false)
  })
})

describe('the built-in table', () => {
  it('has its date and source', () => {
    expect(BUILT_IN_TABLE.date).toMatch(/^\d{4}-\d{2}-\d{2}$/)
    expect(BUILT_IN_TABLE.source).toContain('Anthropic')
  })

  it('prices every current, recent and retired model, by id, snapshot id and -latest alias', () => {
    const priced = {
      'claude-fable-5-2': 'claude-fable-5-2',
      'claude-mythos-5-2': 'claude-mythos-5-2',
      'claude-fable-5-1': 'claude-fable-5-1',
      'claude-mythos-5-1': 'claude-mythos-5-1',
      'claude-fable-5': 'claude-fable-5',
      'claude-mythos-5': 'claude-mythos-5',
      'claude-opus-5-5': 'claude-opus-5-5',
      'claude-opus-5': 'claude-opus-5',
      'claude-opus-4-8': 'claude-opus-4-8',
      'claude-opus-4-7': 'claude-opus-4-7',
      'claude-opus-4-6': 'claude-opus-4-6',
      'claude-opus-4-5': 'claude-opus-4-5',
      'claude-opus-4-5-20251101': 'claude-opus-4-5',
      'claude-opus-4-1-20250805': 'claude-opus-4-1',
      'claude-opus-4-0': 'claude-opus-4-0',
      'claude-opus-4': 'claude-opus-4-0',
      'claude-opus-4-20250514': 'claude-opus-4-0',
      'claude-sonnet-5-5': 'claude-sonnet-5-5',
      'claude-sonnet-5': 'claude-sonnet-5',
      'claude-sonnet-4-6': 'claude-sonnet-4-6',
      'claude-sonnet-4-5-20250929': 'claude-sonnet-4-5',
      'claude-sonnet-4-20250514': 'claude-sonnet-4-0',
      'claude-haiku-5-5': 'claude-haiku-5-5',
      'claude-haiku-4-5-20251001': 'claude-haiku-4-5',
      // Retired models users still name, priced at their last published prices.
      'claude-3-7-sonnet-20250219': 'claude-3-7-sonnet',
      'claude-3-7-sonnet-latest': 'claude-3-7-sonnet',
      'claude-3-5-sonnet-20240620': 'claude-3-5-sonnet',
      'claude-3-5-sonnet-20241022': 'claude-3-5-sonnet',
      'claude-3-5-sonnet-latest': 'claude-3-5-sonnet',
      'claude-3-5-haiku-20241022': 'claude-3-5-haiku',
      'claude-3-5-haiku-latest': 'claude-3-5-haiku',
      'claude-3-opus-20240229': 'claude-3-opus',
      'claude-3-opus-latest': 'claude-3-opus',
      'claude-3-haiku-20240307': 'claude-3-haiku',
    }
    for (const [model, id] of Object.entries(priced)) {
      expect([model, resolveModel(BUILT_IN_TABLE, model)?.id]).toEqual([model, id])
    }
    // Every family takes a dated snapshot id and a -latest alias.
    for (const family of [...Object.keys(BUILT_IN_TABLE.models), ...Object.keys(BUILT_IN_TABLE.aliases)]) {
      const id = resolveModel(BUILT_IN_TABLE, family)?.id
      expect(id).toBeDefined()
      expect([family, resolveModel(BUILT_IN_TABLE, `${family}-20990101`)?.id]).toEqual([family, id])
      expect([family, resolveModel(BUILT_IN_TABLE, `${family}-latest`)?.id]).toEqual([family, id])
    }
  })

  it('leaves unpriced an id that names no family exactly, never priced as a neighbour', () => {
    for (const model of [
      'claude-mythos-preview',
      'claude-fable-5-3',
      'claude-fable-5-2-thinking',
      'claude-sonnet',
      'claude-3-5-sonnet-v2',
      'claude-3-5-sonnet-2024102',
      'claude-3-5-sonnet-latest-20241022',
      'claude-3-5-sonnet-20241022-latest',
      'claude-3-sonnet-20240229',
      'claude-haiku-4-5@20251001',
      'latest',
      '-latest',
    ]) {
      expect([model, resolveModel(BUILT_IN_TABLE, model)]).toEqual([model, undefined])
    }
  })

  it('states where each price comes from, and marks retired models', () => {
    const prices = readJson('src/cost/prices.json')
    const fable = prices.models['claude-fable-5-2']
    expect(fable).toMatchObject({
      input: 8,
      output: 40,
      cache_write_5m: 10,
      cache_write_1h: 16,
      cache_read: 0.2,
    })
    expect(fable.note).toMatch(/third-party/)
    expect(Object.keys(prices.sources).some((topic) => topic.includes('Fable 5.2'))).toBe(true)
    for (const retired of ['claude-3-5-sonnet', 'claude-3-opus', 'claude-3-7-sonnet', 'claude-3-5-haiku']) {
      expect([retired, prices.models[retired].note]).toEqual([retired, expect.stringMatching(/^Retired/)])
    }
  })

  it('prices US-only inference at 1.1x on Claude 4.6 and later models only', () => {
    const withGeo = Object.entries(BUILT_IN_TABLE.models)
      .filter(([, entry]) => entry.inference_geo)
      .map(([id, entry]) => {
        expect(entry.inference_geo).toEqual({ us: 1.1 })
        return id
      })
    expect(withGeo.sort()).toEqual(
      [
        'claude-fable-5',
        'claude-fable-5-1',
        'claude-fable-5-2',
        'claude-haiku-5-5',
        'claude-mythos-5',
        'claude-mythos-5-1',
        'claude-mythos-5-2',
        'claude-opus-4-6',
        'claude-opus-4-7',
        'claude-opus-4-8',
        'claude-opus-5',
        'claude-opus-5-5',
        'claude-sonnet-4-6',
        'claude-sonnet-5',
        'claude-sonnet-5-5',
      ].sort(),
    )
  })

  it('does not resolve names of object properties', () => {
    for (const model of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      expect(resolveModel(BUILT_IN_TABLE, model)).toBeUndefined()
    }
  })
})

describe('loadPriceOverrides', () => {
  it('reads JSON and YAML of the same shape', () => {
    const yaml = loadPriceOverrides(
      'models:\n  acme: { input: 1, output: 2 }\naliases:\n  acme-latest: acme\n',
      'p.yaml',
    )
    const json = loadPriceOverrides(
      '{"models": {"acme": {"input": 1, "output": 2}}, "aliases": {"acme-latest": "acme"}}',
      'p.json',
    )
    expect(yaml).toEqual({ ...json, file: 'p.yaml' })
    expect(json).toEqual({
      file: 'p.json',
      models: { acme: { input: 1, output: 2 } },
      aliases: { 'acme-latest': 'acme' },
    })
  })

  it('accepts a copy of prices.json', () => {
    const copy = JSON.stringify({ ...BUILT_IN_TABLE, unit: 'USD', notes: ['a copy'], sources: {} })
    const overrides = loadPriceOverrides(copy, 'my-prices.json')
    expect(mergePriceTable(BUILT_IN_TABLE, overrides)).toEqual(BUILT_IN_TABLE)
  })

  it('points at the line of a syntax error', () => {
    expect(problems('models:\n  acme:\n    input: 1\n   output: 2\n')).toEqual([
      'prices.yml:4: YAML syntax: All mapping items must start at the same column',
    ])
    expect(problems('models:\n  acme: { input: 1, output: 2 }\n  acme: { input: 2, output: 4 }\n')).toEqual([
      'prices.yml:3: YAML syntax: Map keys must be unique',
    ])
    expect(problems('{"models": {"acme": {"input": 1,, "output": 2}}}', 'p.json')).toEqual([
      expect.stringMatching(/^p\.json:1: JSON syntax: /),
    ])
  })

  it('refuses an empty file, prices outside models:, and unknown keys', () => {
    expect(problems('')).toEqual([
      "prices.yml:1: the file is empty: give the prices under 'models:' (and any 'aliases:')",
    ])
    expect(problems('claude-acme:\n  input: 1\n  output: 2\n')).toEqual([
      expect.stringContaining(
        "prices.yml:1: unknown key 'claude-acme'; model prices go under 'models:'; the keys are models,",
      ),
      "prices.yml:1: the file sets no prices: give them under 'models:' (and any 'aliases:')",
    ])
    expect(problems('modles:\n  acme: { input: 1, output: 2 }\n')).toEqual([
      expect.stringContaining("prices.yml:1: unknown key 'modles' (did you mean 'models'?)"),
      "prices.yml:1: the file sets no prices: give them under 'models:' (and any 'aliases:')",
    ])
    expect(problems('models: {}', 'prices.csv')).toEqual([
      'prices.csv:1: a pricing file is JSON (.json) or YAML (.yml, .yaml)',
    ])
  })

  it('names the model and the key of every bad entry, in the order the file is written', () => {
    const text = [
      'models:', // 1
      '  acme-a: 3', // 2
      '  acme-b:', // 3
      '    input: -1', // 4
      '    output: 2', // 5
      '    long_context:', // 6
      '      above_input_tokens: 1.5', // 7
      '      input: 2', // 8
      '  acme-c:', // 9
      '    input: 1', // 10
      '    output: 2', // 11
      '    inference_geo: { us: 0 }', // 12
      '    server_tools: { web_search_request: 0.01 }', // 13
    ].join('\n')
    expect(problems(text)).toEqual([
      "prices.yml:2: model 'acme-a' must be a mapping (got 3)",
      "prices.yml:4: model 'acme-b': 'input' must be a number of USD per million tokens, 0 or more (got -1)",
      "prices.yml:6: model 'acme-b': long_context: 'output' is missing: give its price in USD per million tokens",
      "prices.yml:7: model 'acme-b': long_context: 'above_input_tokens' must be a whole number of input tokens above 0 (got 1.5)",
      "prices.yml:12: model 'acme-c': inference_geo 'us' must be a number of times the price, above 0 (got 0)",
      "prices.yml:13: model 'acme-c': server_tools: unknown key 'web_search_request' (did you mean 'web_search_requests'?); the keys are web_search_requests, web_fetch_requests",
    ])
  })

  it('checks the file-wide rules', () => {
    expect(
      problems(
        'models: {}\nserver_tool_batch_multiplier: half\nbatch_multiplier: 0\ncache_multipliers: { cache_read: 0.1 }\n',
      ),
    ).toEqual([
      'prices.yml:2: \'server_tool_batch_multiplier\' must be a number of times the standard fee (or null), above 0 (got "half")',
      "prices.yml:3: 'batch_multiplier' must be a number of times the standard price, above 0 (got 0)",
      "prices.yml:4: cache_multipliers 'cache_write_5m' must be a number of times the input price, above 0 (got nothing)",
      "prices.yml:4: cache_multipliers 'cache_write_1h' must be a number of times the input price, above 0 (got nothing)",
    ])
    // YAML's .nan and a number past a double's range, which JSON would show as null.
    expect(problems('models:\n  acme: { input: .nan, output: 1e400 }\n')).toEqual([
      "prices.yml:2: model 'acme': 'input' must be a number of USD per million tokens, 0 or more (got NaN)",
      "prices.yml:2: model 'acme': 'output' must be a number of USD per million tokens, 0 or more (got Infinity)",
    ])
    expect(loadPriceOverrides('models: {}\nserver_tool_batch_multiplier: null\n', 'p.yml')).toEqual({
      file: 'p.yml',
      models: {},
      aliases: {},
      server_tool_batch_multiplier: null,
    })
  })

  it('refuses a note that is not text and an alias that names no model id', () => {
    expect(
      problems('models:\n  acme: { input: 1, output: 2, note: 5 }\naliases:\n  a: ""\n  b: [acme]\n'),
    ).toEqual([
      "prices.yml:2: model 'acme': 'note' must be text (got 5)",
      'prices.yml:4: alias \'a\' must be a model id (got "")',
      "prices.yml:5: alias 'b' must be a model id (got a list)",
    ])
  })

  it('lets aliases name the table’s models and the file’s', () => {
    const overrides = loadPriceOverrides(
      'models:\n  acme: { input: 1, output: 2 }\naliases:\n  a: acme\n  b: claude-haiku-4-5\n',
      'p.yml',
    )
    const table = mergePriceTable(BUILT_IN_TABLE, overrides)
    expect(resolveModel(table, 'a')?.id).toBe('acme')
    expect(resolveModel(table, 'b')?.id).toBe('claude-haiku-4-5')
    expect(problems('aliases:\n  a: claude-haiku-4-6\n')).toEqual([
      "prices.yml:2: alias 'a' names 'claude-haiku-4-6', which is not a model of the price table or of prices.yml (did you mean 'claude-haiku-4-5'?)",
    ])
  })
})
