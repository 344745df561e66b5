/**
 * Confirmation of payee on the review (MatchNotice): a close match with the holder's name asks "Did you
 * mean …?" and offers to pay that name; one without it (a saved payee, whose holder's name is never
 * kept, or a name given by its initials or with a word left out) says so without a name and offers no
 * button that could do nothing (a review found "Did you mean ?" and a dead "Yes, pay").
 */
import type { VNode } from 'preact';
import { describe, expect, it } from 'vitest';
import { MatchNotice, type TransferIntent } from './screens/transfer.tsx';

type Node = VNode<{ children?: unknown; type?: string; onClick?: () => void }>;

/** The text a rendered tree of plain elements shows. */
const textOf = (n: unknown): string =>
  n === null || n === undefined || typeof n === 'boolean'
    ? ''
    : typeof n === 'string' || typeof n === 'number'
      ? String(n)
      : Array.isArray(n)
        ? n.map(textOf).join('')
        : textOf((n as Node).props.children);

/** The tree's <button> elements. */
const buttonsOf = (n: unknown): Node[] =>
  n === null || typeof n !== 'object'
    ? []
    : Array.isArray(n)
      ? n.flatMap(buttonsOf)
      : (n as Node).type === 'button'
        ? [n as Node]
        : buttonsOf((n as Node).props.children);

const notice = (to: TransferIntent['to'], onUseHolderName?: () => void) =>
  MatchNotice({ to, onUseHolderName }) as Node | null;

const number = '4820193755';

describe('MatchNotice', () => {
  it('asks "Did you mean …?" for a close match with the holder’s name, and its button takes the name', () => {
    let taken = 0;
    const n = notice({ name: 'Lovelace Ada', number, match: 'close', holderName: 'Ada Lovelace' }, () => {
      taken++;
    });
    expect(textOf(n)).toContain('Did you mean Ada Lovelace?');
    const [yes] = buttonsOf(n);
    expect(textOf(yes)).toBe('Yes, pay Ada Lovelace');
    yes?.props.onClick?.();
    expect(taken).toBe(1);
  });

  it('says a saved payee’s close match was found when it was saved, names nobody, and offers no button', () => {
    const n = notice({ name: 'M Jones', number, match: 'close', payee: true }, () => {});
    expect(n?.props).toMatchObject({ 'data-match': 'close' });
    expect(textOf(n)).toBe(
      'When you saved this payee, the name you gave was close to the account holder\u2019s, but not the same. Check the details before you pay.',
    );
    expect(textOf(n)).not.toContain('Did you mean');
    expect(buttonsOf(n)).toEqual([]);
  });

  it('says a new recipient’s close match without the holder’s name (initials) plainly, and offers no button', () => {
    const n = notice({ name: 'A Lovelace', number, match: 'close' }, () => {});
    expect(textOf(n)).toBe(
      'The name is close to the account holder\u2019s name, but not the same. Check the full name with the person you are paying before you confirm.',
    );
    expect(textOf(n)).not.toMatch(/Did you mean|undefined/);
    expect(buttonsOf(n)).toEqual([]);
  });

  it('is unchanged for exact and no matches, and says nothing between one’s own accounts', () => {
    expect(textOf(notice({ name: 'Ada', number, match: 'exact', payee: true }))).toBe(
      'The name matches the account holder\u2019s name.',
    );
    expect(textOf(notice({ name: 'Grace', number, match: 'none' }))).toContain(
      'The name does not match the account holder\u2019s name.',
    );
    expect(notice({ name: 'Savings', number, own: true })).toBeNull();
  });
});
