/**
 * `claude-batch-evals report RESULTS.json`: a stored run (a results file) reported in the terminal, and with
 * `--html` as the action's HTML page. The files are the user's own (user-files.ts).
 */
import path from 'node:path'
import { readStoredRun } from '../report/stored-run.js'
import { terminalReport } from '../report/terminal-report.js'
import { PLAIN_DISPLAY, type Command } from './command.js'
import { storedGate, writeStoredHtml } from './stored-gate.js'
import { readUserFile } from './user-files.js'

export const report: Command = {
  name: 'report',
  summary:
    'Show a stored run (a results file): its verdict, what failed and why, its cost; --html writes its page.',
  usage: 'RESULTS.json [--baseline OTHER.json] [--html OUT.html] [flags]',
  positionals: { name: 'RESULTS.json' },
  description: [
    'Prints the run a results file records (the results-file a run of the action or of this command line ' +
      'wrote): its verdict, the tests that failed or errored with what was expected and what the model wrote, ' +
      "and its cost, the judge's included. Nothing is sent to the API: the grades are the stored ones.",
    'The verdict is the one the file records. Given --baseline, --min-pass-rate or --fail-on, it is decided ' +
      'again with them (over the stored minimum pass rate when --min-pass-rate is not given), as the action ' +
      'decides it; --baseline also shows the comparison with that earlier results file.',
    'Exit code 0 when the run passed, 1 when it failed, 2 when a file cannot be read or is not a results file.',
  ],
  examples: [
    'claude-batch-evals report eval-results.json',
    'claude-batch-evals report eval-results.json --baseline main-results.json --fail-on regression',
    'claude-batch-evals report eval-results.json --html report.html',
  ],
  uses: ['baseline', 'min-pass-rate', 'fail-on', 'max-cost-increase'],
  flags: [
    {
      name: 'html',
      value: 'string',
      placeholder: 'OUT.html',
      description:
        'Also writes the HTML report of the results file (the page the action writes) to this file.',
    },
  ],
  run: async (settings, terminal, { positionals, flags, inputs, context }) => {
    const resultsPath = path.resolve(settings.workspace, positionals[0])
    const stored = storedGate(settings, inputs)
    const { report, gate, recordedStatus, recordedBaseline } = readStoredRun(
      readUserFile(resultsPath, 'results file'),
      positionals[0],
      stored.options,
    )
    const { color, columns } = context.display ?? PLAIN_DISPLAY
    terminal.styled(terminalReport(report, { color, width: columns, remainderAt: positionals[0] }))
    if (gate === 'recomputed') {
      terminal.info(`The verdict is decided again with the flags given; the file records: ${recordedStatus}.`)
    }
    if (!report.baseline && recordedBaseline) {
      const { file, regressions, fixes, significance } = recordedBaseline
      terminal.info(
        `The run was compared with the baseline ${file}: ${regressions.length} regressed, ${fixes.length} fixed. ` +
          `${significance} Give --baseline ${file} to see which.`,
      )
    }
    const html = flags.get('html')
    if (typeof html === 'string') await writeStoredHtml(html, resultsPath, report, stored, settings, terminal)
    return report.status === 'passed' ? 0 : 1
  },
}
