import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { localClientConfig } from '../src/local/bootstrap.ts';
import { createDocumentClient } from '../src/store/db.ts';
import * as keys from '../src/store/item-keys.ts';
import { createTestTable, emulators } from '../test/harness.ts';
import {
  type Posted,
  postingSeqs,
  type Sighting,
  settlementsLogged,
  settlerTimes,
  summarizeSettlement,
} from './settlement.ts';

const T0 = Date.UTC(2026, 11, 2, 12, 0, 0);
const at = (ms: number) => new Date(T0 + ms).toISOString();
const answered = (id: string, ms: number): Posted => ({ id, answeredAt: T0 + ms });
const seen = (ms: number, version: number): Sighting => ({ at: T0 + ms, version });

describe('how soon deferred credits reached the balance', () => {
  // The recipient's settlements as logged: at 0 it stood at version 10 (a settlement before the phase).
  const sightings = [
    seen(0, 10),
    seen(20, 10),
    seen(40, 11),
    seen(60, 11),
    seen(85, 13),
    seen(900, 13),
    seen(950, 14),
  ];

  it('times each deferred credit from its 201 to the first read whose version holds its posting', () => {
    const s = summarizeSettlement(
      8,
      [
        { id: 'now', createdAt: at(0) },
        { id: 'a', createdAt: at(0), settledAt: at(30) },
        { id: 'b', createdAt: at(-500), settledAt: at(70) },
        { id: 'c', createdAt: at(10), settledAt: at(75) },
        { id: 'd', createdAt: at(5), settledAt: at(930) },
        { id: 'e', createdAt: at(30), unsettled: true },
      ],
      [
        answered('now', 5),
        answered('a', 15),
        answered('b', 30),
        answered('c', 90),
        answered('d', 25),
        answered('e', 50),
      ],
      new Map([
        ['a', 11],
        ['b', 12],
        ['c', 13],
        ['d', 14],
      ]),
      sightings,
    );
    expect(s).toEqual({
      concurrency: 8,
      transfers: 6,
      deferred: 4,
      unsettled: 1,
      // a: read at 40 (version 11) - 15; b: 85 - 30; c: in the balance before its 201 came, 0; d: 950 - 25.
      p50Ms: 25,
      p99Ms: 925,
      maxMs: 925,
      // settledAt - createdAt: 30, 570, 65, 925.
      stampedP50Ms: 65,
      stampedMaxMs: 925,
    });
  });

  it('counts a settled credit no read saw (or whose posting is missing) as left, not as fast', () => {
    const s = summarizeSettlement(
      32,
      [
        { id: 'a', createdAt: at(0), settledAt: at(30) },
        { id: 'late', createdAt: at(0), settledAt: at(990) },
        { id: 'lost', createdAt: at(0), settledAt: at(40) },
      ],
      [answered('a', 10), answered('late', 10), answered('lost', 10)],
      new Map([
        ['a', 11],
        ['late', 15],
      ]),
      sightings,
    );
    expect(s).toMatchObject({ deferred: 3, unsettled: 2, p50Ms: 30, maxMs: 30 });
  });

  it('counts a credit already in the balance when its sender had the 201 as 0 ms', () => {
    const s = summarizeSettlement(
      8,
      [{ id: 'quick', createdAt: at(0), settledAt: at(10) }],
      [answered('quick', 100)],
      new Map([['quick', 11]]),
      sightings,
    );
    expect(s).toMatchObject({ deferred: 1, unsettled: 0, p50Ms: 0, maxMs: 0 });
  });

  it('says nothing was deferred when every credit went in at once', () => {
    const s = summarizeSettlement(
      32,
      [
        { id: 'a', createdAt: at(0) },
        { id: 'b', createdAt: at(5) },
      ],
      [answered('a', 10), answered('b', 20)],
      new Map(),
      sightings,
    );
    expect(s).toMatchObject({ transfers: 2, deferred: 0, unsettled: 0 });
    expect(Number.isNaN(s.maxMs)).toBe(true);
  });
});

