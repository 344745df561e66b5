/**
 * The Lambda bundles' stand-in for pako (infra/pako-zlib.ts): what it deflates, pako inflates to the
 * same bytes, and what pako deflates, it inflates; pako's level option holds; anything else of pako's
 * is refused by name.
 */
// pako as pdf-lib installs it (its dependency, not ours: the bundles no longer carry it).
import pako from 'pako';
import { describe, expect, it } from 'vitest';
import standIn, { deflate, inflate } from './pako-zlib.ts';

/** Bytes that compress: a statement line's text, repeated with a counter. */
const sample = new TextEncoder().encode(
  Array.from({ length: 400 }, (_, i) => `2027-03-${i % 28} Caf\u00e9 line ${i} 1,000.00 EUR`).join('\n'),
);

describe("pako's stand-in in the Lambda bundles", () => {
  it('deflates to a zlib stream that pako inflates to the same bytes, and smaller', () => {
    const out = deflate(sample);
    expect(out).toBeInstanceOf(Uint8Array);
    expect(out.length).toBeLessThan(sample.length / 4);
    expect(Buffer.from(pako.inflate(out)).equals(Buffer.from(sample))).toBe(true);
  });

  it("inflates pako's deflate, and its own", () => {
    expect(Buffer.from(inflate(pako.deflate(sample))).equals(Buffer.from(sample))).toBe(true);
    expect(Buffer.from(inflate(new Uint8Array(deflate(sample)).buffer)).byteLength).toBe(sample.length);
  });

  it('keeps the level it is given: level 0 stores the bytes as they are', () => {
    const stored = deflate(sample, { level: 0 });
    expect(stored.length).toBeGreaterThan(sample.length);
    expect(Buffer.from(pako.inflate(stored)).equals(Buffer.from(sample))).toBe(true);
  });

  it('is what pdf-lib imports as the default export, and refuses what it does not carry', () => {
    expect(standIn.deflate).toBe(deflate);
    expect(standIn.inflate).toBe(inflate);
    expect(() => (standIn as unknown as Record<string, unknown>).inflateRaw).toThrow(/infra\/pako-zlib\.ts/);
    expect(() => deflate(sample, { raw: true } as never)).toThrow(/option raw .*infra\/pako-zlib\.ts/);
    expect(() => inflate(pako.deflate(sample), { to: 'string' } as never)).toThrow(/option to /);
  });
});
