/**
 * The run's settings, one object from every input of action.yml, for both front doors: the action reads them
 * from the runner's INPUT_* variables, the command line from its flags.
 */
import { UserError } from '../common/user-error.js'
import type { BaselineSource } from '../report/baseline.js'
import type { CostIncreaseLimit } from '../report/cost-comparison.js'
import type { PastHistory } from '../report/history.js'
import type { InputName } from '../github/action-interface.js'
import { parseDuration } from '../common/duration.js'
import { parseDeadline } from './deadline.js'
import {
  parseBatchIds,
  parseBoolean,
  parseChoice,
  parseCostIncrease,
  parseCount,
  parseHistoryBranch,
  parseLines,
  parseRate,
  parseUsd,
} from './settings-values.js'
import { parseShard, type Shard } from '../suite/shards.js'
import { parseModelInput, parseProviderOverride, type ProviderOverride } from '../suite/providers.js'

export const ON_TIMEOUT = ['fail', 'detach', 'cancel', 'standard'] as const
export const COMMENT_MODES = ['update', 'new'] as const
export const CACHE_MODES = ['auto', '5m', '1h', 'off'] as const
export const FAIL_ON = ['threshold', 'regression', 'both'] as const
export const REUSE_MODES = ['auto', 'always', 'off'] as const
/** Samples per test, at most: a batch holds 100,000 requests, and more samples than this say little more. */
export const MAX_REPEAT = 100
export type OnTimeout = (typeof ON_TIMEOUT)[number]

export interface Settings {
  suitePatterns: string[]
  apiKey: string
  baseURL: string | undefined
  model: string | undefined
  /** The models non-Anthropic providers run as (`provider-override`); undefined when not given. */
  providerOverride: ProviderOverride | undefined
  githubToken: string
  comment: boolean
  maxWaitMs: number
  pollIntervalMs: number
  minPassRate: number
  resultsFile: string
  onTimeout: OnTimeout
  /** When the verdict is due (epoch ms, the `deadline` input); it bounds max-wait. Undefined for none. */
  deadlineAt: number | undefined
  /** Batches to collect instead of submitting (the `batch-id` input). */
  batchIds: string[]
  retryErrored: boolean
  cancelOnAbort: boolean
  commentMode: (typeof COMMENT_MODES)[number]
  commentHeader: string
  junitFile: string | undefined
  /** Where to write the HTML report; undefined when the input is empty. */
  htmlReport: string | undefined
  /** The name the action uploads the HTML report as, an artifact of the workflow run; undefined for none. */
  htmlReportArtifact: string | undefined
  cache: (typeof CACHE_MODES)[number]
  dryRun: boolean
  /** Check the requests (capability table, count_tokens) before anything is submitted. */
  preflight: boolean
  /** USD; undefined for no budget. */
  maxCostUsd: number | undefined
  /** A price table file that overrides or adds models. */
  pricingFile: string | undefined
  /** Samples per test, unless the test sets its own `repeat`. */
  repeat: number
  /** Samples of a repeated test that must pass; undefined for all of them. */
  repeatMinPass: number | undefined
  /** A results file of an earlier run to compare with; `auto` until the action finds one (BASELINE_AUTO). */
  baselineFile: string | undefined
  /** The stored run baselineFile was restored from, when the action found it for `baseline: auto`. */
  baselineSource?: BaselineSource
  failOn: (typeof FAIL_ON)[number]
  /** Fails the run when the tests in both runs cost more than this over the baseline; undefined for no gate. */
  maxCostIncrease: CostIncreaseLimit | undefined
  /** Whether requests whose stored result the baseline has are reused (`auto`: on pull requests). */
  reuse: (typeof REUSE_MODES)[number]
  /** Stored results older than this are not reused. */
  reuseMaxAgeMs: number
  /** The event that started the workflow run (GITHUB_EVENT_NAME); '' outside Actions. */
  eventName: string
  /** The branch the run is of (GITHUB_HEAD_REF on a pull request, else GITHUB_REF_NAME); '' outside Actions. */
  branch: string
  /** The branch the run history is kept on (`history`); undefined when it is off. */
  historyBranch: string | undefined
  /** The run history read before the run (the action's, on the default branch): the HTML report charts it. */
  history?: PastHistory
  /** Directories outside the workspace that suites may read `file://` references from (`allowed-paths`). */
  allowedPaths: string[]
  /** The slice of the suite this job runs (`shard`, INDEX/COUNT); undefined for the whole suite. */
  shard: Shard | undefined
  /** The shard results files to merge into one report (`merge`, globs); empty for a run. */
  mergePatterns: string[]
  /** Where the repository is checked out (GITHUB_WORKSPACE), else the working directory. */
  workspace: string
  /** The commit (GITHUB_SHA) and the workflow run (GITHUB_RUN_ID) the run's batches are recorded for. */
  commit: string
  runId: string
}

