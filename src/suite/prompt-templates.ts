/**
 * A suite's prompts: read from `prompts:` (templates, prompt files, chat files) or a test's own `prompt` or
 * `messages`, and rendered with each case's vars into the turns of its request, file:// images read.
 */
import path from 'node:path'
import type { ContentBlockParam, MessageParam } from '@anthropic-ai/sdk/resources/messages/messages'
import type { Config } from './documents.js'
import { CONVERSATION_VAR } from './conversations.js'
import { imageMediaType, isFileRef, resolveFileRef } from './file-refs.js'
import { at, sourceOf, type Location, type ProblemLog } from './problems.js'
import {
  chatMessages,
  chatOf,
  chatProblem,
  isMessagesMapping,
  promptTurns,
  splitPromptFile,
  type ChatTurn,
} from './prompts.js'
import { isGlob, type References } from './references.js'
import type { RequestParams } from './request-params.js'
import { parseSource, type SourceProblem } from './source.js'
import { DEFAULT_ENGINE, readsVariable, type TemplateEngine } from './template.js'

/**
 * A prompt: a template rendered whole, then read as turns (a JSON chat list, else one user turn), or chat
 * turns whose texts are rendered one by one (a test's `messages`, a chat prompt file, a template that is a
 * JSON chat list as written), so that a var holding quotes or line breaks cannot break the JSON.
 */
export type PromptTemplate = {
  label: string
  location: Location
  /** The `config` of its `prompts:` entry, over the provider's config for this prompt, as in promptfoo. */
  config?: { value: Config; location: Location }
  /** The request parameters of `config`, and the sampling ones it sets (not sent), as the expander reads them. */
  params?: RequestParams
  sampling?: string[]
} & ({ template: string; chatFile?: ChatTemplateFile } | { turns: unknown[] })

/** Text put around a text prompt's template before it renders: a test's `options.prefix` and `options.suffix`. */
export interface PromptAffix {
  prefix: string
  suffix: string
  /** Where the test (or defaultTest) writes them. */
  location: Location
}

/**
 * The prefix and suffix that `options` (written at `location`) give, each over that of `base` (defaultTest's),
 * as promptfoo takes them: an empty one is none, and leaves defaultTest's.
 */
export function promptAffix(
  options: Config | undefined,
  location: Location,
  base: PromptAffix | undefined,
): PromptAffix | undefined {
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined)
  const prefix = text(options?.prefix)
  const suffix = text(options?.suffix)
  if (prefix === undefined && suffix === undefined) return base
  return { prefix: prefix ?? base?.prefix ?? '', suffix: suffix ?? base?.suffix ?? '', location }
}

/** A `prompts:` entry as written: a template or file:// path, or an object naming one. */
type PromptEntry = string | { raw?: string; id?: string; label?: string; config?: Config }

/** A .json prompt file that is JSON only once rendered (its turns written by {% for %}, say). */
interface ChatTemplateFile {
  file: string
  /** Why it does not parse as written. */
  problem: SourceProblem
}

const CHAT_FILE_FIX =
  '; a .json or .yaml prompt file holds a list of chat turns (or {messages: [...]}), such as ' +
  '[{"role": "system", "content": "You are terse."}, {"role": "user", "content": "{{ question }}"}]; ' +
  'a text prompt goes in a .txt file'

export class PromptTemplates {
  /** Rendering problems reported, by prompt and message: each is told once, for the first test it fails for. */
  private readonly renderingReported = new Set<string>()
  /** The engine of the suite being read: its `nunjucksFilters` apply to its prompts, as in promptfoo. */
  private engine = DEFAULT_ENGINE

  constructor(
    private readonly log: ProblemLog,
    private readonly refs: References,
  ) {}

  /** Renders the prompts of the suite read next with `engine` (the default one, or its nunjucksFilters'). */
  useEngine(engine: TemplateEngine): void {
    this.engine = engine
  }

