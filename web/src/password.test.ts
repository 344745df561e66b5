import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Password, PASSWORD_RULES as SERVER_RULES } from '../../src/api/schemas.ts';
import { checkPassword, PASSWORD_RULES } from './password.ts';

describe('password feedback', () => {
  it('lists each rule as met or not', () => {
    expect(checkPassword('').rules.map((r) => r.met)).toEqual([false, false, false, false, false]);
    expect(
      checkPassword('abcDEF123!')
        .rules.filter((r) => !r.met)
        .map((r) => r.id),
    ).toEqual(['length']);
    expect(checkPassword('Correct-Horse-42')).toMatchObject({ ok: true });
  });

  it('agrees with the server, rule by rule, on any input', () => {
    expect(PASSWORD_RULES).toHaveLength(SERVER_RULES.length);
    const interesting = fc.string({
      unit: fc.constantFrom('a', 'Z', '7', '!', ' ', '\t', 'é', 'Ω', '_', '-', '٣', '😀'),
      maxLength: 20,
    });
    fc.assert(
      fc.property(fc.oneof(interesting, fc.string({ maxLength: 20 })), (p) => {
        const mine = checkPassword(p);
        SERVER_RULES.forEach((rule, i) => {
          expect(mine.rules[i]?.met).toBe(rule.test(p));
        });
        expect(mine.ok).toBe(Password.safeParse(p).success);
      }),
      { seed: 8_2_8, numRuns: 1000 },
    );
  });
});
