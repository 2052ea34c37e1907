/**
 * A suite file's text -> its value, with the line of every part of it, for YAML, JSON, JSONL (one test per
 * line) and CSV (one test per row; columns are vars, `__expected` columns are assertions).
 */
import { parse as parseCsv } from 'csv-parse/sync'
import { LineCounter, isMap, isScalar, parseDocument, type Document, type Node } from 'yaml'

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
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false })
  const problems = document.errors.map((error) => ({
    line: lines.linePos(error.pos[0]).line + firstLine - 1,
    message: `${language} syntax: ${error.message.split('\n')[0]}`,
  }))
  if (problems.length > 0) return { problems }
  return { document: yamlDocument(document, lines, firstLine), problems }
}

function yamlDocument(document: Document, lines: LineCounter, firstLine: number): SourceDocument {
  const lineAt = (node: Node | null | undefined) =>
    node?.range ? lines.linePos(node.range[0]).line + firstLine - 1 : firstLine
  const nodeAt = (path: ValuePath): Node | undefined => {
    for (let depth = path.length; depth >= 0; depth--) {
      const node = depth === 0 ? document.contents : document.getIn(path.slice(0, depth), true)
      if (node && typeof node === 'object' && 'range' in node) return node as Node
    }
    return undefined
  }
  return {
    value: document.toJS(),
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
    if (lineText.trim() === '') continue
    let value: unknown
    try {
      value = JSON.parse(lineText)
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
  try {
    const records = parseCsv(text, { columns: true, skip_empty_lines: true, bom: true, info: true }) as {
      record: Record<string, string>
      info: { lines: number }
    }[]
    return { items: records.map(({ record, info }) => ({ value: record, line: info.lines })) }
  } catch (error) {
    const { lines, message } = error as { lines?: number; message: string }
    return { problem: { line: lines ?? 1, message: `CSV syntax: ${message}` } }
  }
}

function parseCsvRows(text: string) {
  const rows = csvRows(text)
  return 'items' in rows ? { document: listDocument(rows.items), problems: [] } : { problems: [rows.problem] }
}
