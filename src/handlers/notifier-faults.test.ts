/**
 * The notifier when sending goes wrong, on DynamoDB Local (the email marks, the owner's profile and
 * preferences) with a stand-in SES client and clock injected (useNotifierDeps): a send that hangs
 * until the invocation dies, a send that fails, SES throttling in the middle of an invocation's
 * events, and marks already `sent`. An invocation either passes or fails (throws), and Lambda's
 * asynchronous retry gives the same events again. Each invocation runs as the `notifier` function, so the offline IAM checks its calls.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { answerLostOnce, createTestTable, dynamoClients, useHandlerEnv } from '../../test/harness.ts';
import { captureLogs } from '../../test/logs.ts';
import { functions } from '../functions.ts';
import { runAs } from '../local/iam.ts';
import { createDocumentClient } from '../store/db.ts';
import { EMAIL_LEASE_MS, EmailMarks } from '../store/email-marks.ts';
import * as keys from '../store/item-keys.ts';
import { UserStore } from '../store/users.ts';
import { db } from './context.ts';
import {
  handler,
  type NotifierDeps,
  newSesClient,
  RECORD_BUDGET_MS,
  SEND_DEADLINE_MS,
  SES_MAX_ATTEMPTS,
  SES_TIMEOUTS,
  useNotifierDeps,
} from './notifier.ts';
import type { Notice } from './notify.ts';

let table: string;
let restoreEnv: () => void;
let restoreDeps: () => void;
const doc = () => createDocumentClient(dynamoClients().client);

// ---------- the stand-ins ----------

let clock: Date;
const later = (ms: number) => {
  clock = new Date(clock.getTime() + ms);
};

type Step = 'ok' | 'hang' | Error;
/** A SES client that answers each SendEmail with the next step of its script ('ok' once it is spent). */
const fakeSes = () => {
  const script: Step[] = [];
  /** Every SendEmail it was given, as "to: subject", and those it accepted. */
  const attempted: string[] = [];
  const accepted: string[] = [];
  const signals: (AbortSignal | undefined)[] = [];
  let onAttempt: (() => void) | undefined;
  const send = async (command: SendEmailCommand, options?: { abortSignal?: AbortSignal }) => {
    const i = command.input;
    const what = `${i.Destination?.ToAddresses?.join(',')}: ${i.Content?.Simple?.Subject?.Data}`;
    attempted.push(what);
    signals.push(options?.abortSignal);
    onAttempt?.();
    const step = script.shift() ?? 'ok';
    if (step === 'hang') return new Promise<never>(() => {});
    if (step instanceof Error) throw step;
    accepted.push(what);
    return { MessageId: randomUUID(), $metadata: {} };
  };
  return {
    client: { send } as unknown as NotifierDeps['ses'],
    script,
    attempted,
    accepted,
    signals,
    /** Resolves once the next SendEmail has been given to SES. */
    nextAttempt: () =>
      new Promise<void>((resolve) => {
        onAttempt = resolve;
      }),
  };
};
let ses: ReturnType<typeof fakeSes>;

const awsError = (name: string) => Object.assign(new Error(name), { name, $fault: 'client' });

// ---------- customers and their events ----------

const newUser = async () => {
  const sub = `u-${randomUUID()}`;
  await new UserStore(doc(), table).create({
    userId: sub,
    email: `${sub}@example.com`,
    name: 'Test',
    createdAt: new Date().toISOString(),
  });
  return sub;
};

/** A newly stored event of `owner`, as the stream function gives it to the notifier. */
const newEvent = (owner: string, type: string, data: Record<string, unknown>) => {
  const id = `evt_${randomUUID()}`;
  const notice = {
    id,
    type,
    createdAt: '2026-03-01T06:00:00.000Z',
    ownerId: owner,
    data,
  } as Notice;
  return { id, notice };
};
/** A `schedule.run_failed` event (always emailed) of `owner`. */
const runFailed = (owner: string, amount = 2500) =>
  newEvent(owner, 'schedule.run_failed', {
    scheduleId: 's-1',
    runDate: '2026-03-01',
    errorCode: 'insufficient_funds',
    amount,
    currency: 'EUR',
  });
