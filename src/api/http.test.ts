import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { captureLogs } from '../../test/logs.ts';
import { recordingDynamo } from '../../test/recording-client.ts';
import { BankError } from '../domain/errors.ts';
import { currentDeadline } from '../store/retry.ts';
import { buildEvent } from './event.ts';
import { createHandler, deadlineOf, type Guard, MAX_BODY_BYTES, type Request } from './http.ts';
import { HTTP_API_TIMEOUT_MS } from './limits.ts';
import { routes as adminMoneyRoutes } from './routes/admin-money.ts';
import { routes as healthRoutes } from './routes/health.ts';
import { routes as moneyRoutes } from './routes/money.ts';
import { routeKey, routes } from './routes.ts';
import { Problem } from './schemas/problem.ts';

// The HTTP layer alone: the guard of token routes (src/handlers/gate.ts, which reads the table) is a
// stand-in that records whom it saw; src/handlers/admin.test.ts tests the real one.
const guarded: string[] = [];
const guard: Guard = async (g) => {
  guarded.push(`${g.caller.sub} ${g.route.operationId}`);
};

const seen: Request[] = [];
const ok = async (req: Request) => {
  seen.push(req);
  return { body: { ok: true } };
};
const handler = createHandler(moneyRoutes, { deposit: ok, withdraw: ok, transfer: ok } as never, { guard });
const boom = createHandler(healthRoutes, {
  health: async () => {
    throw new Error('ConnectionRefused: dynamodb at 10.0.0.7:8000 secret=hunter2');
  },
});

const user = { sub: 'u1', username: 'u1', client_id: 'c' };
const transferBody = {
  fromAccountId: '3f9a2b1c-6a43-4c1e-9a55-5b7f0e2d8c11',
  toAccountNumber: '4820193755',
  amount: 100,
  currency: 'USD',
};

/** A POST /v1/transfers event, as API Gateway gives it once the JWT authorizer has accepted `claims`. */
const transferEvent = (
  body: string | Buffer | undefined = JSON.stringify(transferBody),
  headers: Record<string, string> = {},
  claims: Record<string, string | number | boolean | string[]> = user,
) =>
  buildEvent({
    method: 'POST',
    path: '/v1/transfers',
    routeKey: routeKey(routes.transfer),
    headers: { 'content-type': 'application/json', 'idempotency-key': 'k-1', ...headers },
    ...(body === undefined ? {} : { body }),
    claims,
  });

const post = (body: string | Buffer | undefined, headers: Record<string, string> = {}) =>
  handler(transferEvent(body, headers));

const problem = (r: { headers: Record<string, string>; body?: string }) => {
  expect(r.headers['content-type']).toBe('application/problem+json');
  return JSON.parse(r.body ?? '{}');
};

afterEach(() => {
  seen.length = 0;
  guarded.length = 0;
});

