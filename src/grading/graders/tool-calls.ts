/**
 * Graders of the message's tool_use blocks: is-valid-tool-call (with promptfoo's OpenAI-named forms of it),
 * and promptfoo's tool-call-f1.
 */
import type { ToolUnion, ToolUseBlock } from '@anthropic-ai/sdk/resources/messages/messages'
import { scoredAgainstThreshold, type GraderDefinition } from './grader.js'
import { schemaCompiler, schemaErrors, type CompileSchema } from './json-schema.js'
import { toolUses } from './message.js'
import type { Finding } from './types.js'
import { fixed, listValue, messageOf, oneLine, resolveDataValue, showList } from './values.js'

/** A toolset (browser, computer) declares its member tools without naming them in the request. */
const isToolset = (tool: ToolUnion) => !('name' in tool)

/** Why one tool call is not valid against the request's tools, or undefined when it is. */
function invalidity(
  call: ToolUseBlock,
  tools: ToolUnion[] | undefined,
  compileSchema: CompileSchema,
): string | undefined {
  if (!tools || tools.length === 0) return `'${call.name}' was called but the request declares no tools`
  const named = tools.filter((tool): tool is Extract<ToolUnion, { name: string }> => 'name' in tool)
  const tool = named.find((t) => t.name === call.name)
  if (!tool) {
    // A toolset member's call names its family; the request declares the toolset, not the member.
    if (call.toolset_name && tools.some(isToolset)) return undefined
    return `'${call.name}' is not a declared tool (declared: ${named.map((t) => t.name).join(', ') || 'toolsets only'})`
  }
  // Anthropic-defined client tools (bash, text editor, memory) have no schema in the request.
  if (!('input_schema' in tool) || !tool.input_schema) return undefined
  let validate
  try {
    validate = compileSchema(tool.input_schema, false)
  } catch (error) {
    return `the input_schema of '${call.name}' does not compile: ${oneLine(messageOf(error), 200)}`
  }
  return validate(call.input)
    ? undefined
    : `'${call.name}' input does not match its input_schema: ${schemaErrors(validate.errors)}`
}

const isValidToolCall: GraderDefinition = {
  value: 'optional',
  valueHelp: 'optionally, a tool name or a list of tool names that must be among the calls',
  readsOutput: false,
  looksAt: "message's tool calls",
  async compile(c) {
    const { negate } = c
    const value = resolveDataValue(c)
    const required = value === undefined || value === null ? [] : listValue(c, value, 'tool names')
    const compileSchema = await schemaCompiler()
    return ({ input }): Finding => {
      const calls = toolUses(input.message)
      const names = [...new Set(calls.map((call) => call.name))]
      let problem: string | undefined
      if (calls.length === 0) problem = 'the message calls no tool'
      else {
        for (const call of calls) {
          problem = invalidity(call, input.tools, compileSchema)
          if (problem) break
        }
      }
      const missing = required.filter((name) => !names.includes(name))
      if (!problem && missing.length > 0)
        problem = `${showList(missing)} not called (called: ${showList(names)})`
      const holds = problem === undefined
      let reason: string
      if (negate)
        reason = holds
          ? `expected no valid tool call; the message makes ${describe(calls, names)}`
          : `no valid tool call: ${problem}`
      else
        reason = holds
          ? `the message makes ${describe(calls, names)}`
          : `expected valid tool calls: ${problem}`
      return { pass: holds, score: holds ? 1 : 0, reason }
    }
  },
}

function describe(calls: ToolUseBlock[], names: string[]): string {
  return `${calls.length} valid tool call${calls.length === 1 ? '' : 's'} (${showList(names)})`
}

/**
 * promptfoo's tool-call-f1: the F1 score of the set of tools called against the set expected (names only,
 * unordered, repeats counted once); passes when F1 >= threshold, 1 by default.
 */
const toolCallF1: GraderDefinition = {
  value: 'required',
  valueHelp: 'the expected tool names: a list, or a comma-separated string',
  threshold: { kind: 'score', help: 'the lowest F1 that passes, between 0 and 1 (default 1)' },
  readsOutput: false,
  looksAt: "message's tool calls",
  compile(c) {
    const { negate } = c
    const expected = new Set(
      listValue(c, resolveDataValue(c), 'expected tool names').map((name) => name.trim()),
    )
    const threshold = c.threshold ?? 1
    return ({ input }): Finding => {
      const called = new Set(toolUses(input.message).map((call) => call.name))
      const hits = [...expected].filter((name) => called.has(name)).length
      const precision = called.size > 0 ? hits / called.size : 0
      const recall = hits / expected.size
      const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0
      const scored = scoredAgainstThreshold(f1, threshold, negate, 'tool-call F1', {
        shortName: 'F1',
        digits: 3,
      })
      const holds = scored.holds
      const reason =
        `${scored.reason} (precision ${fixed(precision, 3)}, recall ${fixed(recall, 3)}): ` +
        `expected [${[...expected].sort().join(', ')}], called [${[...called].sort().join(', ') || 'none'}]`
      return { pass: holds, score: f1, reason }
    }
  },
}

/**
 * promptfoo's is-valid-openai-tools-call, is-valid-openai-function-call and is-valid-function-call check the
 * provider's tool or function calls against the tools or functions it declared. A Claude message's calls are
 * its tool_use blocks and the declarations are the request's tools, so each is is-valid-tool-call; promptfoo
 * reads no value for them, so none is taken.
 */
const isValidCallAsPromptfooNamesIt: GraderDefinition = {
  ...isValidToolCall,
  value: 'none',
  valueHelp: "the message's tool_use blocks are checked against the request's tools",
}

export const TOOL_CALL_GRADERS: Record<string, GraderDefinition> = {
  'is-valid-tool-call': isValidToolCall,
  'is-valid-openai-tools-call': isValidCallAsPromptfooNamesIt,
  'is-valid-openai-function-call': isValidCallAsPromptfooNamesIt,
  'is-valid-function-call': isValidCallAsPromptfooNamesIt,
  'tool-call-f1': toolCallF1,
}
