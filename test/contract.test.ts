/**
 * The contract test: every route driven over HTTP through the local gateway (real handlers, real
 * emulators, real Cognito tokens), success and error answers alike, and each response checked
 * against the OpenAPI document: its status is documented for the operation, its media type too,
 * its body validates against the documented schema (Ajv, JSON Schema 2020-12 as OpenAPI 3.1), a
 * problem's code is one its response lists, the headers the document marks required are present, and
 * the API's own headers it sends are declared (API_HEADERS). Any mismatch fails.
 */
import { randomUUID } from 'node:crypto';
import { Ajv2020 } from 'ajv/dist/2020.js';
import formatsPlugin from 'ajv-formats';
import { generateSync } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../src/api/openapi.ts';
import { routeList } from '../src/api/routes.ts';
import { createJwtVerifier } from '../src/identity/jwt.ts';
import { addToAdminGroup, createAdmin } from '../src/local/admins.ts';
import { createGateway, type Gateway } from '../src/local/gateway.ts';
import { sendTotp } from '../src/local/totp-code.ts';
import { createTestTable, createTestUserPool, useHandlerEnv } from './harness.ts';

type Json = Record<string, unknown>;
interface Res {
  status: number;
  headers: Headers;
  body: unknown;
}
interface DocResponse {
  description?: string;
  headers?: Record<string, { $ref?: string }>;
  content?: Record<string, { schema: Json }>;
}

const doc = JSON.parse(JSON.stringify(buildOpenApiDocument())) as {
  paths: Record<string, Record<string, { responses: Record<string, DocResponse> }>>;
  components: { schemas: Record<string, Json>; headers: Record<string, { required?: boolean }> };
};
const ajv = new Ajv2020({ strict: false, allErrors: true });
// ajv-formats is CommonJS: its plugin is the module itself or its `default`.
const addFormats = ((formatsPlugin as unknown as { default?: unknown }).default ?? formatsPlugin) as (
  a: Ajv2020,
) => void;
addFormats(ajv);
ajv.addSchema({ $id: 'doc', components: doc.components }, 'doc');
const schemaValidator = (schema: Json) =>
  ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"doc#/components/')));

let gateway: Gateway;
let base = '';
let restore: () => void = () => {};
const checked = new Map<string, Set<number>>();

let pool: Awaited<ReturnType<typeof createTestUserPool>>;

beforeAll(async () => {
  pool = await createTestUserPool('contract');
  restore = useHandlerEnv({
    TABLE_NAME: await createTestTable('contract'),
    USER_POOL_ID: pool.userPoolId,
    USER_POOL_CLIENT_ID: pool.clientId,
  });
  gateway = createGateway({
    verifier: createJwtVerifier({ issuer: pool.issuer, jwksUrl: pool.jwksUrl, clientIds: [pool.clientId] }),
    rateLimit: false,
  });
  base = (await gateway.listen(0)).url;
}, 60_000);
afterAll(async () => {
  await gateway?.close();
  restore();
});

/**
 * Routes whose success answer this test cannot drive, with the reason; their error answers are still
 * driven and checked. A new route is in neither list, so the final assertions fail until it is covered.
 */
const successNotDriven: Record<string, string> = {
  'POST /v1/auth/confirm':
    'needs the emailed code: the shared cognito-local was not started with CODE (test/identity.test.ts drives it)',
  'POST /v1/auth/password/reset':
    'needs the emailed code: the shared cognito-local was not started with CODE (test/identity.test.ts drives it)',
  'GET /v1/accounts/{id}/statements/{period}':
    'needs the statements bucket (s3rver), which this test does not start (the statements tests drive it)',
  'POST /v1/admin/transactions/{id}/unclaimed-payouts':
    'needs unclaimed funds, made by the settler once both accounts of a deferred transfer closed (src/handlers/admin-ledger.test.ts drives it)',
  'POST /v1/webhooks/{id}/deliveries/{deliveryId}/retry':
    'needs a delivery, made by the stream poller, which this test does not run (the webhook tests drive it)',
};

/** Response headers of the API's own that an operation declares where it sends them. */
const API_HEADERS = [
  'x-request-id',
  'retry-after',
  'location',
  'content-disposition',
  'idempotent-replayed',
  'access-control-allow-origin',
];