/** A transfer `owner` received (emailed if their preferences say `incoming`). */
const received = (owner: string, amount = 700) =>
  newEvent(owner, 'transaction.posted', {
    type: 'transfer',
    toAccountId: 'acc-1',
    toAccountNumber: '12345678',
    amount,
    currency: 'EUR',
  });

/** An invocation: `ok`, or `failed` (it threw: Lambda retries it whole, with the same events). */
const invoke = (notices: Notice[], context?: Context) =>
  runAs('notifier', () => handler({ events: notices }, context)).then(
    () => 'ok' as const,
    () => 'failed' as const,
  );
const notify = (...notices: Notice[]) => invoke(notices);
/** An invocation with `remainingMs` of its time left (Lambda's context; the clock stands still within it). */
const notifyWithin = (remainingMs: number, ...notices: Notice[]) =>
  invoke(notices, { getRemainingTimeInMillis: () => remainingMs } as unknown as Context);

beforeAll(async () => {
  table = await createTestTable('notifier');
  restoreEnv = useHandlerEnv({ TABLE_NAME: table });
});
afterAll(() => {
  restoreDeps?.();
  restoreEnv?.();
});
beforeEach(() => {
  restoreDeps?.();
  clock = new Date('2026-03-01T06:00:01.000Z');
  ses = fakeSes();
  restoreDeps = useNotifierDeps({ ses: ses.client, now: () => clock });
});

