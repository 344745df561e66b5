import { describe, expect, it } from 'vitest';
import { MIN_IDEMPOTENCY_TTL_SECONDS } from '../../src/config.ts';
import {
  ASK_AGAIN_WITHIN_MS,
  createIntent,
  dropSettledIntents,
  fingerprint,
  IntentTooOld,
  sessionIntentStore,
  tooOldToAsk,
} from './idempotency.ts';

const keys = () => {
  let n = 0;
  return () => `key-${++n}`;
};

class Definite extends Error {}

const deferred = <T>() => {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

describe('createIntent', () => {
  it('sends a double submission once', async () => {
    const intent = createIntent<{ amount: number }, string>({ newKey: keys() });
    const sent: string[] = [];
    const d = deferred<string>();
    const send = (key: string) => {
      sent.push(key);
      return d.promise;
    };
    const first = intent.submit({ amount: 5 }, send);
    const second = intent.submit({ amount: 5 }, send);
    expect(intent.inFlight).toBe(true);
    d.resolve('done');
    expect(await first).toBe('done');
    expect(await second).toBe('done');
    expect(sent).toEqual(['key-1']);
    expect(intent.inFlight).toBe(false);
  });

  it('reuses the key when a retry follows an unknown outcome', async () => {
    const intent = createIntent<{ amount: number }, string>({
      newKey: keys(),
      isRetryable: (e) => !(e instanceof Definite),
    });
    const sent: string[] = [];
    await expect(
      intent.submit({ amount: 5 }, async (k) => {
        sent.push(k);
        throw new TypeError('network down');
      }),
    ).rejects.toThrow('network down');
    expect(intent.key).toBe('key-1');
    await intent.submit({ amount: 5 }, async (k) => {
      sent.push(k);
      return 'ok';
    });
    expect(sent).toEqual(['key-1', 'key-1']);
    expect(intent.key).toBeUndefined();
  });

  it('starts a new intent after success, after a definite refusal, and when the details change', async () => {
    const intent = createIntent<{ amount: number; to?: string }, string>({
      newKey: keys(),
      isRetryable: (e) => !(e instanceof Definite),
    });
    const sent: string[] = [];
    const ok = async (k: string) => {
      sent.push(k);
      return 'ok';
    };
    await intent.submit({ amount: 5 }, ok);
    await intent.submit({ amount: 5 }, ok);
    await expect(
      intent.submit({ amount: 5 }, async (k) => {
        sent.push(k);
        throw new Definite('insufficient funds');
      }),
    ).rejects.toBeInstanceOf(Definite);
    await expect(
      intent.submit({ amount: 6 }, async (k) => {
        sent.push(k);
        throw new Error('timeout');
      }),
    ).rejects.toThrow();
    await intent.submit({ to: 'x', amount: 6 }, ok);
    await intent.submit({ amount: 6, to: 'x' }, ok);
    expect(sent).toEqual(['key-1', 'key-2', 'key-3', 'key-4', 'key-5', 'key-6']);
  });

  it('keeps the key across the same details in any key order', async () => {
    const intent = createIntent<Record<string, unknown>, string>({ newKey: keys() });
    const sent: string[] = [];
    const fail = async (k: string) => {
      sent.push(k);
      throw new Error('503');
    };
    await expect(intent.submit({ a: 1, b: { c: 2, d: 3 } }, fail)).rejects.toThrow();
    await expect(intent.submit({ b: { d: 3, c: 2 }, a: 1 }, fail)).rejects.toThrow();
    expect(sent).toEqual(['key-1', 'key-1']);
    intent.reset();
    expect(intent.key).toBeUndefined();
  });

  it('after a reset, sends the next submission with its own key instead of joining the old request', async () => {
    const intent = createIntent<{ amount: number }, string>({ newKey: keys() });
    const sent: string[] = [];
    const old = deferred<string>();
    const first = intent.submit({ amount: 5 }, (k) => {
      sent.push(k);
      return old.promise;
    });
    // Given up while its request is still out (say, "Forget" while checking again).
    intent.reset();
    expect(intent.inFlight).toBe(false);
    const fresh = deferred<string>();
    const second = intent.submit({ amount: 7 }, (k) => {
      sent.push(k);
      return fresh.promise;
    });
    expect(sent).toEqual(['key-1', 'key-2']);
    // The old answer arriving settles nothing of the new intent, which stays in flight.
    old.resolve('old');
    expect(await first).toBe('old');
    expect(intent.inFlight).toBe(true);
    expect(intent.held?.key).toBe('key-2');
    fresh.resolve('new');
    expect(await second).toBe('new');
    expect(intent.inFlight).toBe(false);
    expect(intent.settled).toMatchObject({ key: 'key-2', outcome: { ok: true, result: 'new' } });
  });

  it('makes random UUID keys by default', async () => {
    const intent = createIntent<number, string>();
    const seen: string[] = [];
    const record = async (k: string) => {
      seen.push(k);
      return 'ok';
    };
    await intent.submit(1, record);
    await intent.submit(1, record);
    expect(seen[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen[1]).not.toBe(seen[0]);
  });
});

describe('fingerprint', () => {
  it('ignores key order but not values', () => {
    expect(fingerprint({ a: 1, b: [2, { y: 1, x: 2 }] })).toBe(fingerprint({ b: [2, { x: 2, y: 1 }], a: 1 }));
    expect(fingerprint({ a: 1 })).not.toBe(fingerprint({ a: 2 }));
  });
});

describe('an intent kept in sessionStorage', () => {
  const memory = () => {
    const m = new Map<string, string>();
    return {
      getItem: (k: string) => m.get(k) ?? null,
      setItem: (k: string, v: string) => void m.set(k, v),
      removeItem: (k: string) => void m.delete(k),
      m,
    };
  };

  it('writes the key down before sending, and a new page resumes it with the same key', async () => {
    const storage = memory();
    const page1 = createIntent<{ amount: number }, string>({
      newKey: keys(),
      store: sessionIntentStore('transfer', storage),
      now: () => 1000,
    });
    const seenInStorage: (string | null)[] = [];
    await expect(
      page1.submit({ amount: 5 }, async () => {
        seenInStorage.push(storage.getItem('bank.intent.transfer'));
        throw new TypeError('answer lost');
      }),
    ).rejects.toThrow('answer lost');
    expect(JSON.parse(seenInStorage[0] ?? 'null')).toMatchObject({ key: 'key-1', payload: { amount: 5 } });

    // The customer goes away and comes back (or reloads): a new page, a new intent object.
    const page2 = createIntent<{ amount: number }, string>({
      newKey: () => 'never-used',
      store: sessionIntentStore('transfer', storage),
      now: () => 1000 + 3600_000,
    });
    expect(page2.held).toEqual({
      key: 'key-1',
      print: fingerprint({ amount: 5 }),
      payload: { amount: 5 },
      since: 1000,
      // Its attempt went unanswered: a later 429 says nothing of it (outcomeUnknown's `lost`).
      lost: true,
    });
    const sent: string[] = [];
    const send = async (k: string) => {
      sent.push(k);
      return 'posted';
    };
    expect(await page2.submit({ amount: 5 }, send)).toBe('posted');
    expect(sent).toEqual(['key-1']);
    // A definite outcome ends it: nothing is left to resume, only an outcome to show.
    expect(page2.held).toBeUndefined();
    expect(page2.settled?.outcome).toEqual({ ok: true, result: 'posted' });
    page2.take();
    expect(storage.m.size).toBe(0);
  });

  it('is not asked again by its key once it is nearly a day old (the bank may have forgotten the key): nothing is sent', async () => {
    const storage = memory();
    let clock = 1_000_000;
    const newKey = keys();
    const page = () =>
      createIntent<{ amount: number }, string>({
        newKey,
        store: sessionIntentStore('schedule', storage),
        now: () => clock,
      });
    await expect(
      page().submit({ amount: 5 }, async () => {
        throw new TypeError('answer lost');
      }),
    ).rejects.toThrow('answer lost');
    const sent: string[] = [];
    const send = async (k: string) => {
      sent.push(k);
      return 'made';
    };
    // Just under the limit: asked again, with its key.
    clock += ASK_AGAIN_WITHIN_MS - 1;
    const early = page();
    expect(early.held && tooOldToAsk(early.held, clock)).toBe(false);
    await expect(
      early.submit({ amount: 5 }, async (k) => {
        sent.push(k);
        throw new TypeError('answer lost again');
      }),
    ).rejects.toThrow('answer lost again');
    expect(sent).toEqual(['key-1']);
    // At the limit: refused before anything is sent, and still held (the customer is to look).
    clock += 1;
    const late = page();
    expect(late.held && tooOldToAsk(late.held, clock)).toBe(true);
    await expect(late.submit({ amount: 5 }, send)).rejects.toBeInstanceOf(IntentTooOld);
    expect(sent).toEqual(['key-1']);
    expect(late.held?.key).toBe('key-1');
    // Given up on, the same details are a new intent, with a new key.
    late.reset();
    expect(await late.submit({ amount: 5 }, send)).toBe('made');
    expect(sent).toEqual(['key-1', 'key-2']);
  });

  it("stops asking well before the bank's shortest idempotency TTL", () => {
    expect(ASK_AGAIN_WITHIN_MS).toBeLessThan(MIN_IDEMPOTENCY_TTL_SECONDS * 1000);
    expect(ASK_AGAIN_WITHIN_MS).toBeLessThanOrEqual(MIN_IDEMPOTENCY_TTL_SECONDS * 1000 - 3600_000);
    // An intent whose time is unreadable is too old: never asked again by a key that may be forgotten.
    expect(tooOldToAsk({ since: Number.NaN }, 0)).toBe(true);
  });

  it('forgets the key after a definite refusal, and keeps it after an unknown outcome', async () => {
    const storage = memory();
    const intent = createIntent<{ amount: number }, string>({
      newKey: keys(),
      isRetryable: (e) => !(e instanceof Definite),
      store: sessionIntentStore('w', storage),
    });
    await expect(
      intent.submit({ amount: 1 }, async () => Promise.reject(new TypeError('lost'))),
    ).rejects.toThrow();
    expect(storage.m.size).toBe(1);
    await expect(
      intent.submit({ amount: 1 }, async () => Promise.reject(new Definite('no'))),
    ).rejects.toThrow();
    expect(intent.held).toBeUndefined();
    expect(intent.key).toBeUndefined();
    // The same details again are a new intent, with a new key.
    const sent: string[] = [];
    await intent.submit({ amount: 1 }, async (k) => {
      sent.push(k);
      return 'ok';
    });
    expect(sent).toEqual(['key-2']);
  });

  it('writes a definite refusal down in the intent\u2019s place until a screen takes it, on any page', async () => {
    const storage = memory();
    const page1 = createIntent<{ amount: number }, string>({
      newKey: keys(),
      isRetryable: (e) => !(e instanceof Definite),
      recordRefusal: (e) => ({ code: (e as Error).message }),
      store: sessionIntentStore('transfer', storage),
      now: () => 1000,
    });
    // The answer reaches a page that reloads before showing it: the next page still has it.
    await expect(
      page1.submit({ amount: 5 }, async () => Promise.reject(new Definite('insufficient_funds'))),
    ).rejects.toThrow();
    const page2 = createIntent<{ amount: number }, string>({
      store: sessionIntentStore('transfer', storage),
    });
    expect(page2.held).toBeUndefined();
    expect(page2.settled).toEqual({
      key: 'key-1',
      print: fingerprint({ amount: 5 }),
      payload: { amount: 5 },
      since: 1000,
      outcome: { ok: false, refusal: { code: 'insufficient_funds' } },
    });
    // Taking another intent's outcome takes nothing.
    page2.take('key-0');
    expect(createIntent({ store: sessionIntentStore('transfer', storage) }).settled?.key).toBe('key-1');
    // Taken by the page that showed it (page1's key, though page1 is gone): nothing is left.
    page2.take('key-1');
    expect(page2.settled).toBeUndefined();
    expect(storage.m.size).toBe(0);
  });

  it('never takes a newer intent, and a new submission replaces an outcome not taken', async () => {
    const storage = memory();
    const store = sessionIntentStore<{ amount: number }>('transfer', storage);
    const first = createIntent<{ amount: number }, string>({ newKey: keys(), store });
    await first.submit({ amount: 5 }, async () => 'posted');
    expect(first.settled?.key).toBe('key-1');
    const d = deferred<string>();
    const second = createIntent<{ amount: number }, string>({ newKey: () => 'key-9', store });
    expect(second.settled?.key).toBe('key-1');
    const sending = second.submit({ amount: 7 }, () => d.promise);
    expect(second.settled).toBeUndefined();
    expect(store.load()).toMatchObject({ key: 'key-9', payload: { amount: 7 } });
    // The first screen, left late, takes its own outcome: the intent in flight stays written down.
    first.take('key-1');
    expect(store.load()).toMatchObject({ key: 'key-9' });
    expect(store.load()?.outcome).toBeUndefined();
    d.resolve('posted');
    await sending;
    expect(store.load()?.outcome).toEqual({ ok: true, result: 'posted' });
  });

  it('reads a corrupt or missing entry as nothing held', () => {
    const storage = memory();
    storage.setItem('bank.intent.x', '{not json');
    expect(sessionIntentStore('x', storage).load()).toBeUndefined();
    storage.setItem('bank.intent.x', '{"key":1}');
    expect(sessionIntentStore('x', storage).load()).toBeUndefined();
    expect(sessionIntentStore('x', undefined).load()).toBeUndefined();
  });

  /** A memory storage, and a view of it that lists its keys (`length`, `key`) as sessionStorage does. */
  const listedMemory = () => {
    const storage = memory();
    const listed = {
      ...storage,
      get length() {
        return storage.m.size;
      },
      key: (i: number) => [...storage.m.keys()][i] ?? null,
    };
    return { storage, listed };
  };

  it('on logout forgets every outcome not shown yet, and keeps the intents still unknown', async () => {
    const { storage, listed } = listedMemory();
    const hold = (name: string) =>
      createIntent<{ url: string }, { secret: string }>({
        store: sessionIntentStore(name, storage),
        isRetryable: (e) => e === 'lost',
      });
    // Alice's registration answered while its form was away (its secret written down, not shown yet),
    // and Bob's whose answer was lost; something else the tab keeps.
    await hold('alice.webhook').submit({ url: 'https://a.example' }, async () => ({ secret: 'whsec_a' }));
    await expect(
      hold('bob.webhook').submit({ url: 'https://b.example' }, async () => Promise.reject('lost')),
    ).rejects.toBe('lost');
    storage.setItem('bank.intent.carol.transfer', '{not json');
    storage.setItem('bank.refreshToken', 'r');
    expect(hold('alice.webhook').settled?.outcome).toEqual({ ok: true, result: { secret: 'whsec_a' } });
    dropSettledIntents(listed);
    expect([...storage.m.keys()].sort()).toEqual(['bank.intent.bob.webhook', 'bank.refreshToken']);
    expect(hold('alice.webhook').settled).toBeUndefined();
    expect(hold('bob.webhook').held?.payload).toEqual({ url: 'https://b.example' });
    dropSettledIntents(undefined);
  });

  it('on signing in forgets the outcomes of other customers only (an answer that came after their logout)', async () => {
    const { storage, listed } = listedMemory();
    const answered = (name: string, secret: string) =>
      createIntent<{ url: string }, { secret: string }>({
        store: sessionIntentStore(name, storage),
      }).submit({ url: 'https://x.example' }, async () => ({ secret }));
    await answered('alice.webhook', 'whsec_a');
    await answered('bob.webhook', 'whsec_b');
    dropSettledIntents(listed, 'bob');
    expect([...storage.m.keys()]).toEqual(['bank.intent.bob.webhook']);
  });
});
