/**
 * The cap on emails of money received (src/domain/notifications.ts RECEIVED_EMAILS_PER_HOUR): a
 * security review's failing test (one email per 0.01 transfer), kept and widened. Through the notifier
 * under the offline IAM, with SES and the clock injected.
 */
import { randomUUID } from 'node:crypto';
import type { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTable, dynamoClients, useHandlerEnv } from '../../test/harness.ts';
import { RECEIVED_EMAILS_PER_HOUR } from '../domain/notifications.ts';
import { runAs } from '../local/iam.ts';
import { createDocumentClient } from '../store/db.ts';
import { UserStore } from '../store/users.ts';
import { handler, type NotifierDeps, useNotifierDeps } from './notifier.ts';
import type { Notice } from './notify.ts';

let table: string;
let restoreEnv: () => void;
let restoreDeps: () => void;
const accepted: { to: string; subject: string; text: string }[] = [];
let clock = new Date('2026-03-01T06:00:30.000Z');
/** The send to fail once (SES throttling, say), by its count of sends from the start. */
let failSend: number | undefined;
let sends = 0;

beforeAll(async () => {
  table = await createTestTable('notifier-received');
  restoreEnv = useHandlerEnv({ TABLE_NAME: table });
  const send = async (command: SendEmailCommand) => {
    const i = command.input;
    if (sends++ === failSend)
      throw Object.assign(new Error('Maximum sending rate exceeded (injected)'), {
        name: 'TooManyRequestsException',
      });
    accepted.push({
      to: i.Destination?.ToAddresses?.join(',') ?? '',
      subject: i.Content?.Simple?.Subject?.Data ?? '',
      text: i.Content?.Simple?.Body?.Text?.Data ?? '',
    });
    return { MessageId: randomUUID(), $metadata: {} };
  };
  restoreDeps = useNotifierDeps({ ses: { send } as unknown as NotifierDeps['ses'], now: () => clock });
});
afterAll(() => {
  restoreDeps?.();
  restoreEnv?.();
});

const customer = async () => {
  const id = `u-${randomUUID()}`;
  await new UserStore(createDocumentClient(dynamoClients().client), table).create({
    userId: id,
    email: `${id}@example.com`,
    name: 'Victim',
    createdAt: new Date().toISOString(),
  });
  return id;
};
/** What the stream function hands the notifier for a transfer of 0.01 posted to `owner`. */
const received = (owner: string): Notice =>
  ({
    id: `evt_${randomUUID()}`,
    type: 'transaction.posted',
    createdAt: clock.toISOString(),
    ownerId: owner,
    data: {
      id: randomUUID(),
      type: 'transfer',
      status: 'posted',
      toAccountId: 'acc-1',
      toAccountNumber: '4820193755',
      fromAccountNumber: '1234567897',
      amount: 1,
      currency: 'USD',
    },
  }) as Notice;
const to = (owner: string) => accepted.filter((a) => a.to === `${owner}@example.com`);

