/** `file://` references in suites: paths relative to the file that names them, and how their content is used. */
import path from 'node:path'

const FILE_SCHEME = 'file://'

const IMAGE_MEDIA_TYPES = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
} as const

export type ImageMediaType = (typeof IMAGE_MEDIA_TYPES)[keyof typeof IMAGE_MEDIA_TYPES]

export function isFileRef(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(FILE_SCHEME)
}

/** The absolute path a `file://` reference names, relative to the directory of the file it is written in. */
export function resolveFileRef(ref: string, writtenIn: string): string {
  return path.resolve(path.dirname(writtenIn), ref.slice(FILE_SCHEME.length))
}

export function imageMediaType(file: string): ImageMediaType | undefined {
  const extension = path.extname(file).slice(1).toLowerCase()
  return (IMAGE_MEDIA_TYPES as Record<string, ImageMediaType>)[extension]
}
