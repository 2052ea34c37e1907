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

export interface SourceDocument {
  value: unknown
  /** The line where the value at `path` starts (its nearest existing ancestor's, when it has none). */
  lineOf(path: ValuePath): number
  /** The line of the key `key` of the mapping at `path` (for unknown-key messages). */
  keyLineOf(path: ValuePath, key: string): number
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

/** A list of items that each stand on one line (a JSONL line, a CSV row): every part of an item is at its line. */
function listDocument(items: { value: unknown; line: number }[]): SourceDocument {
  const lineOf = (path: ValuePath) => items[typeof path[0] === 'number' ? path[0] : -1]?.line ?? 1
  return { value: items.map((item) => item.value), lineOf, keyLineOf: lineOf }
}

function parseJsonLines(text: string) {
  const problems: SourceProblem[] = []
  const items: { value: unknown; line: number }[] = []
  text.split('\n').forEach((lineText, index) => {
    if (lineText.trim() === '') return
    try {
      items.push({ value: JSON.parse(lineText), line: index + 1 })
    } catch (error) {
      problems.push({ line: index + 1, message: `JSONL syntax: ${(error as Error).message}` })
    }
  })
  // The lines that parse still count, so that their problems are reported in the same run.
  return { document: listDocument(items), problems }
}

function parseCsvRows(text: string) {
  try {
    const records = parseCsv(text, { columns: true, skip_empty_lines: true, bom: true, info: true }) as {
      record: Record<string, string>
      info: { lines: number }
    }[]
    const items = records.map(({ record, info }) => ({ value: record, line: info.lines }))
    return { document: listDocument(items), problems: [] }
  } catch (error) {
    const { lines, message } = error as { lines?: number; message: string }
    return { problems: [{ line: lines ?? 1, message: `CSV syntax: ${message}` }] }
  }
}
