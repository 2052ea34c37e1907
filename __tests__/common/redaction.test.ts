import { addSecret, clearSecrets, redact, REDACTED } from '../../src/common/redaction.js'

afterEach(clearSecrets)

describe('redact', () => {
  it('replaces every occurrence of a registered secret', () => {
    addSecret('sk-ant-0123456789')
    expect(redact('key sk-ant-0123456789, again sk-ant-0123456789.')).toBe(
      `key ${REDACTED}, again ${REDACTED}.`,
    )
  })

  it('replaces the forms a secret takes inside JSON and URLs', () => {
    const secret = 'pa"ss/word+0123'
    addSecret(secret)
    expect(redact(JSON.stringify({ error: `bad ${secret}` }))).toBe(
      JSON.stringify({ error: `bad ${REDACTED}` }),
    )
    expect(redact(`https://x.test/?key=${encodeURIComponent(secret)}`)).toBe(
      `https://x.test/?key=${REDACTED}`,
    )
  })

  it('leaves short values alone: they protect nothing, and replacing them would mangle reports', () => {
    expect(addSecret('test')).toBe(false)
    expect(redact('a test report')).toBe('a test report')
  })

  it('leaves text without secrets as it is', () => {
    addSecret('ghs_0123456789abcdef')
    expect(redact('nothing to hide')).toBe('nothing to hide')
  })
})
