/**
 * The HTML report: one self-contained page of a run, from its results file (embedded once, as JSON) and the
 * report's own figures, that opens from disk or as an artifact with no network. Model and suite text is
 * data, never markup: it is escaped out of the embedded JSON's reach of the page, the page's script sets it
 * with textContent only, and a Content-Security-Policy lets no other script run and nothing load.
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { open } from 'node:fs/promises'
import { createGunzip } from 'node:zlib'
import { writeFileAtomically } from './atomic-file.js'
import { redact } from '../common/redaction.js'
import { CLIENT_SCRIPT } from './html/client-script.js'
import { STYLE } from './html/style.js'
import type { HtmlReportData } from './html-report-data.js'
import { isGzip } from './results-text.js'

const ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
}

/**
 * JSON text made safe inside a `<script>` element: with no `<` there is no `</script>` or `<!--` to end or
 * change it, and the escapes are the same JSON (these characters appear only inside JSON strings).
 */
export function scriptSafeJson(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (char) => ESCAPES[char])
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('base64')

/** Nothing loads and nothing runs but the page's own script and style, named by their hashes. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `script-src 'sha256-${sha256(CLIENT_SCRIPT)}'`,
  `style-src 'sha256-${sha256(STYLE)}'`,
  "img-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  // No string may become markup (innerHTML and its kin throw), should a later change of the script try.
  "require-trusted-types-for 'script'",
].join('; ')

/** The page in pieces: `resultsJson` is the results file's text, in chunks, embedded as it is read. */
export async function* htmlReportText(
  resultsJson: Iterable<string> | AsyncIterable<string>,
  data: HtmlReportData,
): AsyncGenerator<string> {
  yield '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
  yield `<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">\n`
  yield '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
  yield `<title>Claude Batch Evals report</title>\n<style>${STYLE}</style>\n</head>\n<body>\n`
  yield '<main id="app"><p id="loading">Loading the report...</p></main>\n'
  yield '<script type="application/json" id="results-data">'
  for await (const chunk of resultsJson) yield scriptSafeJson(chunk)
  yield '</script>\n<script type="application/json" id="report-data">'
  yield scriptSafeJson(redact(JSON.stringify(data)))
  yield `</script>\n<script>${CLIENT_SCRIPT}</script>\n</body>\n</html>\n`
}

/**
 * A results file's text in chunks, without holding it whole (a results file may be hundreds of MB), a
 * gzipped one decompressed: the page embeds JSON, which it reads without a library.
 */
async function* fileText(file: string): AsyncGenerator<string> {
  const handle = await open(file, 'r')
  const { bytesRead, buffer } = await handle.read(Buffer.alloc(2), 0, 2, 0).finally(() => handle.close())
  const bytes = createReadStream(file)
  const text = isGzip(buffer.subarray(0, bytesRead)) ? bytes.pipe(createGunzip()) : bytes
  bytes.on('error', (error) => text.destroy(error))
  text.setEncoding('utf8')
  for await (const chunk of text) yield chunk as string
}

/** Writes the page of the results file at `resultsPath` to `file`, atomically; returns its absolute path. */
export function writeHtmlReport(file: string, resultsPath: string, data: HtmlReportData): Promise<string> {
  return writeFileAtomically(file, htmlReportText(fileText(resultsPath), data))
}
