import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { generatedValidators } from '../../scripts/generate-validators.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')

describe('the generated validators', () => {
  // The action checks suites and price files with ajv's code of the published schemas, generated at build time.
  it('are fresh: what scripts/generate-validators.ts writes from the schemas now', () => {
    const files = generatedValidators().map((generated) => generated.file)
    expect(files.sort()).toEqual([
      'src/cost/prices-schema-validator.d.ts',
      'src/cost/prices-schema-validator.js',
      'src/suite/suite-schema-validator.d.ts',
      'src/suite/suite-schema-validator.js',
    ])
    for (const { file, code } of generatedValidators()) {
      const fresh = readFileSync(path.join(ROOT, file), 'utf8') === code
      expect([file, fresh || 'stale: run `npx tsx scripts/generate-validators.ts`']).toEqual([file, true])
    }
  })
})
