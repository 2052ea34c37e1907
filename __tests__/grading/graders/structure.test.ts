import { looksLikeHtml, notHtmlBecause } from '../../../src/grading/graders/structure.js'
import { parseXml, xmlCandidates } from '../../../src/grading/graders/xml-syntax.js'
import { compileError, grade } from './fixtures.js'

describe('parseXml, a well-formedness check', () => {
  it.each([
    '<a/>',
    '<a></a>',
    '<?xml version="1.0" encoding="UTF-8"?>\n<root><child id="1" name=\'x\'>text &amp; more &#169; &#xA9;</child></root>',
    '\uFEFF<a/>',
    '<!-- note --><a><![CDATA[ <not> & markup ]]><?pi data?></a><!-- after -->',
    '<!DOCTYPE note SYSTEM "note.dtd"><note>&custom;</note>',
    '<!DOCTYPE n [<!ENTITY e "x">]><n>&e;</n>',
    '<ns:a xmlns:ns="urn:x"><ns:b/></ns:a>',
    '<café>é</café>',
    '<a\n  b = "1"\n/>',
  ])('accepts %j', (text) => {
    expect(parseXml(text)).toEqual({ ok: true, paths: expect.any(Set) })
  })

  it.each([
    ['', 'no root element at line 1, column 1'],
    ['plain text', 'expected an element at line 1, column 1'],
    ['<a>', '<a> is not closed'],
    ['<a></b>', '</b> closes <a> at line 1, column 7'],
    ['<a><b></a></b>', '</a> closes <b>'],
    ['<a/><b/>', 'a second root element'],
    ['<a/> trailing', 'text after the root element'],
    ['<a x=1/>', 'expected a quoted value for attribute x'],
    ['<a x="1" x="2"/>', 'attribute x given twice'],
    ['<a x="1"y="2"/>', "expected a space, '>' or '/>' in a start tag"],
    ['<a x="<"/>', "'<' in the value of attribute x"],
    ['<a>fish & chips</a>', "'&' that starts no entity"],
    ['<a>&nbsp;</a>', 'undefined entity &nbsp;'],
    ['<a><!-- a -- b --></a>', "'--' inside a comment"],
    ['<a>]]></a>', "']]>' outside a CDATA section"],
    ['<a><?xml version="1.0"?></a>', 'an XML declaration not at the very start'],
    ['<a><!DOCTYPE a></a>', 'a DOCTYPE that is not before the root element'],
    ['<1a/>', 'expected an element name'],
    ['<a><![CDATA[x</a>', 'a CDATA section is not closed with ]]>'],
  ])('refuses %j: %s', (text, error) => {
    const parsed = parseXml(text)
    expect(parsed.ok).toBe(false)
    if (!parsed.ok) expect(parsed.error).toContain(error)
  })

  it("collects the elements' dotted paths from the root", () => {
    const parsed = parseXml('<r><a><b/></a><a><c>x</c></a><d/></r>')
    expect(parsed.ok && [...parsed.paths].sort()).toEqual(['r', 'r.a', 'r.a.b', 'r.a.c', 'r.d'])
  })

  it('checks a deep document without exhausting the stack', () => {
    const depth = 100_000
    expect(parseXml('<a>'.repeat(depth) + '</a>'.repeat(depth)).ok).toBe(true)
  })

  it('finds the stretches that may be elements, outermost first', () => {
    const text = 'Here: <r><a>1</a><b/></r> and <x>2</x>'
    expect(xmlCandidates(text).map(({ start, end }) => text.slice(start, end))).toEqual([
      '<r><a>1</a><b/></r>',
      '<a>1</a>',
      '<b/>',
      '<x>2</x>',
    ])
  })
})

