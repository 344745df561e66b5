import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonError, parseStrictJson } from './json.ts';

describe('parseStrictJson', () => {
  it('parses what JSON.parse parses, except a key __proto__ (fast-check makes some)', () => {
    const protoKey = (v: unknown): boolean =>
      typeof v === 'object' &&
      v !== null &&
      (Object.hasOwn(v, '__proto__') || Object.values(v).some(protoKey));
    let refused = 0;
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const text = JSON.stringify(v);
        if (protoKey(JSON.parse(text))) {
          refused++;
          expect(() => parseStrictJson(text)).toThrow(/__proto__/);
        } else expect(parseStrictJson(text)).toEqual(JSON.parse(text));
      }),
      { seed: 7, numRuns: 300 },
    );
    expect(refused).toBeGreaterThan(0);
  });

  it('refuses malformed JSON', () => {
    for (const bad of ['', '{', '{"a":}', "{'a':1}", '[1,]', 'NaN', '{"a":1}x']) {
      expect(() => parseStrictJson(bad)).toThrow(JsonError);
    }
  });

  it('refuses duplicate keys at any depth, including escaped spellings', () => {
    expect(() => parseStrictJson('{"amount":1,"amount":2}')).toThrow(/Duplicate key/);
    expect(() => parseStrictJson('{"a":{"b":1,"c":[{"d":1,"d":2}]}}')).toThrow(/Duplicate key/);
    expect(() => parseStrictJson('{"amount":1,"\\u0061mount":2}')).toThrow(/Duplicate key/);
  });

  it('names a long duplicate key cut between characters, never inside a surrogate pair', () => {
    // 39 letters and an emoji: a cut at 40 code units would leave half of it.
    const key = `${'a'.repeat(39)}\u{1F600}`;
    const message = (() => {
      try {
        parseStrictJson(JSON.stringify({ [key]: 1 }).replace('}', `,${JSON.stringify(key)}:2}`));
      } catch (e) {
        return (e as Error).message;
      }
    })();
    expect(message).toBe(`Duplicate key "${'a'.repeat(39)}" in JSON body`);
    expect(message?.isWellFormed()).toBe(true);
  });

  it('refuses the key __proto__ at any depth, however spelled, and allows it as a value', () => {
    expect(() => parseStrictJson('{"__proto__":{"x":1}}')).toThrow(/__proto__/);
    expect(() => parseStrictJson('{"amount":5,"metadata":{"__proto__":"INV-1"}}')).toThrow(/__proto__/);
    expect(() => parseStrictJson('[{"a":[{"\\u005f_proto__":1}]}]')).toThrow(/__proto__/);
    expect(parseStrictJson('{"a":"__proto__","constructor":"x"}')).toEqual({
      a: '__proto__',
      constructor: 'x',
    });
  });

  it('allows the same key in sibling objects and string values that look like keys', () => {
    expect(parseStrictJson('[{"a":1},{"a":2}]')).toEqual([{ a: 1 }, { a: 2 }]);
    expect(parseStrictJson('{"a":"a","b":{"a":"\\"a\\""}}')).toEqual({ a: 'a', b: { a: '"a"' } });
  });
});
