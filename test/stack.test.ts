/**
 * `npm start` as a user runs it: two stacks side by side on their own ports and data directories,
 * each with its own emulators, and a clean stop on SIGINT and SIGTERM with nothing left running.
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { freePort } from '../src/local/ports.ts';
import { type StartedStack, startStack } from './harness.ts';

let a: StartedStack;
let b: StartedStack;
beforeAll(async () => {
  [a, b] = await Promise.all([startStack(), startStack()]);
}, 180_000);
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
}, 60_000);

const post = (stack: StartedStack, path: string, body: unknown) =>
  fetch(`${stack.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('two stacks side by side', () => {
  it('run on their own ports, data directories and emulators', async () => {
    expect(a.port).not.toBe(b.port);
    expect(a.dataDir).not.toBe(b.dataDir);
    const [sa, sb] = await Promise.all(
      [a, b].map(async (s) => JSON.parse(await readFile(join(s.dataDir, 'stack.json'), 'utf8'))),
    );
    for (const [stack, file] of [
      [a, sa],
      [b, sb],
    ] as const) {
      expect(file).toMatchObject({
        apiUrl: stack.baseUrl,
        port: stack.port,
        pid: expect.any(Number),
        tableName: expect.any(String),
        userPoolId: expect.any(String),
        userPoolClientId: expect.any(String),
        region: 'us-east-1',
        dataDir: stack.dataDir,
      });
    }
    expect(sa.dynamodbEndpoint).not.toBe(sb.dynamodbEndpoint);
    expect(sa.cognitoEndpoint).not.toBe(sb.cognitoEndpoint);
  });

  it('keep their users apart', async () => {
    const user = { email: `side-${Date.now()}@example.com`, password: 'Side-By-Side-2026!', name: 'Side' };
    expect((await post(a, '/v1/auth/register', user)).status).toBe(201);
    const credentials = { email: user.email, password: user.password };
    expect((await post(a, '/v1/auth/login', credentials)).status).toBe(200);
    const elsewhere = await post(b, '/v1/auth/login', credentials);
    expect(elsewhere.status).toBe(401);
    expect((await elsewhere.json()).code).toBe('invalid_credentials');
  });

  it('serve their runtime config and the API reference', async () => {
    const cfg = await (await fetch(`${a.baseUrl}/config.json`)).json();
    const file = JSON.parse(await readFile(join(a.dataDir, 'stack.json'), 'utf8'));
    expect(cfg).toEqual({
      apiBaseUrl: '',
      region: 'us-east-1',
      userPoolId: file.userPoolId,
      userPoolClientId: file.userPoolClientId,
      idleTimeoutSeconds: 900,
      // The offline stand-in, BANK_SUPPORT_CONTACT unset.
      supportContact: 'support@bank.local',
    });
    expect((await fetch(`${a.baseUrl}/docs`)).status).toBe(200);
    expect((await (await fetch(`${a.baseUrl}/openapi.json`)).json()).openapi).toBe('3.1.0');
  });
});

describe('the harness', () => {
  it('does not take another server on its port for its stack', async () => {
    // Another stack that took the port first answers /health 200 too; its answer is not ours.
    const other = createServer((_q, r) => r.end('{"status":"ok"}'));
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const { port } = other.address() as { port: number };
    try {
      await expect(startStack({ port, timeoutMs: 60_000 })).rejects.toThrow(
        /cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/,
      );
    } finally {
      other.close();
    }
  }, 90_000);

  it('starts on another port when the one it picked is taken before the gateway binds it', async () => {
    const other = createServer((_q, r) => r.end('{"status":"ok"}'));
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const { port: taken } = other.address() as { port: number };
    const picks: number[] = [];
    // The first pick is a port another server took after we picked it (the race, made certain).
    const pickPort = async () => {
      const port = picks.length === 0 ? taken : await freePort();
      picks.push(port);
      return port;
    };
    const stack = await startStack({ pickPort });
    try {
      expect(picks).toHaveLength(2);
      expect(stack.port).toBe(picks[1]);
      expect(stack.output()).toMatch(/cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/);
      // Our stack answers there: its runtime config names its own user pool.
      const cfg = await (await fetch(`${stack.baseUrl}/config.json`)).json();
      const file = JSON.parse(await readFile(join(stack.dataDir, 'stack.json'), 'utf8'));
      expect(cfg.userPoolId).toBe(file.userPoolId);
    } finally {
      await stack.stop();
      other.close();
    }
  }, 180_000);
});

describe('restarting', () => {
  it('comes back on another port when its own was taken while it was down', async () => {
    const stack = await startStack();
    const other = createServer((_q, r) => r.end('{"status":"ok"}'));
    try {
      const first = stack.port;
      await stack.stop();
      // Taken by this server. Something else may hold it a moment first (a connection's local port):
      // the server tries again until it has it, so the restart certainly finds it taken.
      await vi.waitFor(
        () =>
          new Promise<void>((resolve, reject) => {
            other.once('error', reject);
            other.listen(first, '127.0.0.1', () => {
              other.off('error', reject);
              resolve();
            });
          }),
        { timeout: 20_000, interval: 100 },
      );
      await stack.restart();
      expect(stack.port).not.toBe(first);
      expect(stack.baseUrl).toBe(`http://127.0.0.1:${stack.port}`);
      expect(stack.output()).toMatch(/cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/);
      // Our stack answers there, on the same data: its runtime config names its own user pool.
      const cfg = await (await fetch(`${stack.baseUrl}/config.json`)).json();
      const file = JSON.parse(await readFile(join(stack.dataDir, 'stack.json'), 'utf8'));
      expect(cfg.userPoolId).toBe(file.userPoolId);
    } finally {
      await stack.stop();
      other.close();
    }
  }, 240_000);
});

describe('stopping', () => {
  // The signal goes to the whole process group, as Ctrl+C does. npm's `sh -c` dies of it at once,
  // so npm's own exit status says nothing about ours: the stack reports its exit code in its log.
  it.each(['SIGINT', 'SIGTERM'] as const)(
    'on %s exits 0 with nothing left running',
    async (signal) => {
      const stack = await startStack();
      await stack.stop(signal);
      expect(stack.output()).toContain(`stopping (${signal})`);
      expect(stack.output()).toContain('stopped (exit 0)');
    },
    120_000,
  );
});
