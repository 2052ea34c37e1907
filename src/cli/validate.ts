/** `claude-batch-evals validate SUITE...`: the suites checked as a run would load them, nothing sent. */
import { preflight } from '../batch/preflight.js'
import { planRun } from '../pipeline/plan.js'
import { SUITE_INPUTS, type Command } from './command.js'

export const validate: Command = {
  name: 'validate',
  summary: 'Check suites: every schema and reference error at once, each at its file:line.',
  usage: 'SUITE... [flags]',
  description: [
    'Loads the suites as a run would (their file:// references, the pricing and baseline files too) and prints ' +
      'every problem as file:line: message, and what the load changed of the suites as written (promptfoo ' +
      'settings mapped or skipped) as warnings, and checks each request against the model capability table ' +
      "(preflight's offline part: a retired model, max_tokens above the model's maximum...). Nothing is sent to " +
      'the API.',
    'Exit code 2 if there is any problem; 0 otherwise, with the number of tests and requests.',
  ],
  examples: [
    'claude-batch-evals validate evals/suite.yml',
    "claude-batch-evals validate 'evals/**/*.yaml' --repeat 3",
    'claude-batch-evals validate promptfooconfig.yaml --provider-override anthropic:messages:claude-haiku-4-5',
  ],
  uses: [...SUITE_INPUTS, 'baseline'],
  run: async (settings, terminal) => {
    const { cases, requests, sampleByCustomId } = await planRun(settings, terminal)
    await preflight(requests, sampleByCustomId, undefined)
    terminal.info(
      `Valid: ${cases.length} ${cases.length === 1 ? 'test' : 'tests'}, ${requests.length} ` +
        `${requests.length === 1 ? 'request' : 'requests'}.`,
    )
    return 0
  },
}
