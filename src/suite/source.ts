/**
 * A suite file's text -> its value, with the line of every part of it, for YAML, JSON, JSONL (one test per
 * line) and CSV (one test per row; columns are vars, `__expected` columns are assertions).
 */
import { parse as parseCsv } from 'csv-parse/sync'
import {
  LineCounter,
  isAlias,
  isCollection,
  isMap,
  isPair,
  isScalar,
  parseDocument,
  visit,
  type Alias,
  type Document,
  type Node,
  type Scalar,
  type YAMLMap,
  type YAMLSeq,
} from 'yaml'

export type ValuePath = readonly (string | number)[]

export interface SourceProblem {
  line: number
  message: string
}

/** Where the parts of a file's value are written. */
export interface SourceLines {
  /** The line where the value at `path` starts (its nearest existing ancestor's, when it has none). */
  lineOf(path: ValuePath): number
  /** The line of the key `key` of the mapping at `path` (for unknown-key messages). */
  keyLineOf(path: ValuePath, key: string): number
}

export interface SourceDocument extends SourceLines {
  value: unknown
}

/** An item of a list file (a JSONL line, a CSV row) and its line. */
export interface ListItem {
  value: unknown
  line: number
}

export type SourceFormat = 'yaml' | 'json' | 'jsonl' | 'csv'

export function formatOf(file: string): SourceFormat | undefined {
  const extension = /\.([^./]+)$/.exec(file)?.[1]?.toLowerCase()
  if (extension === 'yaml' || extension === 'yml') return 'yaml'
  if (extension === 'json' || extension === 'jsonl' || extension === 'csv') return extension
  return undefined
}

export function parseSource(
  text: string,
  format: SourceFormat,
): { document?: SourceDocument; problems: SourceProblem[] } {
  switch (format) {
    case 'yaml':
    case 'json':
      return parseYaml(text, format === 'json' ? 'JSON' : 'YAML', 1)
    case 'jsonl':
      return parseJsonLines(text)
    case 'csv':
      return parseCsvRows(text)
  }
}

function parseYaml(text: string, language: string, firstLine: number) {
  const lines = new LineCounter()
  // Merge keys (`<<: *base`), as promptfoo's parser (js-yaml) reads them; in JSON, `<<` is a key like any other.
  const merge = language === 'YAML'
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false, merge })
  const lineAt = (node: Node | null | undefined) =>
    node?.range ? lines.linePos(node.range[0]).line + firstLine - 1 : firstLine
  const problems = document.errors.map((error) => ({
    line: lines.linePos(error.pos[0]).line + firstLine - 1,
    message: `${language} syntax: ${error.message.split('\n')[0]}`,
  }))
  if (problems.length > 0) return { problems }
  const aliasProblem = linkAliases(document, lineAt, maxExpandedSize(text))
  if (aliasProblem) return { problems: [aliasProblem] }
  let value: unknown
  try {
    // linkAliases has bounded what the aliases expand to, in place of the yaml library's alias count.
    value = document.toJS({ maxAliasCount: -1 })
  } catch (error) {
    return {
      problems: [{ line: firstLine, message: `${language} could not be read: ${(error as Error).message}` }],
    }
  }
  return { document: yamlDocument(document, value, lineAt), problems }
}

const count = (n: number) => n.toLocaleString('en-US')

/**
 * How many values a file may hold with its aliases (or $refs) written out. A suite may reuse an anchor on each of its
 * tests, which the yaml library's default limit (about 100 uses) refuses; this allows a large anchor on
 * every line, and still stops a few lines of anchors within anchors that would expand to billions.
 */
export function maxExpandedSize(text: string): number {
  return Math.max(1_000_000, 100 * text.length)
}

type AnchoredNode = Scalar | YAMLMap | YAMLSeq

/**
 * Points each alias straight at its anchor, found in one pass over the file: the yaml library looks for an
 * alias's anchor among every node before it, which takes minutes for an anchor reused on 100,000 tests.
 * The problem, if any: an alias with no anchor before it, one inside the value it names, or aliases that
 * expand past `maxSize` values.
 */
