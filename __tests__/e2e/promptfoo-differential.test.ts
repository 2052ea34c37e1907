/**
 * The differential test against promptfoo itself: every case of __tests__/fixtures/promptfoo-differential.json
 * (an assertion or a whole test, an output, and promptfoo's own verdict and score, recorded by
 * scripts/promptfoo-differential.ts) is one test of one suite, run by the committed bundle as the runner runs
 * it, with the emulator answering each test's prompt with the case's output. A case whose pass or score differs
 * from promptfoo's must be covered by a documented difference below, naming its item in docs/graders.md's
 * "Differences from promptfoo"; the test lists every case that is not.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { stringify } from 'yaml'
import type { DifferentialCase } from '../../scripts/promptfoo-differential-cases.js'
import { PROJECT_ROOT, runAction } from '../../test-servers/action-runner.js'
import { startBatchEmulator, type BatchEmulator } from '../../test-servers/batch-emulator.js'

/** A test of the results file: its verdict and score, and its assertions'. */
interface Graded {
  id: string
  status: string
  score: number
  reason: string
  assertions: { pass: boolean; score: number; reason: string }[]
}

/** How far scores may differ: the same formula summed in another order may round apart. */
const SCORE_TOLERANCE = 1e-6

/**
 * The documented differences: each names the cases it explains (by id) and the bold lead of its item in
 * docs/graders.md's "Differences from promptfoo", which says why. `scoreOnly` covers a score that differs
 * while the verdict agrees.
 */
const DOCUMENTED: { cases: RegExp; lead: string; scoreOnly?: true }[] = [
  {
    cases: /^(not-)?icontains(-any)? .* on decomposed$/,
    lead: 'Case-insensitive types fold case in Unicode NFC',
  },
  {
    cases: /^(not-)?levenshtein .* on emoji t=1$/,
    lead: '`levenshtein` counts edits in Unicode code points',
  },
  { cases: /^not-javascript /, lead: "Every `not-` type scores 1 minus the type's score", scoreOnly: true },
  { cases: /^javascript "output\.length" /, lead: 'Scores stay within 0 to 1.', scoreOnly: true },
  {
    cases: /^(not-)?javascript "\{ pass: false, score: 0\.9 \}" /,
    lead: 'A `javascript` result needs only `pass`',
  },
  { cases: /^(not-)?javascript "1 - 0\.9" /, lead: 'Thresholds allow for floating-point rounding' },
  {
    cases: /^(not-)?contains-json( .*)? on json(Loose|Quotes|Trailing|Placeholder|Numbers)$/,
    lead: '`contains-json` accepts only real JSON objects and arrays',
  },
  {
    cases: /^contains-xml( .*)? on xml(Entity|DupAttr|TwoRoots)$/,
    lead: '`contains-xml` asks for well-formed XML, as `is-xml` does',
  },
  {
    cases: /^(not-)?is-refusal on (refusalDecline|refusalWont|refusalOpinion|sorryDelay|empty)$/,
    lead: '`is-refusal` reads the first statement of substance',
  },
  { cases: /^(not-)?finish-reason "end_turn" /, lead: "`finish-reason` also takes Anthropic's stop reasons" },
  { cases: /^not-meteor .* on empty( t=[\d.]+)?$/, lead: '`meteor` scores an empty output 0' },
  { cases: /^test with only a weight-0 assertion /, lead: 'Weight-0 assertions are informational' },
  { cases: /^test with three scores of 0\.7 at 0\.7 /, lead: 'Thresholds allow for floating-point rounding' },
]

const fixture = JSON.parse(
  await readFile(path.join(PROJECT_ROOT, '__tests__/fixtures/promptfoo-differential.json'), 'utf8'),
) as { promptfoo: string; cases: DifferentialCase[] }

/** The text of docs/graders.md's "Differences from promptfoo" section. */
async function differencesSection(): Promise<string> {
  const docs = await readFile(path.join(PROJECT_ROOT, 'docs/graders.md'), 'utf8')
  return docs.split(/^## Differences from promptfoo$/m)[1]?.split(/^## /m)[0] ?? ''
}

describe('the documented differences', () => {
  it('each name an item of "Differences from promptfoo" in docs/graders.md', async () => {
    const section = await differencesSection()
    expect(DOCUMENTED.map((d) => d.lead).filter((lead) => !section.includes(`- **${lead}`))).toEqual([])
  })
})

describe('the bundle against promptfoo', () => {
  let emulator: BatchEmulator
  let workspace: string

  beforeEach(async () => {
    emulator = await startBatchEmulator({
      processingMs: 1,
      replies: Object.fromEntries(fixture.cases.map((c, i) => [`case ${i}`, c.output])),
    })
    workspace = await mkdtemp(path.join(tmpdir(), 'workspace-'))
    await mkdir(path.join(workspace, 'evals'))
    const suite = {
      description: `promptfoo ${fixture.promptfoo} differential`,
      model: 'claude-haiku-4-5',
      tests: fixture.cases.map((c, i) => ({
        id: c.id,
        prompt: `case ${i}`,
        vars: c.vars,
        ...(c.assertion ? { assert: [c.assertion] } : c.test),
      })),
    }
    await writeFile(path.join(workspace, 'evals', 'differential.yml'), stringify(suite))
  })

  afterEach(async () => {
    await Promise.all([emulator.close(), rm(workspace, { recursive: true, force: true })])
  })

  it(`grades ${fixture.cases.length} cases as promptfoo ${fixture.promptfoo} does, but for documented differences`, async () => {
    const result = await runAction({
      workspace,
      inputs: {
        suite: 'evals/differential.yml',
        'anthropic-api-key': 'sk-ant-differential-0123',
        'anthropic-base-url': emulator.url,
        'poll-interval': '10ms',
        'results-file': 'differential-results.json',
      },
    })
    // The suite loads whole (a case the loader refused would stop the run): only the verdict is an error.
    expect(result.log.split('\n').filter((line) => /^::error::(?!Evals failed)/.test(line))).toEqual([])
    const results = JSON.parse(await readFile(path.join(workspace, 'differential-results.json'), 'utf8')) as {
      tests: Graded[]
    }
    const byId = new Map(results.tests.map((t) => [t.id, t]))
    expect(byId.size).toBe(fixture.cases.length)

    const undocumented: string[] = []
    const explained = new Set<RegExp>()
    for (const c of fixture.cases) {
      const test = byId.get(c.id)
      if (!test) {
        undocumented.push(`${c.id}: no result`)
        continue
      }
      // One assertion's own grade, or a whole test's.
      const ours = c.assertion ? test.assertions[0] : { ...test, pass: test.status === 'passed' }
      const samePass = ours.pass === c.promptfoo.pass
      const sameScore = Math.abs(ours.score - c.promptfoo.score) <= SCORE_TOLERANCE
      if (samePass && sameScore) continue
      const why = DOCUMENTED.find((d) => d.cases.test(c.id) && (samePass || !d.scoreOnly))
      if (why) {
        explained.add(why.cases)
        continue
      }
      undocumented.push(
        `${c.id} on ${JSON.stringify(c.output)}: promptfoo ${c.promptfoo.pass ? 'passes' : 'fails'} ` +
          `${c.promptfoo.score} (${c.promptfoo.reason}); here ${ours.pass ? 'passes' : 'fails'} ${ours.score} ` +
          `(${ours.reason})`,
      )
    }
    expect(undocumented).toEqual([])
    // A documented difference that no case shows any longer is stale: the docs would explain nothing.
    expect(DOCUMENTED.filter((d) => !explained.has(d.cases)).map((d) => `${d.cases}`)).toEqual([])
  })
})
