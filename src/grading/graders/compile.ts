/**
 * Compiling an assertion, once per suite: its type looked up in the registry, its common keys checked
 * (value, threshold, weight, metric, config), its transform compiled, and its grader's compile step run;
 * an assert-set's assertions compiled in turn.
 */
import { didYouMean } from '../../common/did-you-mean.js'
import { comparisonOf } from './compare-outputs.js'
import type { GraderDefinition, ThresholdKind } from './grader.js'
import {
  ASSERT_SET_KEYS,
  ASSERTION_KEYS,
  BASE_ASSERTION_TYPES,
  graderOf,
  isModelGraded,
  MODEL_GRADED_TYPES,
} from './registry.js'
import type { Internals, Transform } from './internals.js'
import { compileScript } from './script.js'
import { AssertionCompileError, type GraderIO } from './types.js'
import { TYPE_LIST, unknownTypeMessage } from './unknown-types.js'
import type { CompiledAssertion } from '../../model.js'
import type { AssertionWarning } from '../../suite/load-options.js'

/** The `extra` of the graders that read no extra keys (nearly all): one object shared by every compile. */
const NO_EXTRA: Record<string, unknown> = Object.freeze({})

/**
 * Whether grading these assertions asks a judge model (a model-graded one, also inside an assert-set, or a
 * select-best).
 */
export function needsJudge(assertions: readonly CompiledAssertion[]): boolean {
  return assertions.some((assertion) =>
    assertion.assert
      ? needsJudge(assertion.assert)
      : isModelGraded(assertion.type) || comparisonOf(assertion)?.kind === 'select-best',
  )
}

/** Compiles a test's or an assertion's `transform`: a JS expression, a multi-line body, or file://module.js[:fn]. */
export async function compileTransform(source: string, baseDir: string, io: GraderIO): Promise<Transform> {
  const script = await compileScript(source, baseDir, io, 'transform', 'transform')
  return { label: script.label, script }
}

/**
 * Checks and compiles one entry of an `assert` list (values resolved, files read, schemas, patterns and code
 * compiled). Throws an AssertionCompileError that says what to write instead.
 */
export async function compileAssertion(
  raw: Record<string, unknown>,
  baseDir: string,
  io: GraderIO,
  warn: (warning: AssertionWarning) => void = () => {},
): Promise<CompiledAssertion> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new AssertionCompileError('an assertion is a mapping with a type (and usually a value)')
  }
  const type = raw.type
  if (typeof type !== 'string' || type.trim() === '') {
    throw new AssertionCompileError(`an assertion needs a 'type': one of ${TYPE_LIST}`, 'type')
  }
  if (type === 'assert-set') return compileSet(raw, baseDir, io, warn)
  const negate = type.startsWith('not-')
  const base = negate ? type.slice(4) : type
  if (base === 'assert-set') {
    throw new AssertionCompileError(
      'an assert-set cannot be negated; negate the assertions inside it, or give the set a threshold',
      'type',
    )
  }
  const grader = graderOf(base)
  if (!grader) throw new AssertionCompileError(unknownTypeMessage(type), 'type')
  if (grader.ungradable) warn({ kind: 'ungradable', type: base, path: ['type'] })
  const { extraKeys } = grader
  checkKeys(raw, extraKeys ? [...ASSERTION_KEYS, ...extraKeys] : ASSERTION_KEYS, type)
  const weight = weightOf(raw)
  const metric = metricOf(raw)
  if (
    grader.value === 'required' &&
    (raw.value === undefined || (raw.value === null && !grader.acceptsNull))
  ) {
    throw new AssertionCompileError(`${type} needs a 'value': ${grader.valueHelp}`, 'value')
  }
  if (grader.value === 'none' && raw.value !== undefined) {
    throw new AssertionCompileError(`${type} takes no 'value': ${grader.valueHelp}`, 'value')
  }
  const threshold = thresholdOf(raw, type, grader, warn)
  if (raw.config !== undefined && !grader.takesConfig) {
    throw new AssertionCompileError(
      `'config' is read by ${BASE_ASSERTION_TYPES.filter((base) => graderOf(base)?.takesConfig).join(', ')} assertions only; remove it from ${type}`,
      'config',
    )
  }
  let transform: Transform | undefined
  if (raw.transform !== undefined) {
    if (!grader.readsOutput) {
      throw new AssertionCompileError(
        `${type} does not read the output text (it looks at the ${grader.looksAt ?? 'message'}), so a 'transform' has no effect; remove it`,
        'transform',
      )
    }
    if (typeof raw.transform !== 'string') {
      throw new AssertionCompileError(
        `'transform' is JavaScript in a string, or file://module.js[:functionName]`,
        'transform',
      )
    }
    transform = await compileTransform(raw.transform, baseDir, io)
  }
  const check = await grader.compile({
    type,
    base,
    negate,
    value: raw.value,
    threshold,
    config: raw.config,
    extra: extraKeys
      ? Object.fromEntries(extraKeys.filter((key) => raw[key] !== undefined).map((key) => [key, raw[key]]))
      : NO_EXTRA,
    baseDir,
    io,
  })
  const internals: Internals = {
    negate,
    readsOutput: grader.readsOutput,
    check,
    ...(transform && { transform }),
  }
  return {
    type,
    value: raw.value,
    weight,
    ...(metric !== undefined && { metric }),
    ...(threshold !== undefined && { threshold }),
    internals,
  }
}

