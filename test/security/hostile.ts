/**
 * Hostile input for the fuzz tests, as fast-check arbitraries. Bodies are built as raw JSON text, so
 * they can hold what JSON.stringify never writes: 1e309, duplicate keys, lone surrogates, broken syntax.
 * Fields come from each route's own zod schemas, so a new route or field is fuzzed without edits here.
 */
import fc from 'fast-check';
import type { $ZodType } from 'zod/v4/core';
import { needsToken, type RouteEntry } from '../../src/api/routes.ts';
import { MAX_AMOUNT } from '../../src/domain/money.ts';
import { encodeSegment, PASSWORD, paramNames, pathOf, type Sent } from './client.ts';

/** Strings aimed at a query language, a template, a shell, a log line, a terminal or a parser. */
export const INJECTIONS = [
  "' OR '1'='1",
  '"; DROP TABLE bank; --',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '{{7*7}}',
  '$' + '{7*7}', // template injection, split so it is not a template literal by mistake
  '#{7*7}',
  '$' + '{jndi:ldap://127.0.0.1/a}',
  '../../../../etc/passwd',
  '..\\..\\windows\\win.ini',
  '%00',
  '%s%s%s%n',
  'attribute_exists(pk) OR :v',
  '#status = :active',
  'USER#someone-else',
  '$where',
  '{"$gt":""}',
  'javascript:alert(1)',
  '\r\nSet-Cookie: a=b',
  '\u001b[31mred\u001b[0m',
  '\u202etxt.exe',
  '\u2066isolate\u2069',
  '\u0000',
  '\ud800',
  '\udfff',
  'a\ud800b',
  '\ufeff',
  '\uffff',
  '\u{10ffff}',
  '💸💸💸',
  'Z\u0324\u0354\u0367\u0311\u0313a\u0308\u0356',
  'null',
  'undefined',
  'NaN',
  '__proto__',
  'constructor',
  ' ',
  '',
];

/** JSON texts where an amount (or any number) goes: out of range, not integers, not numbers, not JSON. */
export const NUMBER_TEXTS = [
  '0',
  '-0',
  '-1',
  '1',
  '1.5',
  '0.1',
  '0.000001',
  '1e2',
  '1E2',
  '1e-2',
  '1e21',
  '1e309',
  '-1e309',
  '9007199254740991',
  '9007199254740993',
  '99999999999999999999999999999',
  String(MAX_AMOUNT),
  String(MAX_AMOUNT + 1),
  '2147483648',
  '4294967296',
  '100.0',
  '1.0e2',
  '"NaN"',
  '"Infinity"',
  '"-Infinity"',
  '"100"',
  '"1e3"',
  '" 100"',
  '"0x64"',
  'null',
  'true',
  'false',
  '[]',
  '[100]',
  '{}',
  '{"$numberLong":"100"}',
  // not JSON at all
  'NaN',
  'Infinity',
  '+1',
  '.5',
  '5.',
  '0x10',
  '01',
  '1_000',
];

/** Bodies that are not JSON, or not one JSON value. */
export const MALFORMED_JSON = [
  '',
  ' ',
  '{',
  '}',
  '{"amount":',
  '{"amount":1,}',
  "{'amount':1}",
  '{amount:1}',
  '[1,2',
  'nul',
  'tru',
  '"unterminated',
  '{"a":1}{"b":2}',
  '{"a":1} x',
  '\ufeff{}',
  '\u0000',
  '{"a":"\\x41"}',
  '{"a":"\\u12"}',
  '{"a":"\n"}',
  '/* comment */ {}',
  '{"a":1 // comment\n}',
  '['.repeat(10_000),
  '{"a":'.repeat(3000),
  `${'['.repeat(5000)}${']'.repeat(5000)}`,
  `${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}`,
];

/** Keys a client must not get away with: prototype pollution, and fields only the bank sets. */
export const EXTRA_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'balance',
  'status',
  'ownerId',
  'id',
  'userId',
  'number',
  'createdAt',
  'version',
  'admin',
  'role',
  'pk',
  '',
  'AMOUNT',
];

export const CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json-patch+json',
  'application/problem+json',
  'application/xml',
  'application/json; charset=utf-16',
  'application/json;charset=',
  'APPLICATION/JSON',
  ' application/json ',
  'application/json, text/plain',
  '*/*',
  '',
];