describe('the HTTP layer', () => {
  it('passes a valid request through with the security headers', async () => {
    const r = await post(JSON.stringify(transferBody));
    expect(r.statusCode).toBe(201);
    expect(r.headers).toMatchObject({
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'content-type': 'application/json; charset=utf-8',
    });
    expect(r.headers['x-request-id']).toMatch(/.+/);
    expect(seen[0]?.idempotencyKey).toBe('k-1');
    expect(seen[0]?.caller).toEqual({ sub: 'u1', username: 'u1', clientId: 'c', issuedAt: 0, groups: [] });
  });

  it.each([
    ['[admin]', ['admin']],
    ['[admin tellers]', ['admin', 'tellers']],
    ['[]', []],
    ['[ops,admin]', ['ops,admin']],
  ])('reads the groups the authorizer renders as %s', async (rendered, groups) => {
    await handler(transferEvent(undefined, {}, { ...user, 'cognito:groups': rendered }));
    expect(seen[0]?.caller?.groups).toEqual(groups);
  });

  it('guards a staff route before the input is read: a refused caller learns nothing of what it takes', async () => {
    const staff = createHandler(adminMoneyRoutes, { freezeAccount: ok } as never, {
      guard: async () => {
        throw new BankError('forbidden');
      },
    });
    {
      const r = await staff(
        buildEvent({
          method: 'POST',
          path: '/v1/admin/accounts/x/freeze',
          routeKey: routeKey(routes.freezeAccount),
          pathParameters: { id: 'not-a-uuid' },
          headers: { 'content-type': 'application/json' },
          body: '{not json at all',
          claims: user,
        }),
      );
      expect(r.statusCode).toBe(403);
      expect(problem(r).code).toBe('forbidden');
      expect(seen).toEqual([]);
    }
  });

  it('guards a customer route once its input is valid (malformed input needs no table read)', async () => {
    const r = await post('{not json at all');
    expect(r.statusCode).toBe(400);
    expect(guarded).toEqual([]);
    await post(JSON.stringify(transferBody));
    expect(guarded).toEqual(['u1 transfer']);
  });

  describe("a customer route's guard runs beside its handler", () => {
    /** A guard held until the test lets it pass or refuse, and the handler's writes through a gated client. */
    const heldGuard = (handlerDoes: () => Promise<unknown>) => {
      let decide: (refusal?: BankError) => void = () => {};
      const started = { guard: false, handler: false };
      const h = createHandler(
        moneyRoutes,
        {
          transfer: (() => {
            started.handler = true;
            const done = handlerDoes();
            return done.then(() => ({ body: { ok: true } }));
          }) as never,
        } as never,
        {
          guard: () => {
            started.guard = true;
            return new Promise<void>((resolve, reject) => {
              decide = (refusal) => (refusal ? reject(refusal) : resolve());
            });
          },
        },
      );
      const answer = h(transferEvent());
      return { answer, started, decide: (refusal?: BankError) => decide(refusal) };
    };

    it('the handler starts, and reads, before the guard has decided; it is answered once the guard passes', async () => {
      const { client, sent } = recordingDynamo();
      let read = () => {};
      const readDone = new Promise<void>((r) => {
        read = r;
      });
      const { answer, started, decide } = heldGuard(async () => {
        await client.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' } } }));
        read();
        await client.send(new PutItemCommand({ TableName: 't', Item: { pk: { S: 'a' } } }));
      });
      await readDone;
      expect(started).toEqual({ guard: true, handler: true });
      expect(sent).toEqual(['GetItem']);
      decide();
      expect((await answer).statusCode).toBe(201);
      expect(sent).toEqual(['GetItem', 'PutItem']);
    });

    it('a refusal is answered at once, without waiting for the handler, whose write is then never sent', async () => {
      const { client, sent } = recordingDynamo();
      let release = () => {};
      const held = new Promise<void>((r) => {
        release = r;
      });
      let writeFailed: unknown;
      let handlerDone = () => {};
      const finished = new Promise<void>((r) => {
        handlerDone = r;
      });
      const { answer, decide } = heldGuard(async () => {
        await client.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' } } }));
        decide(new BankError('user_disabled', 'This login has been disabled by the bank'));
        // Still reading (a second look-up, say) when the refusal comes: the answer does not wait.
        await held;
        await client
          .send(new PutItemCommand({ TableName: 't', Item: { pk: { S: 'a' } } }))
          .catch((e: unknown) => {
            writeFailed = e;
          });
        handlerDone();
      });
      const r = await answer;
      expect(r.statusCode).toBe(403);
      expect(problem(r).code).toBe('user_disabled');
      release();
      await finished;
      expect(writeFailed).toMatchObject({ code: 'user_disabled' });
      expect(sent).toEqual(['GetItem']);
    });

    it('a refusal wins over a handler that throws before its first await', async () => {
      const { answer, decide } = heldGuard(() => {
        throw new BankError('not_found', 'No such account');
      });
      decide(new BankError('user_disabled', 'This login has been disabled by the bank'));
      expect(problem(await answer).code).toBe('user_disabled');
    });

    it("a refusal wins over the handler's own answer, a success or a refusal of its own", async () => {
      for (const outcome of ['success', 'not_found'] as const) {
        let finished = () => {};
        const handlerDone = new Promise<void>((r) => {
          finished = r;
        });
        const { answer, decide } = heldGuard(async () => {
          finished();
          if (outcome === 'not_found') throw new BankError('not_found', 'No such account');
        });
        await handlerDone;
        decide(new BankError('unauthorized', 'This session was signed out: log in again'));
        const r = await answer;
        expect(r.statusCode).toBe(401);
        expect(problem(r).code).toBe('unauthorized');
      }
    });
  });

  it('gives the same request the same fingerprint, and another body another one', async () => {
    await post(JSON.stringify(transferBody));
    await post(JSON.stringify({ ...transferBody }));
    await post(JSON.stringify({ ...transferBody, amount: 101 }));
    expect(seen[0]?.fingerprint).toBe(seen[1]?.fingerprint);
    expect(seen[2]?.fingerprint).not.toBe(seen[0]?.fingerprint);
  });

  it('answers 413 over 64 KB', async () => {
    const r = await post(JSON.stringify({ ...transferBody, description: 'x'.repeat(MAX_BODY_BYTES) }));
    expect(r.statusCode).toBe(413);
    expect(problem(r).code).toBe('payload_too_large');
  });

  it('answers 415 for another content type, or none', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonx']) {
      const r = await post(JSON.stringify(transferBody), { 'content-type': type });
      expect(r.statusCode).toBe(415);
      expect(problem(r).code).toBe('unsupported_media_type');
    }
    const r = await handler(
      buildEvent({
        method: 'POST',
        path: '/v1/transfers',
        routeKey: routeKey(routes.transfer),
        headers: { 'idempotency-key': 'k' },
        body: JSON.stringify(transferBody),
        claims: user,
      }),
    );
    expect(r.statusCode).toBe(415);
    expect(seen).toHaveLength(0);
  });

  it('accepts application/json with a charset', async () => {
    expect(
      (await post(JSON.stringify(transferBody), { 'content-type': 'application/json; charset=utf-8' }))
        .statusCode,
    ).toBe(201);
  });

  it.each([
    ['malformed JSON', '{"amount": 1,'],
    ['duplicate keys', '{"amount":1,"amount":100000000}'],
  ])('answers 400 malformed_json for %s', async (_, body) => {
    const r = await post(body);
    expect(r.statusCode).toBe(400);
    expect(problem(r).code).toBe('malformed_json');
    expect(seen).toHaveLength(0);
  });

  it('answers 400 malformed_json for a base64 body that is not UTF-8', async () => {
    const event = buildEvent({
      method: 'POST',
      path: '/v1/transfers',
      routeKey: routeKey(routes.transfer),
      headers: { 'content-type': 'application/json', 'idempotency-key': 'k' },
      claims: user,
    });
    event.body = Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]).toString('base64');
    event.isBase64Encoded = true;
    const r = await handler(event);
    expect(r.statusCode).toBe(400);
    expect(problem(r).code).toBe('malformed_json');
  });

  it('lists every validation error with its path, and rejects unknown fields', async () => {
    const r = await post(JSON.stringify({ ...transferBody, amount: 1.5, balance: 1e9, status: 'active' }));
    expect(r.statusCode).toBe(400);
    const p = problem(r);
    expect(p).toMatchObject({ status: 400, code: 'validation_failed', title: expect.any(String) });
    expect(p.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'body.amount' }),
        // Each unknown field at its own path, in words that do not echo it.
        { path: 'body.balance', message: 'Not a field of this request' },
        { path: 'body.status', message: 'Not a field of this request' },
      ]),
    );
  });

  it('bounds what a refusal says of unknown fields by the Problem schema, whatever was sent', async () => {
    // One unknown key of 5,000 characters: zod's own message repeats it whole (5 KB); and 300 of them.
    const long = await post(JSON.stringify({ ...transferBody, ['k'.repeat(5000)]: 1 }));
    const p = problem(long);
    expect(Problem.safeParse(p).error?.issues ?? []).toEqual([]);
    expect(p.errors).toEqual([{ path: `body.${'k'.repeat(251)}`, message: 'Not a field of this request' }]);
    const many = await post(
      JSON.stringify({
        ...transferBody,
        ...Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`x${i}`, 1])),
      }),
    );
    const q = problem(many);
    expect(Problem.safeParse(q).error?.issues ?? []).toEqual([]);
    expect(q.detail).toBe('The request is not valid: the first 100 of 300 errors');
  });

  it('refuses control and bidi characters in metadata values, as in a description', async () => {
    for (const value of ['INV\u202E2404', 'a\nb', 'a\u0000b']) {
      const r = await post(JSON.stringify({ ...transferBody, metadata: { invoice: value } }));
      expect(r.statusCode).toBe(400);
      expect(problem(r).errors).toEqual([
        { path: 'body.metadata.invoice', message: 'must not contain control characters' },
      ]);
    }
    expect(seen).toHaveLength(0);
    expect(
      (await post(JSON.stringify({ ...transferBody, metadata: { invoice: 'INV-42' } }))).statusCode,
    ).toBe(201);
  });

  it('requires the Idempotency-Key and checks its form', async () => {
    const missing = await handler(
      buildEvent({
        method: 'POST',
        path: '/v1/transfers',
        routeKey: routeKey(routes.transfer),
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(transferBody),
        claims: user,
      }),
    );
    expect(problem(missing).code).toBe('idempotency_key_required');
    for (const key of ['k'.repeat(256), 'clé', 'tab\there']) {
      const r = await post(JSON.stringify(transferBody), { 'idempotency-key': key });
      expect(r.statusCode).toBe(400);
      expect(problem(r).code).toBe('validation_failed');
    }
    expect(
      (await post(JSON.stringify(transferBody), { 'idempotency-key': 'k'.repeat(255) })).statusCode,
    ).toBe(201);
  });

  it('answers 401 without verified claims on an authenticated route', async () => {
    const r = await handler(
      buildEvent({
        method: 'POST',
        path: '/v1/transfers',
        routeKey: routeKey(routes.transfer),
        headers: { 'content-type': 'application/json', 'idempotency-key': 'k' },
        body: JSON.stringify(transferBody),
      }),
    );
    expect(r.statusCode).toBe(401);
    expect(seen).toHaveLength(0);
  });

  it('answers a route of another function with 404', async () => {
    const r = await handler(buildEvent({ method: 'GET', path: '/health', routeKey: 'GET /health' }));
    expect(r.statusCode).toBe(404);
  });

  it('refuses to build a handler whose token routes have no guard, or a table of two functions', () => {
    expect(() => createHandler(moneyRoutes, { deposit: ok } as never)).toThrow(/guard/);
    expect(() =>
      createHandler({ ...healthRoutes, ...moneyRoutes } as never, { health: ok } as never, { guard }),
    ).toThrow(/one function/);
    // A table of public routes only (health) needs none.
    expect(() => createHandler(healthRoutes, { health: ok } as never)).not.toThrow();
  });

  it('turns an unexpected error into a 500 with no internals, and logs it', async () => {
    const { result: r, logs } = await captureLogs(() =>
      boom(buildEvent({ method: 'GET', path: '/health', routeKey: 'GET /health' })),
    );
    expect(logs).toMatch(/"level":"ERROR","message":"unhandled error"/);
    expect(r.statusCode).toBe(500);
    const p = problem(r);
    expect(p.code).toBe('internal_error');
    expect(r.body).not.toMatch(/10\.0\.0\.7|hunter2|ConnectionRefused|at /);
  });
});

