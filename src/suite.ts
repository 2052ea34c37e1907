/**
 * Suite files (YAML or JSON, promptfoo's vocabulary) -> eval cases, each with its file, line and the
 * Messages API request it becomes. Every problem in a suite is collected with its line, so that an author
 * sees all of them at once, before anything is submitted.
 */
import { createHash } from 'node:crypto'
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Node, type YAMLMap } from 'yaml'
import type {
  MessageCreateParamsNonStreaming,
  MessageParam,
} from '@anthropic-ai/sdk/resources/messages/messages'
import { parseAssertion, type Assertion } from './assertions.js'
import { didYouMean } from './did-you-mean.js'
import { renderTemplate } from './template.js'

export const DEFAULT_MAX_TOKENS = 1024

export interface EvalCase {
  id: string
  description: string | undefined
  file: string
  line: number
  vars: Record<string, unknown>
  /** The prompt as a person reads it: the rendered `prompt`, or the text of the last user turn. */
  prompt: string
  params: MessageCreateParamsNonStreaming
  assertions: Assertion[]
}

export interface SuiteProblem {
  file: string
  line: number
  message: string
}

/** Thrown with every problem found, so that one run shows them all. */
export class SuiteError extends Error {
  constructor(readonly problems: SuiteProblem[]) {
    super(
      `The suite has ${problems.length} problem${problems.length === 1 ? '' : 's'}; nothing was submitted.\n` +
        problems.map((p) => `  ${p.file}:${p.line}: ${p.message}`).join('\n'),
    )
    this.name = 'SuiteError'
  }
}

export interface SuiteDefaults {
  /** The action's `model` input, for tests that name none. */
  model: string | undefined
}

const SUITE_KEYS = ['description', 'model', 'system', 'max_tokens', 'defaultTest', 'tests'] as const
const DEFAULT_TEST_KEYS = ['vars', 'assert'] as const
const TEST_KEYS = [
  'id',
  'description',
  'vars',
  'prompt',
  'messages',
  'model',
  'system',
  'max_tokens',
  'assert',
] as const
const ASSERTION_KEYS = ['type', 'value'] as const

type Fields<K extends string> = Partial<Record<K, Node>>

/** A parsed test before it gets its final id (derived ids are made unique across all suites). */
interface ParsedCase extends Omit<EvalCase, 'id'> {
  givenId: string | undefined
}

/** Where an author wrote an id, kept for every test (valid or not) to find duplicates. */
interface GivenId {
  id: string
  file: string
  line: number
}

class SuiteReader {
  readonly problems: SuiteProblem[] = []
  private readonly lines = new LineCounter()

  constructor(readonly file: string) {}

  parse(text: string): YAMLMap | undefined {
    const document = parseDocument(text, { lineCounter: this.lines, prettyErrors: false })
    for (const error of document.errors) {
      const line = this.lines.linePos(error.pos[0]).line
      this.report(
        line,
        `${this.file.endsWith('.json') ? 'JSON' : 'YAML'} syntax: ${firstLine(error.message)}`,
      )
    }
    if (document.errors.length > 0) return undefined
    if (!isMap(document.contents)) {
      this.report(1, 'a suite must be a mapping with a `tests:` list at the top level')
      return undefined
    }
    return document.contents
  }

  lineOf(node: Node | null | undefined): number {
    return node?.range ? this.lines.linePos(node.range[0]).line : 1
  }

  report(line: number, message: string): void {
    this.problems.push({ file: this.file, line, message })
  }

  /** The map's entries by key; unknown keys are reported with the closest known one. */
  fields<K extends string>(map: YAMLMap, known: readonly K[], where: string): Fields<K> {
    const fields: Fields<K> = {}
    for (const pair of map.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : ''
      if ((known as readonly string[]).includes(key)) {
        fields[key as K] = (pair.value ?? undefined) as Node | undefined
      } else {
        this.report(
          this.lineOf(pair.key as Node),
          `unknown key '${key}' in ${where}${didYouMean(key, known)}; known keys: ${known.join(', ')}`,
        )
      }
    }
    return fields
  }

  string(node: Node | undefined, what: string): string | undefined {
    if (node === undefined) return undefined
    const value = node.toJSON()
    if (typeof value === 'string') return value
    if (typeof value === 'number' && what.endsWith('id')) return String(value)
    this.report(this.lineOf(node), `${what} must be a string`)
    return undefined
  }

  maxTokens(node: Node | undefined): number | undefined {
    if (node === undefined) return undefined
    const value = node.toJSON()
    if (Number.isInteger(value) && value > 0) return value
    this.report(
      this.lineOf(node),
      `max_tokens must be a whole number above 0 (a batch refuses max_tokens: 0); it is ${JSON.stringify(value)}`,
    )
    return undefined
  }

