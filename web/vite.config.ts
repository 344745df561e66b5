/**
 * The web client build. Root is web/; the output goes to web/dist, which the local gateway serves and
 * the CDK app uploads. The page must run under `script-src 'self'; style-src 'self'`: no inline script
 * or style, so the module-preload polyfill (which Vite would inline) is off and assets are files.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
/** `npm run dev:web` can proxy the API to a running `npm start`: BANK_API_URL=http://localhost:3000 */
const api = process.env.BANK_API_URL;

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    cssCodeSplit: false,
    // Read by `npm run size` (scripts/web-size.ts) to tell the first screen's chunks from the lazy ones.
    manifest: true,
    sourcemap: false,
  },
  server: {
    fs: { allow: [repoRoot] },
    ...(api ? { proxy: { '/v1': api, '/config.json': api, '/health': api } } : {}),
  },
});
