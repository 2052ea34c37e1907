/**
 * Arithmetic expressions over named numbers, as promptfoo's `derivedMetrics` write them for mathjs:
 * `2 * precision * recall / (precision + recall)`, `correct / __count`. Numbers, names, + - * / % ^ (right
 * associative, above unary minus, as in mathjs), parentheses and a few functions: nothing else is read, so an
 * expression cannot run code.
 */

export type Expression =
  | { kind: 'number'; value: number }
  | { kind: 'name'; name: string }
  | { kind: 'unary'; operator: '-' | '+'; operand: Expression }
  | { kind: 'binary'; operator: '+' | '-' | '*' | '/' | '%' | '^'; left: Expression; right: Expression }
  | { kind: 'call'; name: string; args: Expression[] }

const FUNCTIONS: Readonly<Record<string, (...args: number[]) => number>> = {
  min: Math.min,
  max: Math.max,
  abs: Math.abs,
  sqrt: Math.sqrt,
  round: Math.round,
  floor: Math.floor,
  ceil: Math.ceil,
  exp: Math.exp,
  pow: Math.pow,
  log: (x: number, base?: number) => (base === undefined ? Math.log(x) : Math.log(x) / Math.log(base)),
}

/** The functions an expression may call. */
export const ARITHMETIC_FUNCTIONS: readonly string[] = Object.keys(FUNCTIONS)

/** An expression that does not parse, or names something its scope does not hold. */
export class ArithmeticError extends Error {
  constructor(
    message: string,
    /** The name that has no value, for an evaluation. */
    readonly missing?: string,
  ) {
    super(message)
    this.name = 'ArithmeticError'
  }
}

const TOKEN = /\s*(?:(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|([A-Za-z_$][\w$]*)|(\S))/y

type Token = { kind: 'number'; value: number } | { kind: 'name' | 'symbol'; text: string }

function tokens(text: string): Token[] {
  const found: Token[] = []
  TOKEN.lastIndex = 0
  while (TOKEN.lastIndex < text.length && text.slice(TOKEN.lastIndex).trim() !== '') {
    const match = TOKEN.exec(text)
    if (!match) break
    const [, number, name, symbol] = match
    if (number !== undefined) found.push({ kind: 'number', value: Number(number) })
    else if (name !== undefined) found.push({ kind: 'name', text: name })
    else found.push({ kind: 'symbol', text: symbol })
  }
  return found
}

/** Parses an expression; throws an ArithmeticError saying what is wrong. */
export function parseArithmetic(text: string): Expression {
  const list = tokens(text)
  let at = 0
  const peek = (): string | undefined => {
    const token = list[at]
    return token && token.kind === 'symbol' ? token.text : undefined
  }
  const expect = (symbol: string) => {
    if (peek() !== symbol) throw new ArithmeticError(`expected '${symbol}' ${where()}`)
    at++
  }
  const where = () => {
    const token = list[at]
    if (!token) return 'at the end'
    return `at '${token.kind === 'number' ? token.value : token.text}'`
  }

  const sum = (): Expression => {
    let left = product()
    for (let op = peek(); op === '+' || op === '-'; op = peek()) {
      at++
      left = { kind: 'binary', operator: op, left, right: product() }
    }
    return left
  }
  const product = (): Expression => {
    let left = unary()
    for (let op = peek(); op === '*' || op === '/' || op === '%'; op = peek()) {
      at++
      left = { kind: 'binary', operator: op, left, right: unary() }
    }
    return left
  }
  const unary = (): Expression => {
    const op = peek()
    if (op === '-' || op === '+') {
      at++
      return { kind: 'unary', operator: op, operand: unary() }
    }
    const base = primary()
    if (peek() !== '^') return base
    at++
    return { kind: 'binary', operator: '^', left: base, right: unary() }
  }
  const primary = (): Expression => {
    const token = list[at]
    if (!token) throw new ArithmeticError('expected a number, a name or ( at the end')
    if (token.kind === 'number') {
      at++
      return { kind: 'number', value: token.value }
    }
    if (token.kind === 'name') {
      at++
      if (peek() !== '(') return { kind: 'name', name: token.text }
      if (!Object.hasOwn(FUNCTIONS, token.text)) {
        throw new ArithmeticError(`unknown function '${token.text}': use ${ARITHMETIC_FUNCTIONS.join(', ')}`)
      }
      at++
      const args = [sum()]
      while (peek() === ',') {
        at++
        args.push(sum())
      }
      expect(')')
      return { kind: 'call', name: token.text, args }
    }
    if (token.text === '(') {
      at++
      const inner = sum()
      expect(')')
      return inner
    }
    throw new ArithmeticError(`expected a number, a name or ( ${where()}`)
  }

  const expression = sum()
  if (at < list.length) throw new ArithmeticError(`unexpected ${where().slice(3)}`)
  return expression
}

/** The value of an expression with `scope`'s names; throws an ArithmeticError for a name it does not hold. */
export function evaluateArithmetic(expression: Expression, scope: ReadonlyMap<string, number>): number {
  const value = (node: Expression): number => {
    switch (node.kind) {
      case 'number':
        return node.value
      case 'name': {
        const found = scope.get(node.name)
        if (found === undefined) throw new ArithmeticError(`'${node.name}' has no value`, node.name)
        return found
      }
      case 'unary':
        return node.operator === '-' ? -value(node.operand) : value(node.operand)
      case 'call':
        return FUNCTIONS[node.name](...node.args.map(value))
      case 'binary': {
        const [left, right] = [value(node.left), value(node.right)]
        switch (node.operator) {
          case '+':
            return left + right
          case '-':
            return left - right
          case '*':
            return left * right
          case '/':
            return left / right
          case '%':
            return left % right
          case '^':
            return left ** right
        }
      }
    }
  }
  return value(expression)
}
