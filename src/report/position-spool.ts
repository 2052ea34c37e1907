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
const DIGIT_ZERO = 0x30

export class PositionSpool {
  private readonly dir: string
  /**
   * Per bucket, what was put but not yet appended to its file: `<position>\t<text>\n` lines, as bytes.
   * Bytes, not strings: texts held until a flush outlived the young generation, and 100,000 of them
   * then piled up as garbage in the old one.
   */
  private readonly buffers = new Map<number, { bytes: Buffer; used: number }>()
  /** The bucket loaded for reading: its lines in the read buffer, and where each position's text is in it. */
  private loadedBucket = -1
  private readBuffer = Buffer.alloc(0)
  private readonly starts = new Uint32Array(BUCKET_POSITIONS)
  /** 0 where nothing was put (a text never ends at 0: its position comes before it). */
  private readonly ends = new Uint32Array(BUCKET_POSITIONS)

  /** Texts must hold no newline (JSON text does not). */
  constructor(parent = process.env.RUNNER_TEMP || tmpdir()) {
    this.dir = mkdtempSync(path.join(parent, 'claude-batch-evals-spool-'))
  }

  /** Puts the text made of these pieces, written one after another: never joined into one string first. */
  put(position: number, ...pieces: string[]): void {
    const bucket = Math.floor(position / BUCKET_POSITIONS)
    // At most 3 bytes of UTF-8 per UTF-16 unit, and 17 for `<position>\t` and `\n`: room enough without
    // measuring the pieces first.
    let size = 17
    for (const piece of pieces) size += piece.length * 3
    let buffer = this.buffers.get(bucket)
    if (!buffer) {
      buffer = { bytes: Buffer.allocUnsafe(BUFFER_BYTES), used: 0 }
      this.buffers.set(bucket, buffer)
    }
    if (buffer.used > 0 && buffer.used + size > BUFFER_BYTES) {
      appendFileSync(this.fileOf(bucket), buffer.bytes.subarray(0, buffer.used))
      buffer.used = 0
    }
    if (size > BUFFER_BYTES) {
      appendFileSync(this.fileOf(bucket), `${position}\t${pieces.join('')}\n`)
      return
    }
    const { bytes } = buffer
    let used = buffer.used + bytes.write(`${position}\t`, buffer.used)
    for (const piece of pieces) used += bytes.write(piece, used)
    bytes[used] = NEWLINE
    buffer.used = used + 1
  }

  /**
   * The UTF-8 bytes of the text put at a position: a view that holds them until the next call. Read
   * positions in ascending order: each bucket is loaded once, and nothing is decoded. (Decoded a bucket at a
   * time, its texts outlived the young generation while the bucket was read, and a run's buckets piled up
   * as old-generation garbage.)
   */
  bytesAt(position: number): Buffer {
    const bucket = Math.floor(position / BUCKET_POSITIONS)
    if (this.loadedBucket !== bucket) this.load(bucket)
    const i = position - bucket * BUCKET_POSITIONS
    if (this.ends[i] === 0) throw new Error(`Nothing was spooled at position ${position}.`)
    return this.readBuffer.subarray(this.starts[i], this.ends[i])
  }

  /** Deletes the spool's files. */
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true })
  }

  private fileOf(bucket: number): string {
    return path.join(this.dir, `${bucket}.tsv`)
  }

  /** Reads a bucket's lines, from its file and its buffer, into the read buffer, and indexes them. */
  private load(bucket: number): void {
    const file = this.fileOf(bucket)
    const buffered = this.buffers.get(bucket)
    const fileSize = existsSync(file) ? statSync(file).size : 0
    const size = fileSize + (buffered?.used ?? 0)
    if (this.readBuffer.length < size) this.readBuffer = Buffer.allocUnsafe(size)
    if (fileSize > 0) this.readFile(file, fileSize)
    buffered?.bytes.copy(this.readBuffer, fileSize, 0, buffered.used)
    this.ends.fill(0)
    const first = bucket * BUCKET_POSITIONS
    const bytes = this.readBuffer
    for (let start = 0; start < size;) {
      const tab = bytes.indexOf(TAB, start)
      const end = bytes.indexOf(NEWLINE, tab)
      let position = 0
      for (let k = start; k < tab; k++) position = position * 10 + bytes[k] - DIGIT_ZERO
      this.starts[position - first] = tab + 1
      this.ends[position - first] = end
      start = end + 1
    }
    this.loadedBucket = bucket
  }

  private readFile(file: string, size: number): void {
    const fd = openSync(file, 'r')
    try {
      for (let read = 0; read < size;) {
        const got = readSync(fd, this.readBuffer, read, size - read, read)
        if (got === 0) throw new Error(`The spool file ${file} ended early.`)
        read += got
      }
    } finally {
      closeSync(fd)
    }
  }
}
