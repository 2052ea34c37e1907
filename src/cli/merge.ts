/**
 * `claude-batch-evals merge SHARD.json...`: the results files of a suite's shards (runs with --shard) merged
 * into one run, reported in the terminal as `report` reports one, with the gate applied to the whole; --out
 * writes the merged results file and --html its page. The files are the user's own (user-files.ts).
 */
import path from 'node:path'
import { mergeShards } from '../report/merged-run.js'
import { writeFileAtomically } from '../report/atomic-file.js'
import { resultsTextOfEntries } from '../report/results-file.js'
import { terminalReport } from '../report/terminal-report.js'
import { PLAIN_DISPLAY, type Command } from './command.js'
import { storedGate, writeStoredHtml } from './stored-gate.js'
import { readUserFile } from './user-files.js'

export const merge: Command = {
  name: 'merge',
  summary: "Merge the results files of a suite's shards into one run: its verdict, report and files.",
  usage: 'SHARD.json... [--out MERGED.json] [--html OUT.html] [flags]',
  positionals: { name: 'SHARD.json', many: true },
  description: [
    'Reads the results files of every shard of one run (runs with --shard INDEX/COUNT, e.g. the jobs of a ' +
      'matrix), checks that they are every shard of one suite, each once, and prints the merged run as ' +
      'report does: one verdict over the whole suite, the gate applied with --min-pass-rate (else the ' +
      "shards' stored one), --fail-on, --baseline and --max-cost-increase. Nothing is sent to the API.",
    'Exit code 0 when the merged run passed, 1 when it failed, 2 when a file cannot be read, is not a ' +
      "shard's results file, or a shard is missing or given twice.",
  ],
  examples: [
    'claude-batch-evals merge shards/*.json',
    'claude-batch-evals merge shards/*.json --out eval-results.json --html report.html',
  ],
  uses: ['baseline', 'min-pass-rate', 'fail-on', 'max-cost-increase'],
  flags: [
    {
      name: 'out',
      value: 'string',
      placeholder: 'MERGED.json',
      description: 'Also writes the merged results file (a results file of the whole suite) to this file.',
    },
    {
      name: 'html',
      value: 'string',
      placeholder: 'OUT.html',
      description: 'Also writes the HTML report of the merged run to this file (needs --out).',
    },
  ],
  run: async (settings, terminal, { positionals, flags, inputs, context }) => {
    const shards = positionals.map((file) => ({
      file,
      text: readUserFile(path.resolve(settings.workspace, file), 'results file'),
    }))
    const stored = storedGate(settings, inputs)
    const { report, entries, shards: count } = mergeShards(shards, stored.options)
    const { color, columns } = context.display ?? PLAIN_DISPLAY
    terminal.info(`Merged ${count} shards: ${report.total} tests.`)
    const out = flags.get('out')
    terminal.styled(
      terminalReport(report, {
        color,
        width: columns,
        remainderAt: typeof out === 'string' ? out : undefined,
      }),
    )
    if (typeof out === 'string') {
      const results = await writeFileAtomically(
        path.resolve(settings.workspace, out),
        resultsTextOfEntries(report, entries, new Date()),
      )
      terminal.info(`Merged results file: ${results}`)
      const html = flags.get('html')
      if (typeof html === 'string') await writeStoredHtml(html, results, report, stored, settings, terminal)
    } else if (typeof flags.get('html') === 'string') {
      terminal.info('--html needs --out: the page is of the merged results file.')
    }
    return report.status === 'passed' ? 0 : 1
  },
}
