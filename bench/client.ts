/**
 * The bench's HTTP client for the local API: the local stack's raw client (node:http with keep-alive,
 * cheaper per request than fetch, so the load generator takes less of the machine's CPU from the
 * stack it measures), answering with the status and the body.
 */
import { RawClient } from '../src/local/http-client.ts';

export interface Reply {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers of several shapes
  body: any;
}

export class ApiClient {
  private readonly raw: RawClient;

  constructor(baseUrl: string) {
    this.raw = new RawClient(baseUrl, { maxSockets: 512 });
  }

  async send(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Reply> {
    const r = await this.raw.call(method, path, opts);
    // JSON parsed; any other text kept as it is; nothing for an empty body.
    return { status: r.status, body: r.text === '' ? undefined : r.json !== undefined ? r.json : r.text };
  }

  close(): void {
    this.raw.close();
  }
}

/** Fails with the status and problem detail unless the answer has the expected status. */
export const expectStatus = (r: Reply, status: number, what: string): Reply => {
  if (r.status !== status) {
    throw new Error(`${what}: expected ${status}, got ${r.status} ${JSON.stringify(r.body)}`);
  }
  return r;
};
