import { lettersOf } from './text.ts';

/**
 * Confirmation of payee: how close the name a customer typed is to the name of the account's holder.
 *
 * - `exact`: equal after folding case, accents, punctuation and whitespace ("José  O'Neil" = "jose oneil").
 * - `close`: the same tokens in another order, initials for given names ("J. Smith", "J R Smith",
 *   "J.R. Smith" for "John Robert Smith") or a middle name left out ("John Smith"), or a small edit
 *   distance (a typo: one edit per 5 characters of the folded name, at most 3; Damerau: a swap of two
 *   neighbours is one edit). A holder's name of fewer than 5 letters (`MIN_LETTERS_FOR_EDITS`) allows
 *   no edit, and a name that is a strict part of the holder's ("王" of "王芳", "John Smit" of
 *   "John Smith") is never close: either would hand out the holder's name for a guess with one letter
 *   left out or wrong. `close` answers with the holder's name only when the guess has every word of
 *   it, whole or with a typo (`confirmation`); initials or a word left out answer `close` alone.
 *   Lengths and edits are counted in letters as a reader sees them (grapheme clusters: a CJK letter
 *   outside the BMP is one, and so is a Devanagari letter with its vowel sign, मो). Until 2026-12-07
 *   they were code points, so a three-syllable Hindi name (सुनीता: 6 code points) allowed an edit that
 *   a three-letter Latin one does not, and answered its holder's name for a guess with one wrong.
 * - `none`: anything else.
 */
export type Match = 'exact' | 'close' | 'none';

/** Most saved payees per customer. */
export const MAX_PAYEES = 100;

/**
 * Combining marks that people leave out of a name: accents on Latin, Greek and Cyrillic letters, and
 * the optional vowel points of Arabic and Hebrew. Other scripts' marks are letters' parts that tell
 * names apart (a Devanagari vowel sign: मोना is not मीना; a kana's voicing mark: ガ is not カ), kept.
 */
const OPTIONAL_MARKS =
  /(\p{Script=Latin}|\p{Script=Greek}|\p{Script=Cyrillic}|\p{Script=Arabic}|\p{Script=Hebrew})\p{M}+/gu;

/**
 * Lower case, no accents (NFKD without the marks of OPTIONAL_MARKS, then composed again, so a Hangul
 * syllable is one letter again, not its 2 or 3 jamo), no punctuation, single spaces. A dot before a
 * letter parts the two ("J.R. Smith" = "j r smith": initials written without a space); other dots and
 * apostrophes are dropped ("O'Neil" = "oneil"). Until 2026-12-07 every mark was dropped and Hangul
 * left in jamo: Hindi names that differ in their vowels matched `exact`, and a two-letter Korean name
 * counted six letters, allowing an edit that handed it out (a review found both).
 */
