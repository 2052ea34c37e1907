/**
 * A test's assertions, threshold and transform, compiled by the grading stage's compiler as the suite is read,
 * so that an assertion that cannot run is reported at its line before anything is submitted.
 */
import type { Config } from './documents.js'
import { isFileRef } from './file-refs.js'
import type { AssertionCompiler, AssertionWarning, SuiteIO } from './load-options.js'
import type { LoadWarnings } from './load-warnings.js'
import { at, type Location, type ProblemLog } from './problems.js'
import { planJudge, type ProviderOverride } from './providers.js'
import { renderTemplate, TemplateError } from './template.js'
import type { CompiledAssertion, CompiledTransform } from '../model.js'

/** The judge settings of model-graded assertions that do not set their own, as `options` writes them. */
export interface JudgeOptions {
  provider?: unknown
  rubricPrompt?: unknown
  /** The factuality categories' scores, which promptfoo reads from `options`: factuality's `config` here. */
  factuality?: unknown
}

const FACTUALITY_TYPES = ['factuality', 'model-graded-factuality']

export class CaseAssertions {
  private readonly compiledAssertions = new Map<string, Promise<CompiledAssertion>>()
  /** The common `{ type, value }` assertion with a string value, by directory, type and value: no key to build. */
  private readonly compiledTypeValues = new Map<
    string,
    Map<string, Map<string, Promise<CompiledAssertion>>>
  >()

  constructor(
    private readonly log: ProblemLog,
    private readonly compiler: AssertionCompiler,
    private readonly io: SuiteIO,
    private readonly warnings: LoadWarnings,
    /** The `provider-override` and `model` inputs, which map a non-Anthropic judge as they map a test's provider. */
    private readonly inputs: { override?: ProviderOverride; model?: string } = {},
  ) {}

  /** Assertions written at `location`, their values rendered with the test's vars (as promptfoo does). */
  async assertions(
    value: unknown,
    location: Location,
    vars: Record<string, unknown>,
    judge: JudgeOptions,
  ): Promise<CompiledAssertion[]> {
    const compiled: CompiledAssertion[] = []
    if (value === undefined || value === null) return compiled
    const { directory } = location.source
    const written = value as Config[]
    for (let i = 0; i < written.length; i++) {
      const raw = this.withJudgeProvider(this.withJudgeOptions(written[i], judge), location)
      // Said by the first compile of an assertion only (later alike ones reuse it): one example is enough.
      const warn = (warning: AssertionWarning) =>
        this.warnings.assertionWarning(warning, at(location, i, ...warning.path))
      try {
        compiled.push(
          await (isTypeValue(raw)
            ? this.compiledTypeValue(raw.type, raw.value, vars, directory)
            : this.compiled(renderAssertionValues(raw, vars), directory, warn)),
        )
      } catch (error) {
        if (this.compiler.isAssertionProblem(error)) {
          this.log.report(at(location, i, ...error.path), error.message)
        } else if (error instanceof TemplateError) {
          this.log.report(
            at(location, i, error instanceof MetricTemplateError ? 'metric' : 'value'),
            error.message,
          )
        } else throw error
      }
    }
    return compiled
  }

  /** The `threshold` of a test or of defaultTest (at `location`), checked; undefined when not written. */
  threshold(value: unknown, location: Location): number | undefined {
    try {
      return this.compiler.parseTestThreshold(value)
    } catch (error) {
      if (!this.compiler.isAssertionProblem(error)) throw error
      this.log.report(at(location, ...error.path), error.message)
      return undefined
    }
  }

  async transform(source: unknown, location: Location): Promise<CompiledTransform | undefined> {
    if (typeof source !== 'string') return undefined
    try {
      return await this.compiler.compileTransform(source, location.source.directory, this.io)
    } catch (error) {
      if (!this.compiler.isAssertionProblem(error)) throw error
      this.log.report(location, error.message)
      return undefined
    }
  }

  /**
   * One compiled assertion per distinct assertion and directory: compiled assertions are immutable, and a
   * suite of 100,000 tests repeats the same few, whose compiled forms (closures, regexes) would add up.
   */
  private compiled(
    raw: Config,
    directory: string,
    warn: (warning: AssertionWarning) => void,
  ): Promise<CompiledAssertion> {
    const key = `${directory}\0${JSON.stringify(raw)}`
    let compiled = this.compiledAssertions.get(key)
    if (!compiled) {
      compiled = this.compiler.compileAssertion(raw, directory, this.io, warn)
      this.compiledAssertions.set(key, compiled)
    }
    return compiled
  }

  /**
   * `compiled` for an assertion that is exactly `{ type, value }` with string values, rendered as
   * renderAssertionValues would; the rendered copy is made only when it is compiled.
   */
  private compiledTypeValue(type: string, value: string, vars: Record<string, unknown>, directory: string) {
    const rendered = isFileRef(value) ? value : renderTemplate(value, vars)
    let byType = this.compiledTypeValues.get(directory)
    if (!byType) this.compiledTypeValues.set(directory, (byType = new Map()))
    let byValue = byType.get(type)
    if (!byValue) byType.set(type, (byValue = new Map()))
    let compiled = byValue.get(rendered)
    if (!compiled) {
      compiled = this.compiler.compileAssertion({ type, value: rendered }, directory, this.io)
      byValue.set(rendered, compiled)
    }
    return compiled
  }

