import nunjucks from 'nunjucks'

/** Nunjucks, as promptfoo uses it, except that an undefined variable is an error instead of an empty string. */
const environment = new nunjucks.Environment(null, { autoescape: false, throwOnUndefined: true })

/**
 * Compiled templates by their text: a suite renders its few prompts and defaultTest assertions for each of its
 * tests (and a judge its prompts for each output), and compiling one takes far longer than rendering it. Past
 * 1,000 the oldest is dropped, so that templates written once per test do not pile up; one still in use is
 * then compiled again, once per 1,000 new ones.
 */
const templates = new Map<string, nunjucks.Template>()
const CACHED_TEMPLATES = 1000

function templateOf(text: string): nunjucks.Template {
  let template = templates.get(text)
  if (!template) {
    if (templates.size >= CACHED_TEMPLATES) templates.delete(templates.keys().next().value as string)
    templates.set(text, (template = new nunjucks.Template(text, environment)))
  }
  return template
}

const OUTPUT_VARIABLE = /\{\{-?\s*([A-Za-z_$][\w$]*)/g

/** A template that does not render; the message names the missing variable or the syntax fault. */
export class TemplateError extends Error {
  constructor(message: string, options: ErrorOptions) {
    super(message, options)
    this.name = 'TemplateError'
  }
}

/** Renders `{{var}}` templates; throws a TemplateError. */
export function renderTemplate(template: string, vars: Record<string, unknown>): string {
  if (!template.includes('{')) return template
  try {
    return templateOf(template).render(vars)
  } catch (error) {
    const missing = [...template.matchAll(OUTPUT_VARIABLE)].map((m) => m[1]).filter((name) => !(name in vars))
    if (missing.length > 0) {
      const given = Object.keys(vars)
      throw new TemplateError(
        `the template uses {{ ${[...new Set(missing)].join(' }}, {{ ')} }} but vars has no such key ` +
          `(vars: ${given.length > 0 ? given.join(', ') : 'none'})`,
        { cause: error },
      )
    }
    const detail = (error as Error).message.replace(/^\(unknown path\)\s*/, '').replace(/\s+/g, ' ')
    throw new TemplateError(`the template does not render: ${detail}`, { cause: error })
  }
}
