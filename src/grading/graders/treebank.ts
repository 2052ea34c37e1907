/**
 * The Penn Treebank tokenizer, as promptfoo's ROUGE (js-rouge) applies it, so that rouge-n counts the same
 * tokens there and here. It reads its input as one sentence: only a period that ends the text is a token of
 * its own ("Dr." and "said." inside a text stay whole), and it splits on ASCII marks only ("cat—a" and
 * "Smith’s", with a typographic apostrophe, are single tokens).
 */

/** Uncommon contractions the Treebank splits in two ("cannot" -> "can not"), as whole words only. */
const CONTRACTIONS = ['(can)(not)', "(d)('ye)", '(gim)(me)', '(gon)(na)', '(got)(ta)', '(lem)(me)']
  .concat(["(more)('n)", '(wan)(na)(?= )', "('t)(is)", "('t)(was)"])
  .map(
    (pattern) =>
      new RegExp(
        `(?<![\\p{ID_Continue}\\u200c\\u200d])${pattern}(?![\\p{ID_Continue}\\u200c\\u200d])`,
        'giu',
      ),
  )

/**
 * Double quotes as the Treebank writes them: an opening one as ``, a closing one as ''. A quote opens when
 * no quote is open and it starts the text or follows a space, a punctuation mark, `<` or `` (but not the end
 * of a sentence, . ! ?); a quote that ends the text opens only after a space or an opening bracket. A typed
 * '' opens only before a word, a number, a currency sign or a bracket, with another '' to close it.
 */
function markQuotes(text: string): string {
  let open = false
  return text.replace(/``|''|"/g, (quote: string, at: number) => {
    const before = text[at - 1] ?? ''
    const after = text.codePointAt(at + 2)
    const opens =
      quote === '``' ||
      (!open &&
        (at + quote.length < text.length || at === 0 || /[\s\p{Ps}<]/u.test(before)) &&
        (at === 0 || /[\s\p{P}<]/u.test(before) || text.slice(at - 2, at) === '``') &&
        !/[.!?]/.test(before) &&
        (quote === '"' ||
          (at > 0 &&
            after !== undefined &&
            /^[\p{L}\p{N}\p{Sc}\p{Ps}]$/u.test(String.fromCodePoint(after)) &&
            /``|''|"/.exec(text.slice(at + 2))?.[0] === "''")))
    open = opens
    return opens ? ' `` ' : " '' "
  })
}

/** The Treebank's tokens of one sentence, case kept. */
export function treebankTokens(input: string): string[] {
  const text = input.replace(/[\s\u0085]+/g, ' ').trim()
  if (text === '') return []
  let spaced = markQuotes(text)
    .replace(/\.{3}/g, ' ... ')
    // A comma or colon before a digit is a separator (12,000; 12:30), else a token.
    .replace(/[:,](?!\p{Nd})/gu, ' $& ')
    .replace(/[;@#$%&]/g, ' $& ')
    // The sentence's final period, unless it ends an abbreviation such as "U.S" + "."
    .replace(/([^.])(?<!\b[A-Za-z]\.[A-Za-z])(\.)([\])}>'\s]*)$/g, '$1 $2$3 ')
    .replace(/[?!]/g, ' $& ')
    .replace(/[\][(){}<>]/g, ' $& ')
    .replace(/--/g, ' -- ')
  spaced = ` ${spaced} `
    .replace(/([^'])' /g, "$1 ' ")
    .replace(/'([sSmMdD]) /g, " '$1 ")
    .replace(/('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) /g, ' $1 ')
  for (const contraction of CONTRACTIONS) spaced = spaced.replace(contraction, ' $1 $2 ')
  return spaced.trim().split(/ +/)
}
