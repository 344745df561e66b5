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

/** How many times a request is sent when each try meets a kept-alive connection closed by the server. */
const STALE_SOCKET_TRIES = 3;

/** A reset of a reused connection before any answer: the server closed it as idle; nothing was read. */
class StaleSocket extends Error {
  constructor(override readonly cause: Error) {
    super(cause.message);
  }
}

export class RawClient {
  private readonly agent: Agent;
  private readonly url: URL;

  constructor(baseUrl: string, opts: { maxSockets?: number } = {}) {
    this.url = new URL(baseUrl);
    this.agent = new Agent({ keepAlive: true, maxSockets: opts.maxSockets ?? 16 });
  }

  /**
   * Sends `req`; `fresh` uses a connection of its own (not a kept-alive one).
   *
   * A kept-alive connection the server closed as idle (Node's server does after 5 s) just as the
   * request went out on it is reset before the server read anything: the request is sent again, on
   * another connection, as Node's documentation advises (`request.reusedSocket`). A reset of a new
   * connection, or after an answer began, is the caller's to see; so is the first reset when sending
   * again fails too.
   */
  async send(req: Sent, opts: { fresh?: boolean } = {}): Promise<Received> {
    let first: Error | undefined;
    for (let tries = 1; ; tries++) {
      try {
        return await this.once(req, opts);
      } catch (e) {
        const reset = e instanceof StaleSocket ? e.cause : (e as Error);
        // A server that went away (killed mid-request) may have read it before: whatever the tries
        // after it met, the caller sees the first reset, as it would have without them.
        first ??= e instanceof StaleSocket ? reset : undefined;
        if (!(e instanceof StaleSocket) || tries >= STALE_SOCKET_TRIES) throw first ?? reset;
      }
    }
  }

  private once(req: Sent, opts: { fresh?: boolean }): Promise<Received> {
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
      let answered = false;
      r.on('response', () => {
        answered = true;
      });
      r.on('error', (e: NodeJS.ErrnoException) =>
        reject(r.reusedSocket && !answered && e.code === 'ECONNRESET' ? new StaleSocket(e) : e),
      );
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
