/**
 * Security notices by email. Until 2026-12-07 the bank emailed a customer about money (src/handlers/
 * notifier.ts) but about nothing that happens to their login: a password change (by whoever holds a
 * session and the password: a thief, after a phishing page) reached the owner's mailbox as nothing at
 * all, and the README's "someone tried to register with your address" notice (Identity) was a log line
 * on AWS as offline (a review found both). Now each comes from the audit record its security event writes, through the
 * table's stream (src/domain/security-notices.ts), as `npm start` runs it: the local stream poller with
 * the `stream` function's filters from the registry (src/functions.ts), the local Invoke endpoint
 * running the notifier, and the mail read where the notifier's goes offline: aws-ses-v2-local.
 */
import { randomUUID } from 'node:crypto';
import type { DynamoDBRecord } from 'aws-lambda';
import { generateSync } from 'otplib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { call } from '../../test/api.ts';
import { createTestTable, createTestUserPool, emulators, useHandlerEnv } from '../../test/harness.ts';
import { utcDay, withinOnePeriod } from '../../test/periods.ts';
import { type AsyncInvokeEndpoint, startAsyncInvoke } from '../local/async-invoke.ts';
import { LOCAL_REGION } from '../local/bootstrap.ts';
import { runAs } from '../local/iam.ts';
import { sentEmails } from '../local/ses.ts';
import { type StreamPoller, startStreamPoller } from '../local/streams.ts';
import { unusedTotpCode } from '../local/totp-code.ts';
import { processRecords } from './stream.ts';

const PASSWORD = 'Correct-Horse-9-Battery';

let poller: StreamPoller;
let invoke: AsyncInvokeEndpoint;
let restore: () => void;
/** Every record the stream function was given (to give some again, as a retried batch). */
const given: DynamoDBRecord[] = [];

beforeAll(async () => {
  const pool = await createTestUserPool();
  const table = await createTestTable('security-notices', { stream: true });
  invoke = await startAsyncInvoke({ region: LOCAL_REGION, retryDelayMs: () => 0 });
  restore = useHandlerEnv({
    TABLE_NAME: table,
    USER_POOL_ID: pool.userPoolId,
    USER_POOL_CLIENT_ID: pool.clientId,
    BANK_AUTO_CONFIRM: 'true',
    BANK_AUTH_FLOOR_MS: '50',
    AWS_ENDPOINT_URL_SESV2: emulators().sesEndpoint,
    BANK_NOTIFIER_FUNCTION: 'notifier',
    AWS_ENDPOINT_URL_LAMBDA: invoke.endpoint,
    BANK_SUPPORT_CONTACT: 'help@bank.example or +1 555 0100',
  });
  poller = await startStreamPoller({
    dynamodbEndpoint: emulators().dynamodbEndpoint,
    tableName: table,
    region: LOCAL_REGION,
    functions: ['stream'],
    // As the registry's function, and as that function (the offline IAM), recording what it is given.
    handlers: {
      stream: async (event: { Records: DynamoDBRecord[] }) => {
        given.push(...event.Records);
        return runAs('stream', () => processRecords(event.Records));
      },
    },
    pollMs: 20,
  });
});
afterAll(async () => {
  await poller?.stop();
  await invoke?.stop();
  restore?.();
});

const email = () => `owner-${randomUUID().slice(0, 8)}@example.com`;
/** The emails aws-ses-v2-local holds for `to`, sent at or after `since`. */
const mailOf = async (to: string, since: number) =>
  (await sentEmails(emulators().sesEndpoint, since)).filter((m) => m.destination.to.includes(to));
/** Waits until what was written has gone through the stream function and the notifier. */
const settled = () =>
  vi.waitFor(() => expect(poller.drained() && invoke.idle()).toBe(true), { timeout: 15_000, interval: 20 });
/** Waits for `n` emails to `to` since `since`, then for the stack to settle, and answers them all. */
const mailAfter = async (to: string, since: number, n: number) => {
  await vi.waitFor(async () => expect((await mailOf(to, since)).length).toBeGreaterThanOrEqual(n), {
    timeout: 15_000,
    interval: 50,
  });
  await settled();
  return mailOf(to, since);
};
const register = async (e: string) =>
  expect((await call('register', { body: { email: e, password: PASSWORD, name: 'Owner' } })).status).toBe(
    201,
  );
const login = async (e: string, password = PASSWORD) => {
  const r = await call('login', { body: { email: e, password } });
  expect(r.status).toBe(200);
  return r.body as { accessToken: string; refreshToken: string };
};
/** How many repeated registrations' audit records the stream function has been given. */
const repeatsGiven = () =>
  given.filter(
    (r) =>
      r.eventName === 'INSERT' &&
      r.dynamodb?.NewImage?.entity?.S === 'audit' &&
      r.dynamodb?.NewImage?.action?.S === 'registration_repeated',
  ).length;