/** Where the settings come from, and what is done with the secrets among them. */
export interface SettingsSource {
  /** An input's value, else its default, else ''. */
  read: (name: InputName) => string
  /** For an input whose empty value turns something off: '' when given empty, else as `read`. */
  readOrOff: (name: InputName) => string
  /** Called with each secret before anything can print it: registers it for redaction (and masks it). */
  onSecret: (value: string) => void
  /** False where nothing is sent to the API but token counts (validate, estimate). */
  requireApiKey: boolean
}

/**
 * Reads and validates every input, and the run's environment. The API key, the GitHub token and the Actions
 * runtime token (which the cache client sends) go to `onSecret` before anything can print them.
 */
export function readSettings(source: SettingsSource, env: NodeJS.ProcessEnv = process.env): Settings {
  const { read: input } = source
  const secret = (value: string) => {
    if (value) source.onSecret(value)
    return value
  }
  const apiKey = secret(input('anthropic-api-key') || env.ANTHROPIC_API_KEY || '')
  const githubToken = secret(input('github-token'))
  secret(env.ACTIONS_RUNTIME_TOKEN ?? '')
  if (!apiKey && source.requireApiKey) {
    throw new UserError(
      "No Anthropic API key. Set the 'anthropic-api-key' input to ${{ secrets.ANTHROPIC_API_KEY }} " +
        'or the ANTHROPIC_API_KEY environment variable.',
    )
  }
  const suitePatterns = parseLines(input('suite'))
  const mergePatterns = parseLines(input('merge'))
  // A merge reads the shards' results files, not the suite.
  if (suitePatterns.length === 0 && mergePatterns.length === 0) {
    throw new UserError("Input 'suite' is required: give suite file paths or globs, one per line.")
  }
  return {
    suitePatterns,
    apiKey,
    baseURL: input('anthropic-base-url') || env.ANTHROPIC_BASE_URL || undefined,
    model: parseModelInput('model', input('model')),
    providerOverride: parseProviderOverride('provider-override', input('provider-override')),
    githubToken,
    comment: parseBoolean('comment', input('comment')),
    maxWaitMs: parseDuration('max-wait', input('max-wait')),
    pollIntervalMs: parseDuration('poll-interval', input('poll-interval')),
    minPassRate: parseRate('min-pass-rate', input('min-pass-rate')),
    resultsFile: input('results-file'),
    onTimeout: parseChoice('on-timeout', input('on-timeout'), ON_TIMEOUT),
    deadlineAt: parseDeadline(input('deadline'), Date.now() - process.uptime() * 1000, Date.now()),
    batchIds: parseBatchIds('batch-id', input('batch-id')),
    retryErrored: parseBoolean('retry-errored', input('retry-errored')),
    cancelOnAbort: parseBoolean('cancel-on-abort', input('cancel-on-abort')),
    commentMode: parseChoice('comment-mode', input('comment-mode'), COMMENT_MODES),
    commentHeader: input('comment-header').trim(),
    junitFile: input('junit-file') || undefined,
    htmlReport: source.readOrOff('html-report') || undefined,
    htmlReportArtifact: source.readOrOff('html-report-artifact') || undefined,
    cache: parseChoice('cache', input('cache'), CACHE_MODES),
    dryRun: parseBoolean('dry-run', input('dry-run')),
    preflight: parseBoolean('preflight', input('preflight')),
    maxCostUsd: input('max-cost') ? parseUsd('max-cost', input('max-cost')) : undefined,
    pricingFile: input('pricing') || undefined,
    repeat: parseCount('repeat', input('repeat'), 1, MAX_REPEAT),
    repeatMinPass: input('repeat-min-pass')
      ? parseCount('repeat-min-pass', input('repeat-min-pass'), 1, MAX_REPEAT)
      : undefined,
    baselineFile: input('baseline') || undefined,
    failOn: parseChoice('fail-on', input('fail-on'), FAIL_ON),
    maxCostIncrease: input('max-cost-increase')
      ? parseCostIncrease('max-cost-increase', input('max-cost-increase'))
      : undefined,
    reuse: parseChoice('reuse', input('reuse'), REUSE_MODES),
    reuseMaxAgeMs: parseDuration('reuse-max-age', input('reuse-max-age')),
    eventName: env.GITHUB_EVENT_NAME ?? '',
    branch: env.GITHUB_HEAD_REF || env.GITHUB_REF_NAME || '',
    historyBranch: parseHistoryBranch('history', input('history')),
    allowedPaths: parseLines(input('allowed-paths')),
    shard: parseShard('shard', input('shard')),
    mergePatterns,
    workspace: env.GITHUB_WORKSPACE || process.cwd(),
    commit: env.GITHUB_SHA ?? '',
    runId: env.GITHUB_RUN_ID ?? '',
  }
}