describe('a dependency that fails on its side', () => {
  const failing = (error: unknown) =>
    createHandler(healthRoutes, {
      health: async () => {
        throw error;
      },
    });
  const health = () => buildEvent({ method: 'GET', path: '/health', routeKey: 'GET /health' });
  const sdkError = (name: string, extra: Record<string, unknown>) =>
    Object.assign(new Error(`${name} at 10.0.0.7 secret=hunter2`), { name, ...extra });

  it('answers 503 service_unavailable with Retry-After for a 5xx, a throttle, a timeout or a broken connection, and logs it', async () => {
    for (const error of [
      sdkError('InternalServerError', { $fault: 'server', $metadata: { httpStatusCode: 500 } }),
      sdkError('InternalErrorException', { $fault: 'server', $metadata: { httpStatusCode: 500 } }),
      sdkError('ThrottlingException', { $fault: 'client', $retryable: { throttling: true } }),
      sdkError('TimeoutError', {}),
      sdkError('Error', { code: 'ECONNRESET' }),
    ]) {
      const { result: r, logs } = await captureLogs(() => failing(error)(health()));
      expect(r.statusCode, String((error as Error).name)).toBe(503);
      expect(problem(r).code).toBe('service_unavailable');
      expect(r.headers?.['retry-after']).toBe('1');
      expect(r.body).not.toMatch(/10\.0\.0\.7|hunter2/);
      expect(logs).toMatch(/"level":"ERROR","message":"dependency unavailable"/);
    }
  });

  it('keeps a client fault (a request of ours the service refused) a 500: it is a bug, not an outage', async () => {
    const error = sdkError('ValidationException', { $fault: 'client', $metadata: { httpStatusCode: 400 } });
    const { result: r } = await captureLogs(() => failing(error)(health()));
    expect(r.statusCode).toBe(500);
    expect(problem(r).code).toBe('internal_error');
  });
});

