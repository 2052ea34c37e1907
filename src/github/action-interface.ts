/**
 * The action's interface, as `action.yml` declares it: every input it reads and every output it sets, by
 * name. Inputs are read and outputs set only through here; `__tests__/github/action-interface.test.ts` fails
 * when this table and action.yml drift apart.
 */
import * as core from '@actions/core'

export const INPUTS = [
  'suite',
  'anthropic-api-key',
  'anthropic-base-url',
  'model',
  'github-token',
  'comment',
  'max-wait',
  'poll-interval',
  'min-pass-rate',
  'results-file',
  'on-timeout',
  'deadline',
  'batch-id',
  'retry-errored',
  'comment-mode',
  'comment-header',
  'junit-file',
  'cache',
  'dry-run',
  'preflight',
  'max-cost',
  'pricing',
  'cancel-on-abort',
  'repeat',
  'repeat-min-pass',
  'baseline',
  'fail-on',
  'max-cost-increase',
  'reuse',
  'reuse-max-age',
  'allowed-paths',
  'provider-override',
  'html-report',
  'html-report-artifact',
  'history',
  'shard',
  'merge',
] as const
export type InputName = (typeof INPUTS)[number]

/**
 * The defaults of `action.yml`, for runs that do not go through the Actions runner (which applies
 * action.yml's own). `github-token`'s, an expression only the runner can evaluate, is not here.
 */
export const INPUT_DEFAULTS = {
  comment: 'true',
  'max-wait': '5h',
  'poll-interval': '60s',
  'min-pass-rate': '1',
  'results-file': 'eval-results.json',
  'on-timeout': 'fail',
  'retry-errored': 'true',
  'cancel-on-abort': 'false',
  'comment-mode': 'update',
  cache: 'auto',
  'dry-run': 'false',
  preflight: 'true',
  repeat: '1',
  'fail-on': 'threshold',
  reuse: 'auto',
  'reuse-max-age': '7d',
  'html-report': 'claude-batch-evals-report.html',
  'html-report-artifact': 'claude-batch-evals-report',
  history: 'false',
} as const satisfies Partial<Record<InputName, string>>

/** An input's value, else its default, else empty. */
export function readInput(name: InputName): string {
  return core.getInput(name) || (INPUT_DEFAULTS as Partial<Record<InputName, string>>)[name] || ''
}

/**
 * An input whose empty value turns something off: its value when the workflow gives one, even empty, else
 * its default. (The runner sets the variable of every input with a default, and to '' when the workflow
 * gives ''; readInput would read that as the default.)
 */
export function readInputOrOff(name: InputName): string {
  const given = process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`]
  return given === undefined ? readInput(name) : given.trim()
}

export const OUTPUTS = [
  'status',
  'batch-ids',
  'total',
  'passed',
  'failed',
  'errored',
  'pass-rate',
  'cost-batch-usd',
  'cost-standard-usd',
  'savings-usd',
  'results-file',
  'estimated-cost-batch-usd',
  'comment-url',
  'flaky',
  'regressions',
  'fixes',
  'html-report',
  'html-report-url',
] as const
export type OutputName = (typeof OUTPUTS)[number]

export function setOutput(name: OutputName, value: string | number): void {
  core.setOutput(name, value)
}

/** The values of the `status` output, as action.yml describes them. */
export type RunStatus = 'passed' | 'failed' | 'pending' | 'dry-run' | 'over-budget' | 'error'

/** How the run ended, in the `status` output. */
export function setStatus(status: RunStatus): void {
  setOutput('status', status)
}

/** The `batch-ids` output: every batch of the run so far, one per line. */
export function setBatchIds(batchIds: readonly string[]): void {
  setOutput('batch-ids', batchIds.join('\n'))
}