function linkAliases(
  document: Document,
  lineAt: (node: Node) => number,
  maxSize: number,
): SourceProblem | undefined {
  const anchors = new Map<string, AnchoredNode>()
  const targets = new Map<Alias, AnchoredNode>()
  let unresolved: Alias | undefined
  visit(document, (_key, node) => {
    if (isAlias(node)) {
      const target = anchors.get(node.source)
      if (!target) {
        unresolved = node
        return visit.BREAK
      }
      targets.set(node, target)
      // Shadows the library's lookup, for toJS and merge keys alike.
      Object.assign(node, { resolve: () => target })
    } else if ((isScalar(node) || isCollection(node)) && node.anchor) {
      anchors.set(node.anchor, node as AnchoredNode)
    }
    return undefined
  })
  if (unresolved) {
    const { source } = unresolved
    return {
      line: lineAt(unresolved),
      message: `YAML alias *${source} names no anchor before it: write &${source} on the value it stands for, above it`,
    }
  }
  return targets.size === 0 ? undefined : expansionProblem(document, targets, lineAt, maxSize)
}

/** Whether the aliases expand to a value inside itself, or to more than `maxSize` values. */
function expansionProblem(
  document: Document,
  targets: Map<Alias, AnchoredNode>,
  lineAt: (node: Node) => number,
  maxSize: number,
): SourceProblem | undefined {
  // The expanded size of each anchored value, counted once: aliases to it reuse the count.
  const sizes = new Map<Node, number>()
  let cycle: Alias | undefined
  let largest: { alias: Alias; size: number } | undefined
  const sizeOf = (node: unknown): number => {
    if (isAlias(node)) {
      const target = targets.get(node) as AnchoredNode
      const size = sizes.get(target)
      if (size === undefined) {
        cycle ??= node // Its anchor, before it, is not counted yet: it is around it.
        return 1
      }
      if (!largest || size > largest.size) largest = { alias: node, size }
      return size
    }
    let size = 1
    if (isCollection(node)) {
      for (const item of node.items)
        size += isPair(item) ? sizeOf(item.key) + sizeOf(item.value) : sizeOf(item)
    }
    if ((isScalar(node) || isCollection(node)) && node.anchor) sizes.set(node, size)
    return size
  }
  const total = sizeOf(document.contents)
  if (cycle) {
    return {
      line: lineAt(cycle),
      message: `YAML alias *${cycle.source} is inside the value &${cycle.source} it stands for, which cannot hold itself: remove the alias, or anchor a value outside it`,
    }
  }
  if (total > maxSize && largest) {
    return {
      line: lineAt(largest.alias),
      message:
        `YAML aliases expand to ${count(total)} values, more than the ${count(maxSize)} a file this long may ` +
        `hold: *${largest.alias.source} alone stands for ${count(largest.size)}; nest fewer anchors within anchors`,
    }
  }
  return undefined
}

function yamlDocument(
  document: Document,
  value: unknown,
  lineAt: (node: Node | null | undefined) => number,
): SourceDocument {
  const nodeAt = (path: ValuePath): Node | undefined => {
    for (let depth = path.length; depth >= 0; depth--) {
      const node = depth === 0 ? document.contents : document.getIn(path.slice(0, depth), true)
      if (node && typeof node === 'object' && 'range' in node) return node as Node
    }
    return undefined
  }
  return {
    value,
    lineOf: (path) => lineAt(nodeAt(path)),
    keyLineOf: (path, key) => {
      const map = nodeAt(path)
      const pair = isMap(map)
        ? map.items.find((p) => isScalar(p.key) && String(p.key.value) === key)
        : undefined
      return pair ? lineAt(pair.key as Node) : lineAt(map)
    },
  }
}

