import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { contrast, paletteOf } from './contrast.ts';

const palette = paletteOf(readFileSync(new URL('./styles.css', import.meta.url), 'utf8'));

/** Foreground on background, as the stylesheet uses them. */
const TEXT_PAIRS: [string, string][] = [
  ['text', 'bg'],
  ['text', 'surface'],
  ['muted', 'bg'],
  ['muted', 'surface'],
  ['primary', 'bg'],
  ['primary-dark', 'bg'],
  ['on-primary', 'primary'],
  ['on-primary', 'primary-dark'],
  ['on-primary', 'debit'],
  ['credit', 'bg'],
  ['debit', 'bg'],
  ['error', 'bg'],
  ['ok', 'bg'],
  ['text', 'error-bg'],
  ['text', 'ok-bg'],
  ['text', 'warn-bg'],
];
/** Borders and focus rings: WCAG 1.4.11 asks 3:1 for user-interface components. */
const UI_PAIRS: [string, string][] = [
  ['border', 'bg'],
  ['focus', 'bg'],
  ['error', 'bg'],
];

describe('colour contrast (WCAG AA)', () => {
  it('reads the palette', () => {
    expect(Object.keys(palette).length).toBeGreaterThan(10);
    expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrast('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
  });

  it.each(TEXT_PAIRS)('text %s on %s is at least 4.5:1', (fg, bg) => {
    expect(contrast(palette[fg] as string, palette[bg] as string)).toBeGreaterThanOrEqual(4.5);
  });

  it.each(UI_PAIRS)('component %s on %s is at least 3:1', (fg, bg) => {
    expect(contrast(palette[fg] as string, palette[bg] as string)).toBeGreaterThanOrEqual(3);
  });
});
