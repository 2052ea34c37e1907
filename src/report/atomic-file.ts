/** Writing a report file so that a reader never finds a truncated one where a complete one is expected. */
import { createWriteStream } from 'node:fs'
import { mkdir, open, rename, rm } from 'node:fs/promises'
import path from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createGzip } from 'node:zlib'

type Chunks = Iterable<Buffer | string> | AsyncIterable<Buffer | string>

/**
 * Writes `chunks` to `file` (its directory made if missing) and returns its absolute path. The file is
 * written next to its final path and renamed into place, so that a run that fails while writing leaves
 * no file rather than a truncated one; what was written is removed. A file whose name ends in `.gz` is
 * written gzipped, streamed.
 */
export async function writeFileAtomically(file: string, chunks: Chunks): Promise<string> {
  const absolute = path.resolve(file)
  await mkdir(path.dirname(absolute), { recursive: true })
  const partial = `${absolute}.partial`
  try {
    if (absolute.endsWith('.gz')) await writeGzipped(partial, chunks)
    else await writePlain(partial, chunks)
    await rename(partial, absolute)
  } catch (error) {
    await rm(partial, { force: true })
    throw error
  }
  return absolute
}

async function writePlain(file: string, chunks: Chunks): Promise<void> {
  const handle = await open(file, 'w')
  try {
    for await (const chunk of chunks) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
      for (let written = 0; written < bytes.length;)
        written += (await handle.write(bytes, written)).bytesWritten
    }
  } finally {
    await handle.close()
  }
}

async function writeGzipped(file: string, chunks: Chunks): Promise<void> {
  // Each chunk copied: the stream reads ahead, and a chunk may be a view its maker overwrites next (resultsText).
  async function* copies() {
    for await (const chunk of chunks) yield Buffer.from(chunk)
  }
  await pipeline(Readable.from(copies()), createGzip(), createWriteStream(file))
}
