/**
 * Issue 17's acceptance check: promptfoo's own example configs (vendored unchanged in
 * __tests__/fixtures/promptfoo-examples, see its README), each run by the committed bundle as the runner runs
 * it, given only the `model` input. Each example loads and grades, with every test that cannot be graded here
 * named at its suite line with the reason.
 */
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages/messages'
import { PROJECT_ROOT, runAction, type ActionRun } from '../../test-servers/action-runner.js'
import {
  startBatchEmulator,
  type BatchEmulator,
  type StandInReply,
} from '../../test-servers/batch-emulator.js'

const EXAMPLES = path.join(PROJECT_ROOT, '__tests__', 'fixtures', 'promptfoo-examples')
const MODEL = 'claude-haiku-4-5'

type Batch = ReturnType<BatchEmulator['createdBatches']>[number]

interface Run extends ActionRun {
  /** The batches the run created: the tests' first, then the judge's, if any. */
  batches: Batch[]
}

interface Example {
  /** The stand-in model's replies, by the text of the last user message. */
  replies?: Record<string, StandInReply>
  /** What a run of the example, unchanged, must show. */
  expectRun: (run: Run) => void
}

/** The params of the tests' batch, in submission order. */
function requestsOf(run: Run): MessageCreateParamsNonStreaming[] {
  return run.batches[0].requests.map(({ params }) => params as MessageCreateParamsNonStreaming)
}

function lastUserText(params: MessageCreateParamsNonStreaming): string {
  const last = params.messages.filter((message) => message.role === 'user').at(-1)
  const content = last?.content ?? ''
  return typeof content === 'string'
    ? content
    : content.map((block) => (block.type === 'text' ? block.text : '')).join('')
}

/** The outputs of a run that loaded and graded every test. */
function expectGraded(run: Run, counts: { requests: number; total: number; passed: number }) {
  expect(run.outputs.status).toBe(counts.passed === counts.total ? 'passed' : 'failed')
  expect(run.batches[0].requests).toHaveLength(counts.requests)
  expect(requestsOf(run).every((params) => params.model === MODEL)).toBe(true)
  expect(run.outputs).toMatchObject({
    total: String(counts.total),
    passed: String(counts.passed),
    failed: String(counts.total - counts.passed),
    errored: '0',
  })
}

/** A test that did not pass is reported in the summary at its suite line, with the reason; returns its entry. */
function expectReported(run: Run, where: string, reason: RegExp): string {
  const entry = run.summary.split('\n**').find((part) => part.includes(` · ${where}\n`))
  expect(entry).toMatch(reason)
  return entry ?? ''
}

const FRUITS_IN_THREE_WORDS: Record<string, string> = {
  'Tell me about yellow fruits in three words': 'Bananas, lemons, pineapples',
  'Tell me about fruits high in potassium in three words': 'Bananas, avocados, apricots',
  'Tell me about fruits that are long and skinny in three words': 'Bananas, plantains, cucumbers',
  'Tell me about fruits that smell bad in three words': 'Durian is famously pungent and smelly',
}