/** The lines of a list's items, by index (a JSONL line, a CSV row): every part of an item is at its line. */
export function itemLines(lines: readonly number[]): SourceLines {
  const lineOf = (path: ValuePath) => lines[typeof path[0] === 'number' ? path[0] : -1] ?? 1
  return { lineOf, keyLineOf: lineOf }
}

function listDocument(items: ListItem[]): SourceDocument {
  return { value: items.map((item) => item.value), ...itemLines(items.map((item) => item.line)) }
}

/**
 * A JSONL file's items, each line parsed only when it is taken (a suite of 100,000 tests need not be held
 * parsed all at once), and the problem of each line that does not parse, in the order of the lines.
 */
export function* jsonLines(lines: Iterable<string>): Generator<ListItem | SourceProblem> {
  let line = 0
  for (const lineText of lines) {
    line++
    // A byte order mark, which editors on Windows may write, is not part of the first line's JSON.
    const json = line === 1 && lineText.startsWith('\uFEFF') ? lineText.slice(1) : lineText
    if (json.trim() === '') continue
    let value: unknown
    try {
      value = JSON.parse(json)
    } catch (error) {
      yield { line, message: `JSONL syntax: ${(error as Error).message}` }
      continue
    }
    yield { value, line }
  }
}

function parseJsonLines(text: string) {
  const problems: SourceProblem[] = []
  const items: ListItem[] = []
  for (const entry of jsonLines(text.split('\n'))) {
    if ('value' in entry) items.push(entry)
    else problems.push(entry)
  }
  // The lines that parse still count, so that their problems are reported in the same run.
  return { document: listDocument(items), problems }
}

/** A CSV text's rows (columns named by the header row), or the problem that stops the whole text. */
export function csvRows(text: string): { items: ListItem[] } | { problem: SourceProblem } {
  // csv-parse counts lines itself, but puts a row at its last line, and counts a quoted CRLF as two lines;
  // they are counted here instead, from the byte offsets it gives.
  const bytes = Buffer.from(text)
  const lineAt = byteLines(bytes)
  try {
    const records = parseCsv(text, { columns: true, skip_empty_lines: true, bom: true, info: true }) as {
      record: Record<string, string>
      info: { bytes: number }
    }[]
    return {
      items: records.map(({ record, info }) => ({
        value: record,
        line: lineAt(lastCharacter(bytes, info.bytes)) - lineBreaksIn(Object.values(record)),
      })),
    }
  } catch (error) {
    // At the byte where the parser stopped; its message's own "on line n" is left out, as it may be off.
    const { bytes: stop, lines, message } = error as { bytes?: number; lines?: number; message: string }
    return {
      problem: {
        line: stop === undefined ? (lines ?? 1) : lineAt(Math.min(stop, bytes.length - 1)),
        message: `CSV syntax: ${message.replace(/ (?:on|at) line \d+/, '')}`,
      },
    }
  }
}

const LF = 0x0a
const CR = 0x0d

/** The line of the byte at an index, for indexes that do not decrease from one call to the next. */
function byteLines(bytes: Buffer): (index: number) => number {
  let counted = 0
  let line = 1
  return (index) => {
    for (; counted < index; counted++) {
      if (bytes[counted] === LF || (bytes[counted] === CR && bytes[counted + 1] !== LF)) line++
    }
    return line
  }
}

/** The index of a row's last character: before the line break that ends it, at `end`. */
function lastCharacter(bytes: Buffer, end: number): number {
  let last = Math.min(end, bytes.length) - 1
  while (last > 0 && (bytes[last] === LF || bytes[last] === CR)) last--
  return last
}

function lineBreaksIn(cells: string[]): number {
  let count = 0
  for (const cell of cells) count += cell.match(/\r\n|\r|\n/g)?.length ?? 0
  return count
}

function parseCsvRows(text: string) {
  const rows = csvRows(text)
  return 'items' in rows ? { document: listDocument(rows.items), problems: [] } : { problems: [rows.problem] }
}
