/**
 * A small well-formedness check of XML 1.0, enough to grade a model's output (no dependency ships one): one
 * root element, tags that nest and match, quoted and unique attributes, comments, CDATA, processing
 * instructions, a DOCTYPE before the root, and character and entity references (only the five predefined
 * entities, unless a DOCTYPE may declare others). It collects the dotted paths of the elements
 * (`root.child.grandchild`) for `requiredElements`. Entities are never expanded, so no input can blow up.
 */

export type XmlParse = { ok: true; paths: Set<string> } | { ok: false; error: string }

const NAME_START = String.raw`A-Za-z_:\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD`
const NAME_CHAR = String.raw`${NAME_START}\-.0-9\u00B7\u203F\u2040`
/** A name: its start, then name characters; the joiners and combining marks, which lint will not have in a class, apart. */
const NAME_PATTERN = String.raw`(?:[${NAME_START}]|\u200C|\u200D)(?:[${NAME_CHAR}]|[\u0300-\u036F]|\u200C|\u200D)*`
const NAME = new RegExp(NAME_PATTERN, 'y')
const REFERENCE = new RegExp(String.raw`&(?:(${NAME_PATTERN})|#[0-9]+|#x[0-9A-Fa-f]+);`, 'y')
const PREDEFINED = new Set(['amp', 'lt', 'gt', 'quot', 'apos'])
const SPACE = /[ \t\r\n]*/y

class XmlSyntaxError extends Error {}

class Scanner {
  pos = 0
  /** After a DOCTYPE, entities other than the predefined five may be declared (in an external subset too). */
  entitiesDeclared = false

  constructor(readonly text: string) {}

  fail(what: string): never {
    const before = this.text.slice(0, this.pos)
    const line = before.split('\n').length
    const column = this.pos - before.lastIndexOf('\n')
    throw new XmlSyntaxError(`${what} at line ${line}, column ${column}`)
  }

  at(literal: string): boolean {
    return this.text.startsWith(literal, this.pos)
  }

  /** Skips whitespace; whether there was any. */
  space(): boolean {
    SPACE.lastIndex = this.pos
    SPACE.exec(this.text)
    const moved = SPACE.lastIndex !== this.pos
    this.pos = SPACE.lastIndex
    return moved
  }

  name(what: string): string {
    NAME.lastIndex = this.pos
    const match = NAME.exec(this.text)
    if (!match) this.fail(`expected ${what}`)
    this.pos = NAME.lastIndex
    return match[0]
  }

  /** Moves past `end`, which must come; returns what lay before it. */
  until(end: string, what: string): string {
    const found = this.text.indexOf(end, this.pos)
    if (found === -1) this.fail(`${what} is not closed with ${end}`)
    const body = this.text.slice(this.pos, found)
    this.pos = found + end.length
    return body
  }

  /** Character data up to the next `<` (or, in an attribute value, to the closing quote). */
  characterData(end: number, inAttribute: boolean): void {
    for (let i = this.text.indexOf('&', this.pos); i !== -1 && i < end; i = this.text.indexOf('&', i + 1)) {
      REFERENCE.lastIndex = i
      const match = REFERENCE.exec(this.text)
      if (!match) {
        this.pos = i
        this.fail("'&' that starts no entity or character reference (write &amp;)")
      }
      if (match[1] !== undefined && !PREDEFINED.has(match[1]) && !this.entitiesDeclared) {
        this.pos = i
        this.fail(`undefined entity &${match[1]};`)
      }
    }
    if (!inAttribute) {
      const cdataEnd = this.text.indexOf(']]>', this.pos)
      if (cdataEnd !== -1 && cdataEnd < end) {
        this.pos = cdataEnd
        this.fail("']]>' outside a CDATA section")
      }
    }
    this.pos = end
  }
}

/** A comment, processing instruction or (once, before the root) DOCTYPE; false when none starts here. */
function misc(s: Scanner, doctypeAllowed: boolean): boolean {
  if (s.at('<!--')) {
    s.pos += 4
    if (s.until('-->', 'a comment').includes('--')) s.fail("'--' inside a comment")
    return true
  }
  if (s.at('<?')) {
    s.pos += 2
    const target = s.name('a processing instruction target')
    if (target.toLowerCase() === 'xml') s.fail('an XML declaration not at the very start')
    s.until('?>', 'a processing instruction')
    return true
  }
  if (s.at('<!DOCTYPE')) {
    if (!doctypeAllowed) s.fail('a DOCTYPE that is not before the root element')
    doctype(s)
    return true
  }
  return false
}