describe("the settler's log", () => {
  it('reads the settlements of one account, when each was logged and the version after it', () => {
    const log = [
      'stack: listening',
      '{"level":"INFO","message":"settled","timestamp":"2026-12-02T12:00:00.040Z","accountId":"hot","settled":3,"version":13}',
      '{"level":"INFO","message":"settled","timestamp":"2026-12-02T12:00:00.050Z","accountId":"other","settled":1,"version":4}',
      '{"level":"INFO","message":"request","timestamp":"2026-12-02T12:00:00.060Z","accountId":"hot","version":99}',
      '{"level":"INFO","message":"settled", truncated',
      '{"level":"INFO","message":"settled","timestamp":"2026-12-02T12:00:00.950Z","accountId":"hot","settled":1,"version":14}',
    ].join('\n');
    expect(settlementsLogged(log, 'hot')).toEqual([seen(40, 13), seen(950, 14)]);
  });

  it("keeps a line's count of credits and its timings where it has all three", () => {
    const line = (ms: number, version: number, extra: string) =>
      `{"level":"INFO","message":"settled","timestamp":"${at(ms)}","accountId":"hot","version":${version}${extra}}`;
    const log = [
      line(10, 5, ',"settled":2,"attempts":2,"readMs":12.5,"commitMs":340.2,"oldestMs":600'),
      line(20, 6, ',"settled":1,"readMs":9'),
      // As logged at commit ed82891: no attempts, no oldestMs.
      line(30, 7, ',"settled":1,"readMs":9,"commitMs":50'),
    ].join('\n');
    expect(settlementsLogged(log, 'hot')).toEqual([
      { ...seen(10, 5), settled: 2, attempts: 2, readMs: 12.5, commitMs: 340.2, oldestMs: 600 },
      seen(20, 6),
      { ...seen(30, 7), settled: 1, readMs: 9, commitMs: 50 },
    ]);
  });

  it("sums up the settler's timings over the settlements that carry them", () => {
    const timed = (settled: number, readMs: number, commitMs: number, more = {}): Sighting => ({
      ...seen(0, 1),
      settled,
      readMs,
      commitMs,
      ...more,
    });
    expect(settlerTimes([seen(0, 1), seen(5, 2)])).toBeUndefined();
    expect(
      settlerTimes([
        timed(30, 20, 300, { attempts: 1, oldestMs: 700 }),
        seen(5, 2),
        timed(2, 41, 90, { attempts: 3, oldestMs: 980.4 }),
        timed(31, 25.4, 555.6),
      ]),
    ).toEqual({
      settlements: 3,
      creditsP50: 30,
      creditsMax: 31,
      readP50Ms: 25,
      readMaxMs: 41,
      commitP50Ms: 300,
      commitMaxMs: 556,
      // The last line carries no attempts (a line before them): one attempt.
      retried: 1,
      oldestMaxMs: 980,
    });
    // Through the summary of a phase, beside the credits' own times.
    const s = summarizeSettlement(32, [], [], new Map(), [timed(4, 10, 100)]);
    expect(s.settler).toEqual({
      settlements: 1,
      creditsP50: 4,
      creditsMax: 4,
      readP50Ms: 10,
      readMaxMs: 10,
      commitP50Ms: 100,
      commitMaxMs: 100,
      retried: 0,
    });
  });
});

describe('the versions postings made', () => {
  it("maps each posting of the account to its seq, and nothing of another account's", async () => {
    const table = await createTestTable('settlement-seqs');
    const db = createDocumentClient(new DynamoDBClient(localClientConfig(emulators().dynamodbEndpoint)));
    const put = (accountId: string, journalId: string, seq?: number) =>
      db.send(
        new PutCommand({
          TableName: table,
          Item: {
            ...keys.posting(accountId, at(seq ?? 0), journalId),
            entity: seq ? 'posting' : 'hold',
            journalId,
            ...(seq ? { seq } : {}),
          },
        }),
      );
    await put('hot', 'j1', 11);
    await put('hot', 'j2', 12);
    // A sender's entry for a pending transfer has no seq of its own.
    await put('hot', 'pending');
    await put('other', 'j3', 4);
    // A settled credit's entry: its journal's credited side (hist2), with the seq it made.
    const side = keys.posting('hot', at(13), 'j4');
    await db.send(
      new PutCommand({
        TableName: table,
        Item: {
          ...keys.journal('j4'),
          entity: 'journal',
          id: 'j4',
          amount: 5,
          h2pk: side.pk,
          h2sk: side.sk,
          h2seq: 13,
        },
      }),
    );
    expect(await postingSeqs(db, table, 'hot')).toEqual(
      new Map([
        ['j1', 11],
        ['j2', 12],
        ['j4', 13],
      ]),
    );
  });
});
