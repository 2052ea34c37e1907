/**
 * Texts kept on disk by position, put in any order and read back in position order: how the results file's
 * entries wait from the moment their samples are graded (results arrive in any order) until the file is
 * written in suite order, so that a 100,000-test run never holds them all. Positions go in bucket files of
 * consecutive positions; reading in order loads one bucket at a time, each once.
 */
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

/** Positions per bucket file: a bucket of 100,000-test entries is a few MB. */
const BUCKET_POSITIONS = 4096
/** Text buffered per bucket before it is appended to the bucket's file, in characters. */
const FLUSH_CHARS = 1 << 16

export class PositionSpool {
  private readonly dir: string
  /** Per bucket, the text put but not yet appended to its file: `<position>\t<text>\n` lines. */
  private readonly buffered = new Map<number, string>()
  private loaded: { bucket: number; texts: string[] } | undefined

  /** Texts must hold no newline (JSON text does not). */
  constructor(parent = process.env.RUNNER_TEMP || tmpdir()) {
    this.dir = mkdtempSync(path.join(parent, 'claude-batch-evals-spool-'))
  }

  put(position: number, text: string): void {
    const bucket = Math.floor(position / BUCKET_POSITIONS)
    const lines = `${this.buffered.get(bucket) ?? ''}${position}\t${text}\n`
    if (lines.length < FLUSH_CHARS) {
      this.buffered.set(bucket, lines)
    } else {
      appendFileSync(this.fileOf(bucket), lines)
      this.buffered.delete(bucket)
    }
  }

  /** The text put at a position. Read positions in ascending order: each bucket is loaded once. */
  textAt(position: number): string {
    const bucket = Math.floor(position / BUCKET_POSITIONS)
    if (this.loaded?.bucket !== bucket) this.loaded = { bucket, texts: this.load(bucket) }
    const text = this.loaded.texts[position - bucket * BUCKET_POSITIONS]
    if (text === undefined) throw new Error(`Nothing was spooled at position ${position}.`)
    return text
  }

  /** Deletes the spool's files. */
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true })
  }

  private fileOf(bucket: number): string {
    return path.join(this.dir, `${bucket}.tsv`)
  }

  private load(bucket: number): string[] {
    const file = this.fileOf(bucket)
    const lines = (existsSync(file) ? readFileSync(file, 'utf8') : '') + (this.buffered.get(bucket) ?? '')
    const texts = new Array<string>(BUCKET_POSITIONS)
    const first = bucket * BUCKET_POSITIONS
    for (
      let start = 0, end = lines.indexOf('\n');
      end !== -1;
      start = end + 1, end = lines.indexOf('\n', start)
    ) {
      const tab = lines.indexOf('\t', start)
      texts[Number(lines.slice(start, tab)) - first] = lines.slice(tab + 1, end)
    }
    return texts
  }
}
