/** WCAG 2.x relative luminance and contrast ratio, for checking the palette. */
const channel = (c: number): number => {
  const s = c / 255;
  return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
};

export const luminance = (hex: string): number => {
  const m = /^#([0-9a-f]{6})$/i.exec(hex);
  if (!m?.[1]) throw new Error(`not a #rrggbb colour: ${hex}`);
  const n = Number.parseInt(m[1], 16);
  return 0.2126 * channel((n >> 16) & 255) + 0.7152 * channel((n >> 8) & 255) + 0.0722 * channel(n & 255);
};

export const contrast = (a: string, b: string): number => {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
};

const colours = (block: string): Record<string, string> =>
  Object.fromEntries(
    [...block.matchAll(/--color-([\w-]+):\s*(#[0-9a-fA-F]{6})\s*;/g)].map((m) => [m[1], m[2]]),
  );

/** The `--color-*` custom properties declared in a stylesheet's first `:root` (the light theme). */
export const paletteOf = (css: string): Record<string, string> =>
  colours(/:root\s*\{([^}]*)\}/.exec(css)?.[1] ?? '');

/**
 * The dark theme: the light palette with the `:root` inside `@media (prefers-color-scheme: dark)`
 * laid over it (a colour the dark theme does not set keeps its light value, and is checked as such).
 */
export const darkPaletteOf = (css: string): Record<string, string> => {
  const dark = /@media\s*\(prefers-color-scheme:\s*dark\)\s*\{\s*:root\s*\{([^}]*)\}/.exec(css)?.[1];
  if (dark === undefined) throw new Error('the stylesheet has no dark theme');
  return { ...paletteOf(css), ...colours(dark) };
};
