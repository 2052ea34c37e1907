/**
 * The request parameters of a case, as the suite, its providers and the test write them, and the models a
 * test runs on. Refused parameters are reported where they are written.
 */
import type { Config } from './documents.js'
import { isFileRef } from './file-refs.js'
import { anthropicTools, isMapping } from './foreign-params.js'
import type { LoadWarnings } from './load-warnings.js'
import { at, type Location, type ProblemLog } from './problems.js'
import { planProvider, type ProviderEntry, type ProviderOverride } from './providers.js'
import type { References } from './references.js'
import {
  maxTokensProblem,
  pickParams,
  refusedParams,
  SAMPLING_PARAMS,
  samplingParams,
  type RequestParams,
} from './request-params.js'

/** A model a test runs on, with the request parameters of its provider. */
export interface TestModel {
  label: string
  model: string | undefined
  params: RequestParams
  /** The sampling parameters its provider's config sets, which are not sent. */
  sampling?: string[]
  /** The provider id it stands in for, and which input put it there. */
  replaced?: { from: string; by: 'provider-override' | 'model' }
}

/** A suite's providers: the models its tests run on, and the providers skipped, where they are written. */
export interface SuiteProviders {
  models: TestModel[]
  skipped: { id: string; location: Location }[]
}

/** How this run maps providers that are not Anthropic: the `provider-override` and `model` inputs. */
export interface ProviderMapping {
  override: ProviderOverride | undefined
  model: string | undefined
}

type OutputFormat = NonNullable<NonNullable<RequestParams['output_config']>['format']>

const isSampling = (key: string) => (SAMPLING_PARAMS as readonly string[]).includes(key)

export class CaseParams {
  private readonly ownModelLists = new Map<string, TestModel[]>()

  constructor(
    private readonly log: ProblemLog,
    private readonly refs: References,
    private readonly mapping: ProviderMapping,
    private readonly warnings: LoadWarnings,
  ) {}

  /**
   * Request parameters written at `location` (suite, provider config or test); refused ones are reported,
   * sampling ones left out (the expander counts the tests that set them, for one warning).
   */
  requestParams(config: Config, location: Location): RequestParams {
    for (const { key, message } of refusedParams(config)) {
      if (!isSampling(key)) this.log.report(location, message, key)
    }
    const tooFew = maxTokensProblem(config.max_tokens)
    if (tooFew) this.log.report(at(location, 'max_tokens'), tooFew)
    const params = pickParams(config)
    if (isFileRef(params.tools)) {
      const tools = this.refs.readStructured<unknown>(params.tools, at(location, 'tools'))
      params.tools = anthropicTools(tools) as RequestParams['tools']
    }
    const format = config.output_format
    if (isFileRef(format) || (isMapping(format) && isFileRef(format.schema))) {
      params.output_config = {
        ...params.output_config,
        format: this.outputFormat(format, at(location, 'output_format')),
      }
    }
    return params
  }

  /**
   * An `output_format` given as file:// (read as JSON or YAML), or with a file:// schema, inline or in that
   * file: read through the suite's file access, relative to the suite file, as promptfoo reads them.
   */
  private outputFormat(written: unknown, location: Location): OutputFormat | undefined {
    const format = isFileRef(written) ? this.refs.readStructured<unknown>(written, location) : written
    if (!isMapping(format)) return undefined
    const schema = isFileRef(format.schema)
      ? this.refs.readStructured<unknown>(format.schema, location)
      : format.schema
    if (format.type !== 'json_schema' || !isMapping(schema)) {
      this.log.report(
        location,
        'output_format must be {type: json_schema, schema: {...}} (the schema inline or file://), in the file ' +
          'it names too',
      )
      return undefined
    }
    return { type: 'json_schema', schema }
  }

  /** The suite's `providers:`, each with the request parameters of its config, and the ones skipped. */
  providers(value: unknown, location: Location): SuiteProviders {
    const entries = (Array.isArray(value) ? value : [value]) as ProviderEntry[]
    const isUnique = this.log.labelCheck('providers')
    const providers: SuiteProviders = { models: [], skipped: [] }
    entries.forEach((entry, i) => {
      const entryAt = Array.isArray(value) ? at(location, i) : location
      const plan = planProvider(entry, this.mapping.override, this.mapping.model)
      if (plan.kind === 'skip') {
        providers.skipped.push({ id: plan.id, location: entryAt })
        return
      }
      const { provider, replaced, dropped = [] } = plan
      isUnique(provider.label, entryAt)
      for (const { key, changesOutputs } of dropped) {
        this.warnings.foreignSettingDropped(key, changesOutputs, at(entryAt, 'config'))
      }
      const sampling = samplingParams(provider.config)
      providers.models.push({
        label: provider.label,
        model: provider.model,
        params: { ...provider.params, ...this.requestParams(provider.config, at(entryAt, 'config')) },
        ...(sampling.length > 0 && { sampling }),
        ...(replaced && { replaced }),
      })
    })
    return providers
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
