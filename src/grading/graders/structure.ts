/**
 * Markup graders with promptfoo's names: is-xml and contains-xml (well-formed XML, with optional
 * `requiredElements` as dotted paths from the root), is-html and contains-html (promptfoo's heuristics: HTML
 * is forgiving, so "is HTML" means markup of known elements with no stray text, not a validator's verdict).
 */
import type { GraderDefinition } from './grader.js'
import { AssertionCompileError, type Finding } from './types.js'
import { listValue, resolveDataValue, showList, type CompileContext } from './values.js'
import { parseXml, xmlCandidates } from './xml-syntax.js'

const XML_HELP =
  "optional: the elements that must be present, as dotted paths from the root ('analysis.summary'): a list, a " +
  'comma-separated string, or {requiredElements: [...]}'

function requiredElementsOf(c: CompileContext): string[] {
  const value = resolveDataValue(c)
  if (value === undefined || value === null) return []
  if (typeof value === 'object' && !Array.isArray(value)) {
    const record = value as Record<string, unknown>
    const other = Object.keys(record).filter((key) => key !== 'requiredElements')
    if (other.length > 0 || record.requiredElements === undefined) {
      throw new AssertionCompileError(
        `${c.type} takes {requiredElements: [...]} as its value; ${XML_HELP}`,
        'value',
      )
    }
    return listValue(c, record.requiredElements, 'element paths')
  }
  return listValue(c, value, 'element paths')
}

/** The required paths a document lacks. */
const missingFrom = (paths: Set<string>, required: readonly string[]) =>
  required.filter((path) => !paths.has(path))

function xmlGrader(whole: boolean): GraderDefinition {
  const what = whole ? 'be XML' : 'contain XML'
  return {
    value: 'optional',
    valueHelp: XML_HELP,
    readsOutput: true,
    compile(c) {
      const { negate } = c
      const required = requiredElementsOf(c)
      const withElements = required.length > 0 ? ` with ${showList(required)}` : ''
      const verdict = (holds: boolean, why: string): Finding => {
        const pass = holds !== negate
        let reason: string
        if (!pass) reason = `expected output ${negate ? 'not ' : ''}to ${what}${withElements}; ${why}`
        else if (holds) reason = `output ${whole ? 'is' : 'contains'} well-formed XML${withElements}`
        else reason = `output ${whole ? 'is not' : 'does not contain'} XML${withElements}: ${why}`
        return { pass: holds, score: holds ? 1 : 0, reason }
      }
      if (whole) {
        return ({ text }) => {
          const parsed = parseXml(text.trim())
          if (!parsed.ok) return verdict(false, `not well-formed: ${parsed.error}`)
          const missing = missingFrom(parsed.paths, required)
          return missing.length > 0
            ? verdict(false, `missing ${showList(missing)}`)
            : verdict(true, 'it is well-formed XML')
        }
      }
      return ({ text }) => {
        let lastMissing: string[] | undefined
        // Candidates come by start; one inside a well-formed stretch already checked needs no check of its own.
        let checkedUntil = -1
        for (const candidate of xmlCandidates(text)) {
          if (candidate.end <= checkedUntil) continue
          const parsed = parseXml(text.slice(candidate.start, candidate.end))
          if (!parsed.ok) continue
          const missing = missingFrom(parsed.paths, required)
          if (missing.length === 0) return verdict(true, 'found well-formed XML')
          checkedUntil = Math.max(checkedUntil, candidate.end)
          lastMissing ??= missing
        }
        return verdict(
          false,
          lastMissing ? `the XML found lacks ${showList(lastMissing)}` : 'no well-formed XML element found',
        )
      }
    },
  }
}

/** The elements of HTML (living standard, and the common obsolete ones models still write). */
const HTML_ELEMENTS = new Set(
  (
    'a abbr address area article aside audio b base bdi bdo blockquote body br button canvas caption center cite ' +
    'code col colgroup data datalist dd del details dfn dialog div dl dt em embed fieldset figcaption figure font ' +
    'footer form h1 h2 h3 h4 h5 h6 head header hgroup hr html i iframe img input ins kbd label legend li link main ' +
    'map mark menu meta meter nav noscript object ol optgroup option output p param picture pre progress q rp rt ' +
    'ruby s samp script search section select slot small source span strong style sub summary sup svg table tbody ' +
    'td template textarea tfoot th thead time title tr track u ul var video wbr math big tt strike marquee'
  ).split(' '),
)
const VOID_ELEMENTS = new Set(
  'area base br col embed hr img input link meta param source track wbr'.split(' '),
)
const isHtmlElement = (name: string) => HTML_ELEMENTS.has(name) || name.includes('-')