  /** The suite's `prompts:`. */
  async prompts(value: unknown, location: Location): Promise<PromptTemplate[]> {
    const entries = isFileRef(value) ? [value] : (value as PromptEntry[])
    const isUnique = this.log.labelCheck('prompts')
    const all: PromptTemplate[] = []
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]
      const entryAt = isFileRef(value) ? location : at(location, i)
      const prompts = await this.promptsOfEntry(entry, i, entryAt)
      const ref = typeof entry === 'string' && isFileRef(entry) ? entry : undefined
      // A string entry takes a label only once written as an object.
      const fix = ref ? `, writing it as {id: ${ref}, label: …}` : ''
      for (const prompt of prompts) if (!isUnique(prompt.label, entryAt, fix)) break
      all.push(...prompts)
    }
    return all
  }

  /** A test's prompts: its own `prompt` or `messages`, else the suite's (a test with none is reported). */
  testPrompts(
    test: Config,
    location: Location,
    suitePrompts: PromptTemplate[] | undefined,
  ): PromptTemplate[] {
    if (typeof test.prompt === 'string') return [promptOf('', test.prompt, at(location, 'prompt'))]
    if (Array.isArray(test.messages))
      return [{ label: '', turns: test.messages, location: at(location, 'messages') }]
    // With `prompts:` written but unreadable, that problem is reported already.
    if (suitePrompts === undefined) {
      this.log.report(
        location,
        'this test has no prompt: add `prompt:` or `messages:`, or a top-level `prompts:` list',
      )
    }
    return suitePrompts ?? []
  }

  /**
   * The prompts of one `prompts:` entry: a template, or a file:// path (written as the entry, or as an object's
   * `id` or `raw`, as promptfoo reads both) to a text file of prompts separated by `---` lines or a chat file.
   */
  private async promptsOfEntry(entry: PromptEntry, i: number, location: Location): Promise<PromptTemplate[]> {
    if (typeof entry === 'string') return this.promptsOfSource(entry, undefined, i, location)
    const source = entry.raw ?? entry.id
    if (source === undefined) {
      this.log.report(location, "a prompt object needs 'id' (a file://path) or 'raw' (the template itself)")
      return []
    }
    // Beside `raw`, an id that is not a path names the prompt, as it did before ids could be paths.
    const label = entry.label ?? (entry.raw !== undefined && !isFileRef(entry.id) ? entry.id : undefined)
    const prompts = await this.promptsOfSource(source, label, i, location)
    if (entry.config === undefined) return prompts
    const config = { value: entry.config, location: at(location, 'config') }
    return prompts.map((prompt) => ({ ...prompt, config }))
  }

  /**
   * The prompts of a template, file:// path or glob: each file the glob matches gives its prompts, labelled by
   * its path from the file that names it (after `label`, when it matches several).
   */
  private async promptsOfSource(
    source: string,
    label: string | undefined,
    i: number,
    location: Location,
  ): Promise<PromptTemplate[]> {
    if (!isFileRef(source) || !isGlob(source)) return this.promptsOf(source, label, i, location)
    const files = await this.refs.files(source, location)
    return files.flatMap((file) => {
      const relative = path.relative(location.source.directory, file).split(path.sep).join('/')
      const name = label === undefined ? relative : files.length > 1 ? `${label}: ${relative}` : label
      return this.promptsOf(`file://${relative}`, name, i, location)
    })
  }

  /** The prompts of a template or file:// path, with `label` (else the file's name, or the entry's number). */
  private promptsOf(
    source: string,
    label: string | undefined,
    i: number,
    location: Location,
  ): PromptTemplate[] {
    if (!isFileRef(source)) return [promptOf(label ?? `prompt ${i + 1}`, source, location)]
    const name = label ?? path.basename(source)
    if (/\.(?:json|ya?ml)$/i.test(source)) return this.chatPromptFile(source, name, location)
    const text = this.refs.readText(source, location)
    if (text === undefined) return []
    const prompts = splitPromptFile(text)
    return prompts.map((template, n) =>
      promptOf(prompts.length > 1 ? `${name} #${n + 1}` : name, template, location),
    )
  }

  /**
   * A .json, .yaml or .yml prompt file, which holds chat turns (as in promptfoo), each at its line there; one
   * that does not is a problem, not a prompt sent as text.
   */
  private chatPromptFile(ref: string, label: string, location: Location): PromptTemplate[] {
    const text = this.refs.readText(ref, location)
    if (text === undefined) return []
    const file = resolveFileRef(ref, location.source.file)
    const format = /\.json$/i.test(ref) ? 'json' : 'yaml'
    const { document, problems } = parseSource(text, format)
    if (!document) {
      if (format === 'json' && /\{[{%]/.test(text)) {
        return [{ label, template: text, location, chatFile: { file, problem: problems[0] } }]
      }
      for (const problem of problems) {
        this.log.reportAt(file, problem.line, `${problem.message}${CHAT_FILE_FIX}`)
      }
      return []
    }
    const source = sourceOf(file, format, document)
    // promptfoo's other form: the turns under `messages`.
    const turnsPath = isMessagesMapping(document.value) ? ['messages'] : []
    const turns = isMessagesMapping(document.value) ? document.value.messages : document.value
    const problem = chatProblem(turns)
    if (problem) {
      const turnAt = { source, path: problem.turn === undefined ? turnsPath : [...turnsPath, problem.turn] }
      this.log.report(turnAt, `${ref} ${problem.message}${CHAT_FILE_FIX}`)
      return []
    }
    return [{ label, turns: turns as unknown[], location: { source, path: turnsPath } }]
  }

  /** Whether the prompt is chat turns (as written, or a chat file to render), not a text prompt. */
  isChat(prompt: PromptTemplate): boolean {
    return 'turns' in prompt || prompt.chatFile !== undefined
  }

  /**
   * Whether a test's prompt is a turn of a conversation (conversations.ts): it reads `_conversation` and the
   * test's vars do not set it.
   */
  readsConversation(prompt: PromptTemplate, vars: Record<string, unknown>): boolean {
    return !Object.hasOwn(vars, CONVERSATION_VAR) && readsConversation(prompt)
  }

  /**
   * A prompt's turns for a test's vars, `affix` around its template, or undefined (reported) when it does not
   * render.
   */
  render(
    prompt: PromptTemplate,
    vars: Record<string, unknown>,
    affix: PromptAffix | undefined,
    test: Location,
  ): { messages: MessageParam[]; system?: string } | undefined {
    if (affix && affix.prefix + affix.suffix !== '' && this.isChat(prompt)) {
      this.log.report(
        affix.location,
        'options.prefix and options.suffix (CSV __prefix and __suffix) go around a text prompt, and this ' +
          "test's prompt is chat turns: write the text into the turns, or give the test a text prompt",
      )
      return undefined
    }
    if ('turns' in prompt) return this.renderTurns(prompt.turns, vars, prompt.location, test)
    const template = affix ? `${affix.prefix}${prompt.template}${affix.suffix}` : prompt.template
    const rendered = this.renderText(template, vars, prompt.location, test)
    if (rendered === undefined) return undefined
    if (!prompt.chatFile) return promptTurns(rendered)
    const chat = chatOf(rendered)
    if (chat) return chatMessages(chat)
    // Its problem as written says where to look; the rendered text's would differ from test to test.
    const { file, problem } = prompt.chatFile
    this.reportRendering(
      { file, line: problem.line, inTest: false },
      `${problem.message}, and rendered it is not a list of chat turns either`,
      test,
      CHAT_FILE_FIX,
    )
    return undefined
  }

  /**
   * A prompt that does not render for `test`'s vars, reported where the prompt is written and naming the test
   * (unless the test writes it): once per prompt and problem, as the first test it fails for shows it, since
   * a prompt crossed with 1,000 tests would otherwise give 1,000 alike problems.
   */
  private reportRendering(
    where: { file: string; line: number; inTest: boolean },
    message: string,
    test: Location,
    fix = '',
  ): void {
    const key = `${where.file}:${where.line}:${message}`
    if (this.renderingReported.has(key)) return
    this.renderingReported.add(key)
    const forTest = where.inTest
      ? ''
      : `, for the test at ${this.log.display(test.source.file)}:${this.log.lineOf(test)}`
    this.log.reportAt(where.file, where.line, `${message}${forTest}${fix}`)
  }

  renderSystem(system: RequestParams['system'], vars: Record<string, unknown>, location: Location) {
    return typeof system === 'string' ? this.renderText(system, vars, location, location) : system
  }

  private renderText(
    template: string,
    vars: Record<string, unknown>,
    location: Location,
    test: Location,
  ): string | undefined {
    try {
      return this.engine.render(template, vars)
    } catch (error) {
      const inTest = location.source === test.source && test.path.every((key, i) => location.path[i] === key)
      const where = { file: location.source.file, line: this.log.lineOf(location), inTest }
      this.reportRendering(where, (error as Error).message, test)
      return undefined
    }
  }

  /**
   * Chat turns with their text rendered and file:// image sources read as base64 image blocks; `system`
   * turns become the system prompt.
   */
  private renderTurns(turns: unknown[], vars: Record<string, unknown>, location: Location, test: Location) {
    const problemsBefore = this.log.problems.length
    const rendered = turns.map((turn, i): ChatTurn => {
      const { role, content } = turn as { role: ChatTurn['role']; content: string | Config[] }
      const contentAt = at(location, i, 'content')
      if (typeof content === 'string')
        return { role, content: this.renderText(content, vars, contentAt, test) ?? '' }
      const blocks = content.map((block, j) => this.renderBlock(block, vars, at(contentAt, j), test))
      return { role, content: blocks as unknown as ContentBlockParam[] }
    })
    return this.log.problems.length > problemsBefore ? undefined : chatMessages(rendered)
  }

  private renderBlock(
    block: Config,
    vars: Record<string, unknown>,
    location: Location,
    test: Location,
  ): Config {
    if (block.type === 'text' && typeof block.text === 'string') {
      return { ...block, text: this.renderText(block.text, vars, location, test) ?? '' }
    }
    if (block.type === 'image' && isFileRef(block.source)) {
      const mediaType = imageMediaType(block.source)
      if (!mediaType) {
        this.log.report(
          location,
          `${block.source} is not an image the API takes: use .png, .jpg, .jpeg, .gif or .webp`,
        )
        return block
      }
      const data = this.refs.readBinary(block.source, location)
      return {
        type: 'image',
        source: { type: 'base64', media_type: mediaType, data: Buffer.from(data ?? []).toString('base64') },
      }
    }
    return block
  }
}

/** Whether a prompt's template, or any text of its chat turns, reads `_conversation`. */
function readsConversation(prompt: PromptTemplate): boolean {
  if (!('turns' in prompt)) return readsVariable(prompt.template, CONVERSATION_VAR)
  return prompt.turns.some((turn) => {
    const { content } = turn as { content: unknown }
    const texts =
      typeof content === 'string'
        ? [content]
        : Array.isArray(content)
          ? content.map((b) => (b as Config).text)
          : []
    return texts.some((text) => typeof text === 'string' && readsVariable(text, CONVERSATION_VAR))
  })
}

/** A prompt template; one that is a JSON list of chat turns as written is read as those turns. */
function promptOf(label: string, template: string, location: Location): PromptTemplate {
  const turns = chatOf(template)
  return turns ? { label, turns, location } : { label, template, location }
}