/** Calls the API and checks the answer against the document's operation for `route`. */
const call = async (
  route: string,
  path: string,
  opts: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
): Promise<Res> => {
  const [method, template] = route.split(' ') as [string, string];
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...opts.headers,
    },
    ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
    ...(opts.raw !== undefined ? { body: opts.raw } : {}),
  });
  const text = await res.text();
  const type = res.headers.get('content-type')?.split(';')[0] ?? '';
  const body = type.endsWith('json') && text ? JSON.parse(text) : text;
  const operation = doc.paths[template]?.[method.toLowerCase()];
  const what = `${route} -> ${res.status} ${text.slice(0, 300)}`;
  expect(operation, `${route} is documented`).toBeDefined();
  const documented = operation?.responses[String(res.status)];
  expect(documented, `${what}: status documented`).toBeDefined();
  if (text) {
    const media = documented?.content?.[type];
    expect(media, `${what}: ${type} documented`).toBeDefined();
    const validate = schemaValidator(media?.schema ?? {});
    expect(validate(body) ? [] : validate.errors, what).toEqual([]);
  } else {
    expect(documented?.content?.['application/json'], `${what}: a body was documented`).toBeUndefined();
  }
  for (const [name, h] of Object.entries(documented?.headers ?? {})) {
    const header = doc.components.headers[(h.$ref ?? '').split('/').pop() ?? ''];
    if (header?.required) expect(res.headers.get(name), `${what}: ${name}`).not.toBeNull();
  }
  // The headers of the API itself (not HTTP's, security's or CORS's own) are declared where sent.
  const declared = new Set(Object.keys(documented?.headers ?? {}).map((h) => h.toLowerCase()));
  for (const name of API_HEADERS)
    if (res.headers.has(name)) expect(declared.has(name), `${what}: ${name} declared`).toBe(true);
  // A problem's code is one the operation's response for its status lists.
  if (type === 'application/problem+json') {
    const code = (body as { code?: string }).code;
    expect(documented?.description, `${what}: code declared`).toContain(`\`${code}\``);
  }
  checked.set(route, (checked.get(route) ?? new Set()).add(res.status));
  return { status: res.status, headers: res.headers, body };
};

