/** Shared fixtures for the graders' tests: a real-file GraderIO, temp files and one-call grading. */
export { message, text, thinking, toolUse } from '../../fixtures/messages.js'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import type {
  MessageCreateParamsNonStreaming,
  ToolUnion,
} from '@anthropic-ai/sdk/resources/messages/messages'
import { message, type Block } from '../../fixtures/messages.js'
import {
  compileAssertion,
  compileTransform,
  gradeTest,
  type GraderIO,
  type GradingInput,
  type Judge,
  type JudgeAnswer,
  type TestGrade,
} from '../../../src/grading/graders/index.js'
import type { AssertionResult } from '../../../src/model.js'

export function gradingInput(content: Block[] | string, extra: Partial<GradingInput> = {}): GradingInput {
  return {
    message: message(content),
    vars: { city: 'Paris' },
    prompt: 'What is the capital of France?',
    tools: undefined,
    costUsd: 0.0005,
    ...extra,
  }
}

/** Reads and imports real files, as the action's GraderIO does. */
export const io: GraderIO = {
  readText: (file) => readFileSync(file, 'utf8'),
  importModule: (file) => import(pathToFileURL(file).href) as Promise<Record<string, unknown>>,
}

const tempDirs: string[] = []
afterAll(() => {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** A fresh temp directory holding the given files, removed when the test file's tests are done. */
export function tempDir(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'graders-'))
  tempDirs.push(dir)
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content)
  return dir
}

export const BASE_DIR = tempDir({})

/** Compiles one assertion and grades one output with it. */
export async function grade(
  raw: Record<string, unknown>,
  content: Block[] | string,
  extra: Partial<GradingInput> = {},
  baseDir = BASE_DIR,
): Promise<AssertionResult> {
  const compiled = await compileAssertion(raw, baseDir, io)
  const graded = await gradeTest([compiled], gradingInput(content, extra))
  return graded.results[0]
}

/** Compiles assertions (and a test transform) and grades one output. */
export async function gradeAll(
  raws: Record<string, unknown>[],
  content: Block[] | string,
  options: { threshold?: number; transform?: string; extra?: Partial<GradingInput>; baseDir?: string } = {},
): Promise<TestGrade> {
  const baseDir = options.baseDir ?? BASE_DIR
  const compiled = await Promise.all(raws.map((raw) => compileAssertion(raw, baseDir, io)))
  const transform =
    options.transform === undefined ? undefined : await compileTransform(options.transform, baseDir, io)
  return gradeTest(compiled, gradingInput(content, options.extra), {
    threshold: options.threshold,
    transform,
  })
}

/** The compile error an assertion gets, with its message, key and path. */
export async function compileError(
  raw: Record<string, unknown>,
  baseDir = BASE_DIR,
): Promise<{ message: string; key: string | undefined; path: readonly (string | number)[] }> {
  try {
    await compileAssertion(raw, baseDir, io)
  } catch (error) {
    const e = error as {
      message: string
      key: string | undefined
      path: readonly (string | number)[]
      name: string
    }
    if (e.name !== 'AssertionCompileError') throw error
    return { message: e.message, key: e.key, path: e.path }
  }
  throw new Error(`expected ${JSON.stringify(raw)} not to compile`)
}

export const weatherTool: ToolUnion = {
  name: 'get_weather',
  description: 'Weather for a city',
  input_schema: {
    type: 'object',
    properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
    required: ['city'],
  },
}
export const timeTool: ToolUnion = {
  name: 'get_time',
  input_schema: { type: 'object', properties: { zone: { type: 'string' } } },
}

/** A judge that records each request and gives every one the same answer: a string is a reply; none, pending. */
export function scriptedJudge(
  reply?: string | JudgeAnswer,
): Judge & { asked: MessageCreateParamsNonStreaming[] } {
  const asked: MessageCreateParamsNonStreaming[] = []
  return {
    asked,
    answer(params) {
      asked.push(params)
      if (reply === undefined) return { state: 'pending' }
      return typeof reply === 'string' ? { state: 'answered', text: reply } : reply
    },
  }
}
