/** Ids shaped like the API's, and the seeded randomness of the emulator's schedule and cache. */
import { randomBytes } from 'node:crypto'

const BASE62 = Buffer.from('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz')

/** Random base62 characters drawn from a pool made 1,024 ids at a time: an id is one slice of it. */
const ID_CHARS = 22
let idPool = ''
let idPoolOffset = 0

/** An id shaped like the API's: prefix + `01` + 22 base62 characters. */
export function newId(prefix: string): string {
  if (idPoolOffset + ID_CHARS > idPool.length) {
    const bytes = randomBytes(ID_CHARS * 1024)
    for (let i = 0; i < bytes.length; i++) bytes[i] = BASE62[(bytes[i] as number) % 62] as number
    idPool = bytes.toString('latin1')
    idPoolOffset = 0
  }
  idPoolOffset += ID_CHARS
  return `${prefix}01${idPool.slice(idPoolOffset - ID_CHARS, idPoolOffset)}`
}

/** A 32-bit hash of a string: FNV-1a, then MurmurHash3's finaliser, so that similar ids land far apart. */
export function hash32(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193)
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}

/**
 * A number in [0, 1) drawn from the seed and a key: the same whatever order requests are decided in, so a
 * run against an emulator of a given seed sees the same schedule and cache hits every time.
 */
export function seededUnit(seed: number, key: string): number {
  return hash32(`${seed}:${key}`) / 2 ** 32
}
