/**
 * DynamoDB Local's indexes never lag, as AWS's can for a moment: a test holds a posted journal's side
 * back from its history index (store/history.ts: the debited side in hist1, the credited side in
 * hist2) by taking its index keys off the journal item, as a lagging index would show it, and puts
 * them back with the function returned.
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'vitest';
import type { Db } from '../src/store/db.ts';
import * as keys from '../src/store/item-keys.ts';
import { historyIndexes } from '../src/store/table.ts';

export const holdBackSide = async (
  db: Db,
  table: string,
  journalId: string,
  accountId: string,
  side: 'debit' | 'credit',
): Promise<() => Promise<void>> => {
  const Key = keys.journal(journalId);
  const { partitionKey: pk, sortKey: sk } = historyIndexes[side === 'debit' ? 0 : 1];
  const journal = (await db.send(new GetCommand({ TableName: table, Key, ConsistentRead: true }))).Item ?? {};
  // The side is the account's.
  expect(journal[pk]).toBe(`ACCOUNT#${accountId}`);
  const update = (UpdateExpression: string, values?: Record<string, unknown>) =>
    db.send(
      new UpdateCommand({
        TableName: table,
        Key,
        UpdateExpression,
        ExpressionAttributeNames: { '#pk': pk, '#sk': sk },
        ...(values ? { ExpressionAttributeValues: values } : {}),
      }),
    );
  await update('REMOVE #pk, #sk');
  return async () => {
    await update('SET #pk = :pk, #sk = :sk', { ':pk': journal[pk], ':sk': journal[sk] });
  };
};

/** A posted journal's credited side, held back from hist2. */
export const holdBackCredit = (
  db: Db,
  table: string,
  journalId: string,
  accountId: string,
): Promise<() => Promise<void>> => holdBackSide(db, table, journalId, accountId, 'credit');