const textOf = (m: { subject: string; body: { text?: string } }) => `${m.subject}\n${m.body.text ?? ''}`;

describe('security notices by email', () => {
  it('a password change is emailed to the owner, saying what happened and what to do if it was not them', async () => {
    const e = email();
    await register(e);
    const { accessToken } = await login(e);
    // Security notices are not among the preferences: every one off, the notice still comes.
    const prefs = await call('putNotifications', {
      token: accessToken,
      body: { email: { incoming: false, withdrawals: false, holds: false } },
    });
    expect(prefs.status).toBe(200);
    const since = Date.now() - 1000;
    // A change that did not happen (the current password wrong) is not told.
    const refused = await call('changePassword', {
      token: accessToken,
      body: { currentPassword: 'Wrong-Horse-9-Battery', newPassword: 'Brand-New-Secret-42' },
    });
    expect(refused.status).toBe(400);
    const changed = await call('changePassword', {
      token: accessToken,
      body: { currentPassword: PASSWORD, newPassword: 'Brand-New-Secret-42' },
    });
    expect(changed.status).toBe(204);
    const mail = await mailAfter(e, since, 1);
    expect(mail, 'no email told the owner their password was changed').toHaveLength(1);
    const text = textOf(mail[0] as (typeof mail)[number]);
    expect(text).toMatch(/password/i);
    // When, said to be UTC; what to do if it was not them; no link.
    expect(text).toMatch(/\d{4}-\d\d-\d\d at \d\d:\d\d UTC/);
    expect(text).toMatch(/If it was not you/);
    // "Contact us" says how: the stage's contact, above the signature.
    expect(text).toContain('Contact us: help@bank.example or +1 555 0100\n\nServerless Bank');
    expect(`${text}${mail[0]?.body.html}`).not.toMatch(/https?:|href=/i);

    // The stream batch given again (Lambda's retry): the notifier's mark keeps it from a second email.
    const appended = given.filter(
      (r) => r.eventName === 'INSERT' && r.dynamodb?.NewImage?.entity?.S === 'audit',
    );
    expect(await runAs('stream', () => processRecords(appended))).toEqual({ batchItemFailures: [] });
    await settled();
    expect(await mailOf(e, since)).toHaveLength(1);
  });

  it('two-step sign-in turned on and off is emailed to the owner', async () => {
    const e = email();
    await register(e);
    const { accessToken } = await login(e);
    const since = Date.now() - 1000;
    const { secret } = (await call('enrolTotp', { token: accessToken, body: { password: PASSWORD } })).body;
    const enrolCode = generateSync({ secret });
    expect((await call('verifyTotp', { token: accessToken, body: { code: enrolCode } })).status).toBe(204);
    const on = await mailAfter(e, since, 1);
    expect(on.map((m) => m.subject)).toEqual(['Two-step sign-in was turned on']);
    const off = await call('disableTotp', {
      token: accessToken,
      body: { password: PASSWORD, code: unusedTotpCode(secret, [enrolCode]) },
    });
    expect(off.status, JSON.stringify(off.body)).toBe(204);
    const both = await mailAfter(e, since, 2);
    expect(both.map((m) => m.subject).sort()).toEqual([
      'Two-step sign-in was turned off',
      'Two-step sign-in was turned on',
    ]);
    const offText = textOf(both.find((m) => m.subject.endsWith('off')) as (typeof both)[number]);
    expect(offText).toMatch(/UTC/);
    expect(offText).toMatch(/If it was not you/);
  });

  it("a registration with a taken address sends its owner the README's notice by email, at most once a day", async ({
    skip,
  }) =>
    // The cap is per UTC day: a run that crosses midnight may rightly send a second notice.
    withinOnePeriod(skip, utcDay, async () => {
      // README (Identity): "its owner gets a 'someone tried to register with your address' notice".
      const e = email();
      await register(e);
      const since = Date.now() - 1000;
      const again = await call('register', {
        body: { email: e, password: 'Another-Pass-77!', name: 'Squatter' },
      });
      expect(again.status).toBe(201);
      const mail = await mailAfter(e, since, 1);
      expect(mail, 'no email told the owner someone tried to register with their address').toHaveLength(1);
      expect(mail[0]?.body.text).toContain('Someone tried to register with your address');
      // Anyone can register with any address as often as they like: the mailbox is not flooded.
      const seen = repeatsGiven();
      for (const name of ['Squatter Two', 'Squatter Three'])
        expect(
          (await call('register', { body: { email: e, password: 'Another-Pass-77!', name } })).status,
        ).toBe(201);
      // Both repeats reached the stream function (else a settled stack proves nothing: the poller may
      // not have read them yet), and all it started is done.
      await vi.waitFor(() => expect(repeatsGiven()).toBe(seen + 2), { timeout: 15_000, interval: 20 });
      await settled();
      expect(await mailOf(e, since)).toHaveLength(1);
    }));
});
