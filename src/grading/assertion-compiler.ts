/** The graders' compiler as the suite stage takes it (`LoadOptions.assertions`), to compile as it reads. */
import type { AssertionCompiler } from '../suite/load-options.js'
import {
  AssertionCompileError,
  compileAssertion,
  compileTransform,
  isModelGraded,
  parseTestThreshold,
} from './graders/index.js'
import { DEFAULT_JUDGE_MODEL } from './graders/judge-check.js'

export const assertionCompiler: AssertionCompiler = {
  compileAssertion,
  compileTransform,
  parseTestThreshold,
  isModelGraded,
  isAssertionProblem: (error) => error instanceof AssertionCompileError,
  defaultJudgeModel: DEFAULT_JUDGE_MODEL,
}
