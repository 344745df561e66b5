import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Password } from '../../src/api/schemas.ts';
import { checkPassword, PASSWORD_RULES } from './password.ts';

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

  it('agrees with the server on any input', () => {
    const interesting = fc.string({
      unit: fc.constantFrom('a', 'Z', '7', '!', ' ', '\t', 'é', 'Ω', '_', '-', '٣', '😀'),
      maxLength: 20,
    });
    fc.assert(
      fc.property(fc.oneof(interesting, fc.string({ maxLength: 20 })), (p) => {
        const mine = checkPassword(p);
        expect(mine.rules.map((r) => r.met)).toEqual(PASSWORD_RULES.map((rule) => rule.test(p)));
        expect(mine.ok).toBe(Password.safeParse(p).success);
      }),
      { seed: 8_2_8, numRuns: 1000 },
    );
  });
});
