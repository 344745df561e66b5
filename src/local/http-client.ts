/**
 * A raw HTTP/1.1 client for a running local stack (node:http with keep-alive): every byte and header
 * sent is exactly what the caller gives, nothing is added, and the answer comes back whole. The bench
 * drives its load with it (cheaper per request than fetch) and the security tests send hostile
 * requests with it.
 */
import { Agent, request } from 'node:http';

export interface Sent {
  method: string;
  /** Already encoded: sent as is. */
  path: string;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
}

export interface Received {
  status: number;
  headers: Record<string, string>;
  text: string;
  /** The body parsed as JSON, or undefined when it is empty or not JSON. */
  // biome-ignore lint/suspicious/noExplicitAny: callers read answers of many shapes ad hoc
  json: any;
}

const parse = (text: string): unknown => {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
};

/** How long the local gateway keeps an idle kept-alive connection (Node's default, set there explicitly). */
export const GATEWAY_IDLE_MS = 5_000;

/**
 * How long the client keeps an idle connection: less than the local gateway's. A request sent on a
 * connection the server was closing at that moment would be reset, and the client could not tell
 * whether the server had read it; the client closes first, so that never happens. (Node's agent
 * ignores the server's `Keep-Alive: timeout=5` hint unless it is given an idle limit of its own.) A
 * request that takes longer keeps its connection: the limit only closes connections waiting in the pool.
 */
export const IDLE_MS = GATEWAY_IDLE_MS - 1_000;

export class RawClient {
  private readonly agent: Agent;
  private readonly url: URL;

  constructor(baseUrl: string, opts: { maxSockets?: number; idleMs?: number } = {}) {
    this.url = new URL(baseUrl);
    this.agent = new Agent({
      keepAlive: true,
      maxSockets: opts.maxSockets ?? 16,
      timeout: opts.idleMs ?? IDLE_MS,
    });
  }

  /** Sends `req`; `fresh` uses a connection of its own (not a kept-alive one). */
  send(req: Sent, opts: { fresh?: boolean } = {}): Promise<Received> {
    return new Promise((resolve, reject) => {
      const body = req.body === undefined ? undefined : Buffer.from(req.body);
      const r = request(
        {
          host: this.url.hostname,
          port: this.url.port,
          method: req.method,
          path: req.path,
          agent: opts.fresh ? false : this.agent,
          headers: { ...(body ? { 'content-length': String(body.length) } : {}), ...req.headers },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const headers: Record<string, string> = {};
            for (const [k, v] of Object.entries(res.headers)) {
              if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
            }
            resolve({ status: res.statusCode ?? 0, headers, text, json: parse(text) });
          });
        },
      );
      r.on('error', reject);
      r.end(body);
    });
  }

  /** A JSON request: `body` is serialised, `token` becomes a Bearer Authorization header. */
  call(
    method: string,
    path: string,
    opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Received> {
    return this.send({
      method,
      path,
      headers: {
        ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
        ...opts.headers,
      },
      ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
