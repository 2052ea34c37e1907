import { parseDuration, formatDuration } from '../../src/common/duration.js'
import {
  parseBatchIds,
  parseBoolean,
  parseHistoryBranch,
  parseLines,
  parseRate,
} from '../../src/pipeline/settings-values.js'
import { UserError } from '../../src/common/user-error.js'

describe('parseDuration', () => {
  it.each([
    ['45s', 45_000],
    ['20m', 1_200_000],
    ['2h30m', 9_000_000],
    ['5h', 18_000_000],
    ['1m30s', 90_000],
    ['250ms', 250],
  ])('%s is %d ms', (text, ms) => expect(parseDuration('max-wait', text)).toBe(ms))

  it.each(['', '10', 'soon', '5 h', '2h30', '0s', '-5m', '0.4ms'])(
    'refuses %j and names the input',
    (text) => {
      expect(() => parseDuration('max-wait', text)).toThrow(/max-wait/)
    },
  )
})

describe('formatDuration', () => {
  it.each([
    [4_400, '4s'],
    [192_000, '3m 12s'],
    [9_000_000, '2h 30m'],
  ])('%d ms reads %s', (ms, text) => expect(formatDuration(ms)).toBe(text))
})

describe('parseRate', () => {
  it.each([
    ['1', 1],
    ['0.95', 0.95],
    ['95%', 0.95],
    ['0', 0],
    ['100%', 1],
  ])('%s is %d', (text, rate) => expect(parseRate('min-pass-rate', text)).toBe(rate))

  it.each(['1.5', '150%', 'most', '-0.1', ''])('refuses %j', (text) => {
    expect(() => parseRate('min-pass-rate', text)).toThrow(/min-pass-rate.*0\.95.*95%/)
  })
})

describe('parseBoolean and parseLines', () => {
  it('reads true and false only', () => {
    expect(parseBoolean('comment', 'TRUE')).toBe(true)
    expect(parseBoolean('comment', 'false')).toBe(false)
    expect(() => parseBoolean('comment', 'yes')).toThrow(/comment.*true or false/)
  })

  it('splits lines and drops blanks', () => {
    expect(parseLines(' evals/a.yml\n\n  evals/**/*.json  \r\n')).toEqual(['evals/a.yml', 'evals/**/*.json'])
  })
})

describe('parseBatchIds', () => {
  it('takes ids one per line, or separated by spaces or commas, each once', () => {
    expect(parseBatchIds('batch-id', 'msgbatch_a\r\n msgbatch_b msgbatch_c,msgbatch_a\n\n')).toEqual([
      'msgbatch_a',
      'msgbatch_b',
      'msgbatch_c',
    ])
  })

  it('refuses what cannot be an id, naming the input', () => {
    expect(() => parseBatchIds('batch-id', 'msgbatch_a\nhttps://x/msgbatch_b')).toThrow(
      /batch-id.*'https:\/\/x\/msgbatch_b'.*one id per line/,
    )
  })
})

describe('parseHistoryBranch', () => {
  it.each([
    ['', undefined],
    ['false', undefined],
    ['true', 'eval-history'],
    [' TRUE ', 'eval-history'],
    ['evals/history_2', 'evals/history_2'],
  ])('%j is %j', (text, branch) => expect(parseHistoryBranch('history', text)).toBe(branch))

  it.each(['a..b', '-x', 'x/', 'a b', 'x.lock', '.hidden', 'x/.y', 'ref`s'])(
    'refuses %j, naming the input',
    (text) => {
      expect(() => parseHistoryBranch('history', text)).toThrow(/Input 'history'.*true.*false.*branch/)
    },
  )
})

describe('a wrong input value', () => {
  it.each([
    ['max-wait', () => parseDuration('max-wait', 'soon')],
    ['comment', () => parseBoolean('comment', 'maybe')],
    ['min-pass-rate', () => parseRate('min-pass-rate', '120%')],
    ['batch-id', () => parseBatchIds('batch-id', 'not an id!')],
  ])("is the user's to fix (%s)", (_input, parse) => expect(parse).toThrow(UserError))
})
