/**
 * Results downloads: a batch's JSONL streamed in large pieces with backpressure, and the scripted faults
 * of downloads (`cutResultsAfter`: the connection drops mid-stream; `reverseNextResults`: another order).
 */
import type { ServerResponse } from 'node:http'
import type { CallContext } from './emulator-http.js'

/**
 * How long a cut results download waits, after its lines reached the socket, before dropping the
 * connection: time for the client to take in the lines before it learns of the break.
 */
const CUT_DELAY_MS = 50

export class ResultsDownloads {
  /** Scripted cuts of results downloads: the number of lines each of the next downloads sends. */
  private readonly cuts: { lines: number; times: number }[] = []
  /** How many of the next results downloads send their lines in reverse order. */
  private reversals = 0

  cutAfter(lines: number, times: number): void {
    this.cuts.push({ lines, times })
  }

  reverseNext(times: number): void {
    this.reversals += times
  }

  /** Sends the results JSONL (`results`, pieces of whole lines; `lineCount` lines in all). */
  async stream(results: Buffer[], lineCount: number, res: ServerResponse, ctx: CallContext): Promise<void> {
    if (ctx.resetInsteadOfAnswer) {
      res.destroy()
      return
    }
    const cut = this.cuts.find((c) => c.times > 0)
    if (cut) cut.times -= 1
    const reversed = this.reversals > 0
    if (reversed) this.reversals -= 1
    const served = reversed ? [Buffer.concat(linesOf(results).reverse())] : results
    const count = cut ? Math.min(cut.lines, lineCount) : lineCount
    res.writeHead(200, { 'content-type': 'application/binary', 'request-id': ctx.requestId })
    const whenClosed = cut ? closed(res) : null
    // For a cut: settles once the last piece is flushed to the socket (or the client has gone).
    let flushed: Promise<void> = Promise.resolve()
    for (const piece of cut ? firstLines(served, count) : served) {
      if (whenClosed) {
        flushed = Promise.race([
          new Promise<void>((resolve) => res.write(piece, () => resolve())),
          whenClosed,
        ])
      } else {
        res.write(piece)
      }
      if (res.writableNeedDrain) await drained(res)
      if (res.destroyed) return
    }
    if (!cut) {
      res.end()
      return
    }
    // Cut: the lines reach the client, then the connection drops before the end of the chunked body.
    if (count === 0) res.flushHeaders()
    await flushed
    await new Promise((resolve) => setTimeout(resolve, CUT_DELAY_MS).unref())
    res.destroy()
  }
}

/**
 * The first `count` lines of JSONL pieces. A line holds no newline byte but its last one (JSON escapes
 * newlines in strings, and UTF-8 never uses 0x0a inside a multi-byte character).
 */
function firstLines(pieces: Buffer[], count: number): Buffer[] {
  const out: Buffer[] = []
  let left = count
  for (const piece of pieces) {
    if (left === 0) break
    let end = 0
    while (left > 0 && end < piece.length) {
      end = piece.indexOf(0x0a, end) + 1
      if (end === 0) end = piece.length
      left--
    }
    out.push(end === piece.length ? piece : piece.subarray(0, end))
  }
  return out
}

/** Each JSONL line of the pieces, its newline included. */
function linesOf(pieces: Buffer[]): Buffer[] {
  const lines: Buffer[] = []
  for (const piece of pieces) {
    for (let start = 0; start < piece.length;) {
      const end = piece.indexOf(0x0a, start) + 1 || piece.length
      lines.push(piece.subarray(start, end))
      start = end
    }
  }
  return lines
}

/** Resolves when the response can take more data, or has closed. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done)
      res.off('close', done)
      resolve()
    }
    res.on('drain', done)
    res.on('close', done)
  })
}

/** Resolves when the response has closed (at once when it already has). */
function closed(res: ServerResponse): Promise<void> {
  if (res.closed) return Promise.resolve()
  return new Promise((resolve) => res.once('close', () => resolve()))
}
