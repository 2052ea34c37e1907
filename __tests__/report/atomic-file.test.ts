import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { gunzipSync } from 'node:zlib'
import { writeFileAtomically } from '../../src/report/atomic-file.js'

describe('writeFileAtomically', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'atomic-file-'))
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('writes text and byte chunks in order, in a directory it makes, and returns the absolute path', async () => {
    const file = path.join(dir, 'out', 'report.txt')
    const written = await writeFileAtomically(path.relative(process.cwd(), file), [
      'a😀',
      Buffer.from('b'),
      'c',
    ])
    expect(written).toBe(file)
    expect(await readFile(file, 'utf8')).toBe('a😀bc')
    expect(await readdir(path.join(dir, 'out'))).toEqual(['report.txt'])
  })

  it('keeps the earlier file, and leaves no partial one, when making the chunks fails midway', async () => {
    const file = path.join(dir, 'report.txt')
    await writeFile(file, 'earlier')
    function* failing(): Generator<string> {
      yield 'first'
      throw new Error('made no second chunk')
    }
    await expect(writeFileAtomically(file, failing())).rejects.toThrow('made no second chunk')
    expect(await readFile(file, 'utf8')).toBe('earlier')
    expect(await readdir(dir)).toEqual(['report.txt'])
  })

  it('writes a .gz file gzipped, from chunks that may be views overwritten once handed over', async () => {
    const file = path.join(dir, 'results.json.gz')
    const shared = Buffer.alloc(3)
    function* views(): Generator<Buffer | string> {
      for (const text of ['abc', 'def', 'ghi']) {
        shared.write(text)
        yield shared
      }
      yield 'é'
    }
    await writeFileAtomically(file, views())
    expect(gunzipSync(await readFile(file)).toString('utf8')).toBe('abcdefghié')
    expect(await readdir(dir)).toEqual(['results.json.gz'])
  })

  it('keeps the earlier .gz file, and leaves no partial one, when making the chunks fails midway', async () => {
    const file = path.join(dir, 'results.json.gz')
    await writeFile(file, 'earlier')
    async function* failing(): AsyncGenerator<string> {
      yield 'first'
      throw new Error('made no second chunk')
    }
    await expect(writeFileAtomically(file, failing())).rejects.toThrow('made no second chunk')
    expect(await readFile(file, 'utf8')).toBe('earlier')
    expect(await readdir(dir)).toEqual(['results.json.gz'])
  })
})
