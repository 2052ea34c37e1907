/**
 * What `report` and `merge` share: a stored run's verdict decided again with the baseline and the gate flags
 * given (or as the files record it), and its HTML page written where the user says.
 */
import path from 'node:path'
import type { InputName } from '../github/action-interface.js'
import type { Settings } from '../pipeline/settings.js'
import { readBaseline } from '../report/baseline.js'
import { htmlReportData } from '../report/html-report-data.js'
import { writeHtmlReport } from '../report/html-report.js'
import type { RunReport } from '../report/report.js'
import type { StoredRunOptions } from '../report/stored-run.js'
import type { Terminal } from './terminal.js'
import { readUserFile } from './user-files.js'

export interface StoredGate {
  options: StoredRunOptions
  /** The baseline file's text, for the HTML page's side-by-side outputs. */
  baselineText: string | undefined
}

/** The gate flags given (those not given leave the stored verdict as it is) and the baseline file. */
export function storedGate(settings: Settings, inputs: ReadonlyMap<InputName, string>): StoredGate {
  const baselineFile = settings.baselineFile
  const baselineText = baselineFile
    ? readUserFile(path.resolve(settings.workspace, baselineFile), 'baseline results file')
    : undefined
  return {
    options: {
      baseline:
        baselineFile && baselineText !== undefined ? readBaseline(baselineText, baselineFile) : undefined,
      minPassRate: inputs.has('min-pass-rate') ? settings.minPassRate : undefined,
      failOn: inputs.has('fail-on') ? settings.failOn : undefined,
      maxCostIncrease: settings.maxCostIncrease,
    },
    baselineText,
  }
}

/** The HTML page of a results file, written to `html` (relative to the working directory); says where. */
export async function writeStoredHtml(
  html: string,
  resultsPath: string,
  report: RunReport,
  gate: StoredGate,
  settings: Pick<Settings, 'workspace'>,
  terminal: Terminal,
): Promise<void> {
  const file = await writeHtmlReport(
    path.resolve(settings.workspace, html),
    resultsPath,
    htmlReportData(report, gate.baselineText),
  )
  terminal.info(`HTML report: ${file}`)
}
