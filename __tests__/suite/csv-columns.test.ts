/** promptfoo's special CSV columns: metadata, prefix and suffix, assertion config, and trimmed `type: value` cells. */
import { csvTestReader } from '../../src/suite/csv-tests.js'
import { load, problemsOf, write } from './suite-workspace.js'

const suite = (csv: string) =>
  write({
    'evals/suite.yml': 'model: m\nprompts: ["Q: {{ question }}"]\ntests: file://rows.csv\n',
    'evals/rows.csv': csv,
  }).slice(0, 1)

describe('CSV special columns', () => {
  it('trims `type: value` cells as promptfoo does, keeping JSON schemas and list items as it keeps them', async () => {
    const cases = await load(
      suite(
        'question,__expected1,__expected2,__expected3\n' +
          'a,"  contains: Paris  ","icontains-any: x , y",equals:  exact  \n' +
          'b," Paris ","is-json: {""type"": ""object""} ",rouge-n: the capital\n' +
          'c,levenshtein: Pariss,levenshtein(2):Pariss,starts-with: The\n',
      ),
    )
    expect(cases.map((c) => c.assertions.map((a) => [a.type, a.value, a.threshold]))).toEqual([
      [
        ['contains', 'Paris', undefined],
        ['icontains-any', ['x', 'y'], undefined],
        ['equals', 'exact', undefined],
      ],
      [
        ['equals', 'Paris', undefined],
        ['is-json', ' {"type": "object"}', undefined],
        // promptfoo's default threshold for a type that takes one, written without one in a cell
        ['rouge-n', 'the capital', 0.75],
      ],
      [
        ['levenshtein', 'Pariss', 0.75],
        ['levenshtein', 'Pariss', 2],
        ['starts-with', 'The', undefined],
      ],
    ])
  })

  it('sets the threshold of the assertion a __config column names, counted as promptfoo counts them', async () => {
    const cases = await load(
      suite(
        'question,__expected1,__expected2,__config:__expected1:threshold,__config:__expected2:threshold\n' +
          'a,rouge-n:x,levenshtein:y,0.5,3\n' +
          'b,rouge-n:x,,,\n',
      ),
    )
    expect(cases.map((c) => c.assertions.map((a) => a.threshold))).toEqual([[0.5, 3], [0.75]])
  })

  it('reports a __config column that names no assertion, another setting, or no number, at its row', async () => {
    const problems = await problemsOf(
      write({
        'evals/one.csv': '__prompt,__expected,__config:__expected0:threshold\np,x,1\n',
        'evals/two.csv': '__prompt,__expected,__config:__expected:weight\np,x,1\n',
        'evals/three.csv': '__prompt,__expected,__config:__expected:threshold\np,x,high\n',
        'evals/four.csv': '__prompt,__expected,__config:threshold\np,x,1\n',
      }),
    )
    const form = '__config:__expected:threshold or __config:__expected<N>:threshold (N from 1)'
    expect(problems).toEqual([
      `evals/one.csv:2: special column '__config:__expected0:threshold' names no assertion: write ${form}`,
      `evals/two.csv:2: special column '__config:__expected:weight' sets 'weight', but only threshold can be set: write ${form}`,
      "evals/three.csv:2: __config:__expected:threshold must be a number, like 0.8; it is 'high'",
      `evals/four.csv:2: special column '__config:threshold' names no assertion: write ${form}`,
    ])
  })

  it('makes __metadata columns the test metadata, a key[] column a list split at unescaped commas', async () => {
    const read = csvTestReader()
    expect(
      read({
        question: 'a',
        '__metadata:category': 'geography',
        '__metadata:tags[]': 'capitals, europe\\, west ',
      }),
    ).toEqual({
      vars: { question: 'a' },
      assert: [],
      metadata: { category: 'geography', tags: ['capitals', 'europe, west'] },
    })
    expect(read({ question: 'b', '__metadata:category': ' ', '__metadata:tags[]': '' })).toEqual({
      vars: { question: 'b' },
      assert: [],
    })
    // A row with metadata loads as a test of the suite's prompts, its metadata no var.
    const cases = await load(suite('question,__metadata:category\na,geography\n'))
    expect(cases.map((c) => [c.vars, c.prompt])).toEqual([[{ question: 'a' }, 'Q: a']])
  })

  it('reports a __metadata column without its key, and a misspelt one, with the fix', async () => {
    const problems = await problemsOf(
      write({
        'evals/one.csv': '__prompt,__metadata\np,x\n',
        'evals/two.csv': '__prompt,__metdata:topic\np,x\n',
      }),
    )
    expect(problems).toEqual([
      "evals/one.csv:2: special column '__metadata' names no key: write __metadata:<key>, like __metadata:category",
      expect.stringMatching(
        /^evals\/two.csv:2: unknown special column '__metdata:topic' \(did you mean '__metadata:'\?\); special columns: __expected, .*__metadata:<key>/,
      ),
    ])
  })

  it('puts __prefix and __suffix around the prompt template, rendered with the vars', async () => {
    const cases = await load(
      suite('question,__prefix,__suffix\na,"Be brief. ", Answer in {{ question }}.\nb,,\n'),
    )
    expect(cases.map((c) => c.prompt)).toEqual(['Be brief. Q: a Answer in a.', 'Q: b'])
  })

  it("takes options.prefix and suffix from YAML tests over defaultTest's, and refuses them around chat turns", async () => {
    const [yaml] = write({
      'evals/suite.yml': [
        'model: m',
        'defaultTest: { options: { prefix: "[{{ tone }}] ", suffix: " Thanks." } }',
        'tests:',
        '  - { prompt: "Hi {{ name }}", vars: { tone: warm, name: Ann } }',
        '  - { prompt: "Hi", vars: { tone: dry }, options: { prefix: "", suffix: "!" } }',
      ].join('\n'),
    })
    expect((await load([yaml])).map((c) => c.prompt)).toEqual(['[warm] Hi Ann Thanks.', '[dry] Hi!'])
    const problems = await problemsOf(
      write({
        'evals/chat.csv':
          'question,__prefix,__prompt\na,Be brief.,"[{""role"": ""user"", ""content"": ""{{ question }}""}]"\n',
      }),
    )
    expect(problems).toContain(
      "evals/chat.csv:2: options.prefix and options.suffix (CSV __prefix and __suffix) go around a text prompt, and this test's prompt is chat turns: write the text into the turns, or give the test a text prompt",
    )
  })
})