  /**
   * A model-graded assertion (also inside an assert-set) with its judge `provider` mapped as planJudge says,
   * the change said once among the load's warnings; any other assertion as written.
   */
  private withJudgeProvider(raw: Config, location: Location): Config {
    if (typeof raw !== 'object' || raw === null) return raw
    if (Array.isArray(raw.assert)) {
      return { ...raw, assert: raw.assert.map((inner: Config) => this.withJudgeProvider(inner, location)) }
    }
    if (raw.provider === undefined || typeof raw.type !== 'string' || !this.compiler.isModelGraded(raw.type))
      return raw
    const plan = planJudge(raw.provider, this.inputs.override, this.inputs.model)
    const where = `${this.log.display(location.source.file)}:${this.log.lineOf(location)}`
    if (plan.sampling.length > 0) this.warnings.samplingDropped(plan.sampling, where)
    for (const { key, changesOutputs } of plan.dropped ?? []) {
      this.warnings.foreignSettingDropped(key, changesOutputs, location)
    }
    if (plan.replaced) {
      const { from, model, by } = plan.replaced
      this.warnings.warn(
        `The judge ${from} of model-graded assertions runs as ${model} (by the ${by} input).`,
      )
    }
    if (plan.unmapped !== undefined) {
      const id = plan.unmapped
      this.warnings.warn(
        `The judge ${id} of model-graded assertions is not an Anthropic provider and nothing ` +
          `maps it: ${this.compiler.defaultJudgeModel} judges in its place, where promptfoo would ask ${id}. ` +
          `To choose the judge, map it with the provider-override input (${id}=claude-sonnet-4-5) or set the ` +
          'model input, or give the assertion provider: anthropic:messages:<model>.',
      )
    }
    const mapped: Config = { ...raw, provider: plan.provider }
    if (plan.provider === undefined) delete mapped.provider
    return mapped
  }

  /**
   * A model-graded assertion (also inside an assert-set) with the test's or defaultTest's judge options for
   * the keys it does not set itself; any other assertion as written.
   */
  private withJudgeOptions(raw: Config, judge: JudgeOptions): Config {
    if (judge.provider === undefined && judge.rubricPrompt === undefined && judge.factuality === undefined)
      return raw
    if (typeof raw !== 'object' || raw === null) return raw
    if (Array.isArray(raw.assert)) {
      return { ...raw, assert: raw.assert.map((inner: Config) => this.withJudgeOptions(inner, judge)) }
    }
    if (typeof raw.type !== 'string' || !this.compiler.isModelGraded(raw.type)) return raw
    const { factuality, ...judging } = judge
    const scores =
      factuality !== undefined && FACTUALITY_TYPES.includes(raw.type.replace(/^not-/, ''))
        ? { config: factuality }
        : {}
    return { ...judging, ...scores, ...raw }
  }
}

export function judgeOptionsOf(options: unknown): JudgeOptions {
  if (typeof options !== 'object' || options === null) return {}
  const { provider, rubricPrompt, factuality } = options as Config
  return {
    ...(provider !== undefined && { provider }),
    ...(rubricPrompt !== undefined && { rubricPrompt }),
    ...(factuality !== undefined && { factuality }),
  }
}

/**
 * An assertion with the `{{ var }}` templates of its values and metric rendered (nested assert-set entries
 * too). JavaScript code is rendered as well, as promptfoo renders every string value: a `{{` in code that is
 * not a template is an error at its line (a missing var is one too), rather than code run with a hole in it.
 */
function renderAssertionValues(raw: Config, vars: Record<string, unknown>): Config {
  const render = (value: unknown): unknown => {
    if (typeof value === 'string' && !isFileRef(value)) return renderTemplate(value, vars)
    if (Array.isArray(value)) return value.map(render)
    return value
  }
  const rendered: Config = { ...raw }
  if (raw.value !== undefined) rendered.value = render(raw.value)
  if (typeof raw.metric === 'string') {
    try {
      rendered.metric = renderTemplate(raw.metric, vars)
    } catch (error) {
      if (error instanceof TemplateError) throw new MetricTemplateError(error)
      throw error
    }
  }
  if (Array.isArray(raw.assert))
    rendered.assert = raw.assert.map((inner: Config) => renderAssertionValues(inner, vars))
  return rendered
}

/** A template error in an assertion's `metric`, reported at that key. */
class MetricTemplateError extends TemplateError {
  constructor(error: TemplateError) {
    super(error.message, { cause: error })
  }
}

/** An assertion written as exactly `{ type, value }`, both strings: most of a large suite's. */
function isTypeValue(raw: Config): raw is { type: string; value: string } {
  if (
    typeof raw !== 'object' ||
    raw === null ||
    typeof raw.type !== 'string' ||
    typeof raw.value !== 'string'
  ) {
    return false
  }
  const keys = Object.keys(raw)
  return keys.length === 2 && keys[0] === 'type' && keys[1] === 'value'
}
