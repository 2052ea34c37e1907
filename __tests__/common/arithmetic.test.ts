/** The arithmetic of derived metrics: mathjs's precedence, a few functions, and nothing that runs code. */
import { ArithmeticError, evaluateArithmetic, parseArithmetic } from '../../src/common/arithmetic.js'

const value = (text: string, scope: Record<string, number> = {}) =>
  evaluateArithmetic(parseArithmetic(text), new Map(Object.entries(scope)))

describe('arithmetic expressions', () => {
  it('computes with mathjs precedence: ^ right-associative and above unary minus, then * / %, then + -', () => {
    expect(value('1 + 2 * 3')).toBe(7)
    expect(value('(1 + 2) * 3')).toBe(9)
    expect(value('-2^2')).toBe(-4)
    expect(value('2^3^2')).toBe(512)
    expect(value('2^-1')).toBe(0.5)
    expect(value('7 % 4 - 10 / 4')).toBe(0.5)
    expect(value('1.5e2 + .5')).toBe(150.5)
  })

  it('reads names from the scope, and calls its few functions', () => {
    const scope = { precision: 0.8, recall: 0.5, __count: 4, $a_1: 2 }
    expect(value('2 * precision * recall / (precision + recall)', scope)).toBeCloseTo(0.6154, 4)
    expect(value('max(precision, recall) + min(1, __count) + sqrt(16) + log(8, 2) + abs(-$a_1)', scope)).toBe(
      0.8 + 1 + 4 + 3 + 2,
    )
  })

  it('names what it cannot read or compute', () => {
    const problem = (run: () => unknown) => {
      try {
        run()
      } catch (error) {
        expect(error).toBeInstanceOf(ArithmeticError)
        return [(error as ArithmeticError).message, (error as ArithmeticError).missing]
      }
      throw new Error('expected an ArithmeticError')
    }
    expect(problem(() => value('a + b', { a: 1 }))).toEqual(["'b' has no value", 'b'])
    expect(problem(() => parseArithmetic('1 +'))).toEqual([
      'expected a number, a name or ( at the end',
      undefined,
    ])
    expect(problem(() => parseArithmetic('(1 + 2'))).toEqual(["expected ')' at the end", undefined])
    expect(problem(() => parseArithmetic('1 2'))).toEqual(["unexpected '2'", undefined])
    expect(problem(() => parseArithmetic('constructor(1)'))[0]).toMatch(
      /^unknown function 'constructor': use min, max/,
    )
    expect(problem(() => parseArithmetic('a.b'))).toEqual(["unexpected '.'", undefined])
    expect(problem(() => parseArithmetic('process["exit"]'))).toEqual(["unexpected '['", undefined])
  })
})
