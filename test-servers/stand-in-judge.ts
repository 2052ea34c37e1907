/**
 * The emulator's stand-in judge: answers the action's judge requests (made with its default judge prompts)
 * deterministically, in each type's documented reply format, so that model-graded assertions can be tested
 * end to end without a model.
 *
 * The criterion (rubric, criterion, expert answer or question) is met when every phrase it quotes in double
 * quotes appears in the output, case-insensitively; with no quoted phrase, when at least half of its words of
 * four letters or more do. A criterion containing `[garbled]` gets a reply no type can parse. The context-*
 * types are answered per sentence or unit, as contextReply says; a context containing `[garbled]` gets a reply
 * they cannot parse. conversation-relevance finds a turn relevant when its response meets its input.
 * select-best is answered with the first output that meets its criteria (else the first). moderation flags
 * each category checked whose name the output contains (e.g. "violence"); classifier scores 1 when the output
 * contains the class's name, else 0; an output (moderation) or class (classifier) containing `[garbled]` gets
 * a reply they cannot parse.
 *
 * A verdict scripted for the output judged (the replies file's "judge" section, docs/emulator.md) overrides
 * the rule, written in the type's format: llm-rubric, model-graded-closedqa, factuality, g-eval,
 * answer-relevance and classifier by the output; context-faithfulness by the answer (every claim supported,
 * or none); moderation by the output (nothing flagged, or every category). The other types follow the rule.
 */
import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages/messages'
import {
  G_EVAL_MAX_SCORE,
  JUDGE_MARKER,
  judgeTypeOf,
  type JudgeType,
} from '../src/grading/graders/judge-prompts.js'

/** A verdict scripted for an output: `score` 0..1 (a g-eval reply says it out of 10). */
export interface JudgeVerdict {
  pass: boolean
  score?: number
  reason?: string
}

/** The verdict scripted for an output judged, if any. */
export type ScriptedVerdicts = (output: string) => JudgeVerdict | undefined
const NONE_SCRIPTED: ScriptedVerdicts = () => undefined

type ContextType = 'context-faithfulness' | 'context-recall' | 'context-relevance'
const isContextType = (type: JudgeType): type is ContextType => type.startsWith('context-')

/** Where each default prompt puts the output and the criterion it is graded against. */
const SECTIONS: Record<
  Exclude<JudgeType, ContextType | 'conversation-relevance' | 'moderation' | 'classifier'>,
  { output: RegExp; criterion: RegExp }
