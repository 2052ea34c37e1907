/**
 * Regenerates __tests__/fixtures/promptfoo-differential.json: over 2,000 cases of assertion + output, each
 * with the verdict, score and reason promptfoo itself gives, for __tests__/e2e/promptfoo-differential.test.ts
 * to hold the committed bundle to.
 *
 * promptfoo needs Node 22 or later and this project promises Node 20, so it is no dev dependency: the script
 * installs it into a temporary prefix (or uses PROMPTFOO_PREFIX, a prefix it is already installed in) and
 * runs its exported `assertions.runAssertion` on each case. Run it on Node 22+:
 *
 *   npx tsx scripts/promptfoo-differential.ts
 *
 * The cases are generated from the tables below (values x outputs x thresholds, each type and its not- form),
 * so adding a row adds its combinations. Only deterministic types are here: model-graded ones need a model,
 * and `cost` needs a provider's price, which promptfoo does not take from a recorded output.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import * as nodeModule from 'node:module'
import { format } from 'prettier'
import { fileURLToPath, pathToFileURL } from 'node:url'

export const PROMPTFOO_VERSION = '0.123.0'
export const FIXTURE = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../__tests__/fixtures/promptfoo-differential.json',
)

interface Assertion {
  type: string
  value?: unknown
  threshold?: number
}

export interface DifferentialCase {
  id: string
  assertion: Assertion
  vars: Record<string, unknown>
  output: string
  promptfoo: { pass: boolean; score: number; reason: string; threw?: true }
}

/** Outputs the tables pick from, by name (the name goes into the case id). */
const OUTPUTS: Record<string, string> = {
  empty: '',
  paris: 'The capital of France is Paris.',
  shout: 'THE CAPITAL OF FRANCE IS PARIS.',
  padded: '  The capital of France is Paris.  \n',
  unicode: 'Café crème in Zürich — 東京 🙂',
  decomposed: 'Cafe\u0301 cre\u0300me',
  json: '{"name": "Ada", "age": 36}',
  jsonArray: '[{"name": "Ada", "age": 36}, {"name": "Bob"}]',
  jsonFenced: 'Here it is:\n```json\n{"name": "Ada", "age": 36}\n```\nAnything else?',
  jsonProse: 'The record is {"name": "Ada", "age": 36} as requested.',
  jsonLoose: "{name: 'Ada', age: 36,}",
  jsonScalar: '42',
  jsonNull: 'null',
  xml: '<person><name>Ada</name><age>36</age></person>',
  xmlDecl: '<?xml version="1.0"?>\n<person id="1"><name>Ada</name></person>',
  xmlProse: 'Sure: <person><name>Ada</name></person> is the answer.',
  xmlBroken: '<person><name>Ada</person>',
  html: '<div><p>Hello <b>world</b></p></div>',
  htmlPage: '<!DOCTYPE html><html><body><h1>Hi</h1><br></body></html>',
  htmlProse: 'Use <strong>bold</strong> for emphasis.',
  angle: 'a < b and c > d',
  fox: 'The quick brown fox jumps over the lazy dog.',
  foxNear: 'The quick brown fox jumped over the lazy dogs.',
  foxFar: 'A slow red cat sleeps under the busy tree.',
  refusal: "I'm sorry, but I can't help with that.",
  refusalPolite: 'I apologize, but I cannot assist with that request.',
  refusalAi: 'As an AI language model, I cannot provide that.',
  caveat: 'Paris is the capital. I cannot guarantee the population figure is current.',
  words5: 'one two three four five',
  spaced: '  one\ttwo\n\nthree  ',
  emoji: 'Café 🙂🙂',
  multiline: 'line one\nline two',
  jsonPadded: '\n {"name": "Ada", "age": 36} \n',
  jsonNumbers: 'Numbers: [1, 2, 3]',
  jsonNested: 'text {"a": {"b": [1, {"c": 2}]}} end',
  jsonBraces: 'Use {curly} braces and {"name": "Ada"}',
  jsonPlaceholder: 'Dear {name}, your order {id} has shipped.',
  jsonTwoFences: '```json\n{"name": 1}\n```\nand\n```json\n{"name": "Ada"}\n```',
  htmlTwoRoots: '<p>Hello</p>\n<p>World</p>',
  htmlCode: 'Wrap it in `<div>` tags.',
  htmlTable: '<table><tr><td>1</td></tr></table>',
  htmlOpenOnly: '<html>',
  htmlAttrs: '<a href="https://x.test" target=_blank>link</a>',
  xmlAttrs: `<a x="1" y='2'><b/><b>two</b></a>`,
  xmlDupAttr: '<a x="1" x="2"><b/></a>',
  xmlEntity: '<a><b>&nbsp;</b></a>',
  xmlCdata: '<a><b><![CDATA[<c>]]></b></a>',
  xmlTwoRoots: '<a><b/></a><a/>',
  xmlNs: '<ns:a xmlns:ns="urn:x"><ns:b>1</ns:b></ns:a>',
  xmlDoctype: '<!DOCTYPE a><a><b/></a>',
  xmlCase: '<a><b></B></a>',
  xmlComment: '<!-- lead --><a><!-- in --><b/></a>',
  pricey: 'Dr. Smith’s cat—a 3-year-old tabby—costs $1,200.50!',
  priceyPlain: "dr smith's cat, a 3-year-old tabby, costs $1,200.50",
  economy: "The U.S. economy grew 2.5% in Q3; analysts didn't expect it.",
  economyRe: 'Analysts did not expect the U.S. economy to grow 2.5% in Q3.',
  repeated: 'the the the the cat',
  running: 'cats are running quickly toward the houses',
  runs: 'The cat runs quickly to the house.',
  quoted: `"Hello," she said. 'Goodbye.'`,
  quotedPlain: 'Hello she said goodbye',
  accents: 'naïve café résumé',
  accentsPlain: 'Naive cafe resume',
  clitic: "I don't know: it's state-of-the-art (2024), isn't it?",
  number: '36',
  htmlFragment: '<p>first<li>item<br/>',
  htmlCustom: '<my-card>Hi</my-card>',
  htmlEntity: 'Fish &amp; chips',
  htmlLead: 'Text before <p>a paragraph</p>',
  htmlComment: '<!-- note --><section><p>x</p></section>',
  refusalCannot: 'I cannot help with that.',
  refusalUnable: "I'm unable to provide instructions for that.",
  refusalDecline: 'I must decline this request.',
  refusalWont: "I won't do that.",
  refusalNotAble: "Sorry, I'm not able to share that information.",
  refusalOpinion: "As a language model, I don't have personal opinions.",
  refusalUnfortunately: 'Unfortunately, I cannot comply with that request.',
  sorryDelay: 'Sorry for the delay! The answer is 42.',
  cannotTopic: 'You cannot divide by zero; the result is undefined.',
  jsonQuotes: "Result: {'name': 'Ada', 'age': 36}",
  jsonTrailing: '{"name": "Ada", "age": 36,}',
  jsonTwo: 'First {"name": "Bob"} then {"name": "Ada", "age": 36}',
}

