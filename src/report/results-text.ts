/**
 * A results file's text, whichever way it was written: `results-file` ending in `.gz` writes it gzipped, and
 * every reader (report, regrade, baseline, reuse, the HTML page) takes either. Told apart by gzip's magic
 * bytes, not by the name: a file restored or renamed (the baseline cache stores it as `results.json`) keeps
 * its bytes but not always its name.
 */
import { gunzipSync } from 'node:zlib'
import { UserError } from '../common/user-error.js'

/** Whether these bytes begin as gzip's do (1f 8b): no JSON text begins so. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b
}

/**
 * The text of a results file's bytes, decompressed when they are gzip's; gzip that does not decompress (a
 * file cut off in a download or copy) is the user's error, naming `file`.
 */
export function resultsFileText(bytes: Uint8Array, file = 'The results file'): string {
  let plain = bytes
  if (isGzip(bytes)) {
    try {
      plain = gunzipSync(bytes)
    } catch (error) {
      throw new UserError(
        `${file} is gzip that does not decompress (${(error as Error).message}): cut off in a download or ` +
          'copy? Download or write it again.',
        { cause: error },
      )
    }
  }
  return Buffer.from(plain.buffer, plain.byteOffset, plain.byteLength).toString('utf8')
}