/** Every example in the fixtures folder, by its folder name. */
const TABLE: Record<string, Example> = {
  'getting-started': {
    replies: {
      'Convert this English to French: Hello world': 'Bonjour le monde',
      'Translate to French: Hello world': 'Bonjour le monde !',
      'Convert this English to Spanish: Where is the library?': '¿Dónde está la biblioteca?',
      'Translate to Spanish: Where is the library?': '¿DÓNDE ESTÁ LA BIBLIOTECA?',
    },
    expectRun(run) {
      // Two OpenAI providers, both replaced by the model input: 2 prompts x 2 providers x 2 tests.
      expectGraded(run, { requests: 8, total: 8, passed: 8 })
      expect(run.log).toMatch(/::warning::The model input replaces [^\n]*openai:gpt-4\.1[^\n]*openai:o4-mini/)
    },
  },
  'json-output': {
    replies: {
      'Output a JSON object that contains the keys `color` and `countries`, describing the following object: Banana':
        '{"color": "yellow", "countries": ["Ecuador", "India"]}',
      'Output a JSON object that contains the keys `color` and `countries`, describing the following object: Passion fruit':
        '{"color": "purple", "countries": ["Brazil", "India"]}',
    },
    expectRun(run) {
      // The second test's options.transform parses the output before its assertions, and an assertion's own
      // transform picks the countries for contains-any.
      expectGraded(run, { requests: 2, total: 2, passed: 2 })
    },
  },
  'javascript-assert-external': {
    replies: FRUITS_IN_THREE_WORDS,
    expectRun(run) {
      // file://assert.js:customFunction is given the assertion's config and the test's vars.
      expectGraded(run, { requests: 4, total: 4, passed: 3 })
      expectReported(
        run,
        'javascript-assert-external/promptfooconfig.yaml:22',
        /6 words about fruits that smell bad/,
      )
    },
  },
  'python-assert-external': {
    replies: {
      ...FRUITS_IN_THREE_WORDS,
      'Tell me about fruits that originated in south america such as passion fruit, banana, pineapple and guava in three words':
        'Passion fruit, banana',
    },
    expectRun(run) {
      // file://assert.py[:get_assert], and assert_with_config.py, which reads the assertion's config.
      expectGraded(run, { requests: 5, total: 5, passed: 4 })
      expectReported(
        run,
        'python-assert-external/promptfooconfig.yaml:24',
        /6 words about fruits that smell bad/,
      )
    },
  },
  'openai-tools-call': {
    replies: Object.fromEntries(
      ['Boston, MA', 'New York, NY', 'Paris, France', 'Mars'].map((location): [string, StandInReply] => [
        `What is the weather like in ${location.split(',')[0]}?`,
        {
          content: [
            {
              type: 'tool_use',
              id: 'toolu_01',
              name: 'get_current_weather',
              input: { location },
              caller: { type: 'direct' },
            },
          ],
        },
      ]),
    ),
    expectRun(run) {
      // The OpenAI tool goes out as an Anthropic tool, and Claude's call is valid against it. The example's
      // javascript and transforms read OpenAI's output shape (output[0].function); Claude's output is its
      // tool_use block as JSON, as promptfoo's Anthropic provider gives it, so promptfoo fails them too.
      expectGraded(run, { requests: 4, total: 4, passed: 1 })
      expect(requestsOf(run)[0].tools).toEqual([
        expect.objectContaining({ name: 'get_current_weather', input_schema: expect.any(Object) }),
      ])
      const boston = expectReported(
        run,
        'openai-tools-call/promptfooconfig.yaml:35',
        /javascript: .*threw TypeError/,
      )
      expect(boston).not.toMatch(/is-json|is-valid-openai-tools-call/)
    },
  },
  'self-grading': {
    expectRun(run) {
      // 2 prompts x 10 tests, and the llm-rubric of each is a request in the judge's batch.
      expect(run.batches.map((batch) => batch.requests.length)).toEqual([20, 20])
      expect(run.outputs).toMatchObject({ total: '20', errored: '0' })
      // The stand-in judge finds the rubric's words ("chat assistant") in the echo of the first prompt only.
      expectReported(
        run,
        'self-grading/promptfooconfig.yaml:14',
        /llm-rubric: the judge finds the rubric not met/,
      )
    },
  },
  'csv-metadata': {
    replies: {
      'Tell me about machine learning':
        'Machine learning: this does describe how an algorithm learns from data.',
      'Tell me about quantum physics':
        'Physics of the quantum world: this does describe the smallest scales.',
      'Tell me about climate change': 'Climate change: this does describe a rise in global temperature.',
    },
    expectRun(run) {
      // __expected1 and __expected2 (a rubric with {{topic}}) graded; the __metadata columns are metadata.
      expectGraded(run, { requests: 3, total: 3, passed: 3 })
      expect(run.batches[1].requests).toHaveLength(3)
      expect(run.log).toMatch(/::warning::temperature is set by 3 tests[^\n]*not sent/)
    },
  },
  'simple-csv': {
    expectRun(run) {
      // The load filter parses each row's style_config JSON in the first prompt; __expected grades each row.
      expect(run.batches[0].requests).toHaveLength(8)
      expect(run.outputs).toMatchObject({ total: '8', errored: '0' })
      const texts = requestsOf(run).map(lastUserText)
      expect(texts).toContainEqual(expect.stringContaining('- Tone: formal\n- Length: brief'))
      expect(texts).toContainEqual(expect.stringContaining('- Tone: authentic\n- Length: moderate'))
      expectReported(
        run,
        'simple-csv/tests.csv:2',
        /icontains: expected output to contain \(ignoring case\) "bonjour"/,
      )
    },
  },
  'named-metrics': {
    replies: {
      'Say this as though you are a pirate: Yes': 'Yarr',
      "Say this as though you are a pirate: I'm hungry": 'Arr, where be me grub?',
      "Say this as though you are a seafarer from the 17th century: I'm hungry": 'I am in want of grub.',
      'Say this as though you are a pirate: Output the story of your life in JSON': '{"life": "at sea"}',
      'Say this as though you are a pirate: Hello world': 'Ahoy, world!',
      'Say this as though you are a pirate: The quick brown fox jumps over the lazy dog':
        'Arr, like a pirate I have spoken: the quick fox leaps.',
    },
    expectRun(run) {
      // 2 prompts x 5 tests. The semantic-similarity test fails for both prompts, as in promptfoo: its
      // python score is 0 for any output under 300 characters, and 'similar' needs embeddings.
      expectGraded(run, { requests: 10, total: 10, passed: 5 })
      expectReported(
        run,
        'named-metrics/promptfooconfig.yaml:39',
        /similar: .*not supported by this action: .*embeddings/,
      )
      // derivedMetrics: Consistency sums to 1 (the pirate's JSON), so DoubleConsistency is 2.
      expect(run.summary).toMatch(/\| DoubleConsistency \| 2 \| Consistency \\\* 2 \|/)
      expect(run.summary).toMatch(/\| Consistency \| 4 \| 25% \|\n\| Tone \| 8 \|/)
    },
  },
  'simple-test': {
    replies: {
      'Rephrase this from English to Pirate: Yes': 'Yarr',
      "Rephrase this from English to Pirate: I'm hungry": 'Me belly wants grub',
      'Rephrase this from English to Pirate: Output the story of your life in JSON': '{"life": "at sea"}',
      'Rephrase this from English to Pirate: Hello world': 'Ahoy, world!',
      'Rephrase this from English to Pirate: The quick brown fox jumps over the lazy dog':
        'Arrr, like a pirate I have spoken: the quick fox leaps.',
    },
    expectRun(run) {
      // 2 prompts x 5 tests; the $ref to assertionTemplates.containsPirateNoise is an icontains "arrr".
      expectGraded(run, { requests: 10, total: 10, passed: 4 })
      expectReported(
        run,
        'simple-test/promptfooconfig.yaml:41',
        /icontains: expected output to contain \(ignoring case\) "arrr"/,
      )
      expectReported(run, 'simple-test/promptfooconfig.yaml:27', /similar: .*not supported by this action/)
    },
  },
  'claude-vs-gpt': {
    expectRun(run) {
      // Its Anthropic provider names claude-3-5-sonnet-20241022, retired on 2025-10-22: the API answers its
      // requests not_found_error, so preflight stops the run before anything is submitted, naming the tests.
      expect(run.exitCode).toBe(1)
      expect(run.batches).toEqual([])
      expect(run.log).toMatch(
        /::error::Preflight: [^\n]*15 request\(s\) of [^\n]*claude-vs-gpt\/promptfooconfig\.yaml:\d+[^\n]* and \d+ more: the API would answer "model: claude-3-5-sonnet-20241022"\. Fix: claude-3-5-sonnet-20241022 was retired on 2025-10-22/,
      )
    },
  },
  'structured-outputs-config': {
    replies: {
      'You are a helpful math tutor. Solve 8x + 31 = 2': '{"final_answer": "x = -29/8"}',
      'You are a helpful math tutor. Solve sqrt(x) = 4.9': '{"final_answer": "x = 24.01"}',
    },
    expectRun(run) {
      // 2 prompts x 2 providers (openai, azure: both run as the model input) x 2 tests. Each prompt's OpenAI
      // response_format goes out as output_config.format; azure's connection settings are not sent.
      expectGraded(run, { requests: 8, total: 8, passed: 8 })
      const formats = requestsOf(run).map((params) => params.output_config?.format)
      expect(formats).toContainEqual({
        type: 'json_schema',
        schema: expect.objectContaining({ required: ['steps', 'final_answer'] }),
      })
      expect(formats).toContainEqual({
        type: 'json_schema',
        schema: expect.objectContaining({ required: ['final_answer'] }),
      })
      expect(run.log).toMatch(
        /::warning::not sent: apiHost \(structured-outputs-config\/promptfooconfig\.yaml:59\), apiVersion \([^)]*:60\), deploymentName \([^)]*:61\)[^\n]*changes no output/,
      )
      // As promptfoo's, a structured output reaches defaultTest's `typeof output === 'object'` parsed.
    },
  },
  'anthropic-structured-outputs': {
    expectRun(run) {
      // Four Anthropic providers, run as written: an inline output_format, one given as file://, one whose
      // file's schema is file:// too (customer_schema.json), and strict tools with tool_choice any.
      const requests = requestsOf(run)
      expect(requests.map((params) => params.model)).toEqual(Array(4).fill('claude-sonnet-4-5-20250929'))
      const schemas = requests.map((params) => params.output_config?.format?.schema)
      expect(schemas[1]).toEqual(schemas[0])
      expect(schemas[2]).toEqual(
        expect.objectContaining({ required: ['customer_name', 'customer_email', 'demo_requested'] }),
      )
      expect(requests[3]).toMatchObject({
        tool_choice: { type: 'any' },
        tools: [{ name: 'book_demo' }, { name: 'get_pricing' }],
      })
      expect(run.outputs).toMatchObject({ status: 'passed', total: '4', passed: '4', errored: '0' })
    },
  },
  'adaline-eval-factuality': {
    expectRun(run) {
      // adaline's maxTokens goes out as max_tokens, its responseFormat text is the default; the judge
      // provider runs as the model input too, and the stand-in judge finds the closedqa criterion not met.
      expectGraded(run, { requests: 2, total: 2, passed: 0 })
      expect(requestsOf(run).map((params) => params.max_tokens)).toEqual([120, 120])
      expect(run.batches[1].requests).toHaveLength(4)
      expect(run.log).not.toMatch(/not sent: /)
      const entry = expectReported(
        run,
        'adaline-eval-factuality/promptfooconfig.yaml:21',
        /model-graded-closedqa: the judge finds the criterion not met/,
      )
      expect(entry).not.toMatch(/factuality:/)
    },
  },
  'nunjucks-custom-filters': {
    expectRun(run) {
      // The suite's allcaps filter (./allcaps.js) renders both prompts; the tests have no assertions.
      expectGraded(run, { requests: 4, total: 4, passed: 4 })
      expect(requestsOf(run).map(lastUserText)).toEqual(
        expect.arrayContaining([
          'Rephrase this in French: HELLO WORLD',
          "Translate this to conversational French: I'M HUNGRY",
        ]),
      )
    },
  },
  'multiple-turn-conversation': {
    replies: {
      'Who founded Facebook?': 'Mark Zuckerberg.',
      'Where does he live?': 'Palo Alto.',
      'Which state is that in?': 'California.',
      "What's the weather like in San Francisco?": 'Foggy.',
      'Do I need an umbrella today?': 'No.',
      'Whats a good recipe for pasta?': 'Carbonara.',
      'How long should I cook it?': 'Ten minutes.',
    },
    expectRun(run) {
      // Three conversations (metadata.conversationId), a round per turn: each later turn is sent once the
      // turn before it is in, `_conversation` holding the earlier turns' outputs.
      expect(run.batches.map((batch) => batch.requests.length)).toEqual([3, 3, 1])
      expect(run.outputs).toMatchObject({ total: '7', passed: '7', errored: '0' })
      const third = run.batches[2].requests[0].params as MessageCreateParamsNonStreaming
      expect(third.system).toBe('You are a helpful assistant')
      expect(third.messages.map((message) => [message.role, message.content])).toEqual([
        ['user', 'Who founded Facebook?'],
        ['assistant', 'Mark Zuckerberg.'],
        ['user', 'Where does he live?'],
        ['assistant', 'Palo Alto.'],
        ['user', 'Which state is that in?'],
      ])
    },
  },
}

