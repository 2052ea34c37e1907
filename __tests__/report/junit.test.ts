import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { MessageBatchResult } from '@anthropic-ai/sdk/resources/messages/batches'
import type { ErrorObject } from '@anthropic-ai/sdk/resources/shared'
import { message, text, onceEach, whole } from '../fixtures/messages.js'
import { gradeAll } from '../fixtures/grading.js'
import { compileAssertion } from '../../src/grading/graders/index.js'
import { buildBatchRequests } from '../../src/batch/requests.js'
import { junitPieces, MAX_OUTPUT_CHARS, writeJunitFile, type JunitOptions } from '../../src/report/junit.js'
import { buildReport, type RunReport } from '../../src/report/report.js'
import { fileSystemSuiteIO } from '../../src/suite/file-system.js'
import type { EvalCase, SampleOutcome, TestOutcome } from '../../src/model.js'

/**
 * A strict reader of the XML subset JUnit files use (a declaration, elements, attributes, text), which
 * refuses what XML 1.0 refuses: characters outside the Char production, unknown or malformed references,
 * `<` in attribute values, `]]>` in text, duplicate attributes, unbalanced tags, more than one root.
 * Attribute values are normalized as the spec says (raw tab, CR and LF become spaces; references do not).
 */
interface XmlElement {
  name: string
  attributes: Record<string, string>
  children: XmlElement[]
  text: string
}

