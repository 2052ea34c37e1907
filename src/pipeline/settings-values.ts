/** Parsers for the textual values of action inputs. Each throws an error that names the input and the fix. */
import { UserError } from '../common/user-error.js'
import { femtoFromUsd } from '../report/baseline.js'
import type { CostIncreaseLimit } from '../report/cost-comparison.js'

/** `0.95` or `95%` -> 0.95. */
export function parseRate(input: string, value: string): number {
  const text = value.trim()
  const match = /^(\d+(?:\.\d+)?)(%?)$/.exec(text)
  const rate = match ? Number(match[1]) / (match[2] ? 100 : 1) : NaN
  if (!(rate >= 0 && rate <= 1)) {
    throw new UserError(
      `Input '${input}' is '${value}'; write a rate between 0 and 1 (0.95) or a percentage (95%).`,
    )
  }
  return rate
}

export function parseBoolean(input: string, value: string): boolean {
  const text = value.trim().toLowerCase()
  if (text === 'true') return true
  if (text === 'false') return false
  throw new UserError(`Input '${input}' is '${value}'; write true or false.`)
}

export function parseChoice<T extends string>(input: string, value: string, choices: readonly T[]): T {
  const text = value.trim().toLowerCase()
  if ((choices as readonly string[]).includes(text)) return text as T
  throw new UserError(`Input '${input}' is '${value}'; write one of: ${choices.join(', ')}.`)
}

/** `5`, `12.50` or `$12.50` -> 12.5 (USD). */
export function parseUsd(input: string, value: string): number {
  const match = /^\$?(\d+(?:\.\d+)?)$/.exec(value.trim())
  if (!match) throw new UserError(`Input '${input}' is '${value}'; write an amount in USD, like 5 or 12.50.`)
  return Number(match[1])
}

/** `10%` -> a share of the baseline's cost; `0.50` or `$0.50` -> an amount in USD (`max-cost-increase`). */
export function parseCostIncrease(input: string, value: string): CostIncreaseLimit {
  const text = value.trim()
  const percent = /^(\d+(?:\.\d+)?)\s*%$/.exec(text)
  if (percent) return { percent: Number(percent[1]) }
  const usd = /^\$?(\d+(?:\.\d{1,15})?)$/.exec(text)
  const femto = usd ? femtoFromUsd(usd[1]) : undefined
  if (femto === undefined) {
    throw new UserError(
      `Input '${input}' is '${value}'; write a percentage of the baseline's cost (10%) or an amount in USD ` +
        '(0.50 or $0.50).',
    )
  }
  return { usd: femto }
}

/** A whole number from `min` to `max`, e.g. `3`. */
export function parseCount(input: string, value: string, min: number, max: number): number {
  const text = value.trim()
  const count = /^\d+$/.test(text) ? Number(text) : NaN
  if (!(count >= min && count <= max)) {
    throw new UserError(`Input '${input}' is '${value}'; write a whole number from ${min} to ${max}.`)
  }
  return count
}

/**
 * Message Batch ids, one per line; spaces and commas separate them too (an id has neither). Each is kept
 * once: a batch collected twice would give every result twice.
 */
export function parseBatchIds(input: string, value: string): string[] {
  const ids = [...new Set(value.split(/[\s,]+/).filter((id) => id !== ''))]
  const bad = ids.find((id) => !/^[\w-]+$/.test(id))
  if (bad !== undefined) {
    throw new UserError(
      `Input '${input}' has '${bad}', which is not a Message Batch id (msgbatch_ and letters and digits); ` +
        "give one id per line, as an earlier run's batch-ids output has them.",
    )
  }
  return ids
}

/** The branch `history: true` keeps the run history on. */
export const DEFAULT_HISTORY_BRANCH = 'eval-history'

/**
 * `history`: `false` or empty for none, `true` for DEFAULT_HISTORY_BRANCH, else the branch's name, which must
 * be a plain branch name (letters, digits, `.`, `_`, `-` and `/` between parts).
 */
export function parseHistoryBranch(input: string, value: string): string | undefined {
  const text = value.trim()
  if (text === '' || text.toLowerCase() === 'false') return undefined
  if (text.toLowerCase() === 'true') return DEFAULT_HISTORY_BRANCH
  const parts = text.split('/')
  const plain = parts.every((part) => /^[A-Za-z0-9_][\w.-]*$/.test(part) && !part.endsWith('.lock'))
  if (!plain || text.length > 100 || text.includes('..') || text.endsWith('.')) {
    throw new UserError(
      `Input '${input}' is '${value}'; write true (the branch ${DEFAULT_HISTORY_BRANCH}), false, or a branch ` +
        'name of letters, digits, ., _, - and / (e.g. eval-history).',
    )
  }
  return text
}

/** One entry per non-empty line, trimmed. */
export function parseLines(value: string): string[] {
  return value
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '')
}
