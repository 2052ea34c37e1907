/** `file://` references in suites: paths relative to the file that names them, and how their content is used. */
import path from 'node:path'
import { UserError } from '../common/user-error.js'

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

/**
 * The absolute path a `file://` reference names, relative to the directory of the file it is written in. Only
 * the text is resolved: the file system's SuiteIO follows symlinks and refuses what lies outside its roots.
 */
export function resolveFileRef(ref: string, writtenIn: string): string {
  return path.resolve(path.dirname(writtenIn), ref.slice(FILE_SCHEME.length))
}

export function imageMediaType(file: string): ImageMediaType | undefined {
  const extension = path.extname(file).slice(1).toLowerCase()
  return (IMAGE_MEDIA_TYPES as Record<string, ImageMediaType>)[extension]
}

export type RefusalReason = 'outside' | 'not-a-file'

/**
 * A file the action will not read: its real path (symlinks followed) lies outside the workspace and the
 * `allowed-paths` directories, or it is not a regular file (a FIFO or device, whose reading can hang).
 */
export class FileRefusedError extends UserError {
  constructor(
    /** The path asked for. */
    readonly file: string,
    /** Where it leads, symlinks followed. */
    readonly realPath: string,
    readonly reason: RefusalReason,
  ) {
    super('')
    this.name = 'FileRefusedError'
    this.message = this.about(file)
  }

  /** The refusal, told of `subject` (a reference as written, a file as the workspace names it). */
  about(subject: string): string {
    if (this.reason === 'not-a-file') {
      return `${subject} resolves to ${this.realPath}, which is not a regular file (a FIFO, socket or device): name a regular file`
    }
    return (
      `${subject} resolves to ${this.realPath}, outside the workspace and the 'allowed-paths' directories ` +
      "(symlinks are followed): move the file into the repository, or list its directory in the 'allowed-paths' input"
    )
  }
}
