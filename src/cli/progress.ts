/**
 * `run`'s live progress while its batches process: requests processed of the total, the time so far, the
 * time left at the rate so far, and the spend so far. The Batch API prices nothing before the results, so the
 * spend is the pre-run estimate's range scaled by the share processed, and says it is an estimate. On a
 * terminal it is one line rewritten in place; elsewhere (a log, a pipe) a plain line per poll.
 */
import { cut } from '../common/cut-text.js'
import { formatDuration } from '../common/duration.js'
import { formatUsd } from '../cost/usd.js'

export interface ProgressPoll {
  processed: number
  total: number
  elapsedMs: number
  /** The estimated spend so far, in USD: the estimate's low and high ends times the share processed. */
  spend?: { low: number; high: number }
}

/** Carriage return, then erase the line: the next text replaces the line in place. */
const REWRITE = '\r\x1b[2K'

export class Progress {
  private shown = false

  /** `columns`: the terminal's width; a line rewritten in place is cut to it, since a wrapped one is not erased. */
  constructor(
    private readonly stream: { write: (text: string) => unknown },
    private readonly isTTY: boolean,
    private readonly columns?: number,
  ) {}

  update(poll: ProgressPoll): void {
    const line = progressLine(poll)
    if (this.isTTY) this.stream.write(`${REWRITE}${this.columns ? cut(line, this.columns - 2) : line}`)
    else this.stream.write(`${line}\n`)
    this.shown = true
  }

  /** Ends the line rewritten in place, so that what follows starts on a line of its own. */
  done(): void {
    if (this.isTTY && this.shown) this.stream.write('\n')
    this.shown = false
  }
}

export function progressLine({ processed, total, elapsedMs, spend }: ProgressPoll): string {
  const share = total > 0 ? ` (${Math.floor((processed / total) * 100)}%)` : ''
  const parts = [
    `${processed.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} requests processed${share}`,
    `${formatDuration(elapsedMs)} elapsed`,
    eta(processed, total, elapsedMs),
  ]
  if (spend) {
    const range =
      formatUsd(spend.low) === formatUsd(spend.high)
        ? formatUsd(spend.low)
        : `${formatUsd(spend.low)}–${formatUsd(spend.high)}`
    parts.push(`≈ est. ${range} spent`)
  }
  return parts.join(' · ')
}

function eta(processed: number, total: number, elapsedMs: number): string {
  if (processed >= total) return 'done'
  if (processed <= 0 || elapsedMs <= 0) return 'ETA unknown'
  return `ETA ${formatDuration(((total - processed) * elapsedMs) / processed)}`
}