export const foldName = (s: string): string =>
  s
    .normalize('NFKD')
    .replace(OPTIONAL_MARKS, '$1')
    .normalize('NFC')
    .toLowerCase()
    .replace(/\.(?=\p{L})/gu, ' ')
    .replace(/['\u2019`.]/g, '')
    .replace(/[^\p{L}\p{M}\p{N}]+/gu, ' ')
    .trim();

/**
 * Optimal string alignment distance (Damerau-Levenshtein without repeated edits of a substring), in
 * letters (grapheme clusters).
 */
export const editDistance = (a: string, b: string): number => {
  const x = lettersOf(a);
  const y = lettersOf(b);
  const d: number[][] = Array.from({ length: x.length + 1 }, (_, i) =>
    Array.from({ length: y.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= x.length; i++) {
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      const row = d[i] as number[];
      const prev = d[i - 1] as number[];
      row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) {
        row[j] = Math.min(row[j] as number, ((d[i - 2] as number[])[j - 2] as number) + 1);
      }
    }
  }
  return (d[x.length] as number[])[y.length] as number;
};

/** A folded holder's name with fewer letters (grapheme clusters, spaces aside) allows no edit at all. */
export const MIN_LETTERS_FOR_EDITS = 5;

/**
 * Edits allowed against a folded holder's name: none under MIN_LETTERS_FOR_EDITS letters, else one per
 * 5 characters (grapheme clusters, spaces included), at most 3.
 */
const allowedEdits = (holder: string): number => {
  const chars = lettersOf(holder);
  if (chars.filter((c) => c !== ' ').length < MIN_LETTERS_FOR_EDITS) return 0;
  return Math.min(3, Math.floor(chars.length / 5));
};

/** `given` is a strict part of `holder` (spaces aside): a guess with letters left out, never close. */
const strictPart = (given: string, holder: string): boolean => {
  const g = given.replace(/ /g, '');
  const h = holder.replace(/ /g, '');
  return g !== h && h.includes(g);
};

/**
 * Initials: the given tokens equal the holder's, except that given names may be their first letter
 * (or be left out in the middle), and the last token (the surname) must be whole.
 */
const initialsMatch = (given: string[], holder: string[]): boolean => {
  if (given.length < 2 || holder.length < 2) return false;
  if (given[given.length - 1] !== holder[holder.length - 1]) return false;
  const g = given.slice(0, -1);
  const h = holder.slice(0, -1);
  // The first given name must be there (as itself or its initial); middle names may be dropped.
  let j = 0;
  for (let i = 0; i < g.length; i++) {
    const token = g[i] as string;
    let found = false;
    while (j < h.length) {
      const name = h[j++] as string;
      if (token === name || (lettersOf(token).length === 1 && name.startsWith(token))) {
        found = true;
        break;
      }
      if (i === 0) return false;
    }
    if (!found) return false;
  }
  return lettersOf(g[0] as string)[0] === lettersOf(h[0] as string)[0];
};

const sameTokens = (a: string[], b: string[]): boolean =>
  a.length === b.length && [...a].sort().join(' ') === [...b].sort().join(' ');

/**
 * A given token stands for the holder's whole: equal, or a typo of it (one edit per 5 letters of the
 * holder's token, at least one), and never a single letter for a longer token (its initial).
 */
const wholeToken = (given: string, holder: string): boolean => {
  if (given === holder) return true;
  const g = lettersOf(given).length;
  const h = lettersOf(holder).length;
  if (g === 1 && h > 1) return false;
  return editDistance(given, holder) <= Math.max(1, Math.floor(h / 5));
};

/** Every token of the holder's name is there, in order, whole or with a typo: none left out or cut to an initial. */
const everyTokenWhole = (given: string[], holder: string[]): boolean =>
  given.length === holder.length && holder.every((t, i) => wholeToken(given[i] as string, t));

/**
 * How a name compares, and whether the caller gave every word of the holder's name (whole, with a
 * typo, in another order or spaced otherwise): only then may a `close` answer name the holder.
 */
const compare = (given: string, holder: string): { match: Match; named: boolean } => {
  const none = { match: 'none', named: false } as const;
  const g = foldName(given);
  const h = foldName(holder);
  if (g === '' || h === '') return none;
  if (g === h) return { match: 'exact', named: false };
  if (strictPart(g, h)) return none;
  const gt = g.split(' ');
  const ht = h.split(' ');
  // The same words in another order, or the same letters spaced otherwise ("Mc Donald" = "McDonald"):
  // every letter of the holder's name is there.
  if (sameTokens(gt, ht) || g.replace(/ /g, '') === h.replace(/ /g, ''))
    return { match: 'close', named: true };
  // A typo: named only when every word is there, each whole or with a typo of its own, none left out
  // or cut to its initial ("Mary A Smith" is a typo's distance from "Mary Ann Smith", but gives one
  // letter of "Ann").
  if (editDistance(g, h) <= allowedEdits(h)) return { match: 'close', named: everyTokenWhole(gt, ht) };
  // Initials, a middle name left out: the caller did not give the holder's every word, so the answer
  // must not either ("m Jones" tried letter by letter would hand out "Mary Ann Smith-Jones").
  if (initialsMatch(gt, ht)) return { match: 'close', named: false };
  return none;
};

export const matchName = (given: string, holder: string): Match => compare(given, holder).match;

/**
 * What a check answers: the holder's name for a `close` match where the caller gave every word of it
 * (whole or with a typo, in any order); `close` by initials or with a word left out answers no name,
 * and neither do `exact` (nothing to tell) and `none` (nothing to reveal).
 */
export const confirmation = (given: string, holder: string): { match: Match; name?: string } => {
  const { match, named } = compare(given, holder);
  return match === 'close' && named ? { match, name: holder } : { match };
};
