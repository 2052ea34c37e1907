/** Writing a report file so that a reader never finds a truncated one where a complete one is expected. */
import { mkdir, open, rename, rm } from 'node:fs/promises'
import path from 'node:path'

/**
 * Writes `chunks` to `file` (its directory made if missing) and returns its absolute path. The file is
 * written next to its final path and renamed into place, so that a run that fails while writing leaves
 * no file rather than a truncated one; what was written is removed.
 */
export async function writeFileAtomically(file: string, chunks: Iterable<Buffer | string>): Promise<string> {
  const absolute = path.resolve(file)
  await mkdir(path.dirname(absolute), { recursive: true })
  const partial = `${absolute}.partial`
  try {
    const handle = await open(partial, 'w')
    try {
      for (const chunk of chunks) {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
        for (let written = 0; written < bytes.length;)
          written += (await handle.write(bytes, written)).bytesWritten
      }
    } finally {
      await handle.close()
    }
    await rename(partial, absolute)
  } catch (error) {
    await rm(partial, { force: true })
    throw error
  }
  return absolute
}
