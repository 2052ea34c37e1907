import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { gunzipSync, gzipSync } from 'node:zlib'
import { pageScripts as scripts } from '../fixtures/html-page.js'
import { HOSTILE, writeRun, type Reply } from '../fixtures/html-report-runs.js'
import { readBaseline } from '../../src/report/baseline.js'
import { isGzip, resultsFileText } from '../../src/report/results-text.js'
import { readStoredRun, storedEntries, storedRunForReuse } from '../../src/report/stored-run.js'

describe('resultsFileText', () => {
  const json = '{"schema_version":1,"tests":[{"output":"Paris 😀"}]}'

  it('reads plain UTF-8 and gzip alike, told apart by the magic bytes, not the name', () => {
    expect(resultsFileText(Buffer.from(json))).toBe(json)
    expect(resultsFileText(gzipSync(json))).toBe(json)
    const inLargerBuffer = Buffer.concat([Buffer.from('xx'), gzipSync(json)]).subarray(2)
    expect(resultsFileText(new Uint8Array(inLargerBuffer))).toBe(json)
  })

  it('knows gzip by 1f 8b only', () => {
    expect(isGzip(gzipSync(''))).toBe(true)
    expect(isGzip(Buffer.from([0x1f]))).toBe(false)
    expect(isGzip(Buffer.from('{}'))).toBe(false)
    expect(isGzip(Buffer.from([0x1f, 0x8c]))).toBe(false)
  })

  it('says a truncated gzip file is broken rather than reading part of it', () => {
    const packed = gzipSync(json)
    expect(() =>
      resultsFileText(packed.subarray(0, packed.length - 6), 'The results file r.json.gz'),
    ).toThrow(
      /^The results file r\.json\.gz is gzip that does not decompress \(unexpected end of file\): cut off in a download or copy\? Download or write it again\.$/,
    )
  })
})

/** A run of many tests with varied replies, some failing, one errored, a repeated one: every field in use. */
function replies(count: number): (Reply | Reply[])[] {
  return Array.from({ length: count }, (_, n): Reply | Reply[] => {
    if (n === 3) return { text: null }
    if (n === 5) return [{ text: 'Paris' }, { text: 'Lyon' }, { text: 'Paris, yes' }]
    if (n === 7) return { text: HOSTILE }
    const answer = n % 9 === 0 ? `Lyon, I think (${n})` : `Paris is the capital of France (${n}).`
    return { text: answer, usage: { input_tokens: 20 + n, output_tokens: 5 + (n % 11) } }
  })
}

/** The document without the one field that differs between two writes: when it was written. */
function withoutTime(text: string): unknown {
  const document = JSON.parse(text) as Record<string, unknown>
  delete document.generated_at
  return document
}

describe('a results file written as .json.gz', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'results-gz-'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('holds every field of the plain file, is read back the same by every reader, and is 4x smaller', async () => {
    const plain = await writeRun(dir, 'plain', replies(400))
    const packed = await writeRun(dir, 'packed', replies(400), undefined, '.json.gz')
    expect(packed.resultsPath).toBe(path.join(dir, 'packed.json.gz'))
    const plainBytes = readFileSync(plain.resultsPath)
    const packedBytes = readFileSync(packed.resultsPath)
    expect(isGzip(packedBytes)).toBe(true)
    const plainText = plainBytes.toString('utf8')
    const packedText = resultsFileText(packedBytes)
    expect(gunzipSync(packedBytes).toString('utf8')).toBe(packedText)
    // Written in many chunks (the file is far larger than one): none overwritten before it was compressed.
    expect(plainBytes.length).toBeGreaterThan(8 * (1 << 16))
    expect(withoutTime(packedText)).toEqual(withoutTime(plainText))
    expect(plainBytes.length / packedBytes.length).toBeGreaterThanOrEqual(4)

    const same = (text: string) => text.replace(/"generated_at": "[^"]*"/, '"generated_at": "T"')
    expect(readStoredRun(same(packedText), 'r.json')).toEqual(readStoredRun(same(plainText), 'r.json'))
    expect(Array.from(storedEntries(packedText, 'r.json'))).toEqual(
      Array.from(storedEntries(plainText, 'r.json')),
    )
    expect(storedRunForReuse(same(packedText), 'r.json')).toEqual(
      storedRunForReuse(same(plainText), 'r.json'),
    )
    expect(readBaseline(same(packedText), 'b.json')).toEqual(readBaseline(same(plainText), 'b.json'))
  })

  it('makes an HTML page that embeds the decompressed JSON, as the plain file does', async () => {
    const packed = await writeRun(dir, 'packed', replies(30), undefined, '.json.gz')
    const page = readFileSync(packed.htmlPath, 'utf8')
    const embedded = scripts(page)[0]
    expect(JSON.parse(embedded)).toEqual(JSON.parse(resultsFileText(readFileSync(packed.resultsPath))))
  })
})
