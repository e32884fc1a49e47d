/**
 * A tokenizer for short social-media text. One left-to-right regular-expression scan (Unicode
 * property classes, so "café", "naïve", "東京" and "привет" stay words) over the lowercased text:
 *
 * | input | token |
 * |---|---|
 * | `https://t.co/x`, `www.x.org/a` | `<url>` |
 * | `@alice` | `<user>` |
 * | `#SoHappy` | `sohappy` (the tag's word, which carries the meaning) |
 * | words, numbers, `don't` / `don’t` | `don't` (inner apostrophes kept, ’ normalised to ') |
 * | emoji (`\p{Extended_Pictographic}`) | one token each |
 * | emoticons `:) ;-( :d :p <3` | the emoticon |
 *
 * Everything else (punctuation, whitespace) separates tokens and is dropped.
 */

const TOKEN =
  /(https?:\/\/\S+|www\.\S+)|(@[\p{L}\p{N}_]+)|#([\p{L}\p{M}\p{N}_]+)|([\p{L}\p{M}\p{N}]+(?:['’][\p{L}\p{M}\p{N}]+)*)|(\p{Extended_Pictographic})|([:;=][-o*']?[)\]([dp/\\|}{@]|<3)/gu;

/**
 * Splits `text` into lowercase tokens, appending to `out` (cleared first) so a caller can reuse one
 * array per stream.
 *
 * @example
 * tokenize('Loving #NewYork 😍 @bob http://x.co :)');
 * // ['loving', 'newyork', '😍', '<user>', '<url>', ':)']
 */
export function tokenize(text: string, out: string[] = []): string[] {
  out.length = 0;
  for (const m of text.toLowerCase().matchAll(TOKEN)) {
    if (m[1] !== undefined) out.push('<url>');
    else if (m[2] !== undefined) out.push('<user>');
    else if (m[3] !== undefined) out.push(m[3]);
    else if (m[4] !== undefined) out.push(m[4].includes('’') ? m[4].replaceAll('’', "'") : m[4]);
    else out.push(m[0]);
  }
  return out;
}
