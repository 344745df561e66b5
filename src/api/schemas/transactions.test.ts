import { describe, expect, it } from 'vitest';
import { METADATA_MAX_VALUE } from '../../domain/ledger.ts';
import { Description, name } from './primitives.ts';
import { Metadata } from './transactions.ts';

const valid = (value: string) => Metadata.safeParse({ note: value }).success;

describe('metadata values', () => {
  it('are texts as descriptions are: no control or bidi characters', () => {
    // A review found values took what a description refuses (safeText).
    for (const bad of [
      'a\u0000b',
      'line\nbreak',
      'tab\there',
      'a\u007fb',
      'INV\u202E2404',
      'x\u2066y\u2069',
    ]) {
      expect(valid(bad), JSON.stringify(bad)).toBe(false);
    }
    const r = Metadata.safeParse({ invoice: 'INV\u202Egpj.exe' });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toBe('must not contain control characters');
  });

  it('take any other text up to the limit, and lone surrogates never', () => {
    expect(valid('INV-2026-0042')).toBe(true);
    expect(valid('Zoë Müller \u738b\u82b3 \u{20000}')).toBe(true);
    expect(valid('x'.repeat(METADATA_MAX_VALUE))).toBe(true);
    expect(valid('x'.repeat(METADATA_MAX_VALUE + 1))).toBe(false);
    expect(valid('a\ud800b')).toBe(false);
  });
});

describe('texts another customer is shown (review: bidi marks)', () => {
  it('refuse every Unicode Bidi_Control character, the marks (LRM, RLM, ALM) as well as the overrides', () => {
    // A description is shown to the other party (their history, receipts, CSV, webhooks) and a name to
    // anyone checking a payee. RLM or ALM reorders what follows on screen without showing itself: the
    // description 'Ref \u200F100 200' displays as 'Ref 200 100' (UAX #9 rules W2, N1, I2), the same
    // Trojan Source trick the overrides (U+202A-202E, U+2066-2069) are refused for.
    for (const mark of ['\u200E', '\u200F', '\u061C']) {
      const text = `Ref ${mark}100 200`;
      expect(
        Description.safeParse(text).success,
        `description with U+${mark.codePointAt(0)?.toString(16)}`,
      ).toBe(false);
      expect(
        name(100).safeParse(`John ${mark}Smith`).success,
        `name with U+${mark.codePointAt(0)?.toString(16)}`,
      ).toBe(false);
      expect(valid(text), `metadata with U+${mark.codePointAt(0)?.toString(16)}`).toBe(false);
    }
  });
});