/** One UTF-16 code unit or code point of any kind, lone surrogates and control characters included. */
const anyUnit = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff', '\u0000', '\u001f', '\u007f', '\u0085', '\u202e'),
);

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...INJECTIONS),
  fc.string({ unit: anyUnit, maxLength: 64 }),
  fc
    .tuple(
      fc.constantFrom(50, 100, 101, 140, 141, 254, 255, 256, 4096, 4097, 70_000),
      fc.constantFrom('x', 'é', '💸'),
    )
    .map(([n, c]) => c.repeat(n)),
);

export const numberText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...NUMBER_TEXTS),
  fc.integer({ min: -2 * MAX_AMOUNT, max: 2 * MAX_AMOUNT }).map(String),
  fc.double().map((d) => (Number.isFinite(d) ? String(d) : JSON.stringify(String(d)))),
  fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
);

/** Any JSON text a field could hold that is probably wrong for it. */
export const hostileValueText: fc.Arbitrary<string> = fc.oneof(
  numberText,
  hostileString.map((s) => JSON.stringify(s)),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.constant('{"__proto__":{"admin":true},"constructor":{"prototype":{"admin":true}}}'),
);

/** What the fuzz knows of the stack: a logged-in user with real ids, to reach deep into the handlers. */
export interface FuzzContext {
  token: string;
  email: string;
  refreshToken: string;
  accountIds: string[];
  accountNumbers: string[];
  /** Another user's account number: a real transfer recipient. */
  otherNumber: string;
  transactionIds: string[];
  /** Of those, the ones a refund can act on (a transfer the user received). */
  refundableIds?: string[];
  /** A webhook endpoint of the user and one of its deliveries, for the webhook routes. */
  webhookIds?: string[];
  deliveryIds?: string[];
  payeeIds?: string[];
  scheduleIds?: string[];
}

const str = (...values: string[]) => fc.constantFrom(...values.map((v) => JSON.stringify(v)));

/** A valid JSON value for a field of that name, so that the rest of a body can be what is tested. */
const validValue = (field: string, ctx: FuzzContext, route?: RouteEntry): fc.Arbitrary<string> => {
  // Notification preferences: `email` is the set of email switches, not an address.
  if (route?.operationId === 'putNotifications' && field === 'email')
    return fc
      .tuple(fc.boolean(), fc.boolean(), fc.boolean())
      .map(([incoming, withdrawals, holds]) => JSON.stringify({ incoming, withdrawals, holds }));
  switch (field) {
    case 'url':
      // Offline the stack allows http://127.0.0.1:<port>; nothing listens on the discard port.
      return str('http://127.0.0.1:9/hooks', 'https://169.254.169.254/latest');
    case 'events':
      return fc.constantFrom('["account.opened"]', '["transaction.posted","account.closed"]');
    case 'email':
      return fc.oneof(
        str(ctx.email),
        fc.uuid().map((u) => JSON.stringify(`fuzz-${u.slice(0, 8)}@example.com`)),
      );
    case 'password':
      return str(PASSWORD, 'wrong-Password-1!');
    // A strong new password and a common one; the current password is never the real one, so the
    // fuzz user keeps theirs.
    case 'newPassword':
      return str('Fuzzed-New-Secret-42', 'Password123!');
    case 'currentPassword':
      return str('wrong-Password-1!');
    case 'session':
      return str('not-a-pending-login');
    case 'name':
    case 'nickname':
    case 'description':
      return str('Fuzz', 'ëxample – ok');
    case 'code':
      return str('123456');
    case 'refreshToken':
      return str(ctx.refreshToken, 'not-a-refresh-token');
    case 'type':
      return str('checking', 'savings');
    case 'currency':
      // mostly the currency of the first account, so that transfers can go through
      return str('USD', 'USD', 'USD', 'EUR', 'JPY');
    case 'amount':
      return fc.integer({ min: 1, max: 500 }).map(String);
    case 'fromAccountId':
      return str(...ctx.accountIds, ctx.accountIds[0] ?? '');
    case 'toAccountNumber':
    case 'accountNumber':
      return str(ctx.otherNumber, ctx.otherNumber, ...ctx.accountNumbers);
    case 'startDate': {
      const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
      return str(day(1), day(31));
    }
    case 'frequency':
      return str('once', 'weekly', 'monthly');
    case 'metadata':
      return fc.constantFrom('{"order":"A-1"}', '{}', '{"ref.no_1":"x","k-2":""}');
    case 'pending':
      return fc.constantFrom('true', 'true', 'false');
    case 'expiresInSeconds':
      return fc.integer({ min: 60, max: 604_800 }).map(String);
    // Bulk payments: one to three transfers to the other customer's account or the user's own.
    case 'transfers':
      return fc
        .array(
          fc.tuple(fc.constantFrom(ctx.otherNumber, ...ctx.accountNumbers), fc.integer({ min: 1, max: 50 })),
          { minLength: 1, maxLength: 3 },
        )
        .map((ts) => JSON.stringify(ts.map(([toAccountNumber, amount]) => ({ toAccountNumber, amount }))));
    default:
      return fc.jsonValue({ maxDepth: 1 }).map((v) => JSON.stringify(v));
  }
};

