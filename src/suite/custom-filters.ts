/**
 * promptfoo's `nunjucksFilters`: a suite's own template filters, `name: path` (relative to the suite), each a
 * JavaScript module whose default export is the filter, used in the suite's prompts as `{{ x | name }}`. This
 * runs code from the repository, as a `javascript` assertion's file:// module does: the module is imported
 * through the suite IO, so only from inside the workspace and the allowed-paths directories.
 */
import type { Location, ProblemLog } from './problems.js'
import type { SuiteIO } from './load-options.js'
import type { References } from './references.js'
import { FileRefusedError, resolveFileRef } from './file-refs.js'
import { TemplateEngine, type TemplateFilter } from './template.js'

const SCRIPT = /\.(?:js|mjs|cjs)$/i

/**
 * The template engine of a suite's prompts with its `nunjucksFilters` (written at `location`), or undefined
 * when one does not load (reported at its line) or none is given.
 */
export async function suiteFilters(
  filters: Record<string, string>,
  location: Location,
  io: SuiteIO,
  refs: References,
  log: ProblemLog,
): Promise<TemplateEngine | undefined> {
  const loaded: Record<string, TemplateFilter> = {}
  let failed = false
  for (const [name, written] of Object.entries(filters)) {
    const problem = (message: string) => {
      log.report(location, `nunjucksFilters: ${message}`, name)
      failed = true
    }
    const ref = written.startsWith('file://') ? written : `file://${written}`
    if (!SCRIPT.test(written)) {
      problem(
        `${name}: ${written} is not a JavaScript file: give a .js, .mjs or .cjs module whose default export is the filter`,
      )
      continue
    }
    const file = resolveFileRef(ref, location.source.file)
    let exports: Record<string, unknown>
    try {
      exports = await io.importModule(file)
    } catch (error) {
      const { code, message } = error as NodeJS.ErrnoException
      const missing = code === 'ENOENT' || code === 'ERR_MODULE_NOT_FOUND' || code === 'EISDIR'
      problem(
        `${name}: ${missing || error instanceof FileRefusedError ? refs.unreadableMessage(written, file, error) : `${written} does not load: ${message}`}`,
      )
      continue
    }
    const filter = typeof exports === 'function' ? exports : exports.default
    if (typeof filter !== 'function') {
      problem(
        `${name}: ${written} exports no function: make the filter its default export (module.exports = fn)`,
      )
      continue
    }
    loaded[name] = filter as TemplateFilter
  }
  return failed || Object.keys(loaded).length === 0 ? undefined : new TemplateEngine(loaded)
}
