/**
 * `claude-batch-evals run SUITE...`: the action's run from a terminal (the same pipeline/evaluate.ts), with
 * live progress and the report at the end; `--detach` leaves the batches running, and
 * `claude-batch-evals collect BATCH_ID... SUITE...` finishes such a run later.
 */
import { UserError } from '../common/user-error.js'
import type { InputName } from '../github/action-interface.js'
import { evaluate } from '../pipeline/evaluate.js'
import type { Settings } from '../pipeline/settings.js'
import { cliHost } from './cli-host.js'
import {
  BATCH_INPUTS,
  GRADING_INPUTS,
  SUITE_INPUTS,
  type Command,
  type CommandLine,
  type ExitCode,
} from './command.js'
import { PROGRAM } from './help.js'
import type { Terminal } from './terminal.js'

/** What a run reads beside the suites: the API, the wait, the gate and the files. */
const RUN_INPUTS = [
  ...SUITE_INPUTS,
  ...BATCH_INPUTS,
  'deadline',
  'shard',
  'max-cost',
  'dry-run',
  'preflight',
  'reuse',
  'reuse-max-age',
  ...GRADING_INPUTS,
] as const satisfies readonly InputName[]

const NO_KEY =
  `${PROGRAM} run sends the suite to Anthropic's Message Batches API, which needs an API key: create one at ` +
  'https://console.anthropic.com/settings/keys and set ANTHROPIC_API_KEY (or pass --anthropic-api-key). ' +
  'To try a suite without a real key, point --anthropic-base-url at the local emulator (docs/emulator.md), ' +
  'with any key value (ANTHROPIC_API_KEY=any). ' +
  `Without a key, '${PROGRAM} estimate SUITE' shows what the run would cost, and '${PROGRAM} regrade SUITE ` +
  "--from RESULTS.json' grades an earlier run's outputs against the suite's assertions as they are now."

export const run: Command = {
  name: 'run',
  summary: 'Run the suites as a Message Batch: live progress, then the report; writes the results and HTML.',
  usage: 'SUITE... [--detach] [flags]',
  description: [
    "Does what the action does: loads the suites, estimates the cost (stopping at --max-cost's worst case), " +
      'submits every test as one Message Batch (or several, past the batch limits) at half the standard price, ' +
      'shows its progress (requests processed, elapsed time, time left at the rate so far, and the estimated ' +
      'spend so far), grades the outputs, and prints the verdict, each failing test with what was expected and what the model wrote, and the cost at batch and at standard prices. It writes the results file and the HTML report.',
    'Needs an API key (ANTHROPIC_API_KEY or --anthropic-api-key), or --anthropic-base-url for another endpoint. ' +
      'A batch may take up to 24 hours (most end within the hour). Ctrl-C stops waiting and leaves the batches ' +
      'running (--cancel-on-abort true cancels them); --detach stops waiting as soon as they are submitted. ' +
      'Either way the command to collect them is printed, and running the same command again resumes them ' +
      'rather than paying for them twice.',
    'Exit code 0 when the evals pass (or the run detached), 1 when they fail or --max-cost stops the run, 2 on ' +
      'a usage, suite or API error, 130 when interrupted.',
  ],
  examples: [
    'claude-batch-evals run evals/suite.yml   # with ANTHROPIC_API_KEY set',
    'claude-batch-evals run evals/ --repeat 3 --max-cost 5 --min-pass-rate 90%',
    'claude-batch-evals run evals/suite.yml --detach',
    'claude-batch-evals run evals/suite.yml --base-url http://127.0.0.1:8787   # the local emulator',
  ],
  uses: RUN_INPUTS,
  flags: [
    {
      name: 'detach',
      value: 'boolean',
      description: 'Submit, print the batch ids and the collect command, and exit without waiting.',
    },
  ],
  run: (settings, terminal, line) => evaluateInTerminal(settings, terminal, line, line.flags.has('detach')),
}

export const collect: Command = {
  name: 'collect',
  summary: 'Finish a run whose batches were left running (--detach, Ctrl-C): wait, grade and report.',
  usage: 'BATCH_ID... SUITE... [flags]',
  positionals: 'suites',
  description: [
    'Collects the batches a run submitted (their ids start with msgbatch_) and grades them against the suites, ' +
      'as run would have: give the suites and the flags the run was given, as the command printed by ' +
      '`run --detach` does. Nothing is submitted but the judge requests of model-graded assertions.',
    'Exit codes as for run.',
  ],
  examples: ['claude-batch-evals collect msgbatch_013Zva2CMHLNnXjNJJKqJ2EF evals/suite.yml --repeat 3'],
  uses: [...RUN_INPUTS, 'batch-id'],
  run: async (settings, terminal, line) => {
    if (settings.batchIds.length === 0)
      throw new UserError(
        `Give the batches to collect, their ids first: ${PROGRAM} collect BATCH_ID... SUITE...`,
      )
    return evaluateInTerminal(settings, terminal, line, false)
  },
}

async function evaluateInTerminal(
  settings: Settings,
  terminal: Terminal,
  { inputs, context }: CommandLine,
  detach: boolean,
): Promise<ExitCode> {
  if (!settings.apiKey && !settings.baseURL) throw new UserError(NO_KEY)
  const host = cliHost(settings, terminal, context, {
    collectCommand: (batchIds) => collectCommand(batchIds, settings, inputs),
  })
  await evaluate(settings, host, context.signal ?? new AbortController().signal, { detach })
  return host.exitCode
}

/** The batch ids, the suites and the flags given (but the key's), as a command to paste. */
function collectCommand(
  batchIds: string[],
  settings: Settings,
  inputs: ReadonlyMap<InputName, string>,
): string {
  const flags = [...inputs].flatMap(([name, value]) =>
    name === 'suite' || name === 'anthropic-api-key' || name === 'batch-id' ? [] : [`--${name}`, value],
  )
  return [PROGRAM, 'collect', ...batchIds, ...settings.suitePatterns, ...flags].map(quoted).join(' ')
}

/** A word as a POSIX shell reads it back. */
function quoted(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`
}
