/**
 * The emulator's stand-in judge: answers the action's judge requests (made with its default judge prompts)
 * deterministically, in each type's documented reply format, so that model-graded assertions can be tested
 * end to end without a model.
 *
 * The criterion (rubric, criterion, expert answer or question) is met when every phrase it quotes in double
 * quotes appears in the output, case-insensitively; with no quoted phrase, when at least half of its words of
 * four letters or more do. A criterion containing `[garbled]` gets a reply no type can parse.
 */
import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages/messages'
import { judgeTypeOf, type JudgeType } from '../src/grading/graders/judge-prompts.js'

/** Where each default prompt puts the output and the criterion it is graded against. */
const SECTIONS: Record<JudgeType, { output: RegExp; criterion: RegExp }> = {
  'llm-rubric': { output: /<Output>\n([\s\S]*?)\n<\/Output>/, criterion: /<Rubric>\n([\s\S]*?)\n<\/Rubric>/ },
  'model-graded-closedqa': {
    output: /\[Submission\]: ([\s\S]*?)\n\*\*\*/,
    criterion: /\[Criterion\]: ([\s\S]*?)\n\*\*\*/,
  },
  factuality: {
    output: /<submitted_answer>\n([\s\S]*?)\n<\/submitted_answer>/,
    criterion: /<expert_answer>\n([\s\S]*?)\n<\/expert_answer>/,
  },
  'g-eval': {
    output: /<reply>\n([\s\S]*?)\n<\/reply>/,
    criterion: /<evaluation_criteria>\n([\s\S]*?)\n<\/evaluation_criteria>/,
  },
  'answer-relevance': {
    output: /<answer>\n([\s\S]*?)\n<\/answer>/,
    criterion: /<question>\n([\s\S]*?)\n<\/question>/,
  },
}

export const GARBLED_MARKER = '[garbled]'

function meets(output: string, criterion: string): boolean {
  const text = output.toLowerCase()
  const quoted = [...criterion.matchAll(/"([^"]+)"/g)].map((match) => match[1].toLowerCase())
  if (quoted.length > 0) return quoted.every((phrase) => text.includes(phrase))
  const words = criterion.toLowerCase().match(/\p{L}{4,}/gu) ?? []
  return words.length === 0 || words.filter((word) => text.includes(word)).length * 2 >= words.length
}

function replyFor(type: JudgeType, met: boolean): string {
  const reason = met ? 'the output meets the criterion' : 'the output does not meet the criterion'
  switch (type) {
    case 'llm-rubric':
      return JSON.stringify({ reason, pass: met, score: met ? 1 : 0 })
    case 'model-graded-closedqa':
      return `Comparing the submission with the criterion: ${reason}.\n${met ? 'Y' : 'N'}`
    case 'factuality':
      return JSON.stringify({ category: met ? 'C' : 'D', reason })
    case 'g-eval':
      return JSON.stringify({
        steps: ['Read the criteria', 'Check the reply against them'],
        score: met ? 9 : 2,
        reason,
      })
    case 'answer-relevance':
      return JSON.stringify({ reason, score: met ? 0.9 : 0.2 })
  }
}

/** The stand-in judge's reply to a request, or undefined when it is not a judge request of the action. */
export function standInJudgeReply(
  params: MessageCreateParamsNonStreaming,
  prompt: string,
): string | undefined {
  const type = judgeTypeOf(params)
  if (!type) return undefined
  const criterion = SECTIONS[type].criterion.exec(prompt)?.[1] ?? ''
  if (criterion.includes(GARBLED_MARKER)) return 'I think it passes, mostly.'
  const output = SECTIONS[type].output.exec(prompt)?.[1] ?? ''
  return replyFor(type, meets(output, criterion))
}
