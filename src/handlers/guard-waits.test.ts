/**
 * A customer route's guard runs beside its handler (src/store/guard-gate.ts): gated SDK clients hold
 * back the handler's writes, and work no gated client sees awaits `guardPassed()` itself. Two handlers
 * have such work: registering a webhook looks the caller's host up in DNS (a refused caller must not
 * make the bank query a domain of theirs), and a statement file is rendered before it is written (CPU
 * a refused caller must not spend). Each is done for a caller the guard lets through, and never for one
 * it refuses. A refused caller is answered at the refusal, before the handler has run out, so each test
 * waits for the handler to meet the refusal (`guardPassed` observed) before it looks.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { call } from '../../test/api.ts';
import { newUser, openAccount } from '../../test/banking.ts';
import { createTestTable, dynamoClients, useHandlerEnv } from '../../test/harness.ts';
import { config } from '../config.ts';
import { periodOf } from '../domain/statements.ts';
import { s3Env } from '../local/s3.ts';
import { SessionStore } from '../store/sessions.ts';

const done = vi.hoisted(() => ({ lookedUp: [] as string[], rendered: [] as string[], refused: () => {} }));
vi.mock('./deliver.ts', async (original) => ({
  ...(await original<typeof import('./deliver.ts')>()),
  resolveAll: async (host: string) => {
    done.lookedUp.push(host);
    return ['93.184.216.34'];
  },
}));
vi.mock('./statement-writer.ts', async (original) => {
  const real = await original<typeof import('./statement-writer.ts')>();
  return {
    ...real,
    writeStatementFile: (...a: Parameters<typeof real.writeStatementFile>) => {
      done.rendered.push(a[0]);
      return real.writeStatementFile(...a);
    },
  };
});
vi.mock('../store/guard-gate.ts', async (original) => {
  const real = await original<typeof import('../store/guard-gate.ts')>();
  return {
    ...real,
    guardPassed: () =>
      real.guardPassed().catch((e: unknown) => {
        done.refused();
        throw e;
      }),
  };
});

let table: string;
let restore: () => void;
beforeAll(async () => {
  table = await createTestTable('guard-waits');
  restore = useHandlerEnv({ TABLE_NAME: table, ...s3Env(inject('s3')) });
});
afterAll(() => restore?.());

/** Signs the customer out everywhere: their token, issued before now, is refused (401). */
const signOut = (user: string) =>
  new SessionStore(dynamoClients().doc, config().tableName, 3600).revokeAllBefore(user, Date.now());

/** Resolves once a handler has met the guard's refusal in `guardPassed`. */
const handlerRefused = () =>
  new Promise<void>((r) => {
    done.refused = r;
  });

describe('work outside the gated clients waits for the guard', () => {
  it('registering a webhook: the host is looked up for a caller let through, never for one refused', async () => {
    const register = (user: string, host: string) =>
      call('createWebhook', {
        user,
        body: { url: `https://${host}/hook`, events: ['transaction.posted'] },
        headers: { 'idempotency-key': randomUUID() },
      });
    expect((await register(randomUUID(), 'allowed.example.com')).status).toBe(201);
    expect(done.lookedUp).toEqual(['allowed.example.com']);

    const refused = randomUUID();
    await signOut(refused);
    const met = handlerRefused();
    const r = await register(refused, 'refused.example.com');
    expect([r.status, r.body.code]).toEqual([401, 'unauthorized']);
    await met;
    expect(done.lookedUp).toEqual(['allowed.example.com']);
  });

  it('a statement file: rendered for a caller let through, never for one refused', async () => {
    const fetchStatement = async (user: string) => {
      const a = await openAccount(user);
      return {
        id: a.id,
        get: () =>
          call('getStatement', {
            user,
            params: { id: a.id, period: periodOf(new Date()) },
            query: { format: 'csv' },
          }),
      };
    };
    const allowed = await newUser(table);
    const mine = await fetchStatement(allowed);
    expect((await mine.get()).status).toBe(200);
    expect(done.rendered).toHaveLength(1);
    expect(done.rendered[0]).toContain(mine.id);

    const refused = await newUser(table);
    const theirs = await fetchStatement(refused);
    await signOut(refused);
    const met = handlerRefused();
    const r = await theirs.get();
    expect([r.status, r.body.code]).toEqual([401, 'unauthorized']);
    await met;
    expect(done.rendered).toHaveLength(1);
  });
});
