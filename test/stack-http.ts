/**
 * JSON calls to a started stack (`startStack`) as a signed-in customer, for the whole-stack tests.
 * `as` is the caller's access token (the file's default customer when not given; '' for none).
 */
export interface StackHttp {
  post: (
    path: string,
    body: unknown,
    headers?: Record<string, string>,
    as?: string,
    // biome-ignore lint/suspicious/noExplicitAny: a JSON body whose shape each test asserts
  ) => Promise<{ status: number; headers: Headers; body: any }>;
  // biome-ignore lint/suspicious/noExplicitAny: a JSON body whose shape each test asserts
  get: (path: string, as?: string) => Promise<any>;
}

export const stackHttp = (baseUrl: () => string, defaultToken: () => string): StackHttp => ({
  post: async (path, body, headers = {}, as = defaultToken()) => {
    const r = await fetch(`${baseUrl()}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(as ? { authorization: `Bearer ${as}` } : {}),
        ...headers,
      },
      body: JSON.stringify(body),
    });
    return { status: r.status, headers: r.headers, body: await r.json() };
  },
  get: async (path, as = defaultToken()) =>
    (await fetch(`${baseUrl()}${path}`, { headers: { authorization: `Bearer ${as}` } })).json(),
});
