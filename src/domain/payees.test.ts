import { describe, expect, it } from 'vitest';
import { confirmation, editDistance, foldName, matchName } from './payees.ts';

describe('confirmation of payee', () => {
  it('folds case, accents, punctuation and whitespace', () => {
    expect(foldName('  JOSÉ   Ó\u2019Néill ')).toBe('jose oneill');
    expect(foldName('Zoë\tMüller-Lüdenscheidt')).toBe('zoe muller ludenscheidt');
  });

  it.each([
    ['José García', 'Jose GARCIA', 'exact'],
    ['Zoë  Müller', 'zoe muller', 'exact'],
    ["Siobhán O'Brien", 'Siobhan OBrien', 'exact'],
    ['J. Smith', 'John Smith', 'close'],
    ['J R Smith', 'John Robert Smith', 'close'],
    ['John Smith', 'John Robert Smith', 'close'],
    ['Smith John', 'John Smith', 'close'],
    ['Jon Smith', 'John Smith', 'close'],
    ['Jhon Smtih', 'John Smith', 'close'],
    ['Ada Lovelace', 'Ada Lovelcae', 'close'],
    ['Mc Donald Ann', 'McDonald Ann', 'close'],
    ['Jane Smith', 'John Smith', 'none'],
    ['K. Smith', 'John Smith', 'none'],
    ['John Smyth-Jones', 'John Smith', 'none'],
    ['Alice Jones', 'Bob Brown', 'none'],
    ['Smith', 'John Smith', 'none'],
    ['', 'John Smith', 'none'],
  ])('%s vs holder %s: %s', (given, holder, expected) => {
    expect(matchName(given, holder)).toBe(expected);
  });

  it('names the holder only for close matches', () => {
    expect(confirmation('J Smith', 'John Smith')).toEqual({ match: 'close', name: 'John Smith' });
    expect(confirmation('Jane Doe', 'John Smith')).toEqual({ match: 'none' });
    expect(confirmation('john smith', 'John Smith')).toEqual({ match: 'exact' });
  });

  it('counts a swap of neighbours as one edit', () => {
    expect(editDistance('smith', 'smtih')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });
});
