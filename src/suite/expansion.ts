/**
 * Tests -> cases: each test over defaultTest, crossed with the suite's prompts and providers (unless it names
 * its own prompt or model), one test per combination of the items of its list-valued vars, as in promptfoo.
 */
import { judgeOptionsOf, type CaseAssertions, type JudgeOptions } from './case-assertions.js'
import type { CaseIds, PendingCase } from './case-ids.js'
import type { CaseParams, SuiteProviders, TestModel } from './case-params.js'
import { derivedMetricsOf } from './derived-metrics.js'
import type { Config, WrittenTest } from './documents.js'
import { isFileRef } from './file-refs.js'
import type { LoadWarnings } from './load-warnings.js'
import { CONVERSATION_VAR, conversationKey, Conversations } from './conversations.js'
import { at, type Location, type ProblemLog } from './problems.js'
import {
  promptAffix,
  type PromptAffix,
  type PromptTemplate,
  type PromptTemplates,
} from './prompt-templates.js'
import { lastUserText } from './prompts.js'
import type { References, WrittenMapping } from './references.js'
import { samplingParams, type RequestParams } from './request-params.js'
import { varCombinations, type VarCombination } from './var-combinations.js'
import type { DerivedMetric, EvalCase } from '../model.js'

/** A test's `max_tokens` when neither it nor its suite sets one (the Messages API requires one). */
export const DEFAULT_MAX_TOKENS = 1024

/** What a suite's tests share: its top-level settings and its defaultTest. */
export interface SuiteDefaults {
  params: RequestParams
  prompts: PromptTemplate[] | undefined
  /** The providers, else the suite's model (or the action's). */
  models: TestModel[]
  /** The providers no test runs on: not Anthropic, and no input maps them. */
  skippedProviders: SuiteProviders['skipped']
  /** The sampling parameters the suite sets at its top, which are not sent. */
  sampling: string[]
  /** defaultTest's vars, read once for each way a test expands lists (`disableVarExpansion`), as needed. */
  varsFor(expand: boolean): Record<string, unknown>
  /** defaultTest's vars as written (inline, or its vars files), for the labels of combinations. */
  writtenVars: WrittenMapping[]
  /** Whether defaultTest lets lists in vars make one test per item. */
  expandVars: boolean
  /** defaultTest's assertions as written: compiled per test, with the test's vars in their templates. */
  assert: { value: unknown; location: Location }
  threshold: number | undefined
  transform: EvalCase['transform']
  /** defaultTest's `options.provider` and `options.rubricPrompt`, for model-graded assertions. */
  judge: JudgeOptions
  /** defaultTest's `options.prefix` and `options.suffix`. */
  affix: PromptAffix | undefined
  /** The suite's `derivedMetrics`, one list for all its cases. */
  derivedMetrics: DerivedMetric[] | undefined
}

/** What a test's cases share, whatever the combination of its vars: made once per test. */
interface TestCrossing {
  test: Config
  location: Location
  defaults: SuiteDefaults
  /** Problems found before the test, so that a test with problems of its own makes no case. */
  problemsBefore: number
  file: string
  line: number
  params: RequestParams
  judge: JudgeOptions
  threshold: number | undefined
  transform: EvalCase['transform']
  prompts: PromptTemplate[]
  affix: PromptAffix | undefined
  models: TestModel[]
}

/** The parts that read each part of a test, shared by every suite of the run. */
export interface TestReaders {
  log: ProblemLog
  refs: References
  params: CaseParams
  prompts: PromptTemplates
  assertions: CaseAssertions
  ids: CaseIds
  warnings: LoadWarnings
}

export class TestExpander {
  /** Tests made so far. */
  private tests = 0
  /** Combinations of a test's vars made so far: each is an output group (EvalCase.outputGroup). */
  private combinations = 0
  private readonly conversations = new Conversations()

  constructor(
    private readonly read: TestReaders,
    /** The action's `model` input, for suites that name none. */
    private readonly model: string | undefined,
  ) {}