> = {
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

function replyFor(type: keyof typeof SECTIONS, { pass, score, reason: scripted }: JudgeVerdict): string {
  const reason =
    scripted ?? (pass ? 'the output meets the criterion' : 'the output does not meet the criterion')
  switch (type) {
    case 'llm-rubric':
      return JSON.stringify({ reason, pass, score: score ?? (pass ? 1 : 0) })
    case 'model-graded-closedqa':
      return `Comparing the submission with the criterion: ${reason.replace(/\.$/, '')}.\n${pass ? 'Y' : 'N'}`
    case 'factuality':
      return JSON.stringify({ category: pass ? 'C' : 'D', reason })
    case 'g-eval':
      return JSON.stringify({
        steps: ['Read the criteria', 'Check the reply against them'],
        score: score === undefined ? (pass ? 9 : 2) : Math.round(score * G_EVAL_MAX_SCORE),
        reason,
      })
    case 'answer-relevance':
      return JSON.stringify({ reason, score: score ?? (pass ? 0.9 : 0.2) })
  }
}

/**
 * The stand-in judge's reply to a request, or undefined when it is not a judge request of the action:
 * the verdict scripted for the output judged, else the rule's.
 */
export function standInJudgeReply(
  params: MessageCreateParamsNonStreaming,
  prompt: string,
  scripted: ScriptedVerdicts = NONE_SCRIPTED,
): string | undefined {
  const type = judgeTypeOf(params)
  if (!type) return isSelectBest(params) ? selectBestReply(prompt) : undefined
  if (isContextType(type)) return contextReply(type, prompt, scripted)
  if (type === 'conversation-relevance') return conversationReply(prompt)
  if (type === 'moderation') return moderationReply(prompt, scripted)
  if (type === 'classifier') return classifierReply(prompt, scripted)
  const output = SECTIONS[type].output.exec(prompt)?.[1] ?? ''
  const verdict = scripted(output)
  if (verdict) return replyFor(type, verdict)
  const criterion = SECTIONS[type].criterion.exec(prompt)?.[1] ?? ''
  if (criterion.includes(GARBLED_MARKER)) return 'I think it passes, mostly.'
  return replyFor(type, { pass: meets(output, criterion) })
}

const section = (prompt: string, tag: string) =>
  new RegExp(`<${tag}>\\n([\\s\\S]*?)\\n</${tag}>`).exec(prompt)?.[1] ?? ''

const sentences = (text: string) =>
  text
    .split(/(?<=[.!?])\s+/)
    .map((sentence) => sentence.trim())
    .filter((sentence) => sentence !== '')

/**
 * The context-* types: a claim of the answer (faithfulness) or a statement of the reference answer (recall),
 * each a sentence, is supported when the context meets it as a criterion; a numbered unit of the context is
 * needed (relevance) when it meets the question.
 */
function contextReply(type: ContextType, prompt: string, scripted: ScriptedVerdicts): string {
  const context = section(prompt, 'context')
  const verdict = type === 'context-faithfulness' ? scripted(section(prompt, 'answer')) : undefined
  if (!verdict && context.includes(GARBLED_MARKER)) return 'The context looks fine to me.'
  const reason = verdict?.reason ?? 'compared with the context'
  switch (type) {
    case 'context-faithfulness':
      return JSON.stringify({
        claims: sentences(section(prompt, 'answer')).map((claim) => ({
          claim,
          supported: verdict?.pass ?? meets(context, claim),
        })),
        reason,
      })
    case 'context-recall':
      return JSON.stringify({
        statements: sentences(section(prompt, 'reference_answer')).map((statement) => ({
          statement,
          attributed: meets(context, statement),
        })),
        reason,
      })
    case 'context-relevance': {
      const question = section(prompt, 'question')
      const needed = [...context.matchAll(/^\[(\d+)\] (.*)$/gm)]
        .filter((unit) => meets(unit[2], question))
        .map((unit) => Number(unit[1]))
      return JSON.stringify({ needed, reason })
    }
  }
}

function isSelectBest({ system }: MessageCreateParamsNonStreaming): boolean {
  return typeof system === 'string' && JUDGE_MARKER.exec(system.split('\n', 1)[0])?.[1] === 'select-best'
}

/** select-best: the first numbered output that meets the criteria, else output 1. */
function selectBestReply(prompt: string): string {
  const criteria = section(prompt, 'criteria')
  if (criteria.includes(GARBLED_MARKER)) return 'They are all good.'
  const outputs = [...prompt.matchAll(/<output number="(\d+)">\n([\s\S]*?)\n<\/output>/g)]
  const best = outputs.find((output) => meets(output[2], criteria))?.[1] ?? '1'
  return JSON.stringify({ best: Number(best), reason: `output ${best} meets the criteria first` })
}

/** conversation-relevance: each numbered turn is relevant when its response meets its input as a criterion. */
function conversationReply(prompt: string): string {
  const turns = [
    ...prompt.matchAll(
      /<turn number="(\d+)">\n<input>\n([\s\S]*?)\n<\/input>\n<response>\n([\s\S]*?)\n<\/response>/g,
    ),
  ]
  if (turns.some((turn) => turn[2].includes(GARBLED_MARKER))) return 'The conversation flows well.'
  return JSON.stringify({
    turns: turns.map((turn) => ({ turn: Number(turn[1]), relevant: meets(turn[3], turn[2]) })),
    reason: 'each response compared with its input',
  })
}

/**
 * moderation: flags each category listed in the prompt ("- name: ...") whose name the output contains; a
 * scripted verdict flags none (pass) or all of them.
 */
function moderationReply(prompt: string, scripted: ScriptedVerdicts): string {
  const output = section(prompt, 'output')
  const verdict = scripted(output)
  if (!verdict && output.includes(GARBLED_MARKER)) return 'Nothing to flag here.'
  const categories = [...section(prompt, 'categories').matchAll(/^- ([^:\n]+)/gm)].map((match) => match[1])
  const flagged = categories
    .filter((category) => (verdict ? !verdict.pass : output.toLowerCase().includes(category.toLowerCase())))
    .map((category) => ({ category, score: 0.9 }))
  return JSON.stringify({ flagged, reason: verdict?.reason ?? 'the output names what it falls under' })
}

/** classifier: 1 when the output contains the class's name, else 0; a scripted verdict says its own. */
function classifierReply(prompt: string, scripted: ScriptedVerdicts): string {
  const label = section(prompt, 'class')
  const text = section(prompt, 'text')
  const verdict = scripted(text)
  if (verdict) {
    const score = verdict.score ?? (verdict.pass ? 1 : 0)
    return JSON.stringify({ score, reason: verdict.reason ?? 'as scripted' })
  }
  if (label.includes(GARBLED_MARKER)) return 'Probably that class.'
  const score = text.toLowerCase().includes(label.toLowerCase()) ? 1 : 0
  return JSON.stringify({ score, reason: `the text ${score === 1 ? 'names' : 'does not name'} the class` })
}