  vars(node: Node | undefined): Record<string, unknown> {
    if (node === undefined) return {}
    if (isMap(node)) return node.toJSON() as Record<string, unknown>
    this.report(this.lineOf(node), 'vars must be a mapping of names to values')
    return {}
  }

  assertions(node: Node | undefined): Assertion[] {
    if (node === undefined) return []
    if (!isSeq(node)) {
      this.report(this.lineOf(node), 'assert must be a list of {type, value} entries')
      return []
    }
    const assertions: Assertion[] = []
    for (const item of node.items as Node[]) {
      if (!isMap(item)) {
        this.report(this.lineOf(item), 'each assert entry must be a mapping with type and value')
        continue
      }
      const { type, value } = this.fields(item, ASSERTION_KEYS, 'an assertion')
      try {
        assertions.push(parseAssertion(type?.toJSON(), value?.toJSON()))
      } catch (error) {
        this.report(this.lineOf(item), (error as Error).message)
      }
    }
    return assertions
  }
}

/** Parses one suite file's text. `file` is the path shown in messages. */
function parseSuite(file: string, text: string, defaults: SuiteDefaults) {
  const reader = new SuiteReader(file)
  const root = reader.parse(text)
  const givenIds: GivenId[] = []
  if (!root) return { cases: [], givenIds, problems: reader.problems }

  const suite = reader.fields(root, SUITE_KEYS, 'the suite')
  const suiteModel = reader.string(suite.model, 'model')
  const suiteSystem = reader.string(suite.system, 'system')
  const suiteMaxTokens = reader.maxTokens(suite.max_tokens)
  let defaultVars: Record<string, unknown> = {}
  let defaultAssertions: Assertion[] = []
  if (suite.defaultTest !== undefined) {
    if (isMap(suite.defaultTest)) {
      const defaultTest = reader.fields(suite.defaultTest, DEFAULT_TEST_KEYS, 'defaultTest')
      defaultVars = reader.vars(defaultTest.vars)
      defaultAssertions = reader.assertions(defaultTest.assert)
    } else {
      reader.report(reader.lineOf(suite.defaultTest), 'defaultTest must be a mapping (vars, assert)')
    }
  }

  const tests = suite.tests
  if (!isSeq(tests) || tests.items.length === 0) {
    reader.report(
      reader.lineOf(tests ?? root),
      'the suite has no tests: add a `tests:` list with at least one test (a prompt and its asserts)',
    )
    return { cases: [], givenIds, problems: reader.problems }
  }

  const cases: ParsedCase[] = []
  for (const node of tests.items as Node[]) {
    const line = reader.lineOf(node)
    if (!isMap(node)) {
      reader.report(line, 'each test must be a mapping (description, vars, prompt or messages, assert)')
      continue
    }
    const problemsBefore = reader.problems.length
    const test = reader.fields(node, TEST_KEYS, 'a test')
    const vars = { ...defaultVars, ...reader.vars(test.vars) }
    const model = reader.string(test.model, 'model') ?? suiteModel ?? defaults.model
    const systemTemplate = reader.string(test.system, 'system') ?? suiteSystem
    const maxTokens = reader.maxTokens(test.max_tokens) ?? suiteMaxTokens ?? DEFAULT_MAX_TOKENS
    const assertions = [...defaultAssertions, ...reader.assertions(test.assert)]
    const description = reader.string(test.description, 'description')
    const givenId = reader.string(test.id, 'id')
    if (givenId !== undefined) givenIds.push({ id: givenId, file, line: reader.lineOf(test.id) })
    if (!model) {
      reader.report(
        line,
        "no model for this test: set `model:` in the suite or the test, or the action's `model` input",
      )
    }
    const rendered = renderTurns(reader, test, vars, systemTemplate, line)
    if (reader.problems.length > problemsBefore || !rendered || !model) continue
    cases.push({
      givenId,
      description,
      file,
      line,
      vars,
      prompt: rendered.prompt,
      params: {
        model,
        max_tokens: maxTokens,
        ...(rendered.system !== undefined && { system: rendered.system }),
        messages: rendered.messages,
      },
      assertions,
    })
  }
  return { cases, givenIds, problems: reader.problems }
}

