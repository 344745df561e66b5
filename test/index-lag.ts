/**
 * DynamoDB Local's indexes never lag, as AWS's can for a moment: a test holds a posted journal's
 * credited side back from the history index hist2 (store/history.ts) by taking its index keys off the
 * journal item, as a lagging index would show it, and puts them back with the function returned.
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'vitest';
import type { Db } from '../src/store/db.ts';
import * as keys from '../src/store/item-keys.ts';

export const holdBackCredit = async (
  db: Db,
  table: string,
  journalId: string,
  accountId: string,
): Promise<() => Promise<void>> => {
  const Key = keys.journal(journalId);
  const journal = (await db.send(new GetCommand({ TableName: table, Key, ConsistentRead: true }))).Item ?? {};
  // The credit is the account's: its entry is the journal's hist2 side.
  expect(journal.h2pk).toBe(`ACCOUNT#${accountId}`);
  await db.send(new UpdateCommand({ TableName: table, Key, UpdateExpression: 'REMOVE h2pk, h2sk' }));
  return async () => {
    await db.send(
      new UpdateCommand({
        TableName: table,
        Key,
        UpdateExpression: 'SET h2pk = :pk, h2sk = :sk',
        ExpressionAttributeValues: { ':pk': journal.h2pk, ':sk': journal.h2sk },
      }),
    );
  };
};