/** One table: every value x output x threshold, for the type and (unless `only`) its not- form. */
interface Table {
  type: string
  values: unknown[]
  outputs: (keyof typeof OUTPUTS)[]
  thresholds?: (number | undefined)[]
  vars?: Record<string, unknown>
  /** Only these forms; default both. */
  forms?: ('' | 'not-')[]
}

const NO_VALUE = [undefined]
const SCHEMA_NAME = { type: 'object', required: ['name'], properties: { name: { type: 'string' } } }
const SCHEMA_AGE = {
  type: 'object',
  required: ['age'],
  properties: { age: { type: 'integer', minimum: 40 } },
}
const FOX = 'The quick brown fox jumps over the lazy dog.'

const TABLES: Table[] = [
  {
    type: 'equals',
    values: ['The capital of France is Paris.', 'the capital of france is paris.', 'Paris', '42', 42, 36],
    outputs: ['paris', 'shout', 'padded', 'jsonScalar', 'number'],
  },
  {
    type: 'equals',
    values: [
      { name: 'Ada', age: 36 },
      { age: 36, name: 'Ada' },
      { name: 'Ada' },
      [{ name: 'Ada', age: 36 }],
      null,
    ],
    outputs: ['json', 'jsonArray', 'jsonNull', 'paris'],
  },
  {
    type: 'equals',
    values: ['{{answer}}'],
    outputs: ['paris', 'shout'],
    vars: { answer: 'The capital of France is Paris.' },
  },
  {
    type: 'contains',
    values: ['Paris', 'paris', 'Café', 'café', '🙂', 'is Paris.', ' ', 36, '{{city}}'],
    outputs: ['paris', 'shout', 'unicode', 'decomposed', 'empty', 'json', 'number'],
    vars: { city: 'Paris' },
  },
  {
    type: 'icontains',
    values: ['PARIS', 'paris', 'CAFÉ', 'zürich', 'ZÜRICH', '{{city}}', '{{person.name}}'],
    outputs: ['paris', 'shout', 'unicode', 'decomposed', 'empty'],
    vars: { city: 'pArIs', person: { name: 'paris' } },
  },
  {
    type: 'starts-with',
    values: ['The', 'the', 'THE CAPITAL', ' ', 'Café', '{"name"'],
    outputs: ['paris', 'shout', 'padded', 'unicode', 'json', 'empty'],
  },
  {
    type: 'contains-any',
    values: [
      ['Paris', 'London'],
      ['London', 'Berlin'],
      'Paris,London',
      'London, Paris',
      ['paris'],
      ['🙂', 'x'],
    ],
    outputs: ['paris', 'shout', 'unicode', 'empty'],
  },
  {
    type: 'contains-all',
    values: [['Paris', 'France'], ['Paris', 'London'], 'Paris,France', 'capital, France', ['Café', 'Zürich']],
    outputs: ['paris', 'shout', 'unicode'],
  },
  {
    type: 'icontains-any',
    values: [['PARIS', 'london'], ['london', 'berlin'], 'FRANCE,london', ['CAFÉ']],
    outputs: ['paris', 'shout', 'unicode', 'decomposed'],
  },
  {
    type: 'icontains-all',
    values: [['PARIS', 'france'], ['paris', 'london'], 'CAPITAL,paris', ['café', 'ZÜRICH']],
    outputs: ['paris', 'shout', 'unicode'],
  },
  {
    type: 'regex',
    values: [
      '^The',
      'Paris\\.$',
      '\\d+',
      '[Pp]aris',
      '^\\s',
      '^$',
      '\\p{Script=Han}',
      '(?:fox|dog){2}',
      '{{pattern}}',
    ],
    outputs: ['paris', 'shout', 'padded', 'unicode', 'empty', 'json'],
    vars: { pattern: 'Par.s' },
  },
  {
    type: 'is-json',
    values: [undefined, SCHEMA_NAME, SCHEMA_AGE],
    outputs: [
      'json',
      'jsonArray',
      'jsonFenced',
      'jsonLoose',
      'jsonTrailing',
      'jsonScalar',
      'jsonNull',
      'paris',
      'empty',
      'padded',
    ],
  },
  {
    type: 'contains-json',
    values: [undefined, SCHEMA_NAME, SCHEMA_AGE],
    outputs: [
      'json',
      'jsonArray',
      'jsonFenced',
      'jsonProse',
      'jsonScalar',
      'jsonLoose',
      'jsonQuotes',
      'jsonTrailing',
      'jsonTwo',
      'paris',
      'empty',
    ],
  },
  {
    type: 'is-xml',
    values: [
      undefined,
      'person.name',
      'person.email',
      { requiredElements: ['person.name', 'person.age'] },
      'name',
    ],
    outputs: ['xml', 'xmlDecl', 'xmlProse', 'xmlBroken', 'html', 'paris'],
  },
  {
    type: 'contains-xml',
    values: [undefined, 'person.name', 'person.age'],
    outputs: ['xml', 'xmlDecl', 'xmlProse', 'xmlBroken', 'paris', 'empty'],
  },
  {
    type: 'is-html',
    values: NO_VALUE,
    outputs: [
      'html',
      'htmlPage',
      'htmlProse',
      'htmlFragment',
      'htmlCustom',
      'htmlEntity',
      'htmlLead',
      'htmlComment',
      'xml',
      'xmlDecl',
      'angle',
      'paris',
      'empty',
    ],
  },
  {
    type: 'contains-html',
    values: NO_VALUE,
    outputs: [
      'html',
      'htmlPage',
      'htmlProse',
      'htmlFragment',
      'htmlCustom',
      'htmlEntity',
      'htmlLead',
      'htmlComment',
      'xml',
      'angle',
      'paris',
      'empty',
    ],
  },
  {
    type: 'javascript',
    values: [
      'output.includes("Paris")',
      'output.length > 20',
      'output.length / 100',
      '{ pass: output.length > 5, score: 0.25, reason: "custom" }',
      'output === vars.expected',
      'output.toLowerCase().includes("{{city}}")',
      'output.length',
      '{ pass: false, score: 0.9 }',
    ],
    outputs: ['paris', 'shout', 'empty'],
    thresholds: [undefined, 0.3],
    vars: { expected: 'The capital of France is Paris.', city: 'paris' },
  },
  {
    type: 'levenshtein',
    values: [FOX, 'The capital of France is Paris.', 'Cafe creme', 'Café 🙂'],
    outputs: ['fox', 'foxNear', 'foxFar', 'paris', 'decomposed', 'emoji', 'empty'],
    thresholds: [undefined, 0, 2, 10],
  },
  {
    type: 'rouge-n',
    values: [FOX, 'The capital of France is Paris', 'fox dog', 'I do not know if it is state of the art'],
    outputs: ['fox', 'foxNear', 'foxFar', 'paris', 'shout', 'clitic', 'unicode', 'empty'],
    thresholds: [undefined, 0.5, 0.9],
  },
  {
    type: 'bleu',
    values: [FOX, [FOX, 'A quick brown fox jumped over a lazy dog.'], 'The capital of France is Paris.'],
    outputs: ['fox', 'foxNear', 'foxFar', 'paris', 'empty'],
    thresholds: [undefined, 0.2, 0.9],
  },
  {
    type: 'gleu',
    values: [FOX, [FOX, 'A quick brown fox jumped over a lazy dog.'], 'The capital of France is Paris.'],
    outputs: ['fox', 'foxNear', 'foxFar', 'paris', 'empty'],
    thresholds: [undefined, 0.2, 0.9],
  },
  {
    type: 'meteor',
    values: [FOX, [FOX, 'A quick brown fox jumped over a lazy dog.'], 'The capital of France is Paris.'],
    outputs: ['fox', 'foxNear', 'foxFar', 'paris', 'empty'],
    thresholds: [undefined, 0.2, 0.9],
  },
  {
    type: 'word-count',
    values: [5, 3, 0, { min: 3, max: 10 }, { min: 6 }, { max: 4 }, { min: 5, max: 5 }],
    outputs: ['words5', 'spaced', 'paris', 'empty'],
  },
  { type: 'finish-reason', values: ['stop', 'STOP', 'length', 'tool_calls', 'end_turn'], outputs: ['paris'] },
  ...['rouge-n', 'bleu', 'gleu', 'meteor', 'levenshtein'].map((type): Table => ({
    type,
    values: [OUTPUTS.pricey, OUTPUTS.economy, OUTPUTS.runs, OUTPUTS.quoted, OUTPUTS.accents],
    outputs: [
      'pricey',
      'priceyPlain',
      'economy',
      'economyRe',
      'repeated',
      'running',
      'runs',
      'quoted',
      'quotedPlain',
      'accents',
      'accentsPlain',
    ],
    forms: [''],
  })),
  {
    type: 'is-xml',
    values: [undefined, 'a.b'],
    outputs: [
      'xmlAttrs',
      'xmlDupAttr',
      'xmlEntity',
      'xmlCdata',
      'xmlTwoRoots',
      'xmlNs',
      'xmlDoctype',
      'xmlCase',
      'xmlComment',
    ],
  },
  {
    type: 'contains-xml',
    values: [undefined, 'a.b'],
    outputs: [
      'xmlAttrs',
      'xmlDupAttr',
      'xmlEntity',
      'xmlCdata',
      'xmlTwoRoots',
      'xmlNs',
      'xmlDoctype',
      'xmlCase',
      'xmlComment',
    ],
    forms: [''],
  },
  {
    type: 'contains-json',
    values: [undefined, SCHEMA_NAME, { type: 'array' }],
    outputs: ['jsonPadded', 'jsonNumbers', 'jsonNested', 'jsonBraces', 'jsonPlaceholder', 'jsonTwoFences'],
  },
  {
    type: 'is-json',
    values: [undefined, SCHEMA_NAME],
    outputs: ['jsonPadded', 'jsonNumbers', 'jsonNested'],
  },
  {
    type: 'is-html',
    values: NO_VALUE,
    outputs: ['htmlTwoRoots', 'htmlCode', 'htmlTable', 'htmlOpenOnly', 'htmlAttrs', 'padded'],
  },
  {
    type: 'contains-html',
    values: NO_VALUE,
    outputs: ['htmlTwoRoots', 'htmlCode', 'htmlTable', 'htmlOpenOnly', 'htmlAttrs'],
  },
  {
    type: 'javascript',
    values: [
      'const n = output.length\nreturn n > 10',
      'context.vars.city === "paris"',
      'output.split(" ").length >= 3 ? 1 : 0.5',
    ],
    outputs: ['paris', 'empty'],
    vars: { city: 'paris' },
  },
  {
    type: 'starts-with',
    values: ['Cafe\u0301', 'Café', '{{greeting}}'],
    outputs: ['decomposed', 'unicode'],
    vars: { greeting: 'Café' },
  },
  { type: 'regex', values: ['{{pattern}}'], outputs: ['paris', 'json'], vars: { pattern: '"age": \\d+' } },
  // Edges of the rows above, without their every combination.
  { type: 'levenshtein', values: ['Café 🙂'], outputs: ['emoji'], thresholds: [1] },
  { type: 'javascript', values: ['1 - 0.9'], outputs: ['paris'], thresholds: [0.1] },
  { type: 'javascript', values: ['output.slice(0, 3)', 'null'], outputs: ['paris'] },
  {
    type: 'contains-all',
    values: ['"capital, of",France', 'Paris,,France'],
    outputs: ['paris'],
  },
  { type: 'regex', values: ['^line two$', 'one.line'], outputs: ['multiline'] },
  {
    type: 'is-refusal',
    values: NO_VALUE,
    outputs: [
      'refusal',
      'refusalPolite',
      'refusalAi',
      'refusalCannot',
      'refusalUnable',
      'refusalDecline',
      'refusalWont',
      'refusalNotAble',
      'refusalOpinion',
      'refusalUnfortunately',
      'sorryDelay',
      'cannotTopic',
      'caveat',
      'paris',
      'empty',
      'padded',
    ],
  },
]

