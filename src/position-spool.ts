/**
 * Texts kept on disk by position, put in any order and read back in position order: how the results file's
 * entries wait from the moment their samples are graded (results arrive in any order) until the file is
 * written in suite order, so that a 100,000-test run never holds them all. Positions go in bucket files of
 * consecutive positions; reading in order loads one bucket at a time, each once.
 */
import {
  appendFileSync,
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
  statSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'

/** Positions per bucket file: a bucket of 100,000-test entries is a few MB. */
const BUCKET_POSITIONS = 4096
/** Bytes buffered per bucket before they are appended to the bucket's file. */
const BUFFER_BYTES = 1 << 16
const NEWLINE = 0x0a
const TAB = 0x09

export class PositionSpool {
  private readonly dir: string
  /**
   * Per bucket, what was put but not yet appended to its file: `<position>\t<text>\n` lines, as bytes.
   * Bytes, not strings: texts held until a flush outlived the young generation, and 100,000 of them
   * then piled up as garbage in the old one.
   */
  private readonly buffers = new Map<number, { bytes: Buffer; used: number }>()
  private loaded: { bucket: number; texts: string[] } | undefined
  /** Where bucket files are read, reused. */
  private readBuffer = Buffer.alloc(0)

  /** Texts must hold no newline (JSON text does not). */
  constructor(parent = process.env.RUNNER_TEMP || tmpdir()) {
    this.dir = mkdtempSync(path.join(parent, 'claude-batch-evals-spool-'))
  }

  put(position: number, text: string): void {
    const bucket = Math.floor(position / BUCKET_POSITIONS)
    const line = `${position}\t${text}\n`
    const size = Buffer.byteLength(line)
    let buffer = this.buffers.get(bucket)
    if (!buffer) {
      buffer = { bytes: Buffer.allocUnsafe(BUFFER_BYTES), used: 0 }
      this.buffers.set(bucket, buffer)
    }
    if (buffer.used + size > BUFFER_BYTES) {
      appendFileSync(this.fileOf(bucket), buffer.bytes.subarray(0, buffer.used))
      buffer.used = 0
    }
    if (size > BUFFER_BYTES) appendFileSync(this.fileOf(bucket), line)
    else buffer.used += buffer.bytes.write(line, buffer.used)
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

  /**
   * A bucket's texts by position. Read as bytes, into one buffer reused for every bucket, and decoded a text
   * at a time: a bucket read whole, as a string or a buffer of its own, is megabytes that only a full garbage
   * collection frees, and a run's buckets piled up before one came.
   */
  private load(bucket: number): string[] {
    const texts = new Array<string>(BUCKET_POSITIONS)
    const first = bucket * BUCKET_POSITIONS
    const take = (lines: Buffer) => {
      for (
        let start = 0, end = lines.indexOf(NEWLINE);
        end !== -1;
        start = end + 1, end = lines.indexOf(NEWLINE, start)
      ) {
        const tab = lines.indexOf(TAB, start)
        texts[Number(lines.toString('latin1', start, tab)) - first] = lines.toString('utf8', tab + 1, end)
      }
    }
    const file = this.fileOf(bucket)
    if (existsSync(file)) take(this.read(file))
    const buffer = this.buffers.get(bucket)
    if (buffer) take(buffer.bytes.subarray(0, buffer.used))
    return texts
  }

  /** A file's bytes, in the read buffer (valid until the next read). */
  private read(file: string): Buffer {
    const size = statSync(file).size
    if (this.readBuffer.length < size) this.readBuffer = Buffer.allocUnsafe(size)
    const fd = openSync(file, 'r')
    try {
      let read = 0
      for (let got = 1; read < size && got > 0; read += got)
        got = readSync(fd, this.readBuffer, read, size - read, read)
      return this.readBuffer.subarray(0, read)
    } finally {
      closeSync(fd)
    }
  }
}