describe("the handler's deadline", () => {
  const context = (remainingMs: number) =>
    ({ getRemainingTimeInMillis: () => remainingMs, awsRequestId: 'r' }) as unknown as Context;

  it("is API Gateway's when the request waited long enough (a cold start) for it to come first", () => {
    const now = 1_000_000;
    const event = (arrived: number) => ({ requestContext: { timeEpoch: arrived } }) as APIGatewayProxyEventV2;
    // Arrived 5 s ago (init), 29 s left of the Lambda's timeout: API Gateway stops waiting in 25 s.
    expect(deadlineOf(event(now - 5_000), context(29_000), now)).toBe(now - 5_000 + HTTP_API_TIMEOUT_MS);
    // Arrived just now: the Lambda's own deadline comes first.
    expect(deadlineOf(event(now), context(10_000), now)).toBe(now + 10_000);
    // No arrival time: the Lambda's.
    expect(deadlineOf({ requestContext: {} } as APIGatewayProxyEventV2, context(29_000), now)).toBe(
      now + 29_000,
    );
  });

  it('is the one the stores retry within (src/store/retry.ts)', async () => {
    let seen: number | undefined;
    const handler = createHandler(healthRoutes, {
      health: async () => {
        seen = currentDeadline();
        return { body: { status: 'ok' } } as never;
      },
    });
    const e = buildEvent({ method: 'GET', path: '/health', routeKey: 'GET /health' });
    const arrived = Date.now() - 20_000;
    await handler({ ...e, requestContext: { ...e.requestContext, timeEpoch: arrived } }, context(29_000));
    expect(seen).toBe(arrived + HTTP_API_TIMEOUT_MS);
  });
});

describe('request logs', () => {
  it('carry their own request id even when requests overlap in one process', async () => {
    const ids = Array.from({ length: 8 }, (_, i) => `req-${i}`);
    // No request answers before every one of them has started: they all overlap.
    let release!: () => void;
    const allStarted = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started = 0;
    const slow = createHandler(healthRoutes, {
      health: async () => {
        if (++started === ids.length) release();
        await allStarted;
        return { body: { status: 'ok' } };
      },
    });
    const { logs } = await captureLogs(() =>
      Promise.all(
        ids.map((requestId) =>
          slow(buildEvent({ method: 'GET', path: '/health', routeKey: 'GET /health', requestId })),
        ),
      ),
    );
    const lines = logs
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.requestId).sort()).toEqual(ids);
    for (const l of lines) expect(l).toMatchObject({ message: 'request', status: 200, route: 'GET /health' });
  });

  it('name the error code of a refused request', async () => {
    const { logs } = await captureLogs(() => post('{"amount":'));
    const line = JSON.parse(logs.trim().split('\n').pop() as string);
    expect(line).toMatchObject({ message: 'request', status: 400, errorCode: 'malformed_json' });
  });
});
