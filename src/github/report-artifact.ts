/**
 * Uploads the HTML report as an artifact of the workflow run (a zip holding the page), for the summary and the
 * PR comment to link to. Best-effort: where the runner cannot take artifacts, or the upload fails, it says why
 * and the run goes on; the `html-report` output still names the file for an `actions/upload-artifact` step.
 */
import path from 'node:path'
import type * as Artifact from '@actions/artifact'

export type ReportUpload = { url: string } | { skipped: string }

/** `@actions/artifact`, imported on first upload: runs that upload nothing never load it. */
let artifactModule: Promise<typeof Artifact> | undefined

const FALLBACK = 'upload it with actions/upload-artifact and the html-report output instead'

/** What `@actions/artifact` checks too (its isGhes): artifacts v4 exist on github.com and GHE.com only. */
function isGithubCom(serverUrl: string): boolean {
  const host = URL.canParse(serverUrl) ? new URL(serverUrl).hostname.toUpperCase() : ''
  return host === 'GITHUB.COM' || host.endsWith('.GHE.COM') || host.endsWith('.LOCALHOST')
}

/**
 * Uploads `file` (absolute, or relative to `workspace`) as the artifact `name` of this run; the result is the
 * artifact's page, or why it was not uploaded, worded for a warning. Never throws.
 */
export async function uploadHtmlReport(file: string, name: string, workspace: string): Promise<ReportUpload> {
  const env = process.env
  const serverUrl = env.GITHUB_SERVER_URL || 'https://github.com'
  if (!isGithubCom(serverUrl)) {
    return {
      skipped: `The HTML report was not uploaded as an artifact: ${serverUrl} is a GitHub Enterprise Server, which @actions/artifact does not support; ${FALLBACK}.`,
    }
  }
  if (!env.ACTIONS_RUNTIME_TOKEN || !env.ACTIONS_RESULTS_URL) {
    return {
      skipped:
        `The HTML report was not uploaded as an artifact: this runner gives no ACTIONS_RUNTIME_TOKEN and ` +
        `ACTIONS_RESULTS_URL (a local run, or act); ${FALLBACK}.`,
    }
  }
  if (!env.GITHUB_REPOSITORY || !env.GITHUB_RUN_ID) {
    return {
      skipped: `The HTML report was not uploaded as an artifact: GITHUB_REPOSITORY or GITHUB_RUN_ID is not set, so the artifact could not be linked; ${FALLBACK}.`,
    }
  }
  const absolute = path.resolve(workspace, file)
  try {
    const { DefaultArtifactClient } = await (artifactModule ??= import('@actions/artifact'))
    const { id } = await new DefaultArtifactClient().uploadArtifact(name, [absolute], path.dirname(absolute))
    if (id === undefined) throw new Error('the artifact service returned no artifact id')
    return {
      url: `${serverUrl.replace(/\/+$/, '')}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}/artifacts/${id}`,
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    return { skipped: `The HTML report was not uploaded as the artifact ${name}: ${message}; ${FALLBACK}.` }
  }
}