/** A DOCTYPE, skipped over: quoted literals and an internal subset in brackets. */
function doctype(s: Scanner): void {
  s.pos += '<!DOCTYPE'.length
  if (!s.space()) s.fail('expected a space after <!DOCTYPE')
  s.name('the DOCTYPE name')
  let depth = 0
  while (s.pos < s.text.length) {
    const char = s.text[s.pos]
    if (char === '"' || char === "'") {
      s.pos++
      s.until(char, 'a quoted literal')
      continue
    }
    s.pos++
    if (char === '[') depth++
    else if (char === ']') depth--
    else if (char === '>' && depth === 0) {
      s.entitiesDeclared = true
      return
    }
  }
  s.fail('the DOCTYPE is not closed with >')
}

/** A start tag's attributes and its end (`>` or `/>`); whether the element is empty (`/>`). */
function attributes(s: Scanner): boolean {
  const seen = new Set<string>()
  for (;;) {
    const spaced = s.space()
    if (s.at('/>')) {
      s.pos += 2
      return true
    }
    if (s.at('>')) {
      s.pos += 1
      return false
    }
    if (!spaced) s.fail("expected a space, '>' or '/>' in a start tag")
    const name = s.name("an attribute name, '>' or '/>'")
    if (seen.has(name)) s.fail(`attribute ${name} given twice`)
    seen.add(name)
    s.space()
    if (!s.at('=')) s.fail(`expected '=' after attribute ${name}`)
    s.pos++
    s.space()
    const quote = s.text[s.pos]
    if (quote !== '"' && quote !== "'") s.fail(`expected a quoted value for attribute ${name}`)
    s.pos++
    const end = s.text.indexOf(quote, s.pos)
    if (end === -1) s.fail(`the value of attribute ${name} is not closed`)
    const lt = s.text.indexOf('<', s.pos)
    if (lt !== -1 && lt < end) {
      s.pos = lt
      s.fail(`'<' in the value of attribute ${name}`)
    }
    s.characterData(end, true)
    s.pos = end + 1
  }
}

/** The root element and everything in it, iteratively (a deep document cannot overflow the stack). */
function element(s: Scanner, paths: Set<string>): void {
  const open: { name: string; path: string }[] = []
  do {
    if (open.length > 0) {
      const lt = s.text.indexOf('<', s.pos)
      s.characterData(lt === -1 ? s.text.length : lt, false)
      if (lt === -1) s.fail(`<${open[open.length - 1].name}> is not closed`)
      if (s.at('</')) {
        s.pos += 2
        const name = s.name('an end tag name')
        const top = open.pop() as { name: string }
        if (name !== top.name) s.fail(`</${name}> closes <${top.name}>`)
        s.space()
        if (!s.at('>')) s.fail(`expected '>' to end </${name}>`)
        s.pos++
        continue
      }
      if (s.at('<![CDATA[')) {
        s.pos += 9
        s.until(']]>', 'a CDATA section')
        continue
      }
      if (misc(s, false)) continue
    }
    if (!s.at('<')) s.fail('expected an element')
    s.pos++
    const name = s.name('an element name')
    const path = open.length > 0 ? `${open[open.length - 1].path}.${name}` : name
    paths.add(path)
    if (!attributes(s)) open.push({ name, path })
  } while (open.length > 0)
}

/** Whether the text is one well-formed XML document, and the paths of its elements. */
export function parseXml(text: string): XmlParse {
  const s = new Scanner(text.startsWith('\uFEFF') ? text.slice(1) : text)
  const paths = new Set<string>()
  try {
    if (s.at('<?xml') && /[ \t\r\n?]/.test(s.text[5] ?? '')) s.until('?>', 'the XML declaration')
    for (;;) {
      s.space()
      if (!misc(s, true)) break
    }
    if (s.pos >= s.text.length) s.fail('no root element')
    element(s, paths)
    for (;;) {
      s.space()
      if (s.pos >= s.text.length) break
      if (!misc(s, false)) s.fail(s.at('<') ? 'a second root element' : 'text after the root element')
    }
  } catch (error) {
    if (error instanceof XmlSyntaxError) return { ok: false, error: error.message }
    throw error
  }
  return { ok: true, paths }
}

const TAG = /<(\/?)([A-Za-z_:][\w.:\-\u00B7\u00C0-\uFFFF]*)(?:\s[^<>]*)?\/?>/g

/**
 * Stretches of the text that may be XML elements: each opening tag with the closing tag that matches it (and
 * each self-closing tag), outermost first. A cheap scan; parseXml decides.
 */
export function xmlCandidates(text: string): { start: number; end: number }[] {
  const open: { name: string; start: number }[] = []
  const found: { start: number; end: number }[] = []
  for (const match of text.matchAll(TAG)) {
    const [tag, closing, name] = match
    const start = match.index
    if (!closing) {
      if (tag.endsWith('/>')) found.push({ start, end: start + tag.length })
      else open.push({ name, start })
      continue
    }
    const at = open.findLastIndex((entry) => entry.name === name)
    if (at === -1) continue
    found.push({ start: open[at].start, end: start + tag.length })
    open.length = at
  }
  return found.sort((a, b) => a.start - b.start || b.end - a.end)
}
