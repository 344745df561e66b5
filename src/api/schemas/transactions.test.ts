import { describe, expect, it } from 'vitest';
import { METADATA_MAX_VALUE } from '../../domain/ledger.ts';
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