const XML_CHARS = /^[\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u
const NAME = /[A-Za-z_:][\w.:-]*/y
const REFERENCE = /&(?:(lt|gt|amp|quot|apos)|#([0-9]+)|#x([0-9a-fA-F]+));/y
const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }

function parseXml(xml: string): XmlElement {
  if (!XML_CHARS.test(xml)) throw new Error('a character XML 1.0 forbids')
  let at = 0
  const fail = (why: string): never => {
    throw new Error(`${why} at ${at}: ${JSON.stringify(xml.slice(at, at + 40))}`)
  }
  const decode = (raw: string, attribute: boolean): string => {
    let out = ''
    for (let i = 0; i < raw.length;) {
      const c = raw[i]
      if (c === '&') {
        REFERENCE.lastIndex = i
        const m = REFERENCE.exec(raw) ?? fail('a malformed reference')
        const decoded = m[1] ? NAMED[m[1]] : String.fromCodePoint(parseInt(m[2] ?? m[3], m[2] ? 10 : 16))
        if (!XML_CHARS.test(decoded)) fail('a reference to a character XML 1.0 forbids')
        out += decoded
        i += m[0].length
      } else {
        out += attribute && (c === '\t' || c === '\n' || c === '\r') ? ' ' : c
        i += 1
      }
    }
    return out
  }
  const name = (): string => {
    NAME.lastIndex = at
    const m = NAME.exec(xml) ?? fail('a name expected')
    at += m[0].length
    return m[0]
  }
  const spaces = () => {
    while (/[ \t\r\n]/.test(xml[at] ?? '')) at += 1
  }
  const declaration = /^<\?xml version="1\.0" encoding="UTF-8"\?>/.exec(xml)
  if (declaration) at = declaration[0].length
  const stack: XmlElement[] = []
  let root: XmlElement | undefined
  while (at < xml.length) {
    if (xml[at] !== '<') {
      const end = xml.indexOf('<', at) === -1 ? xml.length : xml.indexOf('<', at)
      const raw = xml.slice(at, end)
      if (raw.includes(']]>')) fail("']]>' in text")
      if (stack.length === 0 && raw.trim() !== '') fail('text outside the root')
      if (stack.length > 0) stack[stack.length - 1].text += decode(raw, false)
      at = end
    } else if (xml[at + 1] === '/') {
      at += 2
      const closing = name()
      spaces()
      if (xml[at] !== '>') fail("'>' expected")
      at += 1
      const open = stack.pop() ?? fail('a close tag without an open one')
      if (open.name !== closing) fail(`</${closing}> closes <${open.name}>`)
    } else {
      at += 1
      if (root && stack.length === 0) fail('a second root')
      const element: XmlElement = { name: name(), attributes: {}, children: [], text: '' }
      for (;;) {
        const before = at
        spaces()
        if (xml.startsWith('/>', at) || xml[at] === '>') break
        if (at === before) fail('a space expected before an attribute')
        const attribute = name()
        spaces()
        if (xml[at] !== '=') fail("'=' expected")
        at += 1
        spaces()
        const quote = xml[at]
        if (quote !== '"' && quote !== "'") fail('a quoted value expected')
        const end = xml.indexOf(quote, at + 1)
        if (end === -1) fail('an unterminated value')
        const raw = xml.slice(at + 1, end)
        if (raw.includes('<')) fail("'<' in an attribute value")
        if (attribute in element.attributes) fail(`a duplicate attribute ${attribute}`)
        element.attributes[attribute] = decode(raw, true)
        at = end + 1
      }
      if (stack.length > 0) stack[stack.length - 1].children.push(element)
      else root = element
      if (xml.startsWith('/>', at)) at += 2
      else {
        at += 1
        stack.push(element)
      }
    }
  }
  if (stack.length > 0) fail(`<${stack[stack.length - 1].name}> is not closed`)
  return root ?? fail('no root element')
}

const child = (element: XmlElement, name: string) => element.children.find((c) => c.name === name)

describe('the strict XML reader the tests rely on', () => {
  it.each([
    ['<a>x &foo; y</a>', /malformed reference/],
    ['<a>x & y</a>', /malformed reference/],
    ['<a b="<"/>', /'<' in an attribute value/],
    ['<a b="1" b="2"/>', /duplicate attribute/],
    ['<a><b></a></b>', /closes/],
    ['<a/><b/>', /second root/],
    ['<a>]]></a>', /']]>' in text/],
    ['<a>\u0001</a>', /forbids/],
    ['<a>&#1;</a>', /forbids/],
    ['<a>\uD800</a>', /forbids/],
    ['<a>', /not closed/],
  ])('refuses %j', (xml, error) => {
    expect(() => parseXml(xml)).toThrow(error)
  })

  it('reads references, and normalizes raw line breaks in attributes only', () => {
    const a = parseXml('<a x="1&#10;2\n3">&lt;&amp;&#x1F600;\r\n</a>')
    expect(a).toEqual({ name: 'a', attributes: { x: '1\n2 3' }, children: [], text: '<&😀\r\n' })
  })
})

async function evalCase(
  id: string,
  file: string,
  line: number,
  asserts: Record<string, unknown>[] = [{ type: 'contains', value: 'Paris' }],
  options: { model?: string; threshold?: number } = {},
): Promise<EvalCase> {
  return {
    id,
    description: `about ${id}`,
    file,
    line,
    vars: {},
    prompt: 'Capital of France?',
    params: {
      model: options.model ?? 'claude-haiku-4-5',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Capital of France?' }],
    },
    assertions: await Promise.all(asserts.map((raw) => compileAssertion(raw, '/', fileSystemSuiteIO))),
    threshold: options.threshold,
    transform: undefined,
  }
}

const million = { input_tokens: 1_000_000, output_tokens: 100_000 }
const succeeded = (reply: string): MessageBatchResult => ({
  type: 'succeeded',
  message: message([text(reply)], million),
})
const apiError = (type: ErrorObject['type'], errorMessage: string): MessageBatchResult => ({
  type: 'errored',
  error: { type: 'error', error: { type, message: errorMessage } as ErrorObject, request_id: 'req_1' },
})

const context = {
  minPassRate: 0.5,
  batchIds: ['msgbatch_1', 'msgbatch_2'],
  batchDurationMs: 192_500,
  runUrl: undefined,
}

/** Grades `cases` against `results` (by custom_id = test id) through the real code path. */
async function graded(
  cases: EvalCase[],
  results: Record<string, MessageBatchResult>,
): Promise<{ report: RunReport; outcomes: TestOutcome[] }> {
  const run = await gradeAll(
    onceEach(cases),
    Object.entries(results).map(([custom_id, result]) => ({ custom_id, result })),
  )
  return { report: buildReport(run, context), outcomes: whole(run.outcomes) }
}

/** Two suite files, their tests interleaved: passed, failed, errored (overloaded), canceled and missing. */
async function mixedRun() {
  return graded(
    [
      await evalCase('capital', 'evals/geo.yml', 3),
      await evalCase('capital-lyon', 'evals/geo.yml', 9, [
        { type: 'contains', value: 'Paris' },
        { type: 'icontains', value: 'france' },
        { type: 'regex', value: '^Paris' },
      ]),
      await evalCase('refund', 'evals/support.yml', 4, [{ type: 'contains', value: '30 days' }]),
      await evalCase('outage', 'evals/geo.yml', 20),
      await evalCase('stopped', 'evals/support.yml', 12),
      await evalCase('lost', 'evals/support.yml', 18),
    ],
    {
      capital: succeeded('Paris.'),
      'capital-lyon': succeeded('Lyon, I think.'),
      refund: succeeded('You have 30 days.'),
      outage: apiError('overloaded_error', 'Overloaded'),
      stopped: { type: 'canceled' },
    },
  )
}

/** The run as a JUnit XML document, whole. */
function junitXml(report: RunReport, outcomes: SampleOutcome[], options: JunitOptions = {}): string {
  return Array.from(junitPieces(report, outcomes, options)).join('')
}

describe('junitXml', () => {
  it('has one testsuite per suite file and one testcase per test, with the counts', async () => {
    const { report, outcomes } = await mixedRun()
    const root = parseXml(junitXml(report, outcomes))

    expect(root.name).toBe('testsuites')
    expect(root.attributes).toEqual({
      name: 'Claude Batch Evals',
      tests: '6',
      failures: '1',
      errors: '3',
      time: '192.500',
    })
    const suites = root.children.filter((c) => c.name === 'testsuite')
    expect(suites).toHaveLength(2)
    expect(suites.map((s) => s.attributes)).toEqual([
      { name: 'evals/geo.yml', tests: '3', failures: '1', errors: '1', skipped: '0', time: '0' },
      { name: 'evals/support.yml', tests: '3', failures: '0', errors: '2', skipped: '0', time: '0' },
    ])
    const cases = suites.map((s) => s.children.filter((c) => c.name === 'testcase'))
    expect(cases.map((list) => list.map((c) => c.attributes.name))).toEqual([
      ['capital', 'capital-lyon', 'outage'],
      ['refund', 'stopped', 'lost'],
    ])
    expect(cases[0][0].attributes).toEqual({
      name: 'capital',
      classname: 'evals/geo.yml',
      file: 'evals/geo.yml',
      line: '3',
      time: '0',
    })
    expect(cases[0][0].children).toEqual([])
  })

  it('gives a failed test a <failure> with every failed assertion and the output', async () => {
    const { report, outcomes } = await mixedRun()
    const root = parseXml(junitXml(report, outcomes))
    const testcase = root.children[0].children.find((c) => c.attributes.name === 'capital-lyon')
    expect(testcase?.children.map((c) => c.name)).toEqual(['failure'])
    const failure = child(testcase as XmlElement, 'failure') as XmlElement
    expect(failure.attributes).toEqual({
      message: 'contains: expected output to contain "Paris"',
      type: 'assertion',
    })
    expect(failure.text).toBe(
      'contains: expected output to contain "Paris"\n' +
        'icontains: expected output to contain (ignoring case) "france"\n' +
        'regex: expected output to match /^Paris/\n' +
        '\n' +
        'Output:\n' +
        'Lyon, I think.',
    )
  })

  it('gives errored, canceled and missing tests an <error> with the reason and the result type', async () => {
    const { report, outcomes } = await mixedRun()
    const xml = junitXml(report, outcomes)
    const root = parseXml(xml)
    const errorOf = (suite: number, name: string) =>
      child(root.children[suite].children.find((c) => c.attributes.name === name) as XmlElement, 'error')
    expect(errorOf(0, 'outage')?.attributes).toEqual({
      message: 'overloaded_error: Overloaded',
      type: 'errored',
    })
    expect(errorOf(0, 'outage')?.text).toBe(
      'overloaded_error: Overloaded\nresult type: errored\ncustom_id: outage',
    )
    expect(errorOf(1, 'stopped')?.attributes).toEqual({
      message: 'canceled: the request was canceled before it was processed',
      type: 'canceled',
    })
    expect(errorOf(1, 'lost')?.attributes).toEqual({
      message: 'missing_result: the batch returned no result for this request',
      type: 'missing',
    })
    expect(xml.match(/<failure /g)).toHaveLength(1)
    expect(xml.match(/<error /g)).toHaveLength(3)
  })

  it('puts the batch ids and the exact cost of each suite in its properties', async () => {
    const { report, outcomes } = await mixedRun()
    const root = parseXml(junitXml(report, outcomes))
    const props = root.children.map((suite) =>
      Object.fromEntries(
        (child(suite, 'properties') as XmlElement).children.map((p) => [
          p.attributes.name,
          p.attributes.value,
        ]),
      ),
    )
    // Each succeeded test: 1M input + 100k output tokens on Haiku 4.5, $1.50 standard, $0.75 at batch price.
    expect(props).toEqual([
      {
        batch_ids: 'msgbatch_1,msgbatch_2',
        price_table_date: report.priceTableDate,
        cost_batch_usd: '1.5',
        cost_standard_usd: '3',
      },
      {
        batch_ids: 'msgbatch_1,msgbatch_2',
        price_table_date: report.priceTableDate,
        cost_batch_usd: '0.75',
        cost_standard_usd: '1.5',
      },
    ])
  })

  it('says a cost is unknown instead of giving one', async () => {
    const { report, outcomes } = await graded(
      [
        await evalCase('a', 'evals/a.yml', 1),
        await evalCase('b', 'evals/a.yml', 2, undefined, { model: 'claude-mystery-9' }),
      ],
      { a: succeeded('Paris'), b: succeeded('Paris') },
    )
    const xml = junitXml(report, outcomes)
    expect(xml).toContain(
      `<property name="cost_unknown" value="model &apos;claude-mystery-9&apos; is not in the price table (${report.priceTableDate}); give its prices`,
    )
    expect(xml).not.toContain('cost_batch_usd')
    parseXml(xml)
  })

  it('renders hostile output as inert text, without the characters XML 1.0 forbids', async () => {
    const hostile =
      '</failure></testcase><script>alert(1)</script>&amp; "quoted" \'single\' ]]> ' +
      'nul\u0000 bell\u0007 esc\u001b vt\u000b ff\u000c \uFFFE\uFFFF lone\uD800 \uDC00x pair😀 é\ttab\r\nCRLF'
    const { report, outcomes } = await graded(
      [await evalCase('x<y>&"z\'', 'evals/<weird> & "odd".yml', 5, [{ type: 'contains', value: 'Paris' }])],
      { 'x<y>&"z\'': succeeded(hostile) },
    )
    const xml = junitXml(report, outcomes)
    expect(xml).not.toContain('<script>')
    expect(xml).not.toContain('</failure></testcase>')
    expect(XML_CHARS.test(xml)).toBe(true)
    expect(xml).not.toContain('\u0007')
    expect(xml).toContain('&lt;/failure&gt;&lt;/testcase&gt;&lt;script&gt;alert(1)&lt;/script&gt;&amp;amp;')
    expect(xml).toContain(
      '<testcase name="x&lt;y&gt;&amp;&quot;z&apos;" classname="evals/&lt;weird&gt; &amp; &quot;odd&quot;.yml"',
    )

    const root = parseXml(xml)
    expect(root.children).toHaveLength(1)
    const testcase = child(root.children[0], 'testcase') as XmlElement
    expect(testcase.attributes.name).toBe('x<y>&"z\'')
    expect(testcase.attributes.classname).toBe('evals/<weird> & "odd".yml')
    expect(child(testcase, 'failure')?.text).toBe(
      'contains: expected output to contain "Paris"\n\nOutput:\n' +
        '</failure></testcase><script>alert(1)</script>&amp; "quoted" \'single\' ]]> ' +
        'nul bell esc vt ff  lone x pair😀 é\ttab\r\nCRLF',
    )
  })

  it('keeps line breaks and tabs of attribute values', async () => {
    const { report, outcomes } = await graded([await evalCase('e', 'evals/e.yml', 1)], {
      e: apiError('invalid_request_error', 'max_tokens:\n\tmust be at most 64000\r'),
    })
    const root = parseXml(junitXml(report, outcomes))
    const error = child(child(root.children[0], 'testcase') as XmlElement, 'error')
    expect(error?.attributes.message).toBe('invalid_request_error: max_tokens:\n\tmust be at most 64000\r')
  })

  it('cuts a long output with a marker, counting characters, not UTF-16 units', async () => {
    const long = '😀'.repeat(MAX_OUTPUT_CHARS + 10)
    const { report, outcomes } = await graded([await evalCase('long', 'evals/l.yml', 1)], {
      long: succeeded(long),
    })
    const root = parseXml(junitXml(report, outcomes))
    const failure = child(child(root.children[0], 'testcase') as XmlElement, 'failure') as XmlElement
    const output = failure.text.split('Output:\n')[1]
    expect(output).toBe(
      `${'😀'.repeat(MAX_OUTPUT_CHARS)}\n… [cut: 10 more characters of ${MAX_OUTPUT_CHARS + 10}; ` +
        'the whole output is in the results file]',
    )
  })

  it("lists an assert-set's failures under it, informational failures, and a missed threshold", async () => {
    const { report, outcomes } = await graded(
      [
        await evalCase(
          't',
          'evals/t.yml',
          1,
          [
            { type: 'contains', value: 'Paris' },
            { type: 'contains', value: 'Rome', weight: 0 },
            {
              type: 'assert-set',
              assert: [
                { type: 'icontains', value: 'france' },
                { type: 'starts-with', value: 'Yes' },
              ],
            },
          ],
          { threshold: 0.9 },
        ),
      ],
      { t: succeeded('Paris, France.') },
    )
    const root = parseXml(junitXml(report, outcomes))
    const failure = child(child(root.children[0], 'testcase') as XmlElement, 'failure') as XmlElement
    expect(failure.attributes.message).toMatch(/^assert-set: /)
    expect(failure.text.split('\n\nOutput:\n')).toEqual([
      [
        'contains: expected output to contain "Rome" (weight 0, informational)',
        'assert-set: starts-with: expected output to start with "Yes"; it starts "Paris, France."',
        '  starts-with: expected output to start with "Yes"; it starts "Paris, France."',
        'weighted score 0.75 < threshold 0.9',
      ].join('\n'),
      'Paris, France.',
    ])
  })

  it("gives a repeated test one testcase with the report's verdict, listing the samples that missed", async () => {
    const { requests, sampleByCustomId } = buildBatchRequests(
      [await evalCase('capital', 'evals/geo.yml', 3), await evalCase('refund', 'evals/geo.yml', 9)],
      3,
    )
    const replies = ['Paris.', 'Paris.', 'Lyon.', 'Lyon.', 'Paris.', 'Lyon.']
    const run = await gradeAll(
      sampleByCustomId,
      requests.map(({ custom_id }, i) => ({ custom_id, result: succeeded(replies[i]) })),
    )
    // capital passes 2 of 3, as repeat-min-pass 2 asks; refund passes 1 of 3.
    const report = buildReport(run, { ...context, repeatMinPass: 2 })
    const root = parseXml(junitXml(report, run.outcomes))
    expect(root.attributes).toMatchObject({ tests: '2', failures: '1', errors: '0' })
    const cases = root.children[0].children.filter((c) => c.name === 'testcase')
    expect(cases.map((c) => [c.attributes.name, c.children.map((child) => child.name)])).toEqual([
      ['capital', []],
      ['refund', ['failure']],
    ])
    const failure = cases[1].children[0]
    expect(failure.attributes.message).toBe('1 of 3 samples passed, 2 needed')
    expect(failure.text).toMatch(/^Sample 1 of 3: contains: expected output to contain "Paris"/)
    expect(failure.text).toContain('\n\nSample 3 of 3: contains: expected output to contain "Paris"')
  })

  it('names the document as asked, and writes an empty run', async () => {
    const { report, outcomes } = await graded([], {})
    const xml = junitXml(report, outcomes, { suiteName: 'nightly & <co>' })
    expect(parseXml(xml)).toEqual({
      name: 'testsuites',
      attributes: { name: 'nightly & <co>', tests: '0', failures: '0', errors: '0', time: '192.500' },
      children: [],
      text: '\n',
    })
  })
})

describe('writeJunitFile', () => {
  it('streams the same document to a new directory, and leaves nothing else behind', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'junit-'))
    try {
      const cases = await Promise.all(
        Array.from({ length: 3000 }, (_, i) => evalCase(`t${i}`, `evals/s${i % 3}.yml`, i + 1)),
      )
      const results = Object.fromEntries(
        cases.map((c, i) => [c.id, succeeded(i % 4 === 0 ? `Lyon <${i}>` : 'Paris')]),
      )
      const { report, outcomes } = await graded(cases, results)
      const file = path.join(dir, 'reports', 'deep', 'junit.xml')
      const written = await writeJunitFile(path.relative(process.cwd(), file), report, outcomes)

      expect(written).toBe(file)
      const xml = await readFile(file, 'utf8')
      expect(xml).toBe(junitXml(report, outcomes))
      expect(xml.length).toBeGreaterThan(1 << 17) // more than one chunk
      const root = parseXml(xml)
      expect(root.attributes).toMatchObject({ tests: '3000', failures: '750', errors: '0' })
      expect(root.children.map((s) => [s.attributes.name, s.attributes.tests])).toEqual([
        ['evals/s0.yml', '1000'],
        ['evals/s1.yml', '1000'],
        ['evals/s2.yml', '1000'],
      ])
      expect(await readdir(path.dirname(file))).toEqual(['junit.xml'])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
