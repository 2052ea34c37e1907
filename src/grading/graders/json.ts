/** is-json and contains-json, with an optional JSON Schema (inline, or a file:// .json/.yaml file). */
import type { ValidateFunction } from 'ajv'
import { parse as parseYaml } from 'yaml'
import { isFileRef } from '../../suite/file-refs.js'
import type { GraderDefinition } from './grader.js'
import { schemaCompiler, schemaErrors } from './json-schema.js'
import { AssertionCompileError, type Finding } from './types.js'
import { loadDataFile, messageOf, oneLine, show, type CompileContext } from './values.js'

/** The schema of the assertion's value, compiled (an invalid schema is the author's error, found at once). */
async function schemaOf(c: CompileContext): Promise<ValidateFunction | undefined> {
  if (c.value === undefined || c.value === null || c.value === '') return undefined
  let schema: unknown = c.value
  if (isFileRef(c.value)) {
    schema = loadDataFile(c.value, c.baseDir, c.io)
  } else if (typeof c.value === 'string') {
    // promptfoo also takes the schema as a YAML (or JSON) string.
    try {
      schema = parseYaml(c.value)
    } catch (error) {
      throw new AssertionCompileError(
        `${c.type}: the schema in 'value' does not parse: ${oneLine(messageOf(error))}`,
        'value',
      )
    }
  }
  const compileSchema = await schemaCompiler()
  try {
    return compileSchema(schema, true)
  } catch (error) {
    throw new AssertionCompileError(
      `${c.type} has an invalid JSON Schema in 'value': ${oneLine(messageOf(error), 300)}`,
      'value',
    )
  }
}

const isJson: GraderDefinition = {
  value: 'optional',
  valueHelp: 'an optional JSON Schema the output must match (inline, or file://schema.json)',
  readsOutput: true,
  async compile(c) {
    const { negate } = c
    const validate = await schemaOf(c)
    return ({ text }): Finding => {
      let parsed: unknown
      try {
        parsed = JSON.parse(text)
      } catch (error) {
        const hint =
          findJson(text).length > 0
            ? ' (it contains JSON: use contains-json for JSON inside text or a code fence)'
            : ''
        const reason = negate
          ? 'output is not JSON'
          : `expected output to be JSON: ${oneLine(messageOf(error), 120)}${hint}`
        return { pass: false, score: 0, reason }
      }
      if (!validate) {
        return {
          pass: true,
          score: 1,
          reason: negate ? 'expected output not to be JSON' : 'output is JSON',
        }
      }
      const valid = validate(parsed)
      let reason: string
      if (negate)
        reason = valid
          ? 'expected output not to be JSON matching the schema'
          : `output is not JSON matching the schema: ${schemaErrors(validate.errors)}`
      else
        reason = valid
          ? 'output is JSON matching the schema'
          : `expected output to be JSON matching the schema: ${schemaErrors(validate.errors)}`
      return { pass: valid, score: valid ? 1 : 0, reason }
    }
  },
}

const containsJson: GraderDefinition = {
  value: 'optional',
  valueHelp:
    'an optional JSON Schema that some JSON in the output must match (inline, or file://schema.json)',
  readsOutput: true,
  async compile(c) {
    const { negate } = c
    const validate = await schemaOf(c)
    return ({ text }): Finding => {
      const found = findJson(text)
      if (found.length === 0) {
        const reason = negate
          ? 'output contains no JSON object or array'
          : 'expected output to contain a JSON object or array; found none'
        return { pass: false, score: 0, reason }
      }
      if (!validate) {
        const reason = negate
          ? `expected output not to contain JSON; found ${show(found[0].text, 60)}`
          : `output contains JSON: ${show(found[0].text, 60)}`
        return { pass: true, score: 1, reason }
      }
      const match = found.flatMap(withObjectsInArrays).find((candidate) => validate(candidate.value))
      if (match) {
        const reason = negate
          ? `expected output not to contain JSON matching the schema; found ${show(match.text, 60)}`
          : `output contains JSON matching the schema: ${show(match.text, 60)}`
        return { pass: true, score: 1, reason }
      }
      validate(found[0].value)
      const some = found.length === 1 ? 'its JSON' : `none of its ${found.length} JSON values`
      const reason = negate
        ? `output contains no JSON matching the schema (${some}: ${schemaErrors(validate.errors)})`
        : `expected output to contain JSON matching the schema; ${some} matches: ${schemaErrors(validate.errors)}`
      return { pass: false, score: 0, reason }
    }
  },
}

export const JSON_GRADERS: Record<string, GraderDefinition> = {
  'is-json': isJson,
  'contains-json': containsJson,
}

/**
 * A found JSON value, and when it is an array the objects in it (through nested arrays): promptfoo looks for
 * every JSON object in the text, so an object schema matches `[{"city": "Paris"}]` by its element.
 */
function withObjectsInArrays(found: FoundJson): FoundJson[] {
  if (!Array.isArray(found.value)) return [found]
  const all = [found]
  const visit = (items: unknown[]) => {
    for (const item of items) {
      if (Array.isArray(item)) visit(item)
      else if (item !== null && typeof item === 'object')
        all.push({ text: JSON.stringify(item), value: item })
    }
  }
  visit(found.value)
  return all
}

export interface FoundJson {
  /** The JSON as it appears in the text. */
  text: string
  value: unknown
}

/**
 * The JSON objects and arrays in a text, outermost first and in order: in a ```json fence, in prose, or the
 * whole text. Work is bounded by a budget of character steps linear in the text's length, so that an output
 * of unbalanced brackets cannot stall grading (what was found before the budget ran out is returned).
 */
export function findJson(text: string): FoundJson[] {
  const found: FoundJson[] = []
  const budget = { left: 64 * text.length + 100_000 }
  let i = 0
  while (i < text.length && budget.left > 0) {
    const char = text[i]
    if (char !== '{' && char !== '[') {
      i++
      continue
    }
    const end = matchingClose(text, i, budget)
    if (end !== -1) {
      const candidate = text.slice(i, end + 1)
      budget.left -= candidate.length
      try {
        found.push({ text: candidate, value: JSON.parse(candidate) })
        i = end + 1
        continue
      } catch {
        // Balanced but not JSON (e.g. "[see {this}]"): look inside it.
      }
    }
    i++
  }
  return found
}

/** The index of the bracket closing the one at `start` (JSON strings skipped), or -1; spends the steps taken. */
function matchingClose(text: string, start: number, budget: { left: number }): number {
  const stack: string[] = []
  let inString = false
  let j = start
  try {
    for (; j < text.length; j++) {
      if (j - start >= budget.left) return -1
      const char = text[j]
      if (inString) {
        if (char === '\\') j++
        else if (char === '"') inString = false
        else if (char === '\n') return -1 // JSON strings hold no raw line breaks
        continue
      }
      if (char === '"') inString = true
      else if (char === '{') stack.push('}')
      else if (char === '[') stack.push(']')
      else if (char === '}' || char === ']') {
        if (stack.pop() !== char) return -1
        if (stack.length === 0) return j
      }
    }
    return -1
  } finally {
    budget.left -= j - start + 1
  }
}