async function compileSet(
  raw: Record<string, unknown>,
  baseDir: string,
  io: GraderIO,
  warn: (warning: AssertionWarning) => void,
): Promise<CompiledAssertion> {
  checkKeys(raw, ASSERT_SET_KEYS, 'assert-set')
  const weight = weightOf(raw)
  const metric = metricOf(raw)
  const threshold =
    raw.threshold === undefined
      ? undefined
      : thresholdValue(
          raw.threshold,
          'assert-set',
          'score',
          'the share of the weighted score the set needs, between 0 and 1',
        )
  const list = raw.assert
  if (!Array.isArray(list) || list.length === 0) {
    throw new AssertionCompileError("an assert-set needs 'assert': a list of assertions", 'assert')
  }
  const assert: CompiledAssertion[] = []
  for (const [index, item] of list.entries()) {
    if (
      item !== null &&
      typeof item === 'object' &&
      (item as Record<string, unknown>).type === 'assert-set'
    ) {
      throw new AssertionCompileError(
        'an assert-set cannot contain another assert-set; list its assertions in this set',
        'type',
        ['assert', index, 'type'],
      )
    }
    try {
      const inner = (warning: AssertionWarning) =>
        warn({ ...warning, path: ['assert', index, ...warning.path] })
      assert.push(await compileAssertion(item as Record<string, unknown>, baseDir, io, inner))
    } catch (error) {
      if (error instanceof AssertionCompileError) throw error.within('assert', index)
      throw error
    }
  }
  const internals: Internals = { negate: false, readsOutput: true }
  return {
    type: 'assert-set',
    value: undefined,
    weight,
    ...(metric !== undefined && { metric }),
    ...(threshold !== undefined && { threshold }),
    assert,
    internals,
  }
}

/** promptfoo's assertion keys that change no grade: the suite loads with a warning (the schema marks them). */
const IGNORED_ASSERTION_KEYS: readonly string[] = ['reason']

function checkKeys(raw: Record<string, unknown>, allowed: readonly string[], type: string): void {
  for (const key of Object.keys(raw)) {
    if (allowed.includes(key) || IGNORED_ASSERTION_KEYS.includes(key)) continue
    if (type === 'assert-set' && (key === 'value' || key === 'transform' || key === 'config')) {
      throw new AssertionCompileError(
        `an assert-set takes no '${key}'; put it on the assertions in its 'assert' list`,
        key,
      )
    }
    if (key === 'assert') {
      throw new AssertionCompileError(
        `only an assert-set has an 'assert' list; set 'type: assert-set' to group assertions`,
        key,
      )
    }
    if (key === 'provider' || key === 'rubricPrompt') {
      throw new AssertionCompileError(
        `'${key}' is read by the model-graded assertions only (${MODEL_GRADED_TYPES.join(', ')}); remove it from ${type}`,
        key,
      )
    }
    if (key === 'contextTransform') {
      throw new AssertionCompileError(
        `'${key}' is read by context-faithfulness, context-recall and context-relevance only; remove it from ${type}`,
        key,
      )
    }
    throw new AssertionCompileError(
      `unknown key '${key}' in a ${type} assertion${didYouMean(key, allowed)}; an assertion takes ${allowed.join(', ')}`,
      key,
    )
  }
}

function weightOf(raw: Record<string, unknown>): number {
  if (raw.weight === undefined) return 1
  if (typeof raw.weight !== 'number' || !Number.isFinite(raw.weight) || raw.weight < 0) {
    throw new AssertionCompileError(
      "'weight' is a number, 0 or more: how much the assertion counts in the test's score (default 1; 0 = informational)",
      'weight',
    )
  }
  return raw.weight
}

function metricOf(raw: Record<string, unknown>): string | undefined {
  if (raw.metric === undefined) return undefined
  if (typeof raw.metric !== 'string' || raw.metric.trim() === '') {
    throw new AssertionCompileError("'metric' is a name, e.g. 'metric: accuracy'", 'metric')
  }
  return raw.metric
}

function thresholdOf(
  raw: Record<string, unknown>,
  type: string,
  grader: GraderDefinition,
  warn: (warning: AssertionWarning) => void,
): number | undefined {
  const spec = grader.threshold
  if (raw.threshold === undefined || raw.threshold === null) {
    if (spec?.required)
      throw new AssertionCompileError(`${type} needs a 'threshold': ${spec.help}`, 'threshold')
    return undefined
  }
  // promptfoo ignores it too: the assertion grades as written, and the suite loads with a warning.
  if (!spec) {
    warn({ kind: 'ignored-threshold', type, path: ['threshold'] })
    return undefined
  }
  return thresholdValue(raw.threshold, type, spec.kind, spec.help)
}

function thresholdValue(value: unknown, type: string, kind: ThresholdKind, help: string): number {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (kind === 'number' ||
      (kind === 'score' && value >= 0 && value <= 1) ||
      ((kind === 'distance' || kind === 'usd') && value >= 0))
  if (!ok)
    throw new AssertionCompileError(
      `${type} has an invalid 'threshold' ${JSON.stringify(value)}: ${help}`,
      'threshold',
    )
  return value as number
}

/**
 * A test's `threshold` checked as promptfoo reads it: a number between 0 and 1 that the weighted score must
 * reach. Throws an AssertionCompileError (key 'threshold') for anything else.
 */
export function parseTestThreshold(value: unknown): number | undefined {
  if (value === undefined) return undefined
  return thresholdValue(
    value,
    'the test',
    'score',
    'the weighted score the test needs to pass, between 0 and 1',
  )
}
