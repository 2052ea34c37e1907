/**
 * Regenerates __tests__/fixtures/promptfoo-differential.json: over 2,000 cases of assertion + output, each
 * with the verdict, score and reason promptfoo itself gives, for __tests__/e2e/promptfoo-differential.test.ts
 * to hold the committed bundle to.
 *
 * promptfoo needs Node 22 or later and this project promises Node 20, so it is no dev dependency: the script
 * installs it into a temporary prefix (or uses PROMPTFOO_PREFIX, a prefix it is already installed in) and
 * runs its exported `assertions.runAssertion` (`runAssertions` for a whole test) on each case. Run it on
 * Node 22+ (a few minutes):
 *
 *   npx tsx scripts/promptfoo-differential.ts
 *
 * The cases are generated from the tables of scripts/promptfoo-differential-cases.ts (values x outputs x
 * thresholds, each type and its not- form, and whole tests), so adding a row adds its combinations. Only deterministic types are here: model-graded ones need a model,
 * and `cost` needs a provider's price, which promptfoo does not take from a recorded output.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import * as nodeModule from 'node:module'
import { format } from 'prettier'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { differentialCases, type Assertion, type DifferentialCase } from './promptfoo-differential-cases.js'

export const PROMPTFOO_VERSION = '0.123.0'
export const FIXTURE = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../__tests__/fixtures/promptfoo-differential.json',
)

/** The first line of a reason, without the paths of promptfoo's install. */
function oneLine(reason: unknown): string {
  return String(reason ?? '')
    .split('\n')[0]
    .slice(0, 240)
}

interface PromptfooOptions {
  assertion?: Assertion
  test: { vars: Record<string, unknown>; assert: Assertion[]; threshold?: number }
  vars: Record<string, unknown>
  prompt: string
  providerResponse: { output: string; finishReason: string }
}
type Grade = (options: PromptfooOptions) => Promise<{ pass: boolean; score: number; reason?: string }>

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
    assertions: { runAssertion: Grade; runAssertions: Grade }
  }
  const recorded: DifferentialCase[] = []
  for (const c of differentialCases()) {
    let verdict: DifferentialCase['promptfoo']
    const options = {
      vars: c.vars,
      prompt: `case ${c.id}`,
      // The stop reason of the emulator's replies (end_turn), as promptfoo's Anthropic provider reports it.
      providerResponse: { output: c.output, finishReason: 'stop' },
    }
    try {
      const r = c.assertion
        ? await assertions.runAssertion({
            ...options,
            assertion: c.assertion,
            test: { vars: c.vars, assert: [c.assertion] },
          })
        : await assertions.runAssertions({ ...options, test: { vars: c.vars, assert: [], ...c.test } })
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
