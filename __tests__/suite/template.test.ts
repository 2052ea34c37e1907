import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { assertionCompiler } from '../../src/grading/assertion-compiler.js'
import { SuiteError } from '../../src/suite/loader.js'
import { loadSuites } from '../fixtures/load-suites.js'
import { fileSystemSuiteIO } from '../../src/suite/file-system.js'
import { checkTemplate, renderTemplate, TemplateError } from '../../src/suite/template.js'

/** What a template throws, as the TemplateError's message; fails when it renders. */
function refusalOf(template: string, vars: Record<string, unknown> = {}): string {
  try {
    renderTemplate(template, vars)
  } catch (error) {
    expect(error).toBeInstanceOf(TemplateError)
    return (error as Error).message
  }
  throw new Error(`expected ${template} to be refused`)
}

/** Set by a payload that ran code. */
const sideEffects = globalThis as { pwned?: unknown }
afterEach(() => delete sideEffects.pwned)

describe('templates cannot reach code', () => {
  // Published nunjucks sandbox escapes (SSTImap's nunjucks plugin, PayloadsAllTheThings) and variants.
  const escapes = [
    `{{ range.constructor("return process.env")() }}`,
    `{{ range.constructor("return eval(Buffer('cHJvY2Vzcw==','base64').toString())")() }}`,
    `{{ cycler.constructor("return global.process.mainModule.require('child_process').execSync('id')")() }}`,
    `{{ joiner.constructor("return process")().env }}`,
    `{{ "".constructor.constructor("return process.env")() }}`,
    `{{ [].constructor.constructor("return process")().env }}`,
    `{{ {}.constructor.constructor("return process")().env }}`,
    `{{ constructor.constructor("return process.env")() }}`,
    `{{ range["constructor"]("return process.env")() }}`,
    `{{ range.__proto__.constructor("return process")() }}`,
    `{{ range.prototype }}`,
    `{{ __proto__ }}`,
    `{{ x | constructor }}`,
    `{{ range.__lookupGetter__("__proto__") }}`,
    `{{ range.caller }}`,
  ]

  it.each(escapes)('refuses %s when it is compiled, naming the key', (payload) => {
    const message = refusalOf(payload, { x: 'text' })
    expect(message).toMatch(
      /^the template (reads \.|uses the name )(constructor|__proto__|prototype|__lookupGetter__|caller) \(template line 1\), which leads to JavaScript code, not data: /,
    )
    expect(() => checkTemplate(payload)).toThrow(TemplateError)
  })

  it('refuses a key computed while rendering, and names its line', () => {
    const set = `Line one\n{% set k = "constr" ~ "uctor" %}{{ range[k]("return process.env")() }}`
    expect(refusalOf(set)).toBe(
      'the template reads ["constructor"] (template line 2), which leads to JavaScript code, not data: ' +
        "templates read only the data in their vars; read a var's own keys, e.g. {{ item.name }}",
    )
    expect(refusalOf(`{{ x[k] }}`, { x: {}, k: '__proto__' })).toContain('reads ["__proto__"]')
    expect(refusalOf(`{{ ""[k][k]("return process")() }}`, { k: 'constructor' })).toContain('["constructor"]')
    expect(refusalOf(`{% for k in keys %}{{ range[k] }}{% endfor %}`, { keys: ['prototype'] })).toContain(
      '["prototype"]',
    )
  })

  it('never lets a refused template touch process', () => {
    const payload = `{{ range.constructor("globalThis.pwned = process.version")() }}`
    refusalOf(payload)
    refusalOf(`{% set k = "constructor" %}{{ range[k]("globalThis.pwned = 1")() }}`)
    expect(sideEffects.pwned).toBeUndefined()
  })

  // nunjucks writes these names into the JavaScript it compiles as they are: each ran code before.
  it.each([
    ['a test name', `{{ x is "odd\\",globalThis.pwned=process.version,\\"" }}`],
    ['a variable name', '{{ x"&&Function`globalThis\\u002epwned\\u003d1```&&" }}'],
    ['a set target', `{% set "a\\",globalThis.pwned=1,\\"" = 1 %}`],
    ['a macro argument', `{% macro m("a\\",globalThis.pwned=1,\\"") %}{% endmacro %}`],
    ['a macro default', `{% macro m("a\\"+(globalThis.pwned=1)+\\""=1) %}{% endmacro %}{{ m() }}`],
  ])('refuses code hidden in %s', (_, payload) => {
    expect(refusalOf(payload, { x: 1 })).toMatch(/where a name belongs \(template line 1\)/)
    expect(sideEffects.pwned).toBeUndefined()
  })

  it('refuses a call through a key with a backslash, which nunjucks would write into code', () => {
    expect(refusalOf(`{{ x["a\\\\"]() }}`, { x: {} })).toContain('cannot be called')
  })

  it('reads no inherited members: not of the vars, the globals, nor of values', () => {
    expect(refusalOf(`{{ valueOf }}`)).toContain('the template uses {{ valueOf }} but vars has no such key')
    expect(refusalOf(`{{ range.call }}`)).toContain('attempted to output null or undefined value')
    expect(refusalOf(`{{ obj.hasOwnProperty("a") }}`, { obj: { a: 1 } })).toContain('undefined')
    expect(refusalOf(`{{ obj.toString() }}`, { obj: {} })).toContain('undefined')
    expect(refusalOf(`{% if x is valueOf %}{% endif %}`, { x: 1 })).toContain('test not found: valueOf')
    expect(refusalOf(`{{ x | valueOf }}`, { x: 1 })).toContain(
      "the filter 'valueOf' (template line 1), which nunjucks",
    )
  })

  it('reads no files and runs no regular expressions', () => {
    expect(refusalOf(`{% include "/etc/passwd" %}`)).toMatch(
      /^the template uses another template \(template line 1\)/,
    )
    expect(refusalOf(`{% import "x.njk" as x %}`)).toContain('cannot read other files')
    expect(refusalOf(`{% extends "x.njk" %}`)).toContain('cannot read other files')
    expect(refusalOf(`{{ output.replace(r/(a+)+$/, "") }}`, { output: 'a' })).toContain(
      'use a regex assertion on the output instead',
    )
  })

  it('reads the own keys of data even where their names are refused as written', () => {
    expect(renderTemplate(`{{ obj[k] }}`, { obj: { constructor: 'data' }, k: 'constructor' })).toBe('data')
  })
})

