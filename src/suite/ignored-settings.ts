/**
 * promptfoo settings that change nothing in a batch run (a provider's `delay`, `showThinking`, a test's
 * `runSerially`, ...): the schema accepts them as `#/definitions/ignored_setting`, and this finds where a
 * suite writes them, for one warning per run. The schema is the only list: the walk follows it, and skips
 * what cannot hold such a key (vars, messages), so a suite of 100,000 tests costs little more than reading it.
 */
import schema from '../../schema/suite.schema.json' with { type: 'json' }
import type { ValuePath } from './source.js'

interface SchemaNode {
  $ref?: string
  properties?: Record<string, SchemaNode>
  items?: SchemaNode
  anyOf?: SchemaNode[]
  /** A provider's config depends on its id: `if` tests only `pattern`s of properties. */
  if?: { properties: Record<string, { pattern: string }> }
  then?: SchemaNode
  else?: SchemaNode
}

const IGNORED = '#/definitions/ignored_setting'
const definitions = schema.definitions as Record<string, SchemaNode>

/** A `#/definitions/...` reference followed to its node; an ignored setting stays itself. */
function resolve(node: SchemaNode): SchemaNode {
  while (node.$ref && node.$ref !== IGNORED) node = definitions[node.$ref.slice('#/definitions/'.length)]
  return node
}

const reachesCache = new Map<SchemaNode, boolean>()

/** Whether a value of `node` can hold an ignored setting somewhere (assertions nest: the cache ends the cycle). */
function reaches(node: SchemaNode): boolean {
  node = resolve(node)
  const known = reachesCache.get(node)
  if (known !== undefined) return known
  reachesCache.set(node, false)
  const children = [
    ...Object.values(node.properties ?? {}),
    ...(node.items ? [node.items] : []),
    ...(node.anyOf ?? []),
    ...(node.then ? [node.then] : []),
    ...(node.else ? [node.else] : []),
  ]
  const result = children.some((child) => child.$ref === IGNORED || reaches(child))
  reachesCache.set(node, result)
  return result
}

function matches(value: unknown, condition: NonNullable<SchemaNode['if']>): boolean {
  if (typeof value !== 'object' || value === null) return true
  return Object.entries(condition.properties).every(([key, { pattern }]) => {
    const property = (value as Record<string, unknown>)[key]
    return typeof property !== 'string' || new RegExp(pattern).test(property)
  })
}

/** Calls `found` with the mapping's path and the key, for each ignored setting `value` writes. */
function walk(
  value: unknown,
  node: SchemaNode,
  path: ValuePath,
  found: (at: ValuePath, key: string) => void,
) {
  node = resolve(node)
  if (!reaches(node)) return
  for (const branch of node.anyOf ?? []) walk(value, branch, path, found)
  if (Array.isArray(value)) {
    const { items } = node
    if (items) value.forEach((item, i) => walk(item, items, [...path, i], found))
    return
  }
  if (!node.properties || typeof value !== 'object' || value === null) return
  for (const [key, child] of Object.entries(value)) {
    const property = node.properties[key]
    if (!property) continue
    if (property.$ref === IGNORED) found(path, key)
    else walk(child, property, [...path, key], found)
  }
  const conditional = node.if && (matches(value, node.if) ? node.then : node.else)
  if (conditional) walk(value, conditional, path, found)
}

/** The ignored settings of a whole suite file's value. */
export function ignoredSettingsOfSuite(value: unknown, found: (at: ValuePath, key: string) => void): void {
  walk(value, schema as SchemaNode, [], found)
}

/** The ignored settings of one test of a tests file, its path prefixed with `at`. */
export function ignoredSettingsOfTest(
  value: unknown,
  at: ValuePath,
  found: (at: ValuePath, key: string) => void,
): void {
  walk(value, definitions.test, at, found)
}
