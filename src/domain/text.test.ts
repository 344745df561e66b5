import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clip, UNSAFE_TEXT } from './text.ts';

const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });

describe('clip', () => {
  it('leaves text within the limit alone, and cuts plain text as slice does', () => {
    expect(clip('Rent', 140)).toBe('Rent');
    expect(clip('x'.repeat(150), 140)).toBe('x'.repeat(140));
  });

  it('never cuts a surrogate pair or an emoji sequence in half', () => {
    expect(clip(`${'x'.repeat(139)}\u{1F600}`, 140)).toBe('x'.repeat(139));
    // A family: four people joined by ZWJs (11 units); cut inside it, none of it stays.
    expect(clip(`ab\u{1F468}\u200D\u{1F469}\u200D\u{1F467}\u200D\u{1F466}`, 8)).toBe('ab');
    expect(clip('ab\u{1F1EC}\u{1F1E7}c', 5)).toBe('ab');
  });

  it('gives a well-formed prefix within the limit, as long as the limit allows', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), fc.nat(200), (text, max) => {
        const cut = clip(text, max);
        expect(text.startsWith(cut)).toBe(true);
        expect(cut.length).toBeLessThanOrEqual(max);
        expect(cut.isWellFormed()).toBe(true);
        if (text.length <= max) expect(cut).toBe(text);
        // As much as fits: the character after the cut would not have.
        else
          expect(
            cut.length + ([...segmenter.segment(text.slice(cut.length))][0]?.segment.length ?? 0),
          ).toBeGreaterThan(max);
      }),
    );
  });
});

describe('UNSAFE_TEXT', () => {
  it('refuses control characters and every bidi control, marks included', () => {
    for (const c of ['\u0000', '\n', '\u202E', '\u2067', '\u200E', '\u200F', '\u061C'])
      expect(UNSAFE_TEXT.test(`Ref ${c}100`), escape(c)).toBe(true);
    expect(UNSAFE_TEXT.test('Caf\u00e9 \u05e9\u05dc\u05d5\u05dd \u{1F600} \u200D')).toBe(false);
  });
});
