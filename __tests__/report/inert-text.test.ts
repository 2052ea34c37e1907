import { inertCell } from '../../src/report/inert-text.js'

describe('inertCell', () => {
  it('renders hostile output as plain text on one row', () => {
    const hostile =
      '<img src=x onerror=alert(1)> | col\n@octocat see #12 **bold** `code` <!-- claude-batch-evals:report -->'
    const cell = inertCell(hostile, 500)
    expect(cell).not.toMatch(/<|\n|(?<!\\)\||@octocat|#12|(?<!\\)\*\*|(?<!\\)`/)
    expect(cell).toContain(
      '&lt;img src=x onerror=alert(1)&gt; \\| col ↵ @\u200boctocat see #\u200b12 \\*\\*bold\\*\\* \\`code\\`',
    )
  })

  it('treats a lone carriage return as the line ending CommonMark takes it for', () => {
    expect(inertCell('a\rb\r\nc\nd\n\re', 100)).toBe('a ↵ b ↵ c ↵ d ↵  ↵ e')
  })

  it('shows control characters and bidi controls as escapes, and a lone surrogate as U+FFFD', () => {
    expect(inertCell('a\u001b[2Jb\u0000c\u009bd\u202ee\u2067f\ud800g', 100)).toBe(
      'a\\\\x1b\\[2Jb\\\\x00c\\\\x9bd\\\\u202ee\\\\u2067f\ufffdg',
    )
  })

  it('cuts long text with a marker, counting characters not UTF-16 units', () => {
    expect(inertCell('😀'.repeat(10), 3)).toBe('😀😀😀…')
  })
})
