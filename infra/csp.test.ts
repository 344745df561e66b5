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

  it('refuses a page it cannot cover: no <head>, or a script before <meta charset>', () => {
    expect(() => withExactConnectSrc('<!doctype html><title>t</title>', API)).toThrow(/no <head>/);
    expect(() =>
      withExactConnectSrc('<html><head><script src="/a.js"></script><meta charset="utf-8"></head>', API),
    ).toThrow(/loads something before/);
  });
});
