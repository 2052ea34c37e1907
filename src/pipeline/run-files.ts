/**
 * The graded run's files: the results file first (nothing is lost if another fails), then the HTML report
 * and the JUnit file. Both front doors write them the same way.
 */
import path from 'node:path'
import { htmlReportData } from '../report/html-report-data.js'
import { withThisRun } from '../report/history.js'
import { writeHtmlReport } from '../report/html-report.js'
import { writeJunitFile } from '../report/junit.js'
import type { RunReport } from '../report/report.js'
import { writeResultsFile, type EntrySpool } from '../report/results-file.js'
import { resultsFileText } from '../report/results-text.js'
import { allowedRoots, confinedSuiteIO } from '../suite/file-system.js'
import type { RunLog } from './run-log.js'
import type { Settings } from './settings.js'
import type { SampleOutcome } from '../model.js'

export type RunFilesSettings = Pick<
  Settings,
  'resultsFile' | 'junitFile' | 'htmlReport' | 'baselineFile' | 'allowedPaths' | 'workspace' | 'history'
>

/** Where the files were written, absolute; undefined for those turned off or not written. */
export interface RunFiles {
  results: string
  html: string | undefined
  junit: string | undefined
}

export async function writeRunFiles(
  report: RunReport,
  outcomes: SampleOutcome[],
  entries: EntrySpool,
  settings: RunFilesSettings,
  log: RunLog,
): Promise<RunFiles> {
  const results = await writeResultsFile(settings.resultsFile, report, outcomes, entries)
  const sampled = report.samples === report.total ? '' : ` (${report.samples} samples)`
  log.info(`Wrote the results of ${report.total} tests${sampled} to ${results}.`)
  const html = await writeHtmlPage(report, results, settings, log)
  const junit = settings.junitFile ? await writeJunitFile(settings.junitFile, report, outcomes) : undefined
  if (junit) log.info(`Wrote JUnit XML to ${junit}.`)
  return { results, html, junit }
}

/**
 * The HTML report of the results file just written, with the baseline's outputs of the tests that flipped
 * and the run history with this run; undefined when the setting turns it off or it cannot be written (a
 * warning: the results file has the run).
 */
export async function writeHtmlPage(
  report: RunReport,
  resultsPath: string,
  settings: RunFilesSettings,
  log: RunLog,
): Promise<string | undefined> {
  if (!settings.htmlReport) return undefined
  let baselineText: string | undefined
  const flips = report.baseline && report.baseline.regressions.length + report.baseline.fixes.length
  if (flips && settings.baselineFile) {
    try {
      const io = confinedSuiteIO(allowedRoots(settings.workspace, settings.allowedPaths))
      baselineText = resultsFileText(io.readBinary(path.resolve(settings.workspace, settings.baselineFile)))
    } catch (error) {
      log.warning(`The HTML report shows no baseline outputs: ${(error as Error).message}`)
    }
  }
  try {
    const written = await writeHtmlReport(
      settings.htmlReport,
      resultsPath,
      htmlReportData(
        report,
        baselineText,
        settings.history && {
          location: settings.history.location,
          records: withThisRun(settings.history, report, new Date()),
        },
      ),
    )
    log.info(`Wrote the HTML report to ${written}.`)
    return written
  } catch (error) {
    log.warning(
      `The HTML report was not written (the results file has every test): ${(error as Error).message}`,
    )
    return undefined
  }
}
