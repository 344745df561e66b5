/**
 * The deployed page's two Content-Security-Policies, in Chromium: CloudFront's header names the API
 * by a host pattern, and index.html as the deployment writes it (infra/csp.ts) carries a meta naming
 * the API's exact origin. A browser enforces both, so the page may reach its own origin and the API,
 * and nothing else the pattern would let through. Here the pattern is every port of 127.0.0.1: the
 * "API" is one port, and another port stands for any other API in the region.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { contentSecurityPolicy, withExactConnectSrc } from '../../infra/csp.ts';
import { useBrowser } from './browser.ts';

const browser = useBrowser();
const BUILT_INDEX = readFileSync(new URL('../dist/index.html', import.meta.url), 'utf8');

const listen = async (server: Server): Promise<string> => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

/** An origin that answers any fetch, from any page (CORS `*`). */
const apiLike = () =>
  createServer((_req, res) => {
    res.writeHead(200, { 'access-control-allow-origin': '*', 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });

let api: string;
let other: string;
let page: string;
let html = '';
const servers: Server[] = [];

beforeAll(async () => {
  const [a, b] = [apiLike(), apiLike()];
  // The page's server: index.html (as set by each test) under the header CloudFront sends; the app's
  // assets are not served, since only the page's policies are under test.
  const p = createServer((req, res) => {
    if (req.url !== '/') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': contentSecurityPolicy('http://127.0.0.1:*'),
    });
    res.end(html);
  });
  servers.push(a, b, p);
  api = await listen(a);
  other = await listen(b);
  page = await listen(p);
});

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
});

/** What a fetch from the page to each URL came to, and the CSP violations it reported. */
const fetchesFrom = async (index: string, urls: string[]) => {
  html = index;
  const context = await browser().newContext();
  try {
    const tab = await context.newPage();
    await tab.goto(`${page}/`);
    return await tab.evaluate(async (targets) => {
      const violations: string[] = [];
      document.addEventListener('securitypolicyviolation', (e) =>
        violations.push(`${e.effectiveDirective} ${e.blockedURI} by "${e.originalPolicy}"`),
      );
      const outcomes: string[] = [];
      for (const url of targets) {
        outcomes.push(
          await fetch(url).then(
            (r) => `${r.status}`,
            () => 'refused',
          ),
        );
      }
      // Violation events are queued as tasks: let them arrive.
      await new Promise((resolve) => setTimeout(resolve, 0));
      return { outcomes, violations };
    }, urls);
  } finally {
    await context.close();
  }
};

it('lets the deployed page reach the API it names, and refuses another host the header allows', async () => {
  const deployed = withExactConnectSrc(BUILT_INDEX, api);
  const { outcomes, violations } = await fetchesFrom(deployed, [
    `${api}/v1/accounts`,
    `${other}/v1/accounts`,
  ]);
  expect(outcomes).toEqual(['200', 'refused']);
  expect(violations).toEqual([`connect-src ${other}/v1/accounts by "connect-src 'self' ${api}"`]);
});

it('without the meta, the header alone lets the page reach any host its pattern matches', async () => {
  const { outcomes, violations } = await fetchesFrom(BUILT_INDEX, [
    `${api}/v1/accounts`,
    `${other}/v1/accounts`,
  ]);
  expect(outcomes).toEqual(['200', '200']);
  expect(violations).toEqual([]);
});
