import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonError, parseStrictJson } from './json.ts';

describe('parseStrictJson', () => {
  it('parses what JSON.parse parses', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const text = JSON.stringify(v);
        expect(parseStrictJson(text)).toEqual(JSON.parse(text));
      }),
      { seed: 7, numRuns: 300 },
    );
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

  it('allows the same key in sibling objects and string values that look like keys', () => {
    expect(parseStrictJson('[{"a":1},{"a":2}]')).toEqual([{ a: 1 }, { a: 2 }]);
    expect(parseStrictJson('{"a":"a","b":{"a":"\\"a\\""}}')).toEqual({ a: 'a', b: { a: '"a"' } });
  });
});