describe('notifier: emails of money received', () => {
  it('a stranger\u2019s stream of 0.01 transfers gets the customer at most the hour\u2019s cap, the last saying so; once each', async () => {
    const victim = await customer();
    const other = await customer();
    // Anyone who knows an account number can send these, between accounts of their own at no cost.
    const flood = Array.from({ length: 60 }, () => received(victim));
    const elsewhere = received(other);
    await runAs('notifier', () => handler({ events: [...flood, elsewhere] }));
    const sent = to(victim);
    expect(sent).toHaveLength(RECEIVED_EMAILS_PER_HOUR);
    expect(sent.every((e) => e.subject === 'You received $0.01')).toBe(true);
    expect(sent.at(-1)?.text).toMatch(/we will not email you about more until the next hour/);
    expect(sent.slice(0, -1).some((e) => /next hour/.test(e.text))).toBe(false);
    // Another customer's emails are not held back by it.
    expect(to(other)).toHaveLength(1);
    // Delivered again (Lambda's retry, the stream's): nothing more, the cap not counted twice.
    await runAs('notifier', () => handler({ events: flood }));
    expect(to(victim)).toHaveLength(RECEIVED_EMAILS_PER_HOUR);
    // The next hour, the customer hears of money received again.
    clock = new Date('2026-03-01T07:00:05.000Z');
    await runAs('notifier', () => handler({ events: [received(victim)] }));
    expect(to(victim)).toHaveLength(RECEIVED_EMAILS_PER_HOUR + 1);
  });

  it('an email whose send failed is sent on the retry with the count it took, the hour\u2019s last included', async () => {
    clock = new Date('2026-03-01T09:10:00.000Z');
    const victim = await customer();
    const events = Array.from({ length: RECEIVED_EMAILS_PER_HOUR + 2 }, () => received(victim));
    // The hour's last email fails at SES: the invocation stops there, to be retried.
    failSend = sends + RECEIVED_EMAILS_PER_HOUR - 1;
    await expect(runAs('notifier', () => handler({ events }))).rejects.toThrow(/sending rate/);
    expect(to(victim)).toHaveLength(RECEIVED_EMAILS_PER_HOUR - 1);
    await runAs('notifier', () => handler({ events }));
    const sent = to(victim);
    expect(sent).toHaveLength(RECEIVED_EMAILS_PER_HOUR);
    expect(sent.at(-1)?.text).toMatch(/next hour/);
  });
});

describe('review: an event already emailed, delivered again in the next hour', () => {
  it('takes none of the new hour’s emails: the customer still gets the cap, the last saying so', async () => {
    clock = new Date('2026-03-01T12:59:50.000Z');
    const victim = await customer();
    const first = received(victim);
    await runAs('notifier', () => handler({ events: [first] }));
    expect(to(victim)).toHaveLength(1);
    // The stream's batch (or Lambda's retry) delivers it again seconds later, past the hour.
    clock = new Date('2026-03-01T13:00:10.000Z');
    await runAs('notifier', () => handler({ events: [first] }));
    expect(to(victim)).toHaveLength(1);
    // Then the hour's transfers come in.
    const events = Array.from({ length: RECEIVED_EMAILS_PER_HOUR + 2 }, () => received(victim));
    await runAs('notifier', () => handler({ events }));
    const hour = to(victim).slice(1);
    // Today the redelivery took a place in 13:00's count before the notifier saw it was sent already
    // (notifier.ts: takeReceived before claim): 9 emails, and no email says that no more will come.
    expect(hour).toHaveLength(RECEIVED_EMAILS_PER_HOUR);
    expect(hour.at(-1)?.text).toMatch(/we will not email you about more until the next hour/);
  });
});

describe('review: the hour’s last email of money received failing at SES, retried after the hour', () => {
  it('still tells the customer that the hour’s other payments were not emailed', async () => {
    clock = new Date('2026-03-02T12:59:20.000Z');
    const victim = await customer();
    // Nine emails of the hour sent; the tenth (an invocation of its own) fails at SES and stops, to be
    // retried by Lambda a minute later.
    await runAs('notifier', () =>
      handler({ events: Array.from({ length: RECEIVED_EMAILS_PER_HOUR - 1 }, () => received(victim)) }),
    );
    const batch = [received(victim)];
    failSend = sends;
    await expect(runAs('notifier', () => handler({ events: batch }))).rejects.toThrow(/sending rate/);
    // Meanwhile the flood goes on (another invocation, the same hour): over the cap, none emailed.
    await runAs('notifier', () => handler({ events: Array.from({ length: 5 }, () => received(victim)) }));
    expect(to(victim)).toHaveLength(RECEIVED_EMAILS_PER_HOUR - 1);
    // Lambda's retry, 13:00:20.
    clock = new Date('2026-03-02T13:00:20.000Z');
    await runAs('notifier', () => handler({ events: batch }));
    const sent = to(victim);
    expect(sent).toHaveLength(RECEIVED_EMAILS_PER_HOUR);
    // Today the retried event takes the first place of 13:00's count (takeReceived keys on now(), not
    // on the place it already holds in 12:00's), so it goes out without the notice: five payments were
    // never emailed and no email says so.
    expect(sent.some((e) => /we will not email you about more/.test(e.text))).toBe(true);
  });
});
