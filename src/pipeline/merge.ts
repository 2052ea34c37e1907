/**
 * The merge of a matrix's shards (the `merge` input, the command line's `merge`): their results files found
 * in the workspace, merged into one run (report/merged-run.ts) with the gate applied to the whole, and its
 * results file and HTML report written. Nothing is sent to the API.
 */
import path from 'node:path'
import { UserError } from '../common/user-error.js'
import { writeFileAtomically } from '../report/atomic-file.js'
import { writeJunitFile } from '../report/junit.js'
import { mergeShards, type MergedRun, type ShardFile } from '../report/merged-run.js'
import { resultsTextOfEntries } from '../report/results-file.js'
import { resultsFileText } from '../report/results-text.js'
import { allowedRoots, confinedSuiteIO } from '../suite/file-system.js'
import { writeHtmlPage, type RunFiles, type RunFilesSettings } from './run-files.js'
import { loadBaseline } from './input-files.js'
import type { RunLog } from './run-log.js'
import type { Settings } from './settings.js'

export type MergeSettings = RunFilesSettings &
  Pick<Settings, 'mergePatterns' | 'shard' | 'minPassRate' | 'failOn' | 'maxCostIncrease' | 'baselineSource'>

/** The shards' results files the patterns match in the workspace (or allowed-paths), read (gzipped or not). */
export async function findShardFiles(settings: MergeSettings): Promise<ShardFile[]> {
  const io = confinedSuiteIO(allowedRoots(settings.workspace, settings.allowedPaths))
  const files = new Set<string>()
  for (const pattern of settings.mergePatterns) {
    const matches = await io.globFiles(path.resolve(settings.workspace, pattern))
    if (matches.length === 0) {
      throw new UserError(
        `merge: '${pattern}' matches no file under ${settings.workspace}. Download the shards' results files ` +
          'first (actions/download-artifact with merge-multiple: true) into the directory the glob names.',
      )
    }
    for (const match of matches) files.add(match)
  }
  return [...files].map((file) => ({
    file: path.relative(settings.workspace, file),
    text: resultsFileText(io.readBinary(file)),
  }))
}

/** The merged run, gated with the settings, and its files; the merge is said in the log. */
export async function mergeRun(
  settings: MergeSettings,
  log: RunLog,
): Promise<MergedRun & { files: RunFiles }> {
  if (settings.shard)
    throw new UserError("Inputs 'shard' and 'merge' are given together: a merge job runs no shard.")
  const shardFiles = await findShardFiles(settings)
  const io = confinedSuiteIO(allowedRoots(settings.workspace, settings.allowedPaths))
  const baseline = settings.baselineFile
    ? loadBaseline(settings.workspace, settings.baselineFile, io, log, settings.baselineSource)
    : undefined
  const merged = mergeShards(shardFiles, {
    minPassRate: settings.minPassRate,
    failOn: settings.failOn,
    baseline,
    maxCostIncrease: settings.maxCostIncrease,
  })
  const { report, entries, shards } = merged
  log.info(
    `Merged ${shards} shards (${shardFiles.map((shard) => shard.file).join(', ')}): ${report.total} tests.`,
  )
  const results = await writeFileAtomically(
    path.resolve(settings.workspace, settings.resultsFile),
    resultsTextOfEntries(report, entries, new Date()),
  )
  log.info(`Wrote the merged results of ${report.total} tests to ${results}.`)
  const html = await writeHtmlPage(report, results, settings, log)
  const junit = settings.junitFile
    ? await writeJunitFile(settings.junitFile, report, merged.outcomes)
    : undefined
  if (junit) log.info(`Wrote JUnit XML to ${junit}.`)
  return { ...merged, files: { results, html, junit } }
}