  /**
   * A suite's top-level settings and defaultTest (`config` at `root`), or the defaultTest read from the file it
   * names (`defaultTestFile`); a JSONL or CSV suite has none.
   */
  async suiteDefaults(
    config: Config,
    root: Location,
    defaultTestFile?: WrittenMapping,
  ): Promise<SuiteDefaults> {
    const { refs, params, prompts, assertions } = this.read
    const defaultTest =
      defaultTestFile?.value ?? ((isFileRef(config.defaultTest) ? {} : (config.defaultTest ?? {})) as Config)
    const defaultAt = defaultTestFile?.location ?? at(root, 'defaultTest')
    const options = defaultTest.options as Config | undefined
    const model = (config.model as string | undefined) ?? this.model
    const expandVars = options?.disableVarExpansion !== true
    const writtenVars = await refs.writtenVars(defaultTest.vars, at(defaultAt, 'vars'))
    const varsByExpansion = new Map<boolean, Record<string, unknown>>()
    const varsFor = (expand: boolean) => {
      let vars = varsByExpansion.get(expand)
      if (!vars) {
        vars = this.readVars(writtenVars, {}, expand)
        varsByExpansion.set(expand, vars)
      }
      return vars
    }
    // Read now, so that a problem in defaultTest's vars is reported even for a suite with no tests.
    varsFor(expandVars)
    const providers: SuiteProviders =
      config.providers === undefined
        ? { models: [{ label: '', model, params: {} }], skipped: [] }
        : params.providers(config.providers, at(root, 'providers'))
    return {
      params: params.requestParams(config, root),
      prompts:
        config.prompts === undefined
          ? undefined
          : (await prompts.prompts(config.prompts, at(root, 'prompts'))).map((prompt) =>
              this.withParams(prompt),
            ),
      models: providers.models,
      skippedProviders: providers.skipped,
      sampling: samplingParams(config),
      varsFor,
      writtenVars,
      expandVars,
      assert: { value: defaultTest.assert, location: at(defaultAt, 'assert') },
      threshold: assertions.threshold(defaultTest.threshold, defaultAt),
      transform: await assertions.transform(options?.transform, at(defaultAt, 'options', 'transform')),
      judge: judgeOptionsOf(defaultTest.options),
      affix: promptAffix(options, at(defaultAt, 'options'), undefined),
      derivedMetrics: derivedMetricsOf(config.derivedMetrics, at(root, 'derivedMetrics'), this.read.log),
    }
  }

  /** Vars written in layers (inline, or vars files in order), each over those before it and over `base`. */
  private readVars(layers: WrittenMapping[], base: Record<string, unknown>, expand: boolean) {
    let vars = base
    for (const { value, location } of layers) vars = this.read.refs.vars(value, location, vars, expand)
    return vars
  }

  /** A prompt with the request parameters of its `config`, read once for every test it is crossed with. */
  private withParams(prompt: PromptTemplate): PromptTemplate {
    if (!prompt.config) return prompt
    const { value, location } = prompt.config
    const sampling = samplingParams(value)
    return {
      ...prompt,
      params: this.read.params.requestParams(value, location),
      ...(sampling.length > 0 && { sampling }),
    }
  }

  async casesOf(tests: WrittenTest[], defaults: SuiteDefaults): Promise<PendingCase[]> {
    const cases: PendingCase[] = []
    for (const { test, location } of tests) {
      for (const testCase of await this.casesOfTest(test, location, defaults)) cases.push(testCase)
    }
    return cases
  }

  /** The cases of one test: one per combination of its vars, prompt and model. */
  async casesOfTest(test: Config, location: Location, defaults: SuiteDefaults): Promise<PendingCase[]> {
    const { log, refs, params, prompts, assertions, ids } = this.read
    const testNumber = this.tests++
    const problemsBefore = log.problems.length
    const givenId = test.id === undefined ? undefined : String(test.id)
    if (givenId !== undefined) ids.use(givenId, location)

    const options = test.options as Config | undefined
    const expand =
      typeof options?.disableVarExpansion === 'boolean' ? !options.disableVarExpansion : defaults.expandVars
    const base = defaults.varsFor(expand)
    const writtenVars = await refs.writtenVars(test.vars, at(location, 'vars'))
    const vars = writtenVars.length === 0 ? { ...base } : this.readVars(writtenVars, base, expand)
    const crossing: TestCrossing = {
      test,
      location,
      defaults,
      problemsBefore,
      file: log.display(location.source.file),
      line: log.lineOf(location),
      params: params.requestParams(test, location),
      judge: options === undefined ? defaults.judge : { ...defaults.judge, ...judgeOptionsOf(options) },
      threshold:
        test.threshold === undefined ? defaults.threshold : assertions.threshold(test.threshold, location),
      transform:
        (typeof options?.transform === 'string'
          ? await assertions.transform(options.transform, at(location, 'options', 'transform'))
          : undefined) ?? defaults.transform,
      prompts: prompts.testPrompts(test, location, defaults.prompts),
      affix: promptAffix(options, at(location, 'options'), defaults.affix),
      models: params.testModels(test, location, defaults.models),
    }
    this.noteChanges(crossing)
    const id =
      givenId ??
      ids.derive(crossing.file, test.description as string | undefined, () => [
        vars,
        test.prompt ?? test.messages ?? null,
      ])
    const written = (): Config =>
      Object.assign({}, ...defaults.writtenVars.map((w) => w.value), ...writtenVars.map((w) => w.value))
    const combinations = expand
      ? varCombinations(vars, written, at(location, 'vars'), log)
      : [{ vars, label: '' }]
    const cases: PendingCase[] = []
    for (const combination of combinations) {
      for (const { evalCase, variant } of await this.casesOfCombination(crossing, combination)) {
        cases.push({ evalCase, id, derived: givenId === undefined, variant, test: testNumber })
      }
    }
    return cases
  }

