/** Text cut to a length counted in code points, not UTF-16 units, so that no surrogate pair is split. */

/** The first `max` code points of `text`; `text` itself when it has no more. */
export function codePointHead(text: string, max: number): string {
  // A string no longer in UTF-16 units is no longer in code points: most texts end here.
  if (text.length <= max) return text
  let count = 0
  let end = 0
  for (const char of text) {
    if (count === max) break
    count += 1
    end += char.length
  }
  return text.slice(0, end)
}

/** The first `max` code points of `text`, and `…` when there were more. */
export function cut(text: string, max: number): string {
  const head = codePointHead(text, max)
  return head.length < text.length ? `${head}…` : text
}
