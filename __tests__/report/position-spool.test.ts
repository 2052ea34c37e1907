import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { PositionSpool } from '../../src/report/position-spool.js'

describe('PositionSpool', () => {
  let parent: string
  beforeEach(async () => {
    parent = await mkdtemp(path.join(tmpdir(), 'spool-test-'))
  })
  afterEach(async () => {
    await rm(parent, { recursive: true, force: true })
  })

  it('gives back, in position order, texts put in any order, across buckets, flushes and a text larger than a buffer', () => {
    const spool = new PositionSpool(parent)
    const count = 10_000
    // One text larger than a bucket's buffer.
    const textOf = (position: number) =>
      `{"position":${position},"pad":"${'é'.repeat(position === 4321 ? 100_000 : position % 97)}"}`
    // A fixed shuffle: 7919 is prime to 10,000, so this visits every position once.
    for (let i = 0; i < count; i++) spool.put((i * 7919) % count, textOf((i * 7919) % count))
    for (let position = 0; position < count; position++) {
      expect(spool.bytesAt(position).toString()).toBe(textOf(position))
    }
    spool.remove()
  })

  it('puts a text given in pieces as their concatenation, in a buffer or, when larger, straight to its file', () => {
    const spool = new PositionSpool(parent)
    const large = 'x'.repeat(70_000)
    spool.put(1, '{"a":1', '\t', '"b":"é"}')
    spool.put(0, large, '\t', large)
    expect(spool.bytesAt(0).toString()).toBe(`${large}\t${large}`)
    expect(spool.bytesAt(1).toString()).toBe('{"a":1\t"b":"é"}')
    spool.remove()
  })

  it('says so when asked for a position nothing was put at, and leaves nothing behind once removed', async () => {
    const spool = new PositionSpool(parent)
    spool.put(0, 'zero')
    spool.put(2, 'two')
    expect(spool.bytesAt(0).toString()).toBe('zero')
    expect(() => spool.bytesAt(1)).toThrow('Nothing was spooled at position 1.')
    expect(await readdir(parent)).toHaveLength(1)
    spool.remove()
    expect(await readdir(parent)).toEqual([])
  })
})