describe('is-xml and contains-xml', () => {
  const doc = '<analysis><summary>Fine</summary><score>3</score></analysis>'

  it.each([
    ['is-xml', undefined, doc, true],
    ['is-xml', undefined, `  \n${doc}\n`, true],
    ['is-xml', undefined, `Here it is: ${doc}`, false],
    ['is-xml', undefined, '<a><b></a>', false],
    ['is-xml', 'analysis.summary, analysis.score', doc, true],
    ['is-xml', ['analysis.summary'], doc, true],
    ['is-xml', { requiredElements: ['analysis.summary'] }, doc, true],
    ['is-xml', { requiredElements: ['analysis.details'] }, doc, false],
    ['is-xml', 'summary', doc, false],
    ['not-is-xml', undefined, 'just text', true],
    ['not-is-xml', undefined, doc, false],
    ['contains-xml', undefined, `Sure!\n\n\`\`\`xml\n${doc}\n\`\`\`\nDone.`, true],
    ['contains-xml', undefined, 'if a < b and c > d', false],
    ['contains-xml', undefined, 'Broken: <a><b></a> but then <ok>1</ok>', true],
    ['contains-xml', undefined, 'Broken: <a>fish & chips</a>', false],
    ['contains-xml', 'analysis.score', `Result: ${doc}`, true],
    ['contains-xml', 'analysis.details', `Result: ${doc}`, false],
    // an element nested in the prose's XML can be the document that holds the required paths
    ['contains-xml', 'score', `<p>x</p> and <score>3</score>`, true],
    ['not-contains-xml', undefined, 'no markup here', true],
    ['not-contains-xml', undefined, `see ${doc}`, false],
  ])('%s %j on %j passes: %s', async (type, value, output, pass) => {
    const result = await grade({ type, ...(value !== undefined && { value }) }, output)
    expect(result.pass).toBe(pass)
    expect(result.score).toBe(pass ? 1 : 0)
  })

  it('says what is wrong', async () => {
    expect((await grade({ type: 'is-xml' }, '<a><b></a>')).reason).toBe(
      'expected output to be XML; not well-formed: </a> closes <b> at line 1, column 10',
    )
    expect((await grade({ type: 'is-xml', value: 'analysis.details' }, doc)).reason).toBe(
      'expected output to be XML with "analysis.details"; missing "analysis.details"',
    )
    expect((await grade({ type: 'contains-xml', value: 'analysis.details' }, `x ${doc}`)).reason).toBe(
      'expected output to contain XML with "analysis.details"; the XML found lacks "analysis.details"',
    )
    expect((await grade({ type: 'contains-xml' }, 'none')).reason).toBe(
      'expected output to contain XML; no well-formed XML element found',
    )
    expect((await grade({ type: 'not-is-xml' }, doc)).reason).toBe(
      'expected output not to be XML; it is well-formed XML',
    )
    expect((await grade({ type: 'is-xml' }, doc)).reason).toBe('output is well-formed XML')
    expect((await grade({ type: 'not-contains-xml' }, 'none')).reason).toBe(
      'output does not contain XML: no well-formed XML element found',
    )
  })

  it('refuses a value that names no elements', async () => {
    const error = await compileError({ type: 'is-xml', value: { elements: ['a'] } })
    expect(error.message).toContain('is-xml takes {requiredElements: [...]} as its value')
    expect(error.key).toBe('value')
    expect((await compileError({ type: 'contains-xml', value: 42 })).message).toContain('list')
  })
})

describe('is-html and contains-html', () => {
  it.each([
    ['<p>Hello <b>world</b></p>', true],
    ['<!DOCTYPE html>\n<html><head><title>x</title></head><body><p>x</p></body></html>', true],
    ['<ul>\n  <li>one\n  <li>two\n</ul>', true],
    ['<div><img src="a.png"><br>text</div>', true],
    ['<my-widget>hi</my-widget>', true],
    ['<!-- c --><section><h2>x</h2></section>', true],
    ['<p>one</p>\n<p>two</p>', true],
    ['Here is the HTML: <p>x</p>', false],
    ['<p>x</p> and some text after', false],
    ['<foo><bar/></foo>', false],
    ['<?xml version="1.0"?><p>x</p>', false],
    ['plain text', false],
    ['', false],
  ])('is-html on %j: %s', async (output, pass) => {
    expect(notHtmlBecause(output) === undefined).toBe(pass)
    expect((await grade({ type: 'is-html' }, output)).pass).toBe(pass)
    expect((await grade({ type: 'not-is-html' }, output)).pass).toBe(!pass)
  })

  it.each([
    ['Use <strong>bold</strong> for emphasis.', true],
    ['Try <br/> here', true],
    ['Click <span class="x">here</span>', true],
    ['<!DOCTYPE html>', true],
    ['<custom-thing attr="1">', true],
    ['if a < b and b > c', false],
    ['Wrap it in an <example> tag', false],
    ['Tom &amp; Jerry', false],
    ['plain text', false],
  ])('contains-html on %j: %s', async (output, pass) => {
    expect(looksLikeHtml(output)).toBe(pass)
    expect((await grade({ type: 'contains-html' }, output)).pass).toBe(pass)
    expect((await grade({ type: 'not-contains-html' }, output)).pass).toBe(!pass)
  })

  it('says why an output is not HTML', async () => {
    expect((await grade({ type: 'is-html' }, 'Here: <p>x</p>')).reason).toBe(
      'expected output to be HTML; it does not start and end with a tag',
    )
    expect((await grade({ type: 'is-html' }, '<p>a</p> b <p>c</p>')).reason).toBe(
      'expected output to be HTML; it has text outside any HTML tag',
    )
    expect((await grade({ type: 'is-html' }, '<foo>x</foo>')).reason).toBe(
      'expected output to be HTML; it has no HTML element',
    )
    expect((await grade({ type: 'not-is-html' }, 'text')).reason).toBe(
      'output is not HTML: it does not start and end with a tag',
    )
    expect((await grade({ type: 'contains-html' }, 'a < b')).reason).toBe(
      'expected output to contain HTML; no sign of HTML markup',
    )
    expect((await grade({ type: 'not-contains-html' }, '<p>x</p>')).reason).toBe(
      'expected output not to contain HTML',
    )
  })

  it('takes no value', async () => {
    expect((await compileError({ type: 'is-html', value: 'x' })).message).toContain(
      "is-html takes no 'value'",
    )
  })
})