function renderTurns(
  reader: SuiteReader,
  test: Fields<(typeof TEST_KEYS)[number]>,
  vars: Record<string, unknown>,
  systemTemplate: string | undefined,
  line: number,
): { prompt: string; system: string | undefined; messages: MessageParam[] } | undefined {
  const render = (template: string, node: Node | undefined): string | undefined => {
    try {
      return renderTemplate(template, vars)
    } catch (error) {
      reader.report(node ? reader.lineOf(node) : line, (error as Error).message)
      return undefined
    }
  }
  const system = systemTemplate === undefined ? undefined : render(systemTemplate, test.system)

  if (test.prompt !== undefined && test.messages !== undefined) {
    reader.report(line, 'a test has either `prompt` or `messages`, not both')
    return undefined
  }
  if (test.prompt !== undefined) {
    const template = reader.string(test.prompt, 'prompt')
    const prompt = template === undefined ? undefined : render(template, test.prompt)
    if (prompt === undefined) return undefined
    return { prompt, system, messages: [{ role: 'user', content: prompt }] }
  }
  if (test.messages !== undefined) {
    const messages = renderMessages(reader, test.messages, render)
    if (!messages) return undefined
    return { prompt: lastUserText(messages), system, messages }
  }
  reader.report(
    line,
    'this test has no prompt: add `prompt:` (a template) or `messages:` (Messages API turns)',
  )
  return undefined
}

function renderMessages(
  reader: SuiteReader,
  node: Node,
  render: (template: string, node: Node | undefined) => string | undefined,
): MessageParam[] | undefined {
  if (!isSeq(node) || node.items.length === 0) {
    reader.report(reader.lineOf(node), 'messages must be a non-empty list of {role, content} turns')
    return undefined
  }
  const messages: MessageParam[] = []
  for (const item of node.items as Node[]) {
    const turn = item.toJSON() as { role?: unknown; content?: unknown }
    const line = reader.lineOf(item)
    if (!isMap(item) || (turn.role !== 'user' && turn.role !== 'assistant')) {
      reader.report(line, 'each message needs `role: user` or `role: assistant` and a `content`')
      continue
    }
    if (typeof turn.content === 'string') {
      const content = render(turn.content, item)
      if (content !== undefined) messages.push({ role: turn.role, content })
    } else if (Array.isArray(turn.content)) {
      const blocks = turn.content.map((block: { type?: unknown; text?: unknown }) =>
        block?.type === 'text' && typeof block.text === 'string'
          ? { ...block, text: render(block.text, item) }
          : block,
      )
      messages.push({ role: turn.role, content: blocks } as MessageParam)
    } else {
      reader.report(line, 'message content must be a string or a list of content blocks')
    }
  }
  return messages.length === node.items.length ? messages : undefined
}

function lastUserText(messages: MessageParam[]): string {
  const last = [...messages].reverse().find((m) => m.role === 'user')
  if (!last) return ''
  if (typeof last.content === 'string') return last.content
  return last.content.map((block) => (block.type === 'text' ? block.text : `[${block.type}]`)).join('\n')
}

function duplicateIdProblems(givenIds: GivenId[]): SuiteProblem[] {
  const firstSeen = new Map<string, GivenId>()
  const problems: SuiteProblem[] = []
  for (const given of givenIds) {
    const earlier = firstSeen.get(given.id)
    if (!earlier) firstSeen.set(given.id, given)
    else {
      problems.push({
        file: given.file,
        line: given.line,
        message: `duplicate test id '${given.id}' (first used at ${earlier.file}:${earlier.line}); ids must be unique`,
      })
    }
  }
  return problems
}

/**
 * Gives every case its id: the one the author wrote, else one derived from its description (or, without
 * one, a hash of its prompt and vars), so that ids stay stable while tests are added or moved. Derived ids
 * that clash get a numeric suffix.
 */
function assignIds(parsed: ParsedCase[], givenIds: GivenId[]): EvalCase[] {
  const taken = new Set(givenIds.map((given) => given.id))
  return parsed.map(({ givenId, ...rest }) => {
    let id = givenId
    if (id === undefined) {
      const base = slug(rest.description ?? '') || `test-${hashOf([rest.params.messages, rest.vars])}`
      id = base
      for (let n = 2; taken.has(id); n++) id = `${base}-${n}`
      taken.add(id)
    }
    return { id, ...rest }
  })
}

/** Parses several suites into one run; throws a SuiteError listing every problem in every file. */
export function parseSuites(files: { file: string; text: string }[], defaults: SuiteDefaults): EvalCase[] {
  const parsed = files.map(({ file, text }) => parseSuite(file, text, defaults))
  const givenIds = parsed.flatMap((p) => p.givenIds)
  const problems = [...parsed.flatMap((p) => p.problems), ...duplicateIdProblems(givenIds)]
  if (problems.length > 0) throw new SuiteError(problems)
  return assignIds(
    parsed.flatMap((p) => p.cases),
    givenIds,
  )
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '')
}

function hashOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 10)
}

function firstLine(text: string): string {
  return text.split('\n')[0]
}
