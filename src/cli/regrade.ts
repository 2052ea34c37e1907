/**
 * `claude-batch-evals regrade SUITE... --from RESULTS.json`: an earlier run's outputs graded again by the
 * suite's assertions as they are now, with no model call but the judge's (--judges submit): how people
 * iterate on assertions for free. The results file is the user's own, named on their command line, and read
 * where they say (as `report` reads it).
 */
import path from 'node:path'
import { UserError } from '../common/user-error.js'
import { addCosts, NO_COST } from '../cost/pricing.js'
import { formatUsd } from '../cost/usd.js'
import { regrade as regradeStored, type JudgesMode } from '../pipeline/regrade.js'
import type { GradedRun, RunHost } from '../pipeline/run-host.js'
import type { RunReport } from '../report/report.js'
import { cliHost } from './cli-host.js'
import { BATCH_INPUTS, GRADING_INPUTS, SUITE_INPUTS, type Command } from './command.js'
import { PROGRAM } from './help.js'
import { readUserFile } from './user-files.js'

const JUDGES_MODES: readonly JudgesMode[] = ['skip', 'submit']

export const regrade: Command = {
  name: 'regrade',
  summary: "Grade an earlier run's stored outputs against the suites' assertions as they are now: free.",
  usage: 'SUITE... --from RESULTS.json [--judges skip|submit] [flags]',
  description: [
    'Grades the outputs stored in an earlier results file (written by run or by the action) against the ' +
      "suites' current assertions, with no model call: change an assertion, regrade, and see what it makes " +
      'of the same outputs at no cost. A test gets the stored output of its id and sample whose request is ' +
      'the one the suite builds now (cache_control marks aside); a test that is new, or whose request changed ' +
      '(prompt, vars, model, parameters), has none and is left out, with a warning: run it with run.',
    'Model-graded assertions need the judge: with --judges skip (the default) they are errored grades saying ' +
      "so; --judges submit sends the judge's requests as a batch, billed at batch prices, which needs an API " +
      'key (ANTHROPIC_API_KEY or --anthropic-api-key) or --anthropic-base-url.',
    'Writes the results file and the HTML report as run does. The cost shown is what the stored outputs cost ' +
      "when they were made; what the regrade itself cost (nothing, or the judge's requests) is printed after it.",
    'Exit code 0 when the evals pass, 1 when they fail, 2 on a usage, suite, results-file or API error, 130 ' +
      "when interrupted while the judge's batch ran.",
  ],
  examples: [
    'claude-batch-evals regrade evals/suite.yml --from eval-results.json --results-file regraded.json',
    'claude-batch-evals regrade evals/ --from eval-results.json --judges submit',
  ],
  uses: [...SUITE_INPUTS, ...BATCH_INPUTS, ...GRADING_INPUTS],
  flags: [
    {
      name: 'from',
      value: 'string',
      description: 'The results file whose outputs are graded (required).',
    },
    {
      name: 'judges',
      value: 'string',
      description:
        "skip (default): model-graded assertions are errored grades; submit: the judge's requests go out as a batch (billed).",
    },
  ],
  run: async (settings, terminal, { flags, context }) => {
    const from = flags.get('from')
    if (typeof from !== 'string' || from === '') {
      throw new UserError(
        `Give the results file to regrade: ${PROGRAM} regrade SUITE... --from RESULTS.json.`,
      )
    }
    const judges = flags.get('judges') ?? 'skip'
    if (!JUDGES_MODES.includes(judges as JudgesMode)) {
      throw new UserError(`--judges is '${String(judges)}': give skip or submit.`)
    }
    const text = readUserFile(path.resolve(settings.workspace, from), 'results file (--from)')
    const host = cliHost(settings, terminal, context, {
      collectCommand: () => `the same ${PROGRAM} regrade command: it resumes the judge's batch`,
    })
    const regradeHost: RunHost = {
      ...host,
      graded: async (run: GradedRun) => {
        await host.graded(run)
        terminal.info(regradeCost(run.report))
      },
    }
    await regradeStored(
      settings,
      { text, file: from },
      judges as JudgesMode,
      regradeHost,
      context.signal ?? new AbortController().signal,
    )
    return host.exitCode
  },
}

/** What this regrade cost, apart from the stored outputs' cost the report shows. */
function regradeCost(report: RunReport): string {
  const judge = report.costByModel.filter((row) => row.role === 'judge')
  const spent = judge.reduce((sum, row) => addCosts(sum, row.cost), NO_COST)
  const unknown = judge.some((row) => row.unpricedTests > 0) ? 'at least ' : ''
  const own =
    judge.length === 0
      ? 'nothing: no request was sent'
      : `${unknown}${formatUsd(spent.batch)} at batch prices, the judge's requests`
  return (
    `Regrade: the outputs are the stored ones, so the cost above (but the judge's) is what they cost when ` +
    `they were made. This regrade cost ${own}.`
  )
}