describe('templates keep what promptfoo suites use', () => {
  const vars = {
    name: 'Ada',
    items: ['pear', 'apple', 'fig'],
    people: [
      { name: 'Bo', age: 30 },
      { name: 'Cy', age: 25 },
    ],
    obj: { city: 'Paris', zip: '75001' },
    key: 'city',
    n: 3.14159,
    text: '  padded  ',
  }
  it.each([
    ['{{ name | upper }} {{ name | lower }} {{ name | length }}', 'ADA ada 3'],
    [
      '{{ items | join(", ") }}|{{ items | first }}|{{ items | last }}|{{ items | sort | join }}',
      'pear, apple, fig|pear|fig|applefigpear',
    ],
    ['{{ text | trim }}|{{ name | replace("A", "E") }}|{{ missing | default("none") }}', 'padded|Eda|none'],
    ['{{ obj | dump }}', '{"city":"Paris","zip":"75001"}'],
    ['{{ (people | sort(false, false, "age") | first).name }}', 'Cy'],
    ['{% for p in people %}{{ loop.index }}.{{ p.name }} {% endfor %}', '1.Bo 2.Cy '],
    ['{% for k, v in obj %}{{ k }}={{ v }};{% endfor %}', 'city=Paris;zip=75001;'],
    ['{% set total = 1 + 2 %}{% if total > 2 %}big {{ total }}{% else %}small{% endif %}', 'big 3'],
    ['{{ items[0] }} {{ obj[key] }} {{ obj.city }} {{ people[1].name }}', 'pear Paris Paris Cy'],
    ['{{ range(3) | join(",") }} {% for i in range(1, 3) %}{{ i }}{% endfor %}', '0,1,2 12'],
    ['{% set c = cycler("odd", "even") %}{{ c.next() }} {{ c.next() }} {{ c.current }}', 'odd even even'],
    ['{% set j = joiner("+") %}{% for i in items %}{{ j() }}{{ i }}{% endfor %}', 'pear+apple+fig'],
    [
      '{% macro hi(who, end="!") %}Hi {{ who }}{{ end }}{% endmacro %}{{ hi(name) }} {{ hi("Bo", end="?") }}',
      'Hi Ada! Hi Bo?',
    ],
    ['{% macro box() %}[{{ caller() }}]{% endmacro %}{% call box() %}inside{% endcall %}', '[inside]'],
    [
      '{{ name.toUpperCase() }} {{ items.length }} {{ name.length }} {{ items.join("/") }}',
      'ADA 3 3 pear/apple/fig',
    ],
    [
      '{{ text.trim().split(" ")[0] }} {{ name.includes("d") }} {{ n.toFixed(2) }} {{ items.slice(1).join() }}',
      'padded true 3.14 apple,fig',
    ],
    ['{{ "yes" if name == "Ada" else "no" }} {{ "pp" in items }} {{ "pear" in items }}', 'yes false true'],
    ['{% set d = {"a": 1, b: [1, 2]} %}{{ d.b | length }}{{ d["a"] }}', '21'],
    ['{{ (name | safe).length }} {{ (name | safe).toLowerCase() }}', '3 ada'],
  ])('%s', (template, expected) => {
    expect(renderTemplate(template, vars)).toBe(expected)
  })

  it("has promptfoo's load filter, which parses a JSON string into data the template reads", () => {
    const json = '{"city": "Paris", "tags": ["a", "b"], "__proto__": {"x": 1}}'
    expect(
      renderTemplate('{{ (data | load).city }} {{ (data | load).tags | join("+") }}', { data: json }),
    ).toBe('Paris a+b')
    expect(
      renderTemplate('{% set d = data | load %}{% for t in d.tags %}{{ t }}{% endfor %}', { data: json }),
    ).toBe('ab')
    expect(refusalOf('{{ (data | load).city }}', { data: 'not json' })).toMatch(
      /^the template does not render: .*JSON/,
    )
  })

  it('refuses a filter nunjucks does not have when checked, before any test renders it, naming it', () => {
    const unknown = 'Hi\n{{ name | shout }}'
    expect(() => checkTemplate(unknown)).toThrow(
      "the template uses the filter 'shout' (template line 2), which nunjucks does not have: use one of nunjucks' " +
        "filters or load; a suite's own filters (nunjucksFilters) apply in its prompts only",
    )
    expect(refusalOf('{% filter uper %}x{% endfilter %}')).toContain(
      "the filter 'uper' (template line 1), which nunjucks does not have (did you mean 'upper'?)",
    )
    expect(() => checkTemplate('{% filter upper %}x{% endfilter %}{{ x | load | dump }}')).not.toThrow()
  })

  it('still says which variable is missing', () => {
    expect(refusalOf('Hi {{ nam }}', { name: 'Ada' })).toBe(
      'the template uses {{ nam }} but vars has no such key (vars: name)',
    )
  })

  it('still reports a syntax fault', () => {
    expect(refusalOf('a\n{{ x', { x: 1 })).toBe('the template does not render: expected variable end')
  })
})

