/**
 * The cases of the differential test against promptfoo (scripts/promptfoo-differential.ts records promptfoo's
 * verdict of each): tables of values x outputs x thresholds for each deterministic type and its not- form, and
 * whole tests (several assertions, weights, a test threshold, an assert-set) on a few outputs.
 */

export interface Assertion {
  type: string
  value?: unknown
  threshold?: number
  weight?: number
  transform?: string
  /** An assert-set's own assertions. */
  assert?: Assertion[]
}

export interface DifferentialCase {
  id: string
  /** One assertion, whose own verdict and score are compared; or `test`, a whole test's. */
  assertion?: Assertion
  test?: { assert: Assertion[]; threshold?: number }
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
  {
    type: 'is-json',
    values: ['{"type": "object", "required": ["name"]}', 'type: object\nrequired: [age]'],
    outputs: ['json', 'jsonArray', 'paris'],
  },
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

const has = (value: string, weight?: number): Assertion =>
  weight === undefined ? { type: 'contains', value } : { type: 'contains', value, weight }
const SCORE_07: Assertion = { type: 'javascript', value: '0.7' }

/** Assertions with a transform, each on each output: the transform's result is what is graded. */
const TRANSFORMED: Assertion[] = [
  { type: 'contains', value: 'PARIS', transform: 'output.toUpperCase()' },
  { type: 'is-json', transform: 'output.trim()' },
  { type: 'equals', value: '36', transform: 'String(JSON.parse(output).age)' },
  { type: 'word-count', value: 2, transform: 'output.split(" ").slice(0, 2).join(" ")' },
]

/** Whole tests: what promptfoo makes of several assertions together, on each of the outputs. */
const TEST_TABLES: {
  name: string
  assert: Assertion[]
  threshold?: number
  outputs: (keyof typeof OUTPUTS)[]
}[] = [
  {
    name: 'a failing weight-0 assertion',
    assert: [has('Paris'), has('London', 0)],
    outputs: ['paris', 'shout'],
  },
  { name: 'only a weight-0 assertion', assert: [has('London', 0)], outputs: ['paris'] },
  {
    name: 'one of two at threshold 0.5',
    assert: [has('Paris'), has('London')],
    threshold: 0.5,
    outputs: ['paris', 'shout'],
  },
  {
    name: 'weights 3 and 1 at 0.75',
    assert: [has('Paris', 3), has('London', 1)],
    threshold: 0.75,
    outputs: ['paris', 'shout'],
  },
  {
    name: 'weights 3 and 1 at 0.8',
    assert: [has('Paris', 3), has('London', 1)],
    threshold: 0.8,
    outputs: ['paris'],
  },
  {
    name: 'three scores of 0.7 at 0.7',
    assert: [SCORE_07, SCORE_07, SCORE_07],
    threshold: 0.7,
    outputs: ['paris'],
  },
  {
    name: 'rouge-n beside contains at 0.6',
    assert: [{ type: 'rouge-n', value: FOX }, has('fox')],
    threshold: 0.6,
    outputs: ['fox', 'foxNear', 'foxFar'],
  },
  {
    name: 'an assert-set at 0.5',
    assert: [{ type: 'assert-set', assert: [has('Paris'), has('London')], threshold: 0.5 }],
    outputs: ['paris', 'shout'],
  },
  {
    name: 'an assert-set beside not-contains',
    assert: [
      { type: 'assert-set', assert: [has('Paris'), { type: 'icontains', value: 'france' }] },
      { type: 'not-contains', value: 'London' },
    ],
    outputs: ['paris', 'shout'],
  },
  {
    name: 'not-contains beside contains at 0.5',
    assert: [{ type: 'not-contains', value: 'Paris' }, has('France')],
    threshold: 0.5,
    outputs: ['paris', 'shout'],
  },
]

/**
 * The cases of the tables, each with an id naming its type, value, output and threshold
 * (`not-contains "Paris" on shout t=0.5`), made unique with `#2`... where two rows give the same; then the
 * whole tests (`test with <name> on <output>`).
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
  for (const assertion of TRANSFORMED) {
    for (const name of ['paris', 'jsonPadded', 'json'] as const) {
      cases.push({
        id: `${assertion.type} with ${assertion.transform} on ${name}`,
        assertion,
        vars: {},
        output: OUTPUTS[name],
      })
    }
  }
  for (const table of TEST_TABLES) {
    const test =
      table.threshold === undefined
        ? { assert: table.assert }
        : { assert: table.assert, threshold: table.threshold }
    for (const name of table.outputs) {
      cases.push({ id: `test with ${table.name} on ${name}`, test, vars: {}, output: OUTPUTS[name] })
    }
  }
  return cases
}
