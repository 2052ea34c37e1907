/**
 * The request parameters of a case, as the suite, its providers and the test write them, and the models a
 * test runs on. Refused parameters are reported where they are written.
 */
import type { Config } from './documents.js'
import { isFileRef } from './file-refs.js'
import { at, type Location, type ProblemLog } from './problems.js'
import { parseProvider } from './providers.js'
import type { References } from './references.js'
import { maxTokensProblem, pickParams, refusedParams, type RequestParams } from './request-params.js'

/** A model a test runs on, with the request parameters of its provider. */
export interface TestModel {
  label: string
  model: string | undefined
  params: RequestParams
}

export class CaseParams {
  private readonly ownModelLists = new Map<string, TestModel[]>()

  constructor(
    private readonly log: ProblemLog,
    private readonly refs: References,
  ) {}

  /** Request parameters written at `location` (suite, provider config or test); refused ones are reported. */
  requestParams(config: Config, location: Location): RequestParams {
    for (const { key, message } of refusedParams(config)) this.log.report(location, message, key)
    const tooFew = maxTokensProblem(config.max_tokens)
    if (tooFew) this.log.report(at(location, 'max_tokens'), tooFew)
    const params = pickParams(config)
    if (isFileRef(params.tools)) {
      params.tools = this.refs.readStructured<RequestParams['tools']>(params.tools, at(location, 'tools'))
    }
    return params
  }

  /** The suite's `providers:`, each with the request parameters of its config. */
  providers(value: unknown, location: Location): TestModel[] {
    const entries = (Array.isArray(value) ? value : [value]) as Parameters<typeof parseProvider>[0][]
    const isUnique = this.log.labelCheck('providers')
    return entries.flatMap((entry, i) => {
      const entryAt = Array.isArray(value) ? at(location, i) : location
      try {
        const provider = parseProvider(entry)
        isUnique(provider.label, entryAt)
        const configAt = at(entryAt, 'config')
        return [
          { ...provider, params: { ...provider.params, ...this.requestParams(provider.config, configAt) } },
        ]
      } catch (error) {
        this.log.report(entryAt, (error as Error).message)
        return []
      }
    })
  }

  /** A test's models: the one it names, else the suite's (`models`); a test with none is reported. */
  testModels(test: Config, location: Location, models: TestModel[]): TestModel[] {
    const own = typeof test.model === 'string' ? this.ownModels(test.model) : models
    if (own.some((m) => !m.model)) {
      this.log.report(
        location,
        "no model for this test: set `model:` in the suite or the test, or the action's `model` input",
      )
    }
    return own
  }

  /** The models of a test that names its own: one list per name, as 100,000s of tests name the same few. */
  private ownModels(model: string): TestModel[] {
    let models = this.ownModelLists.get(model)
    if (!models) this.ownModelLists.set(model, (models = [{ label: '', model, params: {} }]))
    return models
  }
}