describe('every route answers as the OpenAPI document says', () => {
  it('drives every route, success and errors, and each answer matches the document', async () => {
    expect((await call('GET /health', '/health')).status).toBe(200);

    const email = `contract-${randomUUID()}@example.com`;
    const password = 'Contract-Test-Password-1!';
    const reg = await call('POST /v1/auth/register', '/v1/auth/register', {
      body: { email, password, name: 'Ada Lovelace' },
    });
    expect(reg.status).toBe(201);
    expect((await call('POST /v1/auth/register', '/v1/auth/register', { body: { email } })).status).toBe(400);
    expect(
      (
        await call('POST /v1/auth/register', '/v1/auth/register', {
          raw: 'email=x',
          headers: { 'content-type': 'text/plain' },
        })
      ).status,
    ).toBe(415);
    // A duplicate key: malformed_json, which every operation with a body declares.
    expect(
      (
        await call('POST /v1/auth/register', '/v1/auth/register', {
          raw: '{"email": "a@b.co", "email": "c@d.co"}',
          headers: { 'content-type': 'application/json' },
        })
      ).status,
    ).toBe(400);
    expect(
      (await call('POST /v1/auth/confirm', '/v1/auth/confirm', { body: { email, code: 'abc' } })).status,
    ).toBe(400);
    expect(
      (
        await call('POST /v1/auth/login', '/v1/auth/login', {
          body: { email, password: 'Wrong-Password-1!' },
        })
      ).status,
    ).toBe(401);
    const login = await call('POST /v1/auth/login', '/v1/auth/login', { body: { email, password } });
    expect(login.status).toBe(200);
    const tokens = login.body as { accessToken: string; idToken: string; refreshToken: string };
    const token = tokens.accessToken;
    expect(
      (
        await call('POST /v1/auth/refresh', '/v1/auth/refresh', {
          body: { refreshToken: tokens.refreshToken },
        })
      ).status,
    ).toBe(200);
    expect(
      (await call('POST /v1/auth/refresh', '/v1/auth/refresh', { body: { refreshToken: 'nope' } })).status,
    ).toBe(401);

    expect((await call('GET /v1/me', '/v1/me', { token })).status).toBe(200);
    expect((await call('GET /v1/me', '/v1/me')).status).toBe(401);
    expect((await call('GET /v1/me', '/v1/me', { token: tokens.idToken })).status).toBe(403);

    const a = (
      await call('POST /v1/accounts', '/v1/accounts', { token, body: { type: 'checking', currency: 'USD' } })
    ).body as { id: string; number: string };
    const b = (
      await call('POST /v1/accounts', '/v1/accounts', { token, body: { type: 'savings', currency: 'USD' } })
    ).body as { id: string; number: string };
    expect((await call('POST /v1/accounts', '/v1/accounts', { token, body: { type: 'gold' } })).status).toBe(
      400,
    );
    expect(
      (
        await call('POST /v1/accounts', '/v1/accounts', {
          token,
          raw: `{"nickname":"${'x'.repeat(70_000)}"}`,
          headers: { 'content-type': 'application/json' },
        })
      ).status,
    ).toBe(413);

    expect((await call('GET /v1/accounts', '/v1/accounts?limit=1', { token })).status).toBe(200);
    expect((await call('GET /v1/accounts', '/v1/accounts?status=closed', { token })).status).toBe(200);
    expect((await call('GET /v1/accounts', '/v1/accounts?cursor=forged', { token })).status).toBe(400);
    expect((await call('GET /v1/accounts/{id}', `/v1/accounts/${a.id}`, { token })).status).toBe(200);
    // Upper-case UUIDs are the same account.
    expect(
      (await call('GET /v1/accounts/{id}', `/v1/accounts/${a.id.toUpperCase()}`, { token })).status,
    ).toBe(200);
    expect((await call('GET /v1/accounts/{id}', `/v1/accounts/${randomUUID()}`, { token })).status).toBe(404);
    expect(
      (await call('GET /v1/accounts/{id}/balance', `/v1/accounts/${a.id}/balance`, { token })).status,
    ).toBe(200);

    const key = randomUUID();
    const deposit = await call('POST /v1/accounts/{id}/deposits', `/v1/accounts/${a.id}/deposits`, {
      token,
      body: { amount: 5000 },
      headers: { 'idempotency-key': key },
    });
    expect(deposit.status).toBe(201);
    const replay = await call('POST /v1/accounts/{id}/deposits', `/v1/accounts/${a.id}/deposits`, {
      token,
      body: { amount: 5000 },
      headers: { 'idempotency-key': key },
    });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(
      (
        await call('POST /v1/accounts/{id}/deposits', `/v1/accounts/${a.id}/deposits`, {
          token,
          body: { amount: 1 },
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await call('POST /v1/accounts/{id}/withdrawals', `/v1/accounts/${a.id}/withdrawals`, {
          token,
          body: { amount: 1000 },
          headers: { 'idempotency-key': randomUUID() },
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await call('POST /v1/accounts/{id}/withdrawals', `/v1/accounts/${a.id}/withdrawals`, {
          token,
          body: { amount: 999_999 },
          headers: { 'idempotency-key': randomUUID() },
        })
      ).status,
    ).toBe(422);
    const transfer = await call('POST /v1/transfers', '/v1/transfers', {
      token,
      body: { fromAccountId: a.id, toAccountNumber: b.number, amount: 100, currency: 'USD' },
      headers: { 'idempotency-key': randomUUID() },
    });
    expect(transfer.status).toBe(201);
    const txId = (transfer.body as { id: string }).id;
    // Bulk payment: a success, and a rejected batch (one unknown recipient).
    const batch = (transfers: { toAccountNumber: string; amount: number }[]) =>
      call('POST /v1/transfers/batch', '/v1/transfers/batch', {
        token,
        body: { fromAccountId: a.id, currency: 'USD', transfers },
        headers: { 'idempotency-key': randomUUID() },
      });
    expect((await batch([{ toAccountNumber: b.number, amount: 10 }])).status).toBe(201);
    expect(
      (
        await batch([
          { toAccountNumber: b.number, amount: 10 },
          { toAccountNumber: '0000000000', amount: 10 },
        ])
      ).status,
    ).toBe(422);
    expect(
      (
        await call('GET /v1/accounts/{id}/transactions', `/v1/accounts/${a.id}/transactions?limit=2`, {
          token,
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await call('GET /v1/accounts/{id}/transactions', `/v1/accounts/${a.id}/transactions?limit=500`, {
          token,
        })
      ).status,
    ).toBe(400);
    expect((await call('GET /v1/transactions/{id}', `/v1/transactions/${txId}`, { token })).status).toBe(200);
    expect(
      (await call('GET /v1/transactions/{id}', `/v1/transactions/${randomUUID()}`, { token })).status,
    ).toBe(404);
    expect((await call('GET /v1/limits', '/v1/limits', { token })).status).toBe(200);
    expect((await call('GET /v1/limits', '/v1/limits', {})).status).toBe(401);
    expect((await call('DELETE /v1/accounts/{id}', `/v1/accounts/${a.id}`, { token })).status).toBe(409);
    const c = (
      await call('POST /v1/accounts', '/v1/accounts', { token, body: { type: 'checking', currency: 'EUR' } })
    ).body as { id: string };
    expect((await call('DELETE /v1/accounts/{id}', `/v1/accounts/${c.id}`, { token })).status).toBe(200);
    // ---------- ledger: pending transfers, refunds, balance at an instant ----------
    const idem = () => ({ 'idempotency-key': randomUUID() });
    const pendingBody = {
      fromAccountId: a.id,
      toAccountNumber: b.number,
      amount: 200,
      currency: 'USD',
      pending: true,
    };
    const p1 = await call('POST /v1/transfers', '/v1/transfers', {
      token,
      body: pendingBody,
      headers: idem(),
    });
    expect(p1.status).toBe(201);
    const p1Id = (p1.body as { id: string }).id;
    expect(
      (
        await call('POST /v1/transfers/{id}/post', `/v1/transfers/${p1Id}/post`, {
          token,
          body: { amount: 150 },
          headers: idem(),
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await call('POST /v1/transfers/{id}/post', `/v1/transfers/${randomUUID()}/post`, {
          token,
          body: {},
          headers: idem(),
        })
      ).status,
    ).toBe(404);
    const p2 = await call('POST /v1/transfers', '/v1/transfers', {
      token,
      body: pendingBody,
      headers: idem(),
    });
    const p2Id = (p2.body as { id: string }).id;
    expect(
      (await call('POST /v1/transfers/{id}/void', `/v1/transfers/${p2Id}/void`, { token, headers: idem() }))
        .status,
    ).toBe(200);
    expect(
      (await call('POST /v1/transfers/{id}/void', `/v1/transfers/${p2Id}/void`, { token, headers: idem() }))
        .status,
    ).toBe(409);
    expect(
      (
        await call('POST /v1/transactions/{id}/refunds', `/v1/transactions/${txId}/refunds`, {
          token,
          body: { amount: 50 },
          headers: idem(),
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await call('POST /v1/transactions/{id}/refunds', `/v1/transactions/${txId}/refunds`, {
          token,
          body: { amount: 999_999 },
          headers: idem(),
        })
      ).status,
    ).toBe(422);
    expect(
      (
        await call(
          'GET /v1/accounts/{id}/balance',
          `/v1/accounts/${a.id}/balance?at=${new Date().toISOString()}`,
          { token },
        )
      ).status,
    ).toBe(200);
    expect(
      (await call('GET /v1/accounts/{id}/balance', `/v1/accounts/${a.id}/balance?at=yesterday`, { token }))
        .status,
    ).toBe(400);

    // ---------- statements and export ----------
    const statements = await call('GET /v1/accounts/{id}/statements', `/v1/accounts/${a.id}/statements`, {
      token,
    });
    expect(statements.status).toBe(200);
    expect(
      (await call('GET /v1/accounts/{id}/statements', `/v1/accounts/${randomUUID()}/statements`, { token }))
        .status,
    ).toBe(404);
    // The download needs the statements bucket (s3rver), which this test does not start: only the
    // rejected period (a bent path parameter is the function's 404 not_found, as on AWS) is driven
    // here; the PDF/CSV download is covered by the statements tests.
    expect(
      (
        await call('GET /v1/accounts/{id}/statements/{period}', `/v1/accounts/${a.id}/statements/2027-13`, {
          token,
        })
      ).status,
    ).toBe(404);
    const csv = await call('GET /v1/accounts/{id}/export.csv', `/v1/accounts/${a.id}/export.csv`, { token });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(
      (await call('GET /v1/accounts/{id}/export.csv', `/v1/accounts/${a.id}/export.csv?from=nope`, { token }))
        .status,
    ).toBe(400);

    // ---------- payees and scheduled transfers ----------
    const payeeBody = { name: 'Ada Lovelace', accountNumber: b.number };
    expect((await call('POST /v1/payees/check', '/v1/payees/check', { token, body: payeeBody })).status).toBe(
      200,
    );
    expect(
      (await call('POST /v1/payees/check', '/v1/payees/check', { token, body: { name: 'x' } })).status,
    ).toBe(400);
    const payee = await call('POST /v1/payees', '/v1/payees', { token, body: payeeBody });
    expect(payee.status).toBe(201);
    const payeeId = (payee.body as { id: string }).id;
    expect((await call('POST /v1/payees', '/v1/payees', { token, body: {} })).status).toBe(400);
    expect((await call('GET /v1/payees', '/v1/payees', { token })).status).toBe(200);
    expect((await call('GET /v1/payees', '/v1/payees')).status).toBe(401);
    expect((await call('GET /v1/payees/{id}', `/v1/payees/${payeeId}`, { token })).status).toBe(200);
    expect((await call('GET /v1/payees/{id}', `/v1/payees/${randomUUID()}`, { token })).status).toBe(404);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const sched = await call('POST /v1/scheduled-transfers', '/v1/scheduled-transfers', {
      token,
      headers: { 'idempotency-key': randomUUID() },
      body: {
        fromAccountId: a.id,
        payeeId,
        amount: 100,
        currency: 'USD',
        startDate: tomorrow,
        frequency: 'monthly',
        count: 3,
      },
    });
    expect(sched.status).toBe(201);
    const schedId = (sched.body as { id: string }).id;
    expect(
      (
        await call('POST /v1/scheduled-transfers', '/v1/scheduled-transfers', {
          token,
          headers: { 'idempotency-key': randomUUID() },
          body: { fromAccountId: a.id },
        })
      ).status,
    ).toBe(400);
    expect((await call('GET /v1/scheduled-transfers', '/v1/scheduled-transfers', { token })).status).toBe(
      200,
    );
    expect(
      (await call('GET /v1/scheduled-transfers/{id}', `/v1/scheduled-transfers/${schedId}`, { token }))
        .status,
    ).toBe(200);
    expect(
      (await call('GET /v1/scheduled-transfers/{id}', `/v1/scheduled-transfers/${randomUUID()}`, { token }))
        .status,
    ).toBe(404);
    expect(
      (await call('DELETE /v1/scheduled-transfers/{id}', `/v1/scheduled-transfers/${schedId}`, { token }))
        .status,
    ).toBe(200);
    expect(
      (
        await call('DELETE /v1/scheduled-transfers/{id}', `/v1/scheduled-transfers/${randomUUID()}`, {
          token,
        })
      ).status,
    ).toBe(404);
    expect((await call('DELETE /v1/payees/{id}', `/v1/payees/${payeeId}`, { token })).status).toBe(204);
    expect((await call('DELETE /v1/payees/{id}', `/v1/payees/${payeeId}`, { token })).status).toBe(404);

    // ---------- events, notifications, webhooks ----------
    expect((await call('GET /v1/events', '/v1/events?limit=5', { token })).status).toBe(200);
    expect((await call('GET /v1/events', '/v1/events?type=nope', { token })).status).toBe(400);
    const prefs = await call('GET /v1/me/notifications', '/v1/me/notifications', { token });
    expect(prefs.status).toBe(200);
    expect((await call('GET /v1/me/notifications', '/v1/me/notifications')).status).toBe(401);
    expect(
      (
        await call('PUT /v1/me/notifications', '/v1/me/notifications', {
          token,
          body: { email: { incoming: false, withdrawals: true, holds: true } },
        })
      ).status,
    ).toBe(200);
    expect(
      (await call('PUT /v1/me/notifications', '/v1/me/notifications', { token, body: { email: {} } })).status,
    ).toBe(400);
    const hook = await call('POST /v1/webhooks', '/v1/webhooks', {
      token,
      headers: { 'idempotency-key': randomUUID() },
      body: { url: 'https://93.184.215.14/bank/webhooks', events: ['transaction.posted'] },
    });
    expect(hook.status, JSON.stringify(hook.body)).toBe(201);
    const hookId = (hook.body as { id: string }).id;
    expect(
      (
        await call('POST /v1/webhooks', '/v1/webhooks', {
          token,
          headers: { 'idempotency-key': randomUUID() },
          body: { url: 'http://127.0.0.1/x', events: ['transaction.posted'] },
        })
      ).status,
    ).toBe(400);
    expect((await call('GET /v1/webhooks', '/v1/webhooks', { token })).status).toBe(200);
    expect((await call('GET /v1/webhooks/{id}', `/v1/webhooks/${hookId}`, { token })).status).toBe(200);
    expect(
      (await call('GET /v1/webhooks/{id}', '/v1/webhooks/wh_00000000000000000000000000000000', { token }))
        .status,
    ).toBe(404);
    expect(
      (await call('GET /v1/webhooks/{id}/deliveries', `/v1/webhooks/${hookId}/deliveries`, { token })).status,
    ).toBe(200);
    expect(
      (
        await call(
          'GET /v1/webhooks/{id}/deliveries',
          '/v1/webhooks/wh_00000000000000000000000000000000/deliveries',
          { token },
        )
      ).status,
    ).toBe(404);
    // No delivery exists here (no stream poller runs in this test): only the 404 answer is driven.
    expect(
      (
        await call(
          'POST /v1/webhooks/{id}/deliveries/{deliveryId}/retry',
          `/v1/webhooks/${hookId}/deliveries/dlv_00000000000000000000000000000000/retry`,
          { token },
        )
      ).status,
    ).toBe(404);
    expect((await call('DELETE /v1/webhooks/{id}', `/v1/webhooks/${hookId}`, { token })).status).toBe(204);
    expect((await call('DELETE /v1/webhooks/{id}', `/v1/webhooks/${hookId}`, { token })).status).toBe(404);

    // ---------- identity: password, confirmation, MFA, sessions ----------
    // The shared cognito-local was not started with CODE, so a valid reset code cannot be had:
    // only the rejected reset is driven (the success path is in test/identity.test.ts).
    expect(
      (await call('POST /v1/auth/password/forgot', '/v1/auth/password/forgot', { body: { email } })).status,
    ).toBe(202);
    expect(
      (await call('POST /v1/auth/password/forgot', '/v1/auth/password/forgot', { body: { email: 'x' } }))
        .status,
    ).toBe(400);
    const reset = await call('POST /v1/auth/password/reset', '/v1/auth/password/reset', {
      body: { email, code: '000000', newPassword: 'Another-Password-2!' },
    });
    expect([400, 422]).toContain(reset.status);
    expect(
      (await call('POST /v1/auth/password/reset', '/v1/auth/password/reset', { body: { email } })).status,
    ).toBe(400);
    expect(
      (await call('POST /v1/auth/confirm/resend', '/v1/auth/confirm/resend', { body: { email } })).status,
    ).toBe(202);
    expect((await call('POST /v1/auth/confirm/resend', '/v1/auth/confirm/resend', { body: {} })).status).toBe(
      400,
    );
    const newPassword = 'Changed-Password-3!';
    expect(
      (
        await call('POST /v1/me/password', '/v1/me/password', {
          token,
          body: { currentPassword: 'Wrong-1!', newPassword },
        })
      ).status,
    ).not.toBe(204);
    expect(
      (
        await call('POST /v1/me/password', '/v1/me/password', {
          token,
          body: { currentPassword: password, newPassword },
        })
      ).status,
    ).toBe(204);
    // A password change signs every session out, this one too: the customer logs in again.
    expect((await call('GET /v1/me/mfa', '/v1/me/mfa', { token })).status).toBe(401);
    const relogin = (
      await call('POST /v1/auth/login', '/v1/auth/login', { body: { email, password: newPassword } })
    ).body as { accessToken: string; refreshToken: string };
    const token2 = relogin.accessToken;
    expect((await call('GET /v1/me/mfa', '/v1/me/mfa', { token: token2 })).status).toBe(200);
    expect((await call('GET /v1/me/mfa', '/v1/me/mfa')).status).toBe(401);
    // Enrolment asks for the password: a wrong one is refused, documented as any answer is.
    const notTheOwner = await call('POST /v1/me/mfa/totp', '/v1/me/mfa/totp', {
      token: token2,
      body: { password: 'Wrong-1!' },
    });
    expect(notTheOwner.status).toBe(400);
    expect((notTheOwner.body as { code: string }).code).toBe('wrong_password');
    const enrol = await call('POST /v1/me/mfa/totp', '/v1/me/mfa/totp', {
      token: token2,
      body: { password: newPassword },
    });
    expect(enrol.status).toBe(200);
    expect(
      (await call('POST /v1/me/mfa/totp', '/v1/me/mfa/totp', { body: { password: newPassword } })).status,
    ).toBe(401);
    const secret = (enrol.body as { secret: string }).secret;
    expect(
      (
        await call('POST /v1/me/mfa/totp/verify', '/v1/me/mfa/totp/verify', {
          token: token2,
          body: { code: 'abc' },
        })
      ).status,
    ).toBe(400);
    expect(
      // The last step's code: the one that turns TOTP on is taken (each is accepted once), and
      // the login below uses the current one.
      (
        await sendTotp(
          secret,
          -1,
          (code) =>
            call('POST /v1/me/mfa/totp/verify', '/v1/me/mfa/totp/verify', { token: token2, body: { code } }),
          (r) => r.status === 204,
        )
      ).status,
    ).toBe(204);
    const challenge = await call('POST /v1/auth/login', '/v1/auth/login', {
      body: { email, password: newPassword },
    });
    expect(challenge.status).toBe(200);
    const session = (challenge.body as { session: string }).session;
    expect(
      (await call('POST /v1/auth/login/mfa', '/v1/auth/login/mfa', { body: { session, code: 'abc' } }))
        .status,
    ).toBe(400);
    const mfa = await call('POST /v1/auth/login/mfa', '/v1/auth/login/mfa', {
      body: { session, code: generateSync({ secret }) },
    });
    expect(mfa.status).toBe(200);
    const mfaToken = (mfa.body as { accessToken: string }).accessToken;
    expect(
      (
        await call('DELETE /v1/me/mfa/totp', '/v1/me/mfa/totp', {
          token: mfaToken,
          body: { code: 'abc', password: newPassword },
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await call('DELETE /v1/me/mfa/totp', '/v1/me/mfa/totp', {
          token: mfaToken,
          // The login took the current code (each is accepted once): the next step's turns TOTP off.
          body: {
            code: generateSync({ secret, epoch: Math.floor(Date.now() / 1000) + 30 }),
            password: newPassword,
          },
        })
      ).status,
    ).toBe(204);
    expect((await call('POST /v1/me/sessions/revoke-all', '/v1/me/sessions/revoke-all')).status).toBe(401);
    expect(
      (
        await call('POST /v1/auth/logout', '/v1/auth/logout', {
          token: token2,
          body: { refreshToken: relogin.refreshToken },
        })
      ).status,
    ).toBe(204);
    expect(
      (await call('POST /v1/me/sessions/revoke-all', '/v1/me/sessions/revoke-all', { token: mfaToken }))
        .status,
    ).toBe(204);

    // Sign out everywhere revoked the access tokens too: the customer logs in again.
    expect((await call('GET /v1/me/activity', '/v1/me/activity', { token: token2 })).status).toBe(401);
    const again = await call('POST /v1/auth/login', '/v1/auth/login', {
      body: { email, password: newPassword },
    });
    expect(again.status).toBe(200);
    const fresh = (again.body as { accessToken: string }).accessToken;

    // ---------- the customer's activity and the back office (issue 13) ----------
    const me = String(JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()).sub);
    expect((await call('GET /v1/me/activity', '/v1/me/activity?limit=2', { token: fresh })).status).toBe(200);
    expect(
      (await call('GET /v1/me/activity', '/v1/me/activity?cursor=forged', { token: fresh })).status,
    ).toBe(400);
    expect((await call('GET /v1/me/activity', '/v1/me/activity')).status).toBe(401);
    const adm = await createAdmin(base, { email: `admin-${randomUUID()}@example.com`, password }, (e) =>
      addToAdminGroup(pool.cognito, pool.userPoolId, e),
    );
    const at = adm.accessToken;
    const customerPath = `/v1/admin/customers/${me}`;
    const admin = (route: string, path: string, opts: { body?: unknown } = {}) =>
      call(route, path, { token: at, ...opts });
    expect(
      (await admin('GET /v1/admin/customers', `/v1/admin/customers?email=${encodeURIComponent(email)}`))
        .status,
    ).toBe(200);
    expect((await admin('GET /v1/admin/customers', '/v1/admin/customers?email=nope')).status).toBe(400);
    expect(
      (
        await call('GET /v1/admin/customers', `/v1/admin/customers?email=${encodeURIComponent(email)}`, {
          token,
        })
      ).status,
    ).toBe(403);
    expect((await admin('GET /v1/admin/customers/{userId}', customerPath)).status).toBe(200);
    expect(
      (await admin('GET /v1/admin/customers/{userId}', `/v1/admin/customers/${randomUUID()}`)).status,
    ).toBe(404);
    expect((await call('GET /v1/admin/customers/{userId}', customerPath, { token })).status).toBe(403);
    expect(
      (await admin('POST /v1/admin/customers/{userId}/unlock', `${customerPath}/unlock`, { body: {} }))
        .status,
    ).toBe(200);
    expect(
      (await call('POST /v1/admin/customers/{userId}/unlock', `${customerPath}/unlock`, { token, body: {} }))
        .status,
    ).toBe(403);
    expect(
      (await admin('POST /v1/admin/customers/{userId}/disable', `${customerPath}/disable`, { body: {} }))
        .status,
    ).toBe(400);
    expect(
      (
        await admin('POST /v1/admin/customers/{userId}/disable', `${customerPath}/disable`, {
          body: { reason: 'Contract test' },
        })
      ).status,
    ).toBe(200);
    // A disabled customer's token is refused everywhere (403 user_disabled, documented on every token route).
    expect((await call('GET /v1/me/activity', '/v1/me/activity', { token })).status).toBe(403);
    expect(
      (
        await call('POST /v1/admin/customers/{userId}/disable', `${customerPath}/disable`, {
          token,
          body: {},
        })
      ).status,
    ).toBe(403);
    expect(
      (await admin('POST /v1/admin/customers/{userId}/enable', `${customerPath}/enable`, { body: {} }))
        .status,
    ).toBe(200);
    expect((await call('POST /v1/admin/customers/{userId}/enable', `${customerPath}/enable`)).status).toBe(
      401,
    );
    const audit = await admin('GET /v1/admin/audit', `/v1/admin/audit?subjectId=${me}&limit=1`);
    expect(audit.status).toBe(200);
    expect(
      (await admin('GET /v1/admin/audit', `/v1/admin/audit?actorId=${adm.sub}&cursor=forged`)).status,
    ).toBe(400);
    expect((await admin('GET /v1/admin/audit', '/v1/admin/audit')).status).toBe(400);
    expect((await call('GET /v1/admin/audit', `/v1/admin/audit?subjectId=${me}`, { token })).status).toBe(
      403,
    );

    // ---------- back office: account reads, freeze, teller cash, reversals ----------
    const staff = at;
    const staffAuth = { token: staff };
    const unknown = randomUUID();
    expect((await call('GET /v1/admin/accounts/{id}', `/v1/admin/accounts/${a.id}`, staffAuth)).status).toBe(
      200,
    );
    expect(
      (await call('GET /v1/admin/accounts/{id}', `/v1/admin/accounts/${unknown}`, staffAuth)).status,
    ).toBe(404);
    expect((await call('GET /v1/admin/accounts/{id}', `/v1/admin/accounts/${a.id}`)).status).toBe(401);
    const byNumber = '/v1/admin/accounts/by-number/{number}';
    expect(
      (await call(`GET ${byNumber}`, `/v1/admin/accounts/by-number/${b.number}`, staffAuth)).status,
    ).toBe(200);
    expect((await call(`GET ${byNumber}`, '/v1/admin/accounts/by-number/0000000000', staffAuth)).status).toBe(
      404,
    );
    const adminHistory = 'GET /v1/admin/accounts/{id}/transactions';
    expect(
      (await call(adminHistory, `/v1/admin/accounts/${a.id}/transactions?limit=2`, staffAuth)).status,
    ).toBe(200);
    expect(
      (await call(adminHistory, `/v1/admin/accounts/${a.id}/transactions?cursor=x`, staffAuth)).status,
    ).toBe(400);
    const adminTx = 'GET /v1/admin/transactions/{id}';
    expect((await call(adminTx, `/v1/admin/transactions/${txId}`, staffAuth)).status).toBe(200);
    expect((await call(adminTx, `/v1/admin/transactions/${unknown}`, staffAuth)).status).toBe(404);
    const freeze = 'POST /v1/admin/accounts/{id}/freeze';
    const unfreeze = 'POST /v1/admin/accounts/{id}/unfreeze';
    const why = { reason: 'Contract test' };
    expect(
      (await call(freeze, `/v1/admin/accounts/${b.id}/freeze`, { ...staffAuth, body: why })).status,
    ).toBe(200);
    expect((await call(freeze, `/v1/admin/accounts/${b.id}/freeze`, { ...staffAuth, body: {} })).status).toBe(
      400,
    );
    expect(
      (await call(freeze, `/v1/admin/accounts/${c.id}/freeze`, { ...staffAuth, body: why })).status,
    ).toBe(422);
    expect(
      (await call(unfreeze, `/v1/admin/accounts/${unknown}/unfreeze`, { ...staffAuth, body: why })).status,
    ).toBe(404);
    expect(
      (await call(unfreeze, `/v1/admin/accounts/${b.id}/unfreeze`, { ...staffAuth, body: why })).status,
    ).toBe(200);
    const cashIn = 'POST /v1/admin/accounts/{id}/deposits';
    const cashOut = 'POST /v1/admin/accounts/{id}/withdrawals';
    const cash = (amount: number) => ({ amount, reference: 'slip-1', description: 'Counter' });
    expect(
      (await call(cashIn, `/v1/admin/accounts/${a.id}/deposits`, { ...staffAuth, body: cash(900) })).status,
    ).toBe(400);
    expect(
      (
        await call(cashIn, `/v1/admin/accounts/${a.id}/deposits`, {
          ...staffAuth,
          body: cash(900),
          headers: idem(),
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await call(cashOut, `/v1/admin/accounts/${a.id}/withdrawals`, {
          ...staffAuth,
          body: cash(400),
          headers: idem(),
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await call(cashOut, `/v1/admin/accounts/${a.id}/withdrawals`, {
          ...staffAuth,
          body: cash(99_999_999),
          headers: idem(),
        })
      ).status,
    ).toBe(422);
    const reverse = 'POST /v1/admin/transactions/{id}/reversals';
    expect(
      (
        await call(reverse, `/v1/admin/transactions/${txId}/reversals`, {
          ...staffAuth,
          body: { amount: 10, reason: 'Contract test' },
          headers: idem(),
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await call(reverse, `/v1/admin/transactions/${txId}/reversals`, {
          ...staffAuth,
          body: { amount: 1_000_000, reason: 'Contract test' },
          headers: idem(),
        })
      ).status,
    ).toBe(422);
    expect(
      (
        await call(reverse, `/v1/admin/transactions/${unknown}/reversals`, {
          ...staffAuth,
          body: why,
          headers: idem(),
        })
      ).status,
    ).toBe(404);

    const payout = 'POST /v1/admin/transactions/{id}/unclaimed-payouts';
    expect(
      (
        await call(payout, `/v1/admin/transactions/${txId}/unclaimed-payouts`, {
          ...staffAuth,
          body: { toAccountId: a.id, reason: 'Contract test' },
          headers: idem(),
        })
      ).status,
    ).toBe(422);
    expect(
      (
        await call(payout, `/v1/admin/transactions/${unknown}/unclaimed-payouts`, {
          ...staffAuth,
          body: { toAccountId: a.id, reason: 'Contract test' },
          headers: idem(),
        })
      ).status,
    ).toBe(404);

    // Every route of the table was driven, and each answered with a documented success, except the
    // routes listed in `successNotDriven` (only their error answers are checked here, for the reason given).
    const routes = routeList.map((r) => `${r.method} ${r.path}`);
    expect([...checked.keys()].sort()).toEqual([...routes].sort());
    const succeeded = routes.filter((r) => [...(checked.get(r) ?? [])].some((status) => status < 300));
    expect([...succeeded, ...Object.keys(successNotDriven)].sort()).toEqual([...routes].sort());
  }, 120_000);
});