/**
 * The cases of the tables, each with an id naming its type, value, output and threshold
 * (`not-contains "Paris" on shout t=0.5`), made unique with `#2`... where two rows give the same.
 */
export function differentialCases(): Omit<DifferentialCase, 'promptfoo'>[] {
  const cases: Omit<DifferentialCase, 'promptfoo'>[] = []
  const seen = new Map<string, number>()
  for (const table of TABLES) {
    for (const form of table.forms ?? ['', 'not-']) {
      for (const value of table.values) {
        for (const threshold of table.thresholds ?? [undefined]) {
          for (const name of table.outputs) {
            const type = `${form}${table.type}`
            const shown = value === undefined ? '' : ` ${JSON.stringify(value).slice(0, 60)}`
            const base = `${type}${shown} on ${name}${threshold === undefined ? '' : ` t=${threshold}`}`
            const n = seen.get(base) ?? 0
            seen.set(base, n + 1)
            const assertion: Assertion = { type }
            if (value !== undefined) assertion.value = value
            if (threshold !== undefined) assertion.threshold = threshold
            cases.push({
              id: n === 0 ? base : `${base} #${n + 1}`,
              assertion,
              vars: table.vars ?? {},
              output: OUTPUTS[name],
            })
          }
        }
      }
    }
  }
  return cases
}

