/**
 * Static content of the local gateway: the built web client (web/dist, with SPA fallback) and the
 * interactive API reference (/docs, swagger-ui-dist from node_modules), with browser security headers.
 */
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WEB_PAGE_HEADERS } from '../api/headers.ts';
import type { HttpResponse } from './lambda-event.ts';

const require = createRequire(import.meta.url);

export const WEB_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";
/** Swagger UI sets inline style attributes; scripts stay 'self' only. */
export const DOCS_CSP = WEB_CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'");

export const pageHeaders = (csp: string): Record<string, string> => ({
  'content-security-policy': csp,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  ...WEB_PAGE_HEADERS,
});

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
};

const fileResponse = (body: Buffer, file: string, csp: string, cacheControl: string): HttpResponse => ({
  status: 200,
  headers: {
    'content-type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'cache-control': cacheControl,
    ...pageHeaders(csp),
  },
  body,
});

const readIfFile = async (file: string): Promise<Buffer | undefined> => {
  try {
    return (await stat(file)).isFile() ? await readFile(file) : undefined;
  } catch {
    return undefined;
  }
};

/** The file under `root` for a URL path; never outside `root`, never a dotfile. */
export const resolveUnder = (root: string, urlPath: string): string | undefined => {
  let path: string;
  try {
    path = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (path.includes('\0') || path.split('/').some((seg) => seg.startsWith('.'))) return undefined;
  const base = resolve(root);
  const file = resolve(base, `.${path.endsWith('/') ? `${path}index.html` : path}`);
  return file.startsWith(base + sep) ? file : undefined;
};

/** Hashed build assets never change; everything else is revalidated. */
const cacheControlFor = (urlPath: string): string =>
  urlPath.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';

export const PLACEHOLDER_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Serverless Bank</title></head>
<body><h1>Serverless Bank</h1>
<p>The API is running. The web client is not built yet: run <code>npm run build:web</code> and reload.</p>
<p>API reference: <a href="/docs">/docs</a></p></body></html>
`;

/** A file of the web client, the SPA's index.html for an HTML navigation, or undefined. */
export const serveWeb = async (
  webDir: string,
  urlPath: string,
  acceptsHtml: boolean,
): Promise<HttpResponse | undefined> => {
  const file = resolveUnder(webDir, urlPath);
  const body = file && (await readIfFile(file));
  if (file && body) return fileResponse(body, file, WEB_CSP, cacheControlFor(urlPath));
  if (!acceptsHtml) return undefined;
  const index = join(webDir, 'index.html');
  const html = await readIfFile(index);
  if (html) return fileResponse(html, index, WEB_CSP, 'no-cache');
  return fileResponse(Buffer.from(PLACEHOLDER_HTML), 'placeholder.html', WEB_CSP, 'no-store');
};

const DOCS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'docs');
const SWAGGER_DIR = dirname(require.resolve('swagger-ui-dist/package.json'));
/** The only files /docs serves: our page and init script, and Swagger UI's bundle and stylesheet. */
const DOCS_FILES: Record<string, string> = {
  '/docs': join(DOCS_DIR, 'index.html'),
  '/docs/': join(DOCS_DIR, 'index.html'),
  '/docs/init.js': join(DOCS_DIR, 'init.js'),
  '/docs/swagger-ui.css': join(SWAGGER_DIR, 'swagger-ui.css'),
  '/docs/swagger-ui-bundle.js': join(SWAGGER_DIR, 'swagger-ui-bundle.js'),
  '/docs/favicon.png': join(SWAGGER_DIR, 'favicon-32x32.png'),
};

export const serveDocs = async (urlPath: string): Promise<HttpResponse | undefined> => {
  const file = DOCS_FILES[urlPath];
  const body = file && (await readIfFile(file));
  return file && body ? fileResponse(body, file, DOCS_CSP, 'no-cache') : undefined;
};