interface ShapeDef {
  _zod: { def: { shape?: Record<string, $ZodType> } };
}
/** The field names of an object schema. */
export const fieldsOf = (schema: $ZodType | undefined): string[] =>
  schema ? Object.keys((schema as unknown as ShapeDef)._zod.def.shape ?? {}) : [];

const objectText = (entries: [string, string][]) =>
  `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;

type Entries = [string, string][];

/** One thing wrong with an otherwise valid body. */
type Mutation =
  | { kind: 'hostile'; value: string }
  | { kind: 'missing' }
  | { kind: 'duplicate'; value: string }
  | { kind: 'extra'; key: string; value: string };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  hostileValueText.map((value) => ({ kind: 'hostile' as const, value })),
  fc.constant({ kind: 'missing' as const }),
  hostileValueText.map((value) => ({ kind: 'duplicate' as const, value })),
  fc
    .tuple(fc.constantFrom(...EXTRA_KEYS), hostileValueText)
    .map(([key, value]) => ({ kind: 'extra' as const, key, value })),
);

const mutate = (entries: Entries, at: number, m: Mutation): Entries => {
  if (m.kind === 'extra') return [...entries, [m.key, m.value]];
  return entries.flatMap(([k, v], i): Entries => {
    if (i !== at) return [[k, v]];
    if (m.kind === 'hostile') return [[k, m.value]];
    if (m.kind === 'missing') return [];
    return [
      [k, v],
      [k, m.value],
    ];
  });
};

/**
 * A body for the route, built from its own fields: all valid (so the operation runs), valid but for one
 * thing (a hostile value, a missing field, a duplicate key, a key that must be refused), every field at
 * random; or malformed JSON, JSON of another shape, a bare hostile value.
 */
const OPTIONAL_IN_VALID = new Set(['payeeId', 'endDate', 'count']);

export const bodyText = (route: RouteEntry, ctx: FuzzContext): fc.Arbitrary<string> => {
  const fields = fieldsOf(route.body);
  if (!fields.length)
    return fc.oneof(fc.constant('{}'), fc.constantFrom(...MALFORMED_JSON), hostileValueText);
  // A valid body leaves out the alternatives and options that valid ones exclude (payeeId is the
  // other way of naming a recipient; a one-off schedule takes neither endDate nor count).
  const valid = fc.tuple(
    ...fields
      .filter((f) => !OPTIONAL_IN_VALID.has(f))
      .map((f) => validValue(f, ctx, route).map((v): [string, string] => [f, v])),
  );
  const anyValue = (f: string) =>
    fc
      .option(fc.oneof(validValue(f, ctx, route), hostileValueText), { nil: undefined })
      .map((v): Entries => (v === undefined ? [] : [[f, v]]));
  return fc.oneof(
    { weight: 2, arbitrary: valid.map(objectText) },
    {
      weight: 5,
      arbitrary: fc
        .tuple(valid, fc.nat(), mutation)
        .map(([e, i, m]) => objectText(mutate(e, i % e.length, m))),
    },
    { weight: 2, arbitrary: fc.tuple(...fields.map(anyValue)).map((parts) => objectText(parts.flat())) },
    { weight: 1, arbitrary: fc.constantFrom(...MALFORMED_JSON) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: hostileValueText },
  );
};

/** Bytes on the wire: UTF-8 mostly, else UTF-16, a BOM, or invalid UTF-8 (overlong, a surrogate, 0xFF). */
const utf8 = (t: string) => Buffer.from(t, 'utf8');
export const encodeBody = fc.oneof(
  { weight: 8, arbitrary: fc.constant(utf8) },
  {
    weight: 2,
    arbitrary: fc.constantFrom<(text: string) => Buffer>(
      (t) => Buffer.from(t, 'utf16le'),
      (t) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(t, 'utf8')]),
      (t) =>
        Buffer.concat([
          Buffer.from(t.slice(0, 8), 'utf8'),
          Buffer.from([0xc0, 0xaf, 0xed, 0xa0, 0x80, 0xff]),
          Buffer.from(t.slice(8), 'utf8'),
        ]),
    ),
  },
);

/** A header value as UTF-8 bytes (Node sends header strings as latin1, one byte per character). */
export const utf8Header = (s: string) => Buffer.from(s, 'utf8').toString('latin1');

/** Idempotency-Key values: valid, missing, empty, too long, not ASCII, or reused for another body. */
export const idempotencyKey: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 5, arbitrary: fc.uuid() },
  { weight: 1, arbitrary: fc.constantFrom(undefined, '', ' ', 'a\tb', 'fuzz-reused-key') },
  { weight: 1, arbitrary: fc.integer({ min: 256, max: 8000 }).map((n) => 'k'.repeat(n)) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('ключ', 'clé', '🔑', 'a\u00a0b', 'x\u0085y').map(utf8Header),
  },
);

/** Path parameter values: the user's real ids, other ids, and raw segments that tempt a router. */
const RAW_SEGMENTS = [
  '..',
  '.',
  '%2e%2e',
  '%2F',
  '%2f..%2f',
  '%00',
  '%ED%A0%80',
  '%FF',
  '%',
  '%%',
  '%u0041',
  '*',
];

/** Real ids for the parameter: a webhook route's own ids (an endpoint, a delivery), else accounts and transactions. */
const knownIds = (ctx: FuzzContext, route: RouteEntry, name: string): string[] => {
  if (route.path.startsWith('/v1/webhooks/')) {
    const ids = name === 'deliveryId' ? ctx.deliveryIds : ctx.webhookIds;
    if (ids?.length) return ids;
  }
  if (route.path.startsWith('/v1/payees/') && ctx.payeeIds?.length) return ctx.payeeIds;
  if (route.path.startsWith('/v1/scheduled-transfers/') && ctx.scheduleIds?.length) return ctx.scheduleIds;
  // A statement period: this month (the accounts were opened in it).
  if (name === 'period') return [new Date().toISOString().slice(0, 7)];
  // Refunds: mostly the transfer received (the only one a refund acts on; the others answer 404, as
  // for a stranger's), so that some of the requests reach the refund itself.
  if (route.path.endsWith('/refunds') && ctx.refundableIds?.length)
    return [...ctx.refundableIds, ...ctx.refundableIds, ...ctx.transactionIds];
  // Account routes mostly get accounts; the others mostly transactions.
  return route.path.startsWith('/v1/accounts/')
    ? [...ctx.accountIds, ...ctx.accountIds, ...ctx.transactionIds]
    : [...ctx.transactionIds, ...ctx.accountIds];
};

const paramValue = (ctx: FuzzContext, route: RouteEntry, name: string): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...knownIds(ctx, route, name)) },
    { weight: 1, arbitrary: fc.uuid().map(encodeSegment) },
    { weight: 1, arbitrary: fc.constantFrom(...ctx.accountNumbers).map(encodeSegment) },
    { weight: 1, arbitrary: hostileString.map((s) => encodeSegment(s.slice(0, 300))) },
    { weight: 1, arbitrary: fc.constantFrom(...RAW_SEGMENTS) },
  );

const queryValue = fc.oneof(
  fc.constantFrom('10', '1', '100', '0', '101', '-1', '1e2', '25.0', '999999', '2026-01-01T00:00:00Z'),
  fc.constantFrom('2026-13-45T99:99:99Z', 'eyJhIjoxfQ', 'x'.repeat(3000)),
  hostileString.map((s) => s.slice(0, 500)),
);

/** A raw query string: the route's own parameters (valid or not), unknown ones, and repeats. */
const queryString = (route: RouteEntry): fc.Arbitrary<string> => {
  const names = [...fieldsOf(route.query), 'foo', '__proto__', 'limit'];
  const pair = fc
    .tuple(fc.constantFrom(...names), queryValue)
    .map(([k, v]) => `${encodeSegment(k)}=${encodeSegment(v)}`);
  return fc.oneof(
    { weight: route.query ? 1 : 4, arbitrary: fc.constant('') },
    {
      weight: route.query ? 3 : 1,
      arbitrary: fc.array(pair, { minLength: 1, maxLength: 4 }).map((ps) => ps.join('&')),
    },
  );
};

/** A whole request on the route, authenticated when the route needs it. */
export const requestOn = (route: RouteEntry, ctx: FuzzContext): fc.Arbitrary<Sent> =>
  fc
    .record({
      params: fc.tuple(
        ...paramNames(route).map((n) => paramValue(ctx, route, n).map((v) => [n, v] as const)),
      ),
      query: queryString(route),
      body: fc.option(bodyText(route, ctx), { freq: route.body ? 8 : 1, nil: undefined }),
      encode: encodeBody,
      contentType: fc.oneof(
        { weight: 10, arbitrary: fc.constant('application/json') },
        { weight: 1, arbitrary: fc.constant('application/json; charset=utf-8') },
        { weight: 2, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
        { weight: 1, arbitrary: fc.constant(undefined) },
      ),
      key: fc.oneof(
        { weight: route.idempotent ? 6 : 1, arbitrary: idempotencyKey },
        { weight: route.idempotent ? 1 : 6, arbitrary: fc.constant(undefined) },
      ),
    })
    .map(({ params, query, body, encode, contentType, key }) => {
      // Parameter values are already encoded (raw segments must reach the router as they are).
      const path = route.path.replace(
        /\{(\w+)\}/g,
        (_, name: string) => params.find(([n]) => n === name)?.[1] ?? '',
      );
      return {
        method: route.method,
        path: query ? `${path}?${query}` : path,
        headers: {
          ...(needsToken(route) ? { authorization: `Bearer ${ctx.token}` } : {}),
          ...(contentType !== undefined ? { 'content-type': contentType } : {}),
          ...(key !== undefined ? { 'idempotency-key': key } : {}),
        },
        ...(body !== undefined ? { body: encode(body) } : {}),
      };
    });

/** Requests that match no route: other methods, and paths bent out of every route's shape. */
export const offRouteRequest = (routes: readonly RouteEntry[], ctx: FuzzContext): fc.Arbitrary<Sent> =>
  fc
    .record({
      route: fc.constantFrom(...routes),
      method: fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH'),
      bend: fc.constantFrom<(p: string) => string>(
        (p) => `${p}/`,
        (p) => `${p}//`,
        (p) => p.replace('/v1/', '/v1//'),
        (p) => `${p}/extra`,
        (p) => `${p}/..`,
        (p) => `${p}/%2e%2e/%2e%2e/me`,
        (p) => p.replace('/v1/', '/v1/%2e%2e/v1/'),
        (p) => p.replace('/v1/', '/v1/./'),
        (p) => p.toUpperCase().replace('/V1/', '/v1/'),
        (p) => p.replace(/[a-z]/, (c) => `%${c.charCodeAt(0).toString(16)}`),
        (p) => `${p};jsessionid=1`,
        (p) => `${p}%00`,
        (p) => `${p}%0d%0aX-Injected:%201`,
      ),
      hostile: hostileString.map((s) => encodeSegment(s.slice(0, 200))),
    })
    .map(({ route, method, bend, hostile }) => {
      const base = pathOf(
        route,
        Object.fromEntries(paramNames(route).map((n) => [n, ctx.accountIds[0] ?? ''])),
      );
      const path = (route.path === '/health' ? '/v1/health' : bend(base)).replace(
        'extra',
        hostile || 'extra',
      );
      return {
        method,
        path,
        headers: { authorization: `Bearer ${ctx.token}`, 'content-type': 'application/json' },
        ...(method === 'GET' ? {} : { body: '{}' }),
      };
    });
