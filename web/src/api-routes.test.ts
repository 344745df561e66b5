/**
 * The web client writes its API calls by hand (method and path); this checks each one against the
 * route table (src/api/routes.ts), so a client call to a route that does not exist, or with the wrong
 * method, fails here rather than in a browser.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { routeList } from '../../src/api/routes.ts';

const SRC = fileURLToPath(new URL('.', import.meta.url));

const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? files(join(dir, e.name))
      : /\.tsx?$/.test(e.name) && !e.name.includes('.test.')
        ? [join(dir, e.name)]
        : [],
  );

/** `/v1/accounts/${encodeURIComponent(id)}/deposits?x` -> `/v1/accounts/{}/deposits`. */
const shape = (path: string): string => path.replace(/\$\{[^}]*\}/g, '{}').replace(/\{[^}]*\}/g, '{}');

const clientCalls = (source: string): string[] => {
  const calls: string[] = [];
  for (const m of source.matchAll(/'(GET|POST|PUT|DELETE)',\s*[`'](\/v1\/[^`'?]*)/g)) {
    calls.push(`${m[1]} ${shape(m[2] as string)}`);
  }
  for (const m of source.matchAll(/#public<[^>]*>\(\s*'(\/v1\/[^']*)'/g)) calls.push(`POST ${m[1]}`);
  return calls;
};

describe('the web client calls only routes the API has', () => {
  const known = new Set(routeList.map((r) => `${r.method} ${shape(r.path)}`));
  const calls = files(SRC).flatMap((f) => clientCalls(readFileSync(f, 'utf8')).map((c) => ({ c, f })));

  it('finds the calls', () => {
    expect(calls.length).toBeGreaterThan(25);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: source text, as the scan reads it
    expect(clientCalls("request('PUT', `/v1/a/${enc(id)}/b?x=1`)")).toEqual(['PUT /v1/a/{}/b']);
    expect(clientCalls("#public<void>('/v1/auth/confirm', body)")).toEqual(['POST /v1/auth/confirm']);
  });

  it('has a route for every call', () => {
    const missing = calls.filter(({ c }) => !known.has(c)).map(({ c, f }) => `${c} (${f})`);
    expect(missing).toEqual([]);
  });
});