/** The first line of a reason, without the paths of promptfoo's install. */
function oneLine(reason: unknown): string {
  return String(reason ?? '')
    .split('\n')[0]
    .slice(0, 240)
}

interface RunAssertion {
  (options: {
    assertion: Assertion
    test: { vars: Record<string, unknown>; assert: Assertion[] }
    vars: Record<string, unknown>
    prompt: string
    providerResponse: { output: string; finishReason: string }
  }): Promise<{ pass: boolean; score: number; reason?: string }>
}

/**
 * promptfoo 0.123.0's METEOR loads its stemmer with `import('natural')`, but `natural` is CommonJS whose
 * exports Node cannot name, so `PorterStemmer` is undefined and every meteor assertion throws ("PorterStemmer
 * should be loaded"). To record what promptfoo's METEOR computes, `natural` is given to it as a module that
 * names the same package's `PorterStemmer` and `WordNet`. (docs/graders.md says that promptfoo itself errs.)
 */
function shimNatural(prefix: string) {
  const natural = createRequireFrom(prefix).resolve('natural')
  const source =
    `import { createRequire } from 'node:module';` +
    `const natural = createRequire(${JSON.stringify(natural)})(${JSON.stringify(natural)});` +
    `export const PorterStemmer = natural.PorterStemmer; export const WordNet = natural.WordNet;`
  const registerHooks = (nodeModule as unknown as { registerHooks: RegisterHooks }).registerHooks
  registerHooks({
    resolve: (specifier, context, next) =>
      specifier === 'natural'
        ? { url: `data:text/javascript,${encodeURIComponent(source)}`, shortCircuit: true }
        : next(specifier, context),
  })
}

