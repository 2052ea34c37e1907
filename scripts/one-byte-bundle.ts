/**
 * Part of `npm run bundle`: rewrites each character of the bundle's JavaScript files above U+00FF as a
 * `\uXXXX` escape. V8 keeps a script's source for the life of the process, one byte a character when every
 * character fits in one, else two: some 3,000 quotes, dashes and emoji in dependencies' strings and comments
 * doubled the 6 MB the action's sources take (escapes mean the same in strings, templates, regexes,
 * identifiers and comments; the bundle has no String.raw).
 *
 *   tsx scripts/one-byte-bundle.ts <bundle directory>
 */
import { readdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'

const [directory] = process.argv.slice(2)
if (!directory) throw new Error('Usage: tsx scripts/one-byte-bundle.ts <bundle directory>')

for (const name of await readdir(directory)) {
  if (!name.endsWith('.js')) continue
  const file = path.join(directory, name)
  const source = await readFile(file, 'utf8')
  // UTF-16 units: a character beyond U+FFFF becomes its surrogate pair's two escapes, as JavaScript reads it.
  const oneByte = source.replace(
    /[\u0100-\uffff]/g,
    (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
  if (oneByte !== source) await writeFile(file, oneByte)
}
