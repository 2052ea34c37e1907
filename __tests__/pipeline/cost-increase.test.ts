import { parseCostIncrease } from '../../src/pipeline/settings-values.js'
import { UserError } from '../../src/common/user-error.js'

describe('parseCostIncrease (max-cost-increase)', () => {
  it.each([
    ['10%', { percent: 10 }],
    [' 2.5 % ', { percent: 2.5 }],
    ['0%', { percent: 0 }],
    ['0.50', { usd: 500_000_000_000_000n }],
    ['$1.25', { usd: 1_250_000_000_000_000n }],
    ['3', { usd: 3_000_000_000_000_000n }],
  ])('reads %j', (text, limit) => {
    expect(parseCostIncrease('max-cost-increase', text)).toEqual(limit)
  })

  it.each(['ten percent', '-5%', '10 USD', '%', '1e3', '$', '0.1234567890123456'])(
    'refuses %j, naming the input and both forms',
    (text) => {
      const read = () => parseCostIncrease('max-cost-increase', text)
      expect(read).toThrow(UserError)
      expect(read).toThrow(
        `Input 'max-cost-increase' is '${text}'; write a percentage of the baseline's cost (10%) or an amount in USD (0.50 or $0.50).`,
      )
    },
  )
})
