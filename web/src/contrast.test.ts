import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { contrast, darkPaletteOf, paletteOf } from './contrast.ts';

const css = readFileSync(new URL('./styles.css', import.meta.url), 'utf8');
const themes = { light: paletteOf(css), dark: darkPaletteOf(css) };
const palette = themes.light;

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
  ['muted', 'error-bg'],
  ['muted', 'ok-bg'],
  ['muted', 'warn-bg'],
];
/** Borders and focus rings: WCAG 1.4.11 asks 3:1 for user-interface components. */
const UI_PAIRS: [string, string][] = [
  ['border', 'bg'],
  ['focus', 'bg'],
  ['error', 'bg'],
  ['warn', 'bg'],
  ['border', 'surface'],
  ['focus', 'surface'],
];

describe('colour contrast (WCAG AA)', () => {
  it('reads the palette', () => {
    expect(Object.keys(palette).length).toBeGreaterThan(10);
    expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrast('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
  });

  it('has a dark theme that sets every colour of the light one, each to a different value', () => {
    expect(Object.keys(themes.dark).sort()).toEqual(Object.keys(themes.light).sort());
    for (const [name, light] of Object.entries(themes.light)) {
      expect(themes.dark[name], name).not.toBe(light);
    }
  });

  describe.each(Object.entries(themes))('%s theme', (_theme, colours) => {
    it.each(TEXT_PAIRS)('text %s on %s is at least 4.5:1', (fg, bg) => {
      expect(contrast(colours[fg] as string, colours[bg] as string)).toBeGreaterThanOrEqual(4.5);
    });

    it.each(UI_PAIRS)('component %s on %s is at least 3:1', (fg, bg) => {
      expect(contrast(colours[fg] as string, colours[bg] as string)).toBeGreaterThanOrEqual(3);
    });
  });
});
