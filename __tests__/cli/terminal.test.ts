import { Terminal } from '../../src/cli/terminal.js'
import { addSecret, clearSecrets } from '../../src/common/redaction.js'
import { terminalReport } from '../../src/report/terminal-report.js'
import type { RunReport } from '../../src/report/report.js'

function terminal() {
  const out = { stdout: '', stderr: '' }
  const t = new Terminal({
    stdout: { write: (text: string) => (out.stdout += text) },
    stderr: { write: (text: string) => (out.stderr += text) },
  })
  return { t, out }
}

describe('Terminal', () => {
  afterEach(() => clearSecrets())

  it("names the action's inputs in the pipeline's messages as the flags the user types", () => {
    const { t, out } = terminal()
    t.error("Input 'cache' is 'sometimes'; write one of: auto, off.")
    t.warning('Run them on Claude with the provider-override input (one model for all) or the model input.')
    t.info('Collect them later with the batch-id input (msgbatch_1).')
    expect(out.stderr).toBe(
      "error: --cache is 'sometimes'; write one of: auto, off.\n" +
        'warning: Run them on Claude with --provider-override (one model for all) or --model.\n',
    )
    expect(out.stdout).toBe('Collect them later with --batch-id (msgbatch_1).\n')
  })

  it('leaves a name that is not an input as it is', () => {
    const { t, out } = terminal()
    t.info("Input 'colour' is red; the keyboard input is fine.")
    expect(out.stdout).toBe("Input 'colour' is red; the keyboard input is fine.\n")
  })

  it('prints styled lines with their colours, and escapes any other control character in them', () => {
    const { t, out } = terminal()
    addSecret('sk-ant-terminal-secret')
    t.styled(['\x1b[31mred\x1b[39m plain', 'move\x1b[2J clear\x1b]0;title\x07 \u202e sk-ant-terminal-secret'])
    expect(out.stdout).toBe('\x1b[31mred\x1b[39m plain\nmove\\x1b[2J clear\\x1b]0;title\\x07 \\u202e ***\n')
  })

  it("shows a hostile output in the terminal report as text, with the report's colours on", () => {
    const { t, out } = terminal()
    const report = hostileReport('Paris\x1b[2J\x1b]8;;http://evil\x07link\x1b[0m')
    t.styled(terminalReport(report, { color: true, width: 120 }))
    expect(out.stdout).toContain('\x1b[31m')
    // eslint-disable-next-line no-control-regex
    expect(out.stdout.replace(/\x1b\[[0-9;]*m/g, '')).not.toContain('\x1b')
    expect(out.stdout).toContain('Paris\\x1b[2J\\x1b]8;;http://evil\\x07link\\x1b[0m')
  })
})

/** A failed run of one test whose output is `output`. */
function hostileReport(output: string): RunReport {
  const evalCase = {
    id: 'hostile',
    description: undefined,
    file: 'evals/x.yml',
    line: 3,
    vars: {},
    prompt: 'p',
    params: { model: 'claude-haiku-4-5', max_tokens: 10, messages: [] },
    assertions: [],
    threshold: undefined,
    transform: undefined,
  }
  return {
    status: 'failed',
    failureReasons: ['pass rate 0% is below the minimum of 100%'],
    loadWarnings: [],
    total: 1,
    passed: 0,
    failed: 1,
    errored: 0,
    passRate: 0,
    minPassRate: 1,
    samples: 1,
    verdicts: [],
    repeats: null,
    baseline: null,
    failOn: 'threshold',
    batchIds: [],
    batchDurationMs: null,
    costByModel: [],
    metrics: [],
    totalCost: { standard: 0n, batch: 0n },
    knownCost: { standard: 0n, batch: 0n },
    priceTableDate: '2026-01-01',
    batchMultiplier: 0.5,
    problems: [
      {
        evalCase,
        customId: 'hostile',
        sample: 1,
        samples: 1,
        status: 'failed',
        resultType: 'succeeded',
        output,
        stopReason: 'end_turn',
        error: null,
        score: 0,
        reason: 'equals: expected output to equal "Lyon"',
        assertions: [
          {
            type: 'equals',
            value: 'Lyon',
            pass: false,
            score: 0,
            reason: 'expected output to equal "Lyon"',
            weight: 1,
          },
        ],
        metrics: {},
        usage: null,
        cost: null,
        costUnknown: null,
      },
    ],
    unexpectedCustomIds: [],
    runUrl: undefined,
  }
}
