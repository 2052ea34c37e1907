import { Progress, progressLine } from '../../src/cli/progress.js'

function buffer() {
  const written: string[] = []
  return { written, stream: { write: (text: string) => written.push(text) } }
}

describe('progressLine', () => {
  it('says the requests processed, the time, the ETA at the rate so far and the estimated spend', () => {
    expect(
      progressLine({ processed: 250, total: 1000, elapsedMs: 60_000, spend: { low: 0.5, high: 2 } }),
    ).toBe('250 / 1,000 requests processed (25%) · 1m 0s elapsed · ETA 3m 0s · ≈ est. $0.5–$2.00 spent')
  })

  it('has no ETA before anything is processed, and one amount when the range is one', () => {
    expect(progressLine({ processed: 0, total: 10, elapsedMs: 5_000, spend: { low: 0, high: 0 } })).toBe(
      '0 / 10 requests processed (0%) · 5s elapsed · ETA unknown · ≈ est. $0 spent',
    )
    expect(progressLine({ processed: 10, total: 10, elapsedMs: 7_200_000 })).toBe(
      '10 / 10 requests processed (100%) · 2h 0m elapsed · done',
    )
  })
})

describe('Progress', () => {
  it('rewrites one line in place on a terminal, and ends it with a newline when done', () => {
    const { written, stream } = buffer()
    const progress = new Progress(stream, true)
    progress.update({ processed: 0, total: 4, elapsedMs: 1_000 })
    progress.update({ processed: 2, total: 4, elapsedMs: 2_000 })
    progress.done()
    expect(written).toEqual([
      '\r\x1b[2K0 / 4 requests processed (0%) · 1s elapsed · ETA unknown',
      '\r\x1b[2K2 / 4 requests processed (50%) · 2s elapsed · ETA 2s',
      '\n',
    ])
  })

  it('writes a plain line per poll elsewhere, with no escape codes and nothing more when done', () => {
    const { written, stream } = buffer()
    const progress = new Progress(stream, false)
    progress.update({ processed: 1, total: 4, elapsedMs: 10_000 })
    progress.update({ processed: 4, total: 4, elapsedMs: 20_000 })
    progress.done()
    expect(written).toEqual([
      '1 / 4 requests processed (25%) · 10s elapsed · ETA 30s\n',
      '4 / 4 requests processed (100%) · 20s elapsed · done\n',
    ])
  })

  it('cuts the line rewritten in place to the terminal, which would not erase a wrapped one', () => {
    const { written, stream } = buffer()
    new Progress(stream, true, 20).update({ processed: 1, total: 4, elapsedMs: 10_000 })
    expect(written).toEqual(['\r\x1b[2K1 / 4 requests pro…'])
  })

  it('writes nothing when done without an update', () => {
    const { written, stream } = buffer()
    new Progress(stream, true).done()
    expect(written).toEqual([])
  })
})
