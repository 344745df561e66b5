/**
 * The raw client's kept-alive connections: it closes an idle one itself, before a server's own idle
 * limit could close it under a request; a request slower than that limit keeps its connection.
 */
import { once } from 'node:events';
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

/** The client's idle limit in these tests (its default is 4 s). */
const IDLE = 50;

/**
 * A server that never closes an idle connection itself (so a closed one was closed by the client),
 * answering 200 with the request's number and its connection's number, once `hold` (if any) resolves.
 */
const serve = async (hold?: () => Promise<unknown>) => {
  const connections: Socket[] = [];
  server = createServer({ keepAliveTimeout: 0 }, (req: IncomingMessage, res: ServerResponse) => {
    if (!connections.includes(req.socket)) connections.push(req.socket);
    const n = { request: ++requests, connection: connections.indexOf(req.socket) + 1 };
    req.resume();
    req.on('end', async () => {
      await hold?.();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(n));
    });
  });
  let requests = 0;
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  client = new RawClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, {
    maxSockets: 1,
    idleMs: IDLE,
  });
  return { client, connections };
};

describe('RawClient', () => {
  it('keeps a connection for the next request while it is not idle', async () => {
    const { client } = await serve();
    expect((await client.call('GET', '/one')).json).toEqual({ request: 1, connection: 1 });
    expect((await client.call('GET', '/two')).json).toEqual({ request: 2, connection: 1 });
  });

  it('closes an idle connection itself, and the next request opens another', async () => {
    const { client, connections } = await serve();
    await client.call('GET', '/one');
    // The server keeps idle connections open for good: this close is the client's.
    await once(connections[0] as Socket, 'close');
    expect((await client.call('POST', '/two', { body: {} })).json).toEqual({ request: 2, connection: 2 });
  });

  it('keeps the connection of a request slower than the idle limit, and answers it', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => {
      release = r;
    });
    const { client, connections } = await serve(() => held);
    const answer = client.call('GET', '/slow');
    await once(server as Server, 'request');
    // Four idle limits pass with the request waiting for its answer (a fixture's wait: nothing reads it).
    setTimeout(release, IDLE * 4);
    expect((await answer).json).toEqual({ request: 1, connection: 1 });
    expect(connections[0]?.destroyed).toBe(false);
  });
});
