/**
 * promptfoo's conversation-relevance (from DeepEval), graded by the judge model in the judges' batch: is each
 * turn's response relevant to the conversation so far? The turns are the test's `_conversation` var when it
 * is a non-empty list of {input, output}, as promptfoo takes it, else the one turn of the prompt and the
 * output. promptfoo asks its judge once per turn, about a window of the `config.windowSize` last turns
 * (default 5); here one request shows the judge the numbered turns and the window size and gets a verdict
 * for each turn. The score is the share of relevant turns; it passes at `threshold`, 0 by default as in
 * promptfoo.
 *
 * The reply: one JSON object {"turns": [{"turn": number, "relevant": boolean}, ...], "reason": string},
 * with one verdict for each turn, in any order; anything else is unparseable.
 */
import { reachesThreshold, type GraderDefinition } from './grader.js'
import { field, isString, judgeCheck, replyObject, ReplyError, SubjectError } from './judge-check.js'
import { AssertionCompileError, type Subject } from './types.js'
import { fixed, show, type CompileContext } from './values.js'

/** The turns each verdict looks back over when the assertion's config sets no windowSize, as in promptfoo. */
export const DEFAULT_WINDOW_SIZE = 5

const CONFIG_HELP =
  "conversation-relevance's 'config' takes windowSize: how many turns, this one included, each verdict considers (a whole number, 1 or more; default 5)"

function windowSizeOf(c: CompileContext): number {
  if (c.config === undefined) return DEFAULT_WINDOW_SIZE
  if (c.config === null || typeof c.config !== 'object' || Array.isArray(c.config)) {
    throw new AssertionCompileError(CONFIG_HELP, 'config')
  }
  const { windowSize, ...others } = c.config as Record<string, unknown>
  const other = Object.keys(others)[0]
  if (other !== undefined)
    throw new AssertionCompileError(`unknown key '${other}' in 'config'; ${CONFIG_HELP}`, 'config')
  if (windowSize === undefined) return DEFAULT_WINDOW_SIZE
  if (typeof windowSize !== 'number' || !Number.isInteger(windowSize) || windowSize < 1) {
    throw new AssertionCompileError(`'config' has windowSize: ${show(windowSize)}; ${CONFIG_HELP}`, 'config')
  }
  return windowSize
}

const asText = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value))

/** The conversation's turns: the `_conversation` var's, else the prompt and the output. */
function turnsOf(subject: Subject): { input: string; output: string }[] {
  const conversation = subject.input.vars._conversation
  if (!Array.isArray(conversation) || conversation.length === 0) {
    return [{ input: subject.input.prompt, output: subject.text }]
  }
  return conversation.map((turn: unknown, i) => {
    const { input, output } = (turn ?? {}) as Record<string, unknown>
    if (input === undefined || output === undefined) {
      throw new SubjectError(
        `conversation-relevance reads the test's '_conversation' var as a list of {input, output}, and its turn ${i + 1} is ${show(turn, 60)}`,
      )
    }
    return { input: asText(input), output: asText(output) }
  })
}

const conversationRelevance: GraderDefinition = {
  value: 'none',
  valueHelp:
    "the judge model checks each response of the conversation (the test's `_conversation` var, else its prompt and output) for relevance",
  threshold: {
    kind: 'score',
    help: 'the share of relevant turns to reach, between 0 and 1 (default 0, as in promptfoo)',
  },
  readsOutput: true,
  takesConfig: true,
  extraKeys: ['provider', 'rubricPrompt'],
  compile(c) {
    const windowSize = windowSizeOf(c)
    return judgeCheck(c, 'conversation-relevance', undefined, {
      format: 'one JSON object {"turns": [{"turn": number, "relevant": boolean}, ...], "reason": string}',
      async names(subject) {
        const turns = turnsOf(subject)
        const conversation = turns
          .map(
            ({ input, output }, i) =>
              `<turn number="${i + 1}">\n<input>\n${input}\n</input>\n<response>\n${output}\n</response>\n</turn>`,
          )
          .join('\n')
        return { conversation, windowSize, turnCount: turns.length }
      },
      parse(reply, names) {
        const count = names.turnCount as number
        const object = replyObject(reply)
        const turns = field(
          object,
          'turns',
          `a list of {"turn": 1..${count}, "relevant": boolean}`,
          (value) =>
            Array.isArray(value) &&
            value.every(
              (entry: Record<string, unknown>) =>
                entry !== null &&
                typeof entry === 'object' &&
                Number.isInteger(entry.turn) &&
                (entry.turn as number) >= 1 &&
                (entry.turn as number) <= count &&
                typeof entry.relevant === 'boolean',
            ),
        ) as { turn: number; relevant: boolean }[]
        const judged = new Set(turns.map(({ turn }) => turn))
        if (judged.size !== turns.length || judged.size !== count) {
          throw new ReplyError(
            `judges turns ${show(turns.map(({ turn }) => turn))}, not each of 1..${count} once`,
          )
        }
        return {
          relevant: turns.filter((turn) => turn.relevant).length,
          count,
          reason: field(object, 'reason', 'a string', isString) as string,
        }
      },
      finding([{ relevant, count, reason }], _, threshold = 0) {
        const score = relevant / count
        const pass = reachesThreshold(score, threshold)
        return {
          pass,
          score,
          reason: `the judge finds ${relevant} of ${count} responses relevant (score ${fixed(score)} ${pass ? '>=' : '<'} threshold ${threshold}): ${reason}`,
        }
      },
    })
  },
}

export const CONVERSATION_GRADERS: Record<string, GraderDefinition> = {
  'conversation-relevance': conversationRelevance,
}