describe('refused templates in a suite', () => {
  let workspace: string
  beforeEach(() => {
    workspace = mkdtempSync(path.join(tmpdir(), 'template-'))
  })
  afterEach(() => rmSync(workspace, { recursive: true, force: true }))

  it('are problems at the file and line of the prompt or assertion that holds them', async () => {
    const file = path.join(workspace, 'evals', 'suite.yml')
    mkdirSync(path.dirname(file))
    writeFileSync(
      file,
      [
        'model: m',
        'tests:',
        '  - prompt: "{{ range.constructor(\'return process.env\')() }}"',
        '  - vars: { k: constructor }',
        '    prompt: "{{ range[k] }}"',
        '  - prompt: hello',
        '    assert:',
        '      - type: contains',
        '        value: "{{ cycler.__proto__ }}"',
      ].join('\n'),
    )
    let problems: string[] = []
    try {
      await loadSuites([file], {
        workspace,
        model: undefined,
        io: fileSystemSuiteIO,
        assertions: assertionCompiler,
      })
    } catch (error) {
      if (!(error instanceof SuiteError)) throw error
      problems = error.problems.map((p) => `${p.file}:${p.line}: ${p.message}`)
    }
    expect(problems).toEqual([
      expect.stringMatching(/^evals\/suite\.yml:3: the template reads \.constructor \(template line 1\)/),
      expect.stringMatching(/^evals\/suite\.yml:5: the template reads \["constructor"\] \(template line 1\)/),
      expect.stringMatching(/^evals\/suite\.yml:9: the template reads \.__proto__ \(template line 1\)/),
    ])
  })
})
