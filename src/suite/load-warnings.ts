/**
 * What a load changed of the suite as written, said once for the run rather than once per test: sampling
 * parameters left out of the requests, providers that run as another model, and providers skipped. A
 * promptfoo config of 1,000 tests would otherwise print 1,000 alike lines.
 */
import type { AssertionWarning } from './load-options.js'
import type { Location, ProblemLog } from './problems.js'
import { SAMPLING_DROPPED } from './request-params.js'

/** How many tests something concerns, and the first of them. */
interface Tally {
  tests: number
  first: string
}

export class LoadWarnings {
  private readonly sampling = new Set<string>()
  private samplingTests: Tally | undefined
  private readonly skipped = new Map<string, Tally & { at: Location }>()
  private readonly replaced = new Map<string, Tally & { model: string; by: 'provider-override' | 'model' }>()
  private readonly others = new Set<string>()
  /**
   * Keys that change nothing in a batch run, assertion types whose threshold was dropped, and promptfoo's
   * types not graded here: the first place each is written.
   */
  private readonly ignoredKeys = new Map<string, string>()
  private readonly ignoredThresholds = new Map<string, string>()
  private readonly ungradable = new Map<string, string>()
  /** Settings of replaced non-Anthropic providers with no Anthropic equivalent, not sent; those that may change outputs. */
  private readonly foreignDropped = new Map<string, string>()
  private readonly foreignChangingOutputs = new Set<string>()

  constructor(private readonly log: ProblemLog) {}

  /** A test whose requests leave out the sampling parameters `keys` (set by it, its suite or provider). */
  samplingDropped(keys: Iterable<string>, where: string): void {
    let any = false
    for (const key of keys) {
      this.sampling.add(key)
      any = true
    }
    if (any) this.samplingTests = count(this.samplingTests, where)
  }

  /** A test that does not run on the provider `id`, written at `location`: no mapping gives it a model. */
  providerSkipped(id: string, location: Location, where: string): void {
    this.skipped.set(id, { ...count(this.skipped.get(id), where), at: this.skipped.get(id)?.at ?? location })
  }

  /** A test that runs on `model` in place of the provider `from`, by the `by` input. */
  providerReplaced(from: string, model: string, by: 'provider-override' | 'model', where: string): void {
    const key = `${from}\n${model}`
    this.replaced.set(key, { ...count(this.replaced.get(key), where), model, by })
  }

  /** A promptfoo setting `key` of the mapping at `location` that changes nothing in a batch run. */
  ignoredSetting(key: string, location: Location): void {
    if (!this.ignoredKeys.has(key)) this.ignoredKeys.set(key, this.where(location, key))
  }

  /**
   * A setting `key` of a replaced non-Anthropic provider's config (at `location`) that has no Anthropic
   * equivalent and is not sent; `changesOutputs` when leaving it out may change the outputs.
   */
  foreignSettingDropped(key: string, changesOutputs: boolean, location: Location): void {
    if (!this.foreignDropped.has(key)) this.foreignDropped.set(key, this.where(location, key))
    if (changesOutputs) this.foreignChangingOutputs.add(key)
  }

  /**
   * What an assertion loads with (at `location`): a threshold on a type that passes or fails, dropped as
   * promptfoo drops it, or a promptfoo type that is not graded here.
   */
  assertionWarning({ kind, type }: AssertionWarning, location: Location): void {
    const first = kind === 'ignored-threshold' ? this.ignoredThresholds : this.ungradable
    if (!first.has(type)) first.set(type, this.where(location))
  }

  /** Any other warning of the load, given once however often it is said (say, once per test). */
  warn(message: string): void {
    this.others.add(message)
  }

  /** Whether a provider was skipped: a run with no test left then says which and how to map them. */
  get anySkipped(): boolean {
    return this.skipped.size > 0
  }

  /** The run's warnings, one line each. */
  messages(): string[] {
    const messages: string[] = []
    if (this.samplingTests) {
      const keys = [...this.sampling].sort()
      messages.push(
        `${andList(keys)} ${keys.length === 1 ? 'is' : 'are'} set by ${tests(this.samplingTests)} and ` +
          `${keys.length === 1 ? 'is' : 'are'} not sent: ${SAMPLING_DROPPED}.`,
      )
    }
    for (const by of ['model', 'provider-override'] as const) {
      const lines = [...this.replaced].filter(([, r]) => r.by === by)
      if (lines.length === 0) continue
      const what = lines.map(([key, r]) => `${key.split('\n')[0]} as ${r.model} (${tests(r)})`)
      messages.push(
        by === 'model'
          ? `The model input replaces the suite's non-Anthropic providers: ${what.join('; ')}.`
          : `provider-override runs ${what.join('; ')}.`,
      )
    }
    const skipped = [...this.skipped]
    if (skipped.length > 0) {
      messages.push(
        `Skipped: ${skipped.map(([id, s]) => `${id} (${tests(s)})`).join('; ')}, not an Anthropic provider. ` +
          'Run them on Claude with the provider-override input (one model for all, e.g. claude-haiku-4-5, or ' +
          `one FROM=TO per line, e.g. ${skipped[0][0]}=claude-haiku-4-5) or the model input.`,
      )
    }
    if (this.ignoredKeys.size > 0) {
      messages.push(`ignored: ${examples(this.ignoredKeys)}: they change nothing in a batch run.`)
    }
    if (this.foreignDropped.size > 0) {
      const changing = [...this.foreignChangingOutputs]
      messages.push(
        `not sent: ${examples(this.foreignDropped)}: settings of providers that run as an Anthropic model, with ` +
          'no Messages API equivalent' +
          (changing.length > 0
            ? `; without ${andList(changing)} the outputs may differ from that provider's.`
            : ' (they say how to reach that provider, which changes no output).'),
      )
    }
    if (this.ignoredThresholds.size > 0) {
      messages.push(
        `threshold ignored on ${examples(this.ignoredThresholds)}: these assertions pass or fail, so a ` +
          'threshold changes nothing (promptfoo ignores it too); to let a test pass with some assertions ' +
          "failing, give the test a threshold, or the assertion a 'weight'.",
      )
    }
    if (this.ungradable.size > 0) {
      messages.push(
        `not graded here: ${examples(this.ungradable)}: each such assertion fails its test with the reason, ` +
          'and the rest of the suite is graded (see docs/coming-from-promptfoo.md for what to write instead).',
      )
    }
    return messages.concat([...this.others])
  }

  private where(location: Location, key?: string): string {
    return `${this.log.display(location.source.file)}:${this.log.lineOf(location, key)}`
  }

  /** When skipping providers left no test: a problem at each skipped provider, with the fix. */
  reportNothingLeft(): void {
    for (const [id, s] of this.skipped) {
      this.log.report(
        s.at,
        `no test runs: provider '${id}' is not an Anthropic provider and nothing maps it (${tests(s)}); set the ` +
          `provider-override input (claude-haiku-4-5, or ${id}=claude-haiku-4-5) or the model input, or use ` +
          'anthropic:messages:<model>',
      )
    }
  }
}

function count(tally: Tally | undefined, where: string): Tally {
  return tally ? { tests: tally.tests + 1, first: tally.first } : { tests: 1, first: where }
}

const tests = ({ tests: n, first }: Tally) => `${n} test${n === 1 ? '' : 's'} (e.g. ${first})`

/** `name (file:line)` for each, in the order first met. */
const examples = (first: Map<string, string>) =>
  [...first].map(([name, where]) => `${name} (${where})`).join(', ')

const andList = (items: string[]) =>
  items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`