async function runExample(name: string, replies: Record<string, StandInReply> = {}): Promise<Run> {
  const emulator = await startBatchEmulator({ processingMs: 1, replies })
  const workspace = await mkdtemp(path.join(tmpdir(), 'promptfoo-example-'))
  try {
    await cp(path.join(EXAMPLES, name), path.join(workspace, name), { recursive: true })
    const run = await runAction({
      workspace,
      inputs: {
        suite: `${name}/promptfooconfig.yaml`,
        model: MODEL,
        'anthropic-api-key': 'sk-ant-examples-test-0123',
        'anthropic-base-url': emulator.url,
        'poll-interval': '10ms',
      },
    })
    return { ...run, batches: emulator.createdBatches() }
  } finally {
    await Promise.all([emulator.close(), rm(workspace, { recursive: true, force: true })])
  }
}

describe("promptfoo's example configs, run by the bundle with only the model input", () => {
  it('covers every vendored example', async () => {
    const folders = (await readdir(EXAMPLES, { withFileTypes: true })).filter((entry) => entry.isDirectory())
    expect(folders.map((folder) => folder.name).sort()).toEqual(Object.keys(TABLE).sort())
  })

  it.concurrent.each(Object.keys(TABLE))('%s runs unchanged: it loads and grades', async (name) => {
    const { replies, expectRun } = TABLE[name]
    expectRun(await runExample(name, replies))
  })
})
