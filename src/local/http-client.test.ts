/**
 * The raw client against a server that drops connections: a kept-alive connection closed under a
 * request (the server's idle timeout racing the client) is sent again; any other reset is not.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient } from './http-client.ts';

let server: Server | undefined;
let client: RawClient | undefined;
afterEach(async () => {
  client?.close();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
});

/**
 * A server that answers 200 with the request's number, and drops the connection (no answer) of the
 * requests `drop` picks, by their number and whether their connection served a request before.
 */
const serve = async (drop: (n: number, reused: boolean) => boolean, opts: { dieOnDrop?: boolean } = {}) => {
  const served = new WeakSet<Socket>();
  const seen: { n: number; reused: boolean }[] = [];
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const n = seen.length + 1;
    const reused = served.has(req.socket);
    seen.push({ n, reused });
    req.resume();
    req.on('end', () => {
      if (drop(n, reused)) {
        // A server killed under the request: it stops listening as the connection goes.
        if (opts.dieOnDrop) server?.close();
        req.socket.destroy();
        return;
      }
      served.add(req.socket);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ n }));
    });
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  client = new RawClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { maxSockets: 1 });
  return { client, seen };
};

describe('RawClient', () => {
  it('sends a request again when its kept-alive connection is closed under it, on a new one', async () => {
    // The second request goes out on the first one's connection, which the server then closes.
    const { client, seen } = await serve((n, reused) => n === 2 && reused);
    expect((await client.call('GET', '/one')).json).toEqual({ n: 1 });
    const again = await client.call('POST', '/two', { body: { amount: 1 } });
    expect(again).toMatchObject({ status: 200, json: { n: 3 } });
    expect(seen).toEqual([
      { n: 1, reused: false },
      { n: 2, reused: true },
      { n: 3, reused: false },
    ]);
  });

  it('sends again once only when the new connection is reset too', async () => {
    const { client, seen } = await serve((n) => n > 1);
    await client.call('GET', '/one');
    // The first try reuses the kept-alive connection; the second a new one, whose reset is an answer.
    await expect(client.call('GET', '/two')).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(seen.map((s) => s.reused)).toEqual([false, true, false]);
  });

  it('answers the reset, not the refusal, when the server went away under the request', async () => {
    const { client, seen } = await serve((n) => n === 2, { dieOnDrop: true });
    await client.call('GET', '/one');
    await expect(client.call('POST', '/two', { body: {} })).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(seen).toHaveLength(2);
  });

  it('does not send again a request whose new connection was reset', async () => {
    const { client, seen } = await serve(() => true);
    await expect(client.call('POST', '/once', { body: {} })).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(seen).toHaveLength(1);
  });
});