describe('notifier: an email is neither lost nor sent twice', () => {
  it('a send that hangs until the invocation dies: a retry within the lease fails the invocation, one after it sends', async () => {
    const owner = await newUser();
    const { notice } = runFailed(owner);
    const subject = `${owner}@example.com: Your scheduled transfer of €25.00 was not paid`;
    ses.script.push('hang');
    const attempt = ses.nextAttempt();
    // The first invocation claims the email and never hears back from SES (Lambda ends it at its timeout).
    void notify(notice);
    await attempt;
    expect(ses.attempted).toEqual([subject]);

    // Retried while the claim's lease lasts: not sent (that send may still be on its way), not dropped.
    later(EMAIL_LEASE_MS - 1000);
    expect(await notify(notice)).toBe('failed');
    expect(ses.attempted).toHaveLength(1);

    // Retried after the lease: sent.
    later(2000);
    expect(await notify(notice)).toBe('ok');
    expect(ses.accepted).toEqual([subject]);

    // Delivered again later: it was sent, so nothing more.
    later(EMAIL_LEASE_MS * 10);
    expect(await notify(notice)).toBe('ok');
    expect(ses.attempted).toHaveLength(2);
  });

  it('the lease ends with the invocation that claimed: its retry after a timeout sends, however late in it the claim was', async () => {
    const owner = await newUser();
    const { notice } = runFailed(owner);
    ses.script.push('hang');
    const attempt = ses.nextAttempt();
    // Claimed with 20 s of the invocation left (its lease would be 30 s from the claim without the deadline).
    void notifyWithin(20_000, notice);
    await attempt;
    // Before that invocation's end: it may still be sending, so the invocation fails.
    later(19_000);
    expect(await notifyWithin(30_000, notice)).toBe('failed');
    // Past its end (Lambda's retries come after the invocation that timed out): sent, once.
    later(1_001);
    expect(await notifyWithin(30_000, notice)).toBe('ok');
    expect(ses.attempted).toHaveLength(2);
    expect(ses.accepted).toHaveLength(1);
  });

  it('an event is not begun without the time to see it through: the invocation fails, to be retried, nothing claimed', async () => {
    const owner = await newUser();
    const batch = [runFailed(owner, 100), runFailed(owner, 200)].map((e) => e.notice);
    expect(await notifyWithin(RECORD_BUDGET_MS + 1, ...batch)).toBe('ok');
    expect(ses.attempted).toHaveLength(2);
    const more = [runFailed(owner, 300), runFailed(owner, 400)].map((e) => e.notice);
    expect(await notifyWithin(RECORD_BUDGET_MS, ...more)).toBe('failed');
    expect(ses.attempted).toHaveLength(2);
    // No claim was left behind: the retry, at once, sends both.
    expect(await notifyWithin(30_000, ...more)).toBe('ok');
    expect(ses.accepted).toHaveLength(4);
    // The budget covers a whole send, with room for the reads, the claim and the mark.
    expect(RECORD_BUDGET_MS).toBeGreaterThan(SEND_DEADLINE_MS);
    expect(RECORD_BUDGET_MS).toBeLessThan(functions.notifier.timeoutSeconds * 1000);
  });

  it('SendEmail is not sent again after a timeout (SES may have taken it), and is after throttling', async () => {
    const seen: string[] = [];
    let answer: 'never' | 'throttle' = 'never';
    const server = createServer((_req, res) => {
      seen.push(answer);
      if (answer === 'never') return; // SES took it, and its answer never comes
      res.writeHead(429, {
        'content-type': 'application/json',
        'x-amzn-errortype': 'TooManyRequestsException',
      });
      res.end(JSON.stringify({ message: 'Maximum sending rate exceeded' }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const client = newSesClient({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      timeouts: { requestTimeout: 200 },
    });
    const send = () =>
      client.send(
        new SendEmailCommand({
          FromEmailAddress: 'bank@example.com',
          Destination: { ToAddresses: ['a@example.com'] },
          Content: { Simple: { Subject: { Data: 's' }, Body: { Text: { Data: 't' } } } },
        }),
      );
    try {
      await expect(send()).rejects.toMatchObject({ name: 'TimeoutError' });
      expect(seen).toEqual(['never']);
      answer = 'throttle';
      await expect(send()).rejects.toMatchObject({ name: 'TooManyRequestsException' });
      expect(seen).toEqual(['never', ...Array(SES_MAX_ATTEMPTS).fill('throttle')]);
    } finally {
      client.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('an email SES refuses for good (MessageRejected) is passed over: the emails behind it are sent', async () => {
    const owner = await newUser();
    const batch = [runFailed(owner, 100), runFailed(owner, 200)].map((e) => e.notice);
    ses.script.push(awsError('MessageRejected'));
    expect(await notify(...batch)).toBe('ok');
    expect(ses.attempted).toHaveLength(2);
    expect(ses.accepted.map((s) => s.match(/€\d\.\d\d/)?.[0])).toEqual(['€2.00']);
  });

  it("SES's refusals name the recipient's address: it stays out of the logs, the error's name stays in", async () => {
    const owner = await newUser();
    const address = `${owner}@example.com`;
    // As SES words them: the sandbox's refusal lists the identities that failed its check.
    const refused = (name: string) => {
      const e = Object.assign(
        new Error(
          `Email address is not verified. The following identities failed the check in region EU-WEST-1: ${address}`,
        ),
        { name, $fault: 'client' },
      );
      // Its stack formatted already (V8 does it at the first read), with the address in it.
      expect(e.stack).toContain(address);
      return e;
    };
    ses.script.push(refused('MessageRejected'));
    const passedOver = await captureLogs(() => notify(runFailed(owner).notice));
    expect(passedOver.result).toBe('ok');
    expect(passedOver.logs).toContain('MessageRejected');
    expect(passedOver.logs).not.toContain(address);
    // Any other failed send is logged (and thrown, for Lambda's retry) without it too.
    ses.script.push(refused('BadRequestException'));
    const failed = await captureLogs(() => notify(runFailed(owner).notice));
    expect(failed.result).toBe('failed');
    expect(failed.logs).toContain('BadRequestException');
    expect(failed.logs).not.toContain(address);
  });

  it('a send that fails gives its claim back: the invocation fails and its retry sends at once', async () => {
    const owner = await newUser();
    const { notice } = runFailed(owner);
    ses.script.push(awsError('TimeoutError'));
    expect(await notify(notice)).toBe('failed');
    expect(ses.accepted).toEqual([]);
    // The same instant: no lease to wait out.
    expect(await notify(notice)).toBe('ok');
    expect(ses.accepted).toHaveLength(1);
  });

  it("a claim the SDK sends again after its answer was lost is this notifier's: it sends now, not after the lease", async () => {
    const { id } = runFailed(await newUser());
    // DynamoDB takes the claim; its answer is lost, and the SDK's second attempt meets the claim its
    // first made: read as another's, the email waited out the lease (30 s) and the invocation failed.
    const lossy = answerLostOnce('PutItemCommand');
    const claimed = await new EmailMarks(lossy, table).claim(id, clock);
    expect(lossy.lost()).toBe(1);
    expect(claimed).toMatchObject({
      state: 'claimed',
      leaseUntil: new Date(clock.getTime() + EMAIL_LEASE_MS).toISOString(),
    });
    // Anyone else within the lease still finds it being sent.
    expect(await new EmailMarks(doc(), table).claim(id, clock)).toMatchObject({ state: 'sending' });
  });

  it('a `sent` mark never sends again, nor does a mark from before marks had states', async () => {
    const owner = await newUser();
    const { notice } = runFailed(owner);
    expect(await notify(notice)).toBe('ok');
    expect(ses.accepted).toHaveLength(1);
    for (const wait of [0, EMAIL_LEASE_MS + 1, 24 * 3600_000]) {
      later(wait);
      expect(await notify(notice)).toBe('ok');
    }
    expect(ses.attempted).toHaveLength(1);

    // The mark as the notifier wrote it before (sent before SendEmail, no state): taken as sent.
    const legacy = runFailed(owner);
    await doc().send(
      new PutCommand({
        TableName: table,
        Item: {
          ...keys.email(legacy.id),
          entity: 'email',
          sentAt: clock.toISOString(),
          expiresAt: 2_000_000_000,
        },
      }),
    );
    expect(await notify(legacy.notice)).toBe('ok');
    expect(ses.attempted).toHaveLength(1);
  });

  it('SES throttling stops the invocation: the emails after it are not attempted, and Lambda’s retry sends each once', async () => {
    const owner = await newUser();
    const batch = [runFailed(owner, 100), runFailed(owner, 200), runFailed(owner, 300)].map((e) => e.notice);
    ses.script.push('ok', awsError('TooManyRequestsException'));
    expect(await notify(...batch)).toBe('failed');
    expect(ses.attempted.map((s) => s.match(/€\d\.\d\d/)?.[0])).toEqual(['€1.00', '€2.00']);
    // Lambda retries the whole invocation: the first email is found sent, the others are sent.
    expect(await notify(...batch)).toBe('ok');
    expect(ses.accepted.map((s) => s.match(/€\d\.\d\d/)?.[0])).toEqual(['€1.00', '€2.00', '€3.00']);
    expect(ses.attempted).toHaveLength(4);
  });

  it('a send is bounded well inside the lease, and the lease outlasts the invocation that claimed', async () => {
    const owner = await newUser();
    expect(await notify(runFailed(owner).notice)).toBe('ok');
    // Every SendEmail goes with a deadline on the whole call (its retries included).
    expect(ses.signals).toHaveLength(1);
    expect(ses.signals[0]).toBeInstanceOf(AbortSignal);
    expect(ses.signals[0]?.aborted).toBe(false);
    // The client's own limits throw (this SDK only warns at the request timeout without the flag).
    expect(SES_TIMEOUTS.throwOnRequestTimeout).toBe(true);
    expect((SES_TIMEOUTS.connectionTimeout + SES_TIMEOUTS.requestTimeout) * SES_MAX_ATTEMPTS).toBeLessThan(
      EMAIL_LEASE_MS,
    );
    expect(SEND_DEADLINE_MS).toBeLessThan(EMAIL_LEASE_MS);
    // Once the lease is over the invocation that claimed has ended, whatever it was doing.
    expect(EMAIL_LEASE_MS).toBeGreaterThanOrEqual(functions.notifier.timeoutSeconds * 1000);
  });
});

describe("notifier: a batch's owners read at once", () => {
  /** The commands the handlers' DynamoDB client sends while `fn` runs, as "Command sk" (GetItems) or names. */
  const sentDuring = async (fn: () => Promise<unknown>, fail?: (command: object) => Error | undefined) => {
    const sent: string[] = [];
    const client = db();
    const send = client.send.bind(client);
    const spy = vi.spyOn(client, 'send').mockImplementation((async (command: {
      constructor: { name: string };
      input: { Key?: { sk?: string } };
    }) => {
      sent.push([command.constructor.name, command.input.Key?.sk].filter(Boolean).join(' '));
      const error = fail?.(command);
      if (error) throw error;
      return send(command as never);
    }) as never);
    try {
      await fn();
    } finally {
      spy.mockRestore();
    }
    return sent;
  };

  it('reads every owner’s preferences and profile in one BatchGetItem, and none of them again per email', async () => {
    const [a, b] = [await newUser(), await newUser()];
    const batch = [runFailed(a, 100), runFailed(b, 200), runFailed(a, 300)].map((e) => e.notice);
    const sent = await sentDuring(async () => expect(await notify(...batch)).toBe('ok'));
    expect(sent.filter((c) => c === 'BatchGetCommand')).toHaveLength(1);
    expect(sent.filter((c) => /^GetCommand (NOTIFICATIONS|PROFILE)$/.test(c))).toEqual([]);
    expect(ses.accepted.map((s) => s.split(':')[0])).toEqual([a, b, a].map((u) => `${u}@example.com`));
  });

  it('as read ahead: an owner who turned off the emails of money received gets none, nor does one with no profile', async () => {
    const [a, b] = [await newUser(), await newUser()];
    await doc().send(
      new PutCommand({
        TableName: table,
        Item: {
          ...keys.notifications(b),
          entity: 'notifications',
          email: { incoming: false, withdrawals: true, holds: true },
        },
      }),
    );
    const nobody = `u-${randomUUID()}`;
    const batch = [received(a), received(b), received(nobody), received(a, 900)].map((e) => e.notice);
    expect(await notify(...batch)).toBe('ok');
    expect(ses.accepted.map((s) => s.split(':')[0])).toEqual([a, a].map((u) => `${u}@example.com`));
  });

  it('if reading the owners at once fails, each email reads its own owner, and all are sent', async () => {
    const owner = await newUser();
    const batch = [runFailed(owner, 100), runFailed(owner, 200)].map((e) => e.notice);
    const sent = await sentDuring(
      async () => expect(await notify(...batch)).toBe('ok'),
      (command) =>
        command.constructor.name === 'BatchGetCommand' ? awsError('ThrottlingException') : undefined,
    );
    expect(sent.filter((c) => c === 'GetCommand PROFILE')).toHaveLength(2);
    expect(ses.accepted).toHaveLength(2);
  });
});

describe('notifier: its payload', () => {
  it('logs a payload without events as an error (only the stream function invokes it), and sends nothing', async () => {
    const { result, logs } = await captureLogs(() => handler({} as never));
    expect(result).toEqual({ sent: 0 });
    expect(logs).toMatch(/"level":"ERROR".*a payload without events/);
    const fine = await captureLogs(() => handler({ events: [] }));
    expect(fine.logs).not.toContain('a payload without events');
  });

  it("logs what it cannot read by its fields' names and types, never their values (names, addresses, amounts)", async () => {
    const odd = await captureLogs(() => handler({ note: 'alice@example.com', n: 4711 } as never));
    expect(odd.logs).toMatch(/a payload without events.*"note":"string".*"n":"number"/);
    expect(odd.logs).not.toMatch(/alice@example\.com|4711/);
    // An event without its createdAt: passed over, and its data stays out of the log.
    const event = {
      id: 'evt-unreadable',
      type: 'transaction.posted',
      ownerId: 'u-1',
      data: { counterparty: 'Alice Moneypenny', amount: 98765 },
    };
    const { result, logs } = await captureLogs(() => handler({ events: [event as unknown as Notice] }));
    expect(result).toEqual({ sent: 0 });
    expect(logs).toMatch(/an event it cannot read.*"eventId":"evt-unreadable".*"data":"object"/);
    expect(logs).not.toMatch(/Moneypenny|98765|u-1/);
  });
});
