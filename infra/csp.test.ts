import { describe, expect, it } from 'vitest';
import { connectSrcMeta, withExactConnectSrc } from './csp.ts';

const API = 'https://abc123.execute-api.eu-west-1.amazonaws.com';
const VITE_INDEX = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Serverless Bank</title>
    <script type="module" crossorigin src="/assets/index-x.js"></script>
    <link rel="stylesheet" crossorigin href="/assets/style-x.css">
  </head>
  <body><div id="app"></div></body>
</html>`;

describe('index.html as deployed (withExactConnectSrc)', () => {
  it('puts the connect-src meta right after <meta charset>, before anything that loads', () => {
    const html = withExactConnectSrc(VITE_INDEX, API);
    const meta = html.indexOf(connectSrcMeta(API));
    expect(meta).toBeGreaterThan(html.indexOf('<meta charset="utf-8" />'));
    expect(meta).toBeLessThan(html.indexOf('<meta name="viewport"'));
    expect(meta).toBeLessThan(html.indexOf('<script'));
    expect(html.replace(`\n    ${connectSrcMeta(API)}`, '')).toBe(VITE_INDEX);
    expect(connectSrcMeta(API)).toBe(
      `<meta http-equiv="Content-Security-Policy" content="connect-src 'self' ${API}" />`,
    );
  });

  it('falls back to right after <head> when there is no <meta charset>', () => {
    const html = withExactConnectSrc('<html><head><title>t</title></head></html>', API);
    expect(html).toBe(`<html><head>\n    ${connectSrcMeta(API)}<title>t</title></head></html>`);
  });

  it('refuses a page it cannot cover: no <head>, a <meta charset> that is not first in it, or a load before it', () => {
    expect(() => withExactConnectSrc('<!doctype html><title>t</title>', API)).toThrow(/no <head>/);
    // A <head> only in a comment is none.
    expect(() => withExactConnectSrc('<!-- <head> --><title>t</title>', API)).toThrow(/no <head>/);
    for (const html of [
      '<html><head><script src="/a.js"></script><meta charset="utf-8"></head>',
      // In <noscript> or <template> a meta is no policy, and in the body neither.
      '<html><head><noscript><meta charset="utf-8"></noscript></head>',
      '<html><head><template><meta charset="utf-8"></template></head>',
      '<html><head><title>t</title></head><body><meta charset="utf-8"></body>',
    ])
      expect(() => withExactConnectSrc(html, API), html).toThrow(/not the first thing in its <head>/);
    expect(() =>
      withExactConnectSrc('<!doctype html><script src="/a.js"></script><html><head><title>t</title>', API),
    ).toThrow(/loads something before its <head>/);
  });

  it('takes no tag in a comment for one: the meta goes in the real <head>, after its real <meta charset>', () => {
    const meta = `\n    ${connectSrcMeta(API)}`;
    expect(
      withExactConnectSrc('<!-- <meta charset="utf-8"> --><html><HEAD lang="x"><title>t</title>', API),
    ).toBe(`<!-- <meta charset="utf-8"> --><html><HEAD lang="x">${meta}<title>t</title>`);
    expect(
      withExactConnectSrc(
        '<!-- <head> --><html><head><!-- c --> <meta charset="utf-8"><title>t</title>',
        API,
      ),
    ).toBe(`<!-- <head> --><html><head><!-- c --> <meta charset="utf-8">${meta}<title>t</title>`);
    // A <header> is not a <head>; a comment never closed hides the rest.
    expect(() => withExactConnectSrc('<html><!-- <head><body><header>x</header>', API)).toThrow(/no <head>/);
  });
});