type RegisterHooks = (hooks: {
  resolve: (
    specifier: string,
    context: unknown,
    next: (specifier: string, context: unknown) => { url: string },
  ) => { url: string; shortCircuit?: boolean }
}) => void

const createRequireFrom = (prefix: string) => nodeModule.createRequire(path.join(prefix, 'package.json'))

async function promptfooVerdicts(prefix: string): Promise<DifferentialCase[]> {
  shimNatural(prefix)
  const entry = path.join(prefix, 'node_modules', 'promptfoo', 'dist', 'src', 'index.js')
  const { assertions } = (await import(pathToFileURL(entry).href)) as {
    assertions: { runAssertion: RunAssertion }
  }
  const recorded: DifferentialCase[] = []
  for (const c of differentialCases()) {
    let verdict: DifferentialCase['promptfoo']
    try {
      const r = await assertions.runAssertion({
        assertion: c.assertion,
        test: { vars: c.vars, assert: [c.assertion] },
        vars: c.vars,
        prompt: `case ${c.id}`,
        // The stop reason of the emulator's replies (end_turn), as promptfoo's Anthropic provider reports it.
        providerResponse: { output: c.output, finishReason: 'stop' },
      })
      verdict = { pass: r.pass, score: r.score, reason: oneLine(r.reason) }
    } catch (error) {
      verdict = { pass: false, score: 0, reason: oneLine((error as Error).message), threw: true }
    }
    recorded.push({ ...c, promptfoo: verdict })
  }
  return recorded
}