  /** What the run sends this test otherwise than written: counted, for one warning each in the run. */
  private noteChanges({ test, defaults, prompts, models, file, line }: TestCrossing): void {
    const { warnings } = this.read
    const where = `${file}:${line}`
    if (models.length > 0) {
      const sampling = [
        ...defaults.sampling,
        ...samplingParams(test),
        ...models.flatMap((m) => m.sampling ?? []),
        ...prompts.flatMap((p) => p.sampling ?? []),
      ]
      warnings.samplingDropped(new Set(sampling), where)
    }
    // A test that names its own model is not crossed with the suite's providers.
    if (models !== defaults.models) return
    for (const { replaced, model } of models) {
      if (replaced && model) warnings.providerReplaced(replaced.from, model, replaced.by, where)
    }
    for (const skipped of defaults.skippedProviders)
      warnings.providerSkipped(skipped.id, skipped.location, where)
  }

  /** The cases of one combination of a test's vars: one per prompt and model, with the labels that tell them apart. */
  private async casesOfCombination(
    crossing: TestCrossing,
    { vars, label }: VarCombination,
  ): Promise<{ evalCase: EvalCase; variant: string }[]> {
    const { log, prompts: templates, assertions: reader } = this.read
    const { test, location, defaults, prompts, models } = crossing
    // defaultTest's assertions, then the test's, in one list; a list that is not written adds nothing. concat
    // makes a list of exactly their length: one grown by push keeps spare room, in each of 100,000s of tests.
    const defaultAssertions = await reader.assertions(
      defaults.assert.value,
      defaults.assert.location,
      vars,
      crossing.judge,
    )
    const assertions = defaultAssertions.concat(
      test.assert === undefined
        ? []
        : await reader.assertions(test.assert, at(location, 'assert'), vars, crossing.judge),
    )
    const cases: { evalCase: EvalCase; variant: string }[] = []
    const outputGroup = this.combinations++
    for (const prompt of prompts) {
      for (const model of models) {
        const merged = { ...defaults.params, ...model.params, ...prompt.params, ...crossing.params }
        const key = templates.readsConversation(prompt, vars)
          ? conversationKey(crossing.file, prompt.label, model.label, test.metadata)
          : undefined
        const promptVars =
          key === undefined ? vars : { ...vars, [CONVERSATION_VAR]: this.conversations.history(key) }
        const turns = templates.render(prompt, promptVars, crossing.affix, location)
        const system = turns?.system ?? templates.renderSystem(merged.system, vars, at(location, 'system'))
        if (!turns || !model.model || log.problems.length > crossing.problemsBefore) continue
        const evalCase: EvalCase = {
          id: '',
          description: test.description as string | undefined,
          file: crossing.file,
          line: crossing.line,
          vars,
          prompt: lastUserText(turns.messages),
          params: {
            ...merged,
            model: model.model,
            max_tokens: merged.max_tokens ?? DEFAULT_MAX_TOKENS,
            ...(system !== undefined && { system }),
            messages: turns.messages,
          },
          assertions,
          threshold: crossing.threshold,
          transform: crossing.transform,
          ...(typeof test.repeat === 'number' && { repeat: test.repeat }),
          ...(defaults.derivedMetrics && { derivedMetrics: defaults.derivedMetrics }),
          outputGroup,
        }
        if (key !== undefined) {
          evalCase.conversation = this.conversations.add(key, evalCase, turns, templates.isChat(prompt))
        }
        // The labels that tell this case from its siblings, joined with ', ' (empty ones left out).
        const variant = [label, prompts.length > 1 ? prompt.label : '', models.length > 1 ? model.label : '']
          .filter((part) => part !== '')
          .join(', ')
        cases.push({ evalCase, variant })
      }
    }
    return cases
  }
}
