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

  it('allows one edit per 5 letters of the holder’s name, never more than 3', () => {
    // 'maximilian oberhausen' has 21 characters: 4 by the length, capped at 3.
    const holder = 'Maximilian Oberhausen';
    expect(editDistance(foldName('Maxamilian Obarhausan'), foldName(holder))).toBe(3);
    expect(matchName('Maxamilian Obarhausan', holder)).toBe('close');
    expect(editDistance(foldName('Maxamilyan Obarhausan'), foldName(holder))).toBe(4);
    expect(matchName('Maxamilyan Obarhausan', holder)).toBe('none');
    // A short name allows one: 'ann lee' (7) takes one edit, not two.
    expect(matchName('Ann Lea', 'Ann Lee')).toBe('close');
    expect(matchName('Anm Lea', 'Ann Lee')).toBe('none');
  });

  it('counts a swap of neighbours as one edit', () => {
    expect(editDistance('smith', 'smtih')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });
});
