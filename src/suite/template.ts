import nunjucks from 'nunjucks'
import {
  namesRead,
  parseTemplate,
  refusedParts,
  SANDBOX_RUNTIME,
  TemplateRefusal,
} from './template-sandbox.js'
import { UserError } from '../common/user-error.js'

/** A filter a template may use: `{{ x | name(arg) }}` calls it with x and arg. */
export type TemplateFilter = (...args: unknown[]) => unknown

/** A template that does not render; the message names the missing variable, the syntax fault or the refused key. */
export class TemplateError extends UserError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'TemplateError'
  }
}

type RenderRoot = (env: unknown, context: unknown, frame: unknown, runtime: unknown, cb: unknown) => void

/** Compiled templates kept per engine; see TemplateEngine.templateOf. */
const CACHED_TEMPLATES = 1000

/**
 * Nunjucks, as promptfoo uses it, except that an undefined variable is an error instead of an empty string,
 * and that templates reach only their data (template-sandbox.ts). No loaders: a template cannot read files.
 * `dev` keeps the error a lookup threw as the cause of nunjucks' error, so that a refusal is told as such.
 * Every template renders with the default engine, but the prompts of a suite with `nunjucksFilters`, which
 * get an engine with those filters too.
 */
export class TemplateEngine {
  private readonly environment = new nunjucks.Environment([], {
    autoescape: false,
    throwOnUndefined: true,
    dev: true,
  })
  private readonly options: object
  private readonly filterNames: string[]
  readonly globalNames: ReadonlySet<string>
  /**
   * Compiled templates by their text: a suite renders its few prompts and defaultTest assertions for each of
   * its tests (and a judge its prompts for each output), and compiling one takes far longer than rendering it.
   * Past 1,000 the oldest is dropped, so that templates written once per test do not pile up; one still in use
   * is then compiled again, once per 1,000 new ones.
   */
  private readonly templates = new Map<string, nunjucks.Template>()

  constructor(custom: Readonly<Record<string, TemplateFilter>> = {}) {
    const { environment } = this
    // promptfoo's one filter of its own: `{{ json_var | load }}` parses a JSON string into data (plain objects
    // and lists, which the sandbox lets templates read).
    environment.addFilter('load', (text: unknown) => JSON.parse(String(text)) as unknown)
    for (const [name, filter] of Object.entries(custom)) environment.addFilter(name, filter)
    const { filters, tests, globals, opts } = environment as unknown as Record<string, object>
    // `{{ x | constructor }}` and `{% if x is valueOf %}` would find Object.prototype's members otherwise.
    for (const table of [filters, tests, globals]) Object.setPrototypeOf(table, null)
    this.options = opts
    this.filterNames = Object.keys(filters)
    this.globalNames = new Set(Object.keys(globals))
  }

  /** The parsed template; throws nunjucks' own error, with its line, for a template that does not parse. */
  parse(text: string) {
    return parseTemplate(text, this.options)
  }

  templateOf(text: string): nunjucks.Template {
    let template = this.templates.get(text)
    if (!template) {
      template = this.compile(text)
      if (this.templates.size >= CACHED_TEMPLATES) {
        this.templates.delete(this.templates.keys().next().value as string)
      }
      this.templates.set(text, template)
    }
    return template
  }

  /** Renders `{{var}}` templates; throws a TemplateError. */
  render(template: string, vars: Record<string, unknown>): string {
    if (!template.includes('{')) return template
    try {
      return this.templateOf(template).render(vars)
    } catch (error) {
      throw templateError(error, template, vars, this.globalNames)
    }
  }

  /** The template checked (throws a TemplateError), compiled, and set to render with the guarded runtime. */
  private compile(text: string): nunjucks.Template {
    let refused: string | undefined
    try {
      refused = refusedParts(this.parse(text), this.filterNames)
    } catch {
      // Not a template nunjucks can parse: compiling it below throws nunjucks' own error, with its line.
    }
    if (refused) throw new TemplateError(refused)
    const template = new nunjucks.Template(text, this.environment, undefined, true)
    const compiled = template as unknown as { rootRenderFunc: RenderRoot }
    const root = compiled.rootRenderFunc
    compiled.rootRenderFunc = (env, context, frame, _runtime, cb) =>
      root(env, context, frame, SANDBOX_RUNTIME, cb)
    return template
  }
}

/** The engine of every template but a suite's prompts with `nunjucksFilters`. */
export const DEFAULT_ENGINE = new TemplateEngine()

const OUTPUT_VARIABLE = /\{\{-?\s*([A-Za-z_$][\w$]*)/g

/** Checks a template without rendering it (a refused key or a syntax fault); throws a TemplateError. */
export function checkTemplate(template: string): void {
  if (!template.includes('{')) return
  try {
    DEFAULT_ENGINE.templateOf(template)
  } catch (error) {
    throw templateError(error, template, undefined, DEFAULT_ENGINE.globalNames)
  }
}

/** Whether the template reads the variable `name`; one that does not parse reads none (rendering says why). */
export function readsVariable(template: string, name: string): boolean {
  if (!template.includes(name)) return false
  try {
    return namesRead(DEFAULT_ENGINE.parse(template)).has(name)
  } catch {
    return false
  }
}

/** Renders `{{var}}` templates with the default engine; throws a TemplateError. */
export function renderTemplate(template: string, vars: Record<string, unknown>): string {
  return DEFAULT_ENGINE.render(template, vars)
}

function templateError(
  error: unknown,
  template: string,
  vars: Record<string, unknown> | undefined,
  globalNames: ReadonlySet<string>,
): TemplateError {
  if (error instanceof TemplateError) return error
  // A refusal while rendering, which nunjucks wrapped with the line it was rendering.
  const { cause, lineno } = error as { cause?: unknown; lineno?: unknown }
  if (cause instanceof TemplateRefusal) {
    const message = typeof lineno === 'number' ? cause.located(lineno + 1) : cause.message
    return new TemplateError(message, { cause: error })
  }
  if (vars) {
    const missing = [...template.matchAll(OUTPUT_VARIABLE)]
      .map((m) => m[1])
      .filter((name) => !Object.hasOwn(vars, name) && !globalNames.has(name))
    if (missing.length > 0) {
      const given = Object.keys(vars)
      return new TemplateError(
        `the template uses {{ ${[...new Set(missing)].join(' }}, {{ ')} }} but vars has no such key ` +
          `(vars: ${given.length > 0 ? given.join(', ') : 'none'})`,
        { cause: error },
      )
    }
  }
  const detail = (error as Error).message.replace(/^\(unknown path\)\s*/, '').replace(/\s+/g, ' ')
  return new TemplateError(`the template does not render: ${detail}`, { cause: error })
}
