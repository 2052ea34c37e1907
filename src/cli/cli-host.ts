/**
 * The command line's host of the run's story (pipeline/evaluate.ts): the estimate, live progress, the
 * terminal report and the files written, the batches to collect when the run detaches or is interrupted, and
 * the exit code it all comes to.
 */
import path from 'node:path'
import type { MessageBatch } from '@anthropic-ai/sdk/resources/messages/batches'
import { estimateSummary } from '../cost/estimate.js'
import { usdNumber } from '../cost/usd.js'
import type { BudgetCheck } from '../pipeline/budget.js'
import type { FailedRun, GradedRun, PendingRun, RunHost } from '../pipeline/run-host.js'
import type { Settings } from '../pipeline/settings.js'
import { terminalReport } from '../report/terminal-report.js'
import { PLAIN_DISPLAY, type CliContext, type ExitCode } from './command.js'
import { Progress } from './progress.js'
import { runRecords, runRecordsDirectory } from './run-records.js'
import type { Terminal } from './terminal.js'

export interface CliHostOptions {
  /** The command that collects the run's batches later, given their ids. */
  collectCommand: (batchIds: string[]) => string
}

export interface CliHost extends RunHost {
  /** What the run came to (command.ts's ExitCode). */
  readonly exitCode: ExitCode
}

export function cliHost(
  settings: Pick<Settings, 'workspace'>,
  terminal: Terminal,
  context: CliContext,
  options: CliHostOptions,
): CliHost {
  const display = context.display ?? PLAIN_DISPLAY
  const records = runRecords(runRecordsDirectory(context.env), terminal)
  const progress = new Progress(context.stderr, display.liveProgress, display.columns)
  // The Batch API prices nothing before the results: the spend so far is the estimate's range times the share
  // of the run's requests processed, over all its batches (retry rounds' too, which the estimate has not).
  let estimated: { low: number; high: number; requests: number } | undefined
  const processedByBatch = new Map<string, number>()
  const spendSoFar = () => {
    if (!estimated || estimated.requests === 0) return undefined
    let processed = 0
    for (const count of processedByBatch.values()) processed += count
    const share = Math.min(1, processed / estimated.requests)
    return { low: estimated.low * share, high: estimated.high * share }
  }
  let exitCode: ExitCode = 0
  // A line of the log ends the progress line rewritten in place, so that it stays readable above.
  const log = {
    info: (text: string) => {
      progress.done()
      terminal.info(text)
    },
    warning: (text: string) => {
      progress.done()
      terminal.warning(text)
    },
  }
  const collectHint = (batchIds: string[]) =>
    `Collect the results later with:\n  ${options.collectCommand(batchIds)}`

  return {
    log,
    runState: records,
    runUrl: undefined,
    batchesChanged: () => undefined,
    progress: (batches: MessageBatch[], elapsedMs: number) => {
      for (const batch of batches) processedByBatch.set(batch.id, processedOf([batch]).processed)
      const { processed, total } = processedOf(batches)
      progress.update({ processed, total, elapsedMs, spend: spendSoFar() })
    },
    async estimated(check: BudgetCheck) {
      const { estimate, judgedTests, stop } = check
      if (estimate.unpricedModels.length === 0) {
        const [low, high] = [usdNumber(estimate.low.batch), usdNumber(estimate.high.batch)]
        estimated = { low, high, requests: estimate.requests }
      }
      log.info(estimateSummary(estimate, judgedTests))
      if (stop === 'over-budget') {
        terminal.error(check.overBudget ?? 'Over budget.')
        exitCode = 1
      } else if (stop === 'dry-run') {
        log.info('Dry run: nothing was submitted. `claude-batch-evals estimate` shows the estimate in full.')
      }
    },
    async pending({ waited, batchIds }: PendingRun) {
      progress.done()
      const { processed, total } = processedOf(waited.batches)
      const why =
        waited.state === 'aborted'
          ? 'Interrupted: the batches keep running (and are billed for what they process).'
          : waited.state === 'timed-out' && waited.batches.length > 0
            ? `Detached with ${processed} of ${total} requests processed; the batches keep running.`
            : 'Detached; the batches keep running.'
      terminal.info(`${why} Batches: ${batchIds.join(' ')}`)
      terminal.info(collectHint(batchIds))
      terminal.info('Running the same command again also resumes them rather than submitting anew.')
      if (waited.state === 'aborted') exitCode = 130
    },
    async graded({ report, files, state }: GradedRun) {
      progress.done()
      // A graded run is forgotten: running the suite again evaluates it anew.
      if (state.runKey) await records.remove(state.runKey)
      const relative = (file: string) => path.relative(settings.workspace, file) || file
      const written = [files.results, files.html, files.junit].flatMap((file) =>
        file ? [relative(file)] : [],
      )
      terminal.info('')
      terminal.styled(
        terminalReport(report, {
          color: display.color,
          width: display.columns,
          remainderAt: written.slice(0, 2).join(' and '),
        }),
      )
      if (files.html) terminal.info(`Open the HTML report: ${relative(files.html)}`)
      exitCode = report.status === 'passed' ? 0 : 1
    },
    async failed({ batchIds, submitted }: FailedRun) {
      progress.done()
      exitCode = 2
      if (submitted) {
        terminal.problem(`The run stopped, but its batches keep running: ${batchIds.join(' ')}`)
        terminal.problem(collectHint(batchIds))
      }
    },
    get exitCode() {
      return exitCode
    },
  }
}

function processedOf(batches: MessageBatch[]): { processed: number; total: number } {
  let processed = 0
  let total = 0
  for (const { request_counts: counts } of batches) {
    const done = counts.succeeded + counts.errored + counts.canceled + counts.expired
    processed += done
    total += done + counts.processing
  }
  return { processed, total }
}
