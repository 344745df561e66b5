import { describe, expect, it } from 'vitest';
import { Password } from '../../src/api/schemas.ts';
import { checkPassword } from './password.ts';

describe('password feedback', () => {
  it('lists each rule as met or not', () => {
    expect(checkPassword('').rules.map((r) => r.met)).toEqual([
      false,
      false,
      false,
      false,
      false,
      true,
      true,
    ]);
    expect(
      checkPassword('abcDEF123!')
        .rules.filter((r) => !r.met)
        .map((r) => r.id),
    ).toEqual(['length']);
    expect(checkPassword('Correct-Horse-42')).toMatchObject({ ok: true });
  });

  /**
   * Fixed cases with the rules each breaks, written by hand: the client's checklist and the server's
   * schema must both give these answers, so deleting or loosening a rule on either side goes red.
   * `client: 'unchecked'` marks a limit only the server enforces.
   */
  const cases: { name: string; password: string; broken: string[]; client?: 'unchecked' }[] = [
    { name: 'good, 12 characters', password: 'Abcdef1!xyzw', broken: [] },
    { name: 'good, a space inside', password: 'Correct Horse-42', broken: [] },
    { name: 'good, 256 characters', password: `Aa1!${'a'.repeat(252)}`, broken: [] },
    { name: 'empty', password: '', broken: ['length', 'upper', 'lower', 'digit', 'symbol'] },
    { name: '11 characters', password: 'Abcdef1!xyz', broken: ['length'] },
    { name: 'no upper case', password: 'abcdef1!xyzw', broken: ['upper'] },
    { name: 'no lower case', password: 'ABCDEF1!XYZW', broken: ['lower'] },
    { name: 'no digit', password: 'Abcdefg!xyzw', broken: ['digit'] },
    { name: 'no symbol', password: 'Abcdef12xyzw', broken: ['symbol'] },
    { name: 'a space is not the symbol', password: 'Abcdef1 xyzw', broken: ['symbol'] },
    { name: 'an accented letter', password: 'Abcdéf1!xyzw', broken: ['charset'] },
    { name: 'a tab at the end', password: 'Abcdef1!xyzw\t', broken: ['charset', 'edges'] },
    { name: 'a space at the start', password: ' Abcdef1!xyzw', broken: ['edges'] },
    { name: 'a space at the end', password: 'Abcdef1!xyzw ', broken: ['edges'] },
    // The client has no length cap: only the server refuses 257 characters.
    { name: '257 characters', password: `Aa1!${'a'.repeat(253)}`, broken: ['max'], client: 'unchecked' },
  ];

  /** What the server says for each rule, by hand. */
  const serverMessage: Record<string, string> = {
    length: 'password needs: at least 12 characters',
    upper: 'password needs: an upper-case letter',
    lower: 'password needs: a lower-case letter',
    digit: 'password needs: a digit',
    symbol: 'password needs: a symbol, such as ! or #',
    charset: 'password needs: no other characters (such as é, € or a tab)',
    edges: 'password needs: no space at the start or end',
  };

  it.each(cases)('the client lists what $name breaks', ({ password, broken, client }) => {
    if (client === 'unchecked') return;
    const mine = checkPassword(password);
    expect(mine.rules.filter((r) => !r.met).map((r) => r.id)).toEqual(broken);
    expect(mine.ok).toBe(broken.length === 0);
  });

  it.each(cases)('the server refuses what $name breaks', ({ password, broken }) => {
    const result = Password.safeParse(password);
    expect(result.success).toBe(broken.length === 0);
    const messages = result.error?.issues.map((i) => i.message) ?? [];
    if (broken.includes('max')) expect(result.error?.issues.map((i) => i.code)).toEqual(['too_big']);
    else expect(messages).toEqual(broken.map((id) => serverMessage[id]));
  });
});
