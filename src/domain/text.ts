/**
 * What a customer's text (a name, a description, a note) may not hold: Unicode control characters and
 * every bidi control (`Bidi_Control`: the overrides, embeddings and isolates, and the marks LRM, RLM
 * and ALM, which reorder what the other party sees as much: "Ref \u200F100 200" shows as "Ref 200
 * 100"). One rule for the API's schemas (src/api/schemas/primitives.ts `safeText`), the web
 * client's checks of a bulk payment's rows (web/src/batch.ts), which refuse it before sending, and the
 * bank's contact line shown to customers (src/config.ts `supportContact`, web/src/config.ts).
 */
export const UNSAFE_TEXT = /[\p{Cc}\p{Bidi_Control}]/u;

/**
 * A lone surrogate (with the `u` flag a well-formed pair is one code point, never `Cs`): what
 * String.prototype.isWellFormed refuses, for a build that does not bring it (ES2024).
 */
export const LONE_SURROGATE = /\p{Cs}/u;

const graphemes = /* @__PURE__ */ new Intl.Segmenter('en', { granularity: 'grapheme' });

/**
 * `text`'s user-perceived characters (extended grapheme clusters): a letter with its marks is one
 * (a Devanagari syllable with its vowel sign, मो), as is a letter outside the BMP.
 */
export const lettersOf = (text: string): string[] => Array.from(graphemes.segment(text), (g) => g.segment);

/**
 * `text` cut to at most `max` UTF-16 units (the unit the API's length limits count) at a character's
 * end: never inside a surrogate pair, which would leave a lone surrogate (ill-formed: strict JSON
 * decoders refuse the document, DynamoDB may refuse the write), nor inside an emoji's sequence. For
 * text the bank builds around a customer's (`Reversal of <description>`).
 */
export const clip = (text: string, max: number): string => {
  if (text.length <= max) return text;
  let end = 0;
  for (const { segment } of graphemes.segment(text)) {
    if (end + segment.length > max) break;
    end += segment.length;
  }
  return text.slice(0, end);
};
