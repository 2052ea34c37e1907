/**
 * The graders library: promptfoo's assertion vocabulary compiled once per suite (values checked, files
 * read, schemas and code compiled) and run against each succeeded Message. Pure but for the injected
 * GraderIO, and the injected Judge that answers model-graded assertions. This module is its public face:
 * the registry of types (registry.ts), compiling (compile.ts), grading a test (grade-test.ts), promptfoo's
 * types graded as errors with their reason (unsupported-types.ts).
 */
export {
  ASSERT_SET_KEYS,
  ASSERTION_KEYS,
  ASSERTION_TYPES,
  BASE_ASSERTION_TYPES,
  isModelGraded,
  SCHEMA_ENUM_ASSERTION_TYPES,
} from './registry.js'
export { compileAssertion, compileTransform, needsJudge, parseTestThreshold } from './compile.js'
export { gradeTest } from './grade-test.js'
export {
  comparisonOf,
  compareOutputs,
  selectBestRequest,
  withComparisons,
  type Candidate,
} from './compare-outputs.js'
export { reachesThreshold } from './grader.js'
export { outputText } from './message.js'
export {
  AssertionCompileError,
  type GraderIO,
  type GradingInput,
  type Judge,
  type JudgeAnswer,
  type ScriptContext,
  type TestGrade,
} from './types.js'
export { DEFAULT_JUDGE_MAX_TOKENS, DEFAULT_JUDGE_MODEL } from './judge-check.js'
export {
  DEFAULT_JUDGE_PROMPTS,
  JUDGE_MARKER,
  judgeTypeOf,
  type JudgePrompt,
  type JudgeType,
} from './judge-prompts.js'
export { DEFAULT_SCORE_THRESHOLD } from './model-graded.js'
export { findJson } from './json.js'
export { editDistance } from '../../common/edit-distance.js'
export { rougeN } from './similarity.js'
export { treebankTokens } from './treebank.js'
export { splitCommaSeparated } from './values.js'
