/**
 * The holds a confirmation puts on a login until its password is set (sessions.ts `holdPassword`,
 * `liftPasswordHold`): one confirmation refused takes back only its own hold, never another's.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestTable, dynamoClients } from '../../test/harness.ts';
import { createDocumentClient } from './db.ts';
import { SessionStore } from './sessions.ts';

let store: SessionStore;
beforeAll(async () => {
  store = new SessionStore(
    createDocumentClient(dynamoClients().client),
    await createTestTable('holds'),
    3600,
  );
});

const held = async (sub: string) => (await store.status(sub)).passwordPending === true;

describe('password holds', () => {
  it('two holds at once: lifting one leaves the login held, lifting both ends it', async () => {
    const sub = randomUUID();
    const [a, b] = await Promise.all([store.holdPassword(sub), store.holdPassword(sub)]);
    expect(a).not.toBe(b);
    await store.liftPasswordHold(sub, b);
    expect(await held(sub)).toBe(true);
    // Lifting it again changes nothing: the other still holds.
    await store.liftPasswordHold(sub, b);
    expect(await held(sub)).toBe(true);
    await store.liftPasswordHold(sub, a);
    expect(await held(sub)).toBe(false);
  });

  it('a hold that a password set (or a reset) ended is not raised again by a late lift, nor does the lift fail', async () => {
    const sub = randomUUID();
    const a = await store.holdPassword(sub);
    await store.clearPasswordHolds(sub);
    expect(await held(sub)).toBe(false);
    await store.liftPasswordHold(sub, a);
    expect(await held(sub)).toBe(false);
    // A hold taken after the end is its own: a late lift of the earlier one leaves it.
    await store.holdPassword(sub);
    await store.liftPasswordHold(sub, a);
    expect(await held(sub)).toBe(true);
  });
});
