/**
 * promptfoo's JSON references in a suite file: a mapping `{$ref: '#/assertionTemplates/isJson'}` stands for
 * the value the JSON pointer names in the same file, keys written beside `$ref` over that value's, as
 * promptfoo's ref parser reads them. The JSON Schemas of tools (`input_schema`, `parameters`) and of structured
 * outputs (`schema`) are left as written, as promptfoo leaves tools' parameters: their `$ref`s are their own.
 * Only references within the file are followed.
 */
import { didYouMean } from '../common/did-you-mean.js'
import type { ValuePath } from './source.js'

export interface RefProblem {
  path: ValuePath
  message: string
}

/** Keys whose values are JSON Schemas, left as written: their `$ref`s point into themselves. */
const LEFT_AS_WRITTEN = new Set(['input_schema', 'parameters', 'schema'])

type Mapping = Record<string, unknown>

const isMapping = (value: unknown): value is Mapping =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * `root` with its references replaced, or the problems that stop it: a reference to nothing, to another file,
 * to a value that contains it, or references that expand past `maxValues` values (each target is resolved
 * once and shared, but what reads the suite walks every use).
 */
export function dereference(root: unknown, maxValues: number): { value: unknown; problems: RefProblem[] } {
  const problems: RefProblem[] = []
  const resolved = new Map<string, { value: unknown; size: number }>()
  const resolving = new Set<string>()

  const walk = (node: unknown, path: ValuePath): { value: unknown; size: number } => {
    if (Array.isArray(node)) {
      let size = 1
      const items = node.map((item, i) => {
        const result = walk(item, [...path, i])
        size += result.size
        return result.value
      })
      return { value: items, size }
    }
    if (!isMapping(node)) return { value: node, size: 1 }
    if (Object.hasOwn(node, '$ref')) return reference(node, path)
    let size = 1
    const mapping: Mapping = {}
    for (const [key, child] of Object.entries(node)) {
      if (LEFT_AS_WRITTEN.has(key)) {
        mapping[key] = child
        size++
        continue
      }
      const result = walk(child, [...path, key])
      mapping[key] = result.value
      size += result.size
    }
    return { value: mapping, size }
  }

  const reference = (node: Mapping, path: ValuePath): { value: unknown; size: number } => {
    const { $ref: ref, ...beside } = node
    const fail = (message: string) => {
      problems.push({ path, message })
      return { value: undefined, size: 1 }
    }
    if (typeof ref !== 'string')
      return fail('$ref must be a JSON pointer string, like #/assertionTemplates/isJson')
    if (!ref.startsWith('#')) {
      return fail(
        `$ref '${ref}' names another file: only references within the suite file (#/...) are followed; ` +
          'copy the value under assertionTemplates here, or load the file with file://',
      )
    }
    const target = pointerPath(ref)
    if (!target) return fail(`$ref '${ref}' is not a JSON pointer: write #/ then keys separated by /`)
    let entry = resolved.get(ref)
    if (!entry) {
      if (resolving.has(ref)) return fail(`$ref '${ref}' points to a value that contains this $ref`)
      const found = valueAt(root, target)
      if ('missing' in found) return fail(`$ref '${ref}' points to nothing in this file${found.missing}`)
      resolving.add(ref)
      entry = walk(found.value, target)
      resolving.delete(ref)
      resolved.set(ref, entry)
    }
    if (Object.keys(beside).length === 0) return entry
    if (!isMapping(entry.value)) {
      return fail(
        `$ref '${ref}' has keys beside it, which add to a mapping, but it points to ${kindOf(entry.value)}: ` +
          'write them in the value it points to, or point to a mapping',
      )
    }
    const extra = walk(beside, path)
    return { value: { ...entry.value, ...(extra.value as Mapping) }, size: entry.size + extra.size }
  }

  const { value, size } = walk(root, [])
  if (problems.length === 0 && size > maxValues) {
    const count = (n: number) => n.toLocaleString('en-US')
    problems.push({
      path: [],
      message:
        `$refs expand to ${count(size)} values, more than the ${count(maxValues)} a file this long may hold: ` +
        'nest fewer references within referenced values',
    })
  }
  return { value, problems }
}

/** A JSON pointer fragment (`#/a/b~1c`) as keys (`['a', 'b/c']`), or undefined when it is not one. */
function pointerPath(ref: string): string[] | undefined {
  let fragment: string
  try {
    fragment = decodeURIComponent(ref.slice(1))
  } catch {
    return undefined
  }
  if (fragment === '') return []
  if (!fragment.startsWith('/')) return undefined
  return fragment
    .slice(1)
    .split('/')
    .map((key) => key.replaceAll('~1', '/').replaceAll('~0', '~'))
}

/** The value at `keys` in `root`, or what is missing there (with a did-you-mean among the keys there). */
function valueAt(root: unknown, keys: string[]): { value: unknown } | { missing: string } {
  let node = root
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]
    const where = i === 0 ? '' : ` under ${keys.slice(0, i).join('/')}`
    if (Array.isArray(node) && /^\d+$/.test(key) && Number(key) < node.length) node = node[Number(key)]
    else if (isMapping(node) && Object.hasOwn(node, key)) node = node[key]
    else {
      const suggestion = isMapping(node) ? didYouMean(key, Object.keys(node)) : ''
      return { missing: `: there is no '${key}'${where}${suggestion}` }
    }
  }
  return { value: node }
}

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'a list'
  return value === null ? 'null' : `a ${typeof value}`
}