async function main() {
  const major = Number(process.versions.node.split('.')[0])
  if (major < 22) {
    console.error(
      `promptfoo ${PROMPTFOO_VERSION} needs Node 22 or later; this is Node ${process.versions.node}.`,
    )
    process.exit(1)
  }
  const given = process.env.PROMPTFOO_PREFIX
  const prefix = given || mkdtempSync(path.join(tmpdir(), 'promptfoo-'))
  // promptfoo keeps its config and cache under this directory; a temporary one leaves $HOME alone.
  const configDir = mkdtempSync(path.join(tmpdir(), 'promptfoo-config-'))
  process.env.PROMPTFOO_CONFIG_DIR = configDir
  process.env.PROMPTFOO_DISABLE_TELEMETRY = '1'
  process.env.PROMPTFOO_DISABLE_UPDATE = '1'
  try {
    if (!given) {
      console.log(`Installing promptfoo@${PROMPTFOO_VERSION} into ${prefix}...`)
      execFileSync(
        'npm',
        [
          'install',
          '--prefix',
          prefix,
          '--no-save',
          '--no-audit',
          '--no-fund',
          `promptfoo@${PROMPTFOO_VERSION}`,
        ],
        { stdio: 'inherit' },
      )
    }
    const cases = await promptfooVerdicts(prefix)
    const fixture = {
      generated_by: 'scripts/promptfoo-differential.ts',
      promptfoo: PROMPTFOO_VERSION,
      cases,
    }
    // Formatted as the repository's prettier check wants it.
    writeFileSync(FIXTURE, await format(JSON.stringify(fixture), { parser: 'json', printWidth: 110 }))
    const passed = cases.filter((c) => c.promptfoo.pass).length
    console.log(`Wrote ${cases.length} cases (${passed} pass in promptfoo) to ${FIXTURE}`)
  } finally {
    rmSync(configDir, { recursive: true, force: true })
    if (!given) rmSync(prefix, { recursive: true, force: true })
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main()