const HTML_TAG = /<(\/?)([A-Za-z][A-Za-z0-9-]*)\b((?:[^<>"']|"[^"]*"|'[^']*')*)>/g
const HTML_ATTRIBUTE = /\s[A-Za-z_:][\w:.-]*\s*=\s*(?:"[^"]*"|'[^']*')/
const HTML_ENTITY = /&(?:[A-Za-z][A-Za-z0-9]*|#[0-9]+|#x[0-9A-Fa-f]+);/
const HTML_COMMENT = /<!--[\s\S]*?-->/
const HTML_DOCTYPE = /<!doctype\s+html/i

/**
 * promptfoo's rule for contains-html, as signs that add up to 2 or more: a known HTML element (2), opening and
 * closing tags (2; either alone 1), a self-closing tag, an attribute, an entity, a comment (1 each), a
 * DOCTYPE html (2). So "a < b", "<example>" or a lone "&amp;" is not HTML.
 */
export function looksLikeHtml(text: string): boolean {
  let opening = false
  let closing = false
  let selfClosing = false
  let attribute = false
  let known = false
  for (const [tag, slash, name, rest] of text.matchAll(HTML_TAG)) {
    if (slash) closing = true
    else opening = true
    if (!slash && tag.endsWith('/>')) selfClosing = true
    if (!slash && HTML_ATTRIBUTE.test(rest)) attribute = true
    if (HTML_ELEMENTS.has(name.toLowerCase())) known = true
  }
  let signs = opening && closing ? 2 : opening || closing ? 1 : 0
  if (selfClosing) signs++
  if (attribute) signs++
  if (known) signs += 2
  if (HTML_ENTITY.test(text)) signs++
  if (HTML_COMMENT.test(text)) signs++
  if (HTML_DOCTYPE.test(text)) signs += 2
  return signs >= 2
}

/**
 * Why the text is not an HTML document or fragment, or undefined when it is: it must start and end as markup,
 * hold at least one HTML element (known, or a custom element with a hyphen), and have no text outside its
 * elements. An XML declaration makes it XML.
 */
export function notHtmlBecause(text: string): string | undefined {
  const trimmed = text.trim()
  if (trimmed === '') return 'the output is empty'
  if (/^<\?xml[\s?]/.test(trimmed)) return 'it starts with an XML declaration'
  if (!trimmed.startsWith('<') || !trimmed.endsWith('>')) return 'it does not start and end with a tag'
  const outside = trimmed.replace(/<!--[\s\S]*?-->/g, '').replace(/<!doctype[^>]*>/gi, '')
  let depth = 0
  let last = 0
  let element = false
  for (const match of outside.matchAll(HTML_TAG)) {
    const [tag, slash, raw] = match
    if (depth === 0 && outside.slice(last, match.index).trim() !== '')
      return 'it has text outside any HTML tag'
    last = match.index + tag.length
    const name = raw.toLowerCase()
    if (isHtmlElement(name)) element = true
    if (slash) depth = Math.max(0, depth - 1)
    else if (!tag.endsWith('/>') && !VOID_ELEMENTS.has(name)) depth++
  }
  if (outside.slice(last).trim() !== '') return 'it has text outside any HTML tag'
  return element ? undefined : 'it has no HTML element'
}

function htmlGrader(whole: boolean): GraderDefinition {
  const verb = whole ? 'be HTML' : 'contain HTML'
  return {
    value: 'none',
    valueHelp: 'it looks at the output alone',
    readsOutput: true,
    compile(c) {
      const { negate } = c
      return ({ text }): Finding => {
        const why = whole ? notHtmlBecause(text) : looksLikeHtml(text) ? undefined : 'no sign of HTML markup'
        const holds = why === undefined
        const pass = holds !== negate
        const state = whole
          ? holds
            ? 'is HTML'
            : 'is not HTML'
          : holds
            ? 'contains HTML'
            : 'does not contain HTML'
        const reason = pass
          ? `output ${state}${why ? `: ${why}` : ''}`
          : `expected output ${negate ? 'not ' : ''}to ${verb}${why ? `; ${why}` : ''}`
        return { pass: holds, score: holds ? 1 : 0, reason }
      }
    },
  }
}

export const STRUCTURE_GRADERS: Record<string, GraderDefinition> = {
  'is-xml': xmlGrader(true),
  'contains-xml': xmlGrader(false),
  'is-html': htmlGrader(true),
  'contains-html': htmlGrader(false),
}
