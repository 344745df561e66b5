/**
 * The ceiling: TransactWriteItems of the same shape and item count as a transfer (src/store/ledger.ts),
 * sent straight to DynamoDB Local from the bench process, in a table of its own. No reads before it,
 * no validation, no HTTP: what DynamoDB Local alone can commit. Account updates add to the balance
 * (`balance = balance + :delta`) instead of the ledger's version-checked set, so no read is needed.
 */
import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Journal } from '../src/domain/ledger.ts';
import { utcDay } from '../src/domain/ledger.ts';
import { ensureTable } from '../src/local/bootstrap.ts';
import { cancellationCodes, type Db } from '../src/store/db.ts';
import * as keys from '../src/store/item-keys.ts';
import { CONTENTION } from '../src/store/ledger-engine.ts';
import { again, done, isTransient, retry } from '../src/store/retry.ts';
import { type HistoryIndex, historyIndexes } from '../src/store/table.ts';
import type { OpResult } from './load.ts';
import type { BenchAccount } from './population.ts';

export const RAW_TABLE = 'bench-raw';

/** A raw table with the single-table definition, holding copies of the bench's accounts. */
export const prepareRawTable = async (
  client: DynamoDBClient,
  doc: Db,
  table: string,
  accounts: readonly BenchAccount[],
): Promise<void> => {
  await ensureTable(client, table);
  for (let i = 0; i < accounts.length; i += 25) {
    const batch = accounts.slice(i, i + 25).map((a) => ({
      PutRequest: {
        // Nothing held in the copy: all of the balance is available.
        Item: {
          ...keys.account(a.ownerId, a.id),
          entity: 'account',
          ...a,
          held: 0,
          available: a.balance,
          holds: {},
          limitHost: a.id,
          version: 0,
        },
      },
    }));
    await doc.send(new BatchWriteCommand({ RequestItems: { [table]: batch } }));
  }
};

const party = (a: BenchAccount) => ({ accountId: a.id, number: a.number, ownerId: a.ownerId });

/**
 * The three items of a transfer: the journal (its idempotency record, and both sides' history entries
 * through the history indexes), two accounts (the sender's with its owner's daily counter: the sender
 * is its owner's limit host, AccountRecord.limitHost).
 */
export const rawTransferItems = (
  table: string,
  from: BenchAccount,
  to: BenchAccount,
  amount: number,
  now = new Date(),
) => {
  const txId = randomUUID();
  const createdAt = now.toISOString();
  const journal: Journal = {
    id: txId,
    type: 'transfer',
    status: 'posted',
    amount,
    currency: from.currency,
    description: '',
    createdAt,
    postedAt: createdAt,
    refundedAmount: 0,
    limitDay: utcDay(now),
    limitHost: from.id,
    from: { ...party(from), balanceAfter: from.balance - amount },
    to: { ...party(to), balanceAfter: to.balance + amount },
  };
  const account = (a: BenchAccount, delta: number) => {
    const counter = delta < 0;
    return {
      Update: {
        TableName: table,
        Key: keys.account(a.ownerId, a.id),
        UpdateExpression: `SET balance = balance + :delta, available = available + :delta, version = version + :one${counter ? ', #day = if_not_exists(#day, :zero) + :amount' : ''}`,
        ConditionExpression: `attribute_exists(pk) AND #status = :active AND available >= :debit${counter ? ' AND (attribute_not_exists(#day) OR #day <= :room)' : ''}`,
        ExpressionAttributeNames: {
          '#status': 'status',
          ...(counter ? { '#day': keys.dailyAttr('out', utcDay(now)) } : {}),
        },
        ExpressionAttributeValues: {
          ':delta': delta,
          ':one': 1,
          ':active': 'active',
          ':debit': Math.max(0, -delta),
          ...(counter ? { ':zero': 0, ':amount': -delta, ':room': Number.MAX_SAFE_INTEGER } : {}),
        },
      },
    };
  };
  // Each side's history entry is the journal's, in hist1 (debited) and hist2 (credited).
  const side = (index: HistoryIndex, a: BenchAccount, counterparty: BenchAccount) => {
    const key = keys.posting(a.id, createdAt, txId);
    return {
      [index.partitionKey]: key.pk,
      [index.sortKey]: key.sk,
      [index.seq]: 1,
      [index.counterparty]: counterparty.number,
    };
  };
  return [
    {
      // The journal is the transfer's idempotency record (src/store/idempotency.ts): it carries the
      // request's fingerprint, and its condition is the repeat check.
      Put: {
        TableName: table,
        Item: {
          ...keys.journal(txId),
          entity: 'journal',
          ...journal,
          refundable: amount,
          version: 1,
          fingerprint: 'x'.repeat(43),
          ...side(historyIndexes[0], from, to),
          ...side(historyIndexes[1], to, from),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    account(from, -amount),
    account(to, amount),
  ];
};

/**
 * One raw transfer; a conflict or throttle is retried as the ledger retries its own transactions (the
 * one retry helper with the ledger's contention policy, CONTENTION), so both paths give up alike.
 */
export const rawTransfer = async (
  doc: Db,
  table: string,
  from: BenchAccount,
  to: BenchAccount,
  amount: number,
): Promise<OpResult> => {
  let retries = -1;
  const r = await retry<OpResult>(async () => {
    retries++;
    try {
      await doc.send(new TransactWriteCommand({ TransactItems: rawTransferItems(table, from, to, amount) }));
      return done({ ok: true, outcome: 'committed', retries });
    } catch (e) {
      const codes = cancellationCodes(e);
      if (isTransient(e, codes)) return again;
      return done({ ok: false, outcome: `${(e as Error).name} ${codes?.join(',') ?? ''}`.trim(), retries });
    }
  }, CONTENTION);
  return r ?? { ok: false, outcome: `still conflicting after ${retries + 1} attempts`, retries };
};
