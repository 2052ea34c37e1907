/**
 * A results file's text, whichever way it was written: `results-file` ending in `.gz` writes it gzipped, and
 * every reader (report, regrade, baseline, reuse, the HTML page) takes either. Told apart by gzip's magic
 * bytes, not by the name: a file restored or renamed (the baseline cache stores it as `results.json`) keeps
 * its bytes but not always its name.
 */
import { gunzipSync } from 'node:zlib'

/** Whether these bytes begin as gzip's do (1f 8b): no JSON text begins so. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b
}

/** The text of a results file's bytes, decompressed when they are gzip's. */
export function resultsFileText(bytes: Uint8Array): string {
  const plain = isGzip(bytes) ? gunzipSync(bytes) : bytes
  return Buffer.from(plain.buffer, plain.byteOffset, plain.byteLength).toString('utf8')
}
