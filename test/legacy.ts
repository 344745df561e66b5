/** Items as older versions of the bank stored them, made from today's (for upgrade tests). */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from '../src/store/db.ts';
import * as keys from '../src/store/item-keys.ts';

/**
 * Makes an open account look opened before daily-counter hosts (store/accounts.ts limitHost): no
 * `limitHost` on it, and no host named for its currency on its owner's profile.
 */
export const openedBeforeHosts = async (
  db: Db,
  table: string,
  account: { ownerId: string; id: string; currency: string },
): Promise<void> => {
  await db.send(
    new UpdateCommand({
      TableName: table,
      Key: keys.account(account.ownerId, account.id),
      UpdateExpression: 'REMOVE limitHost',
    }),
  );
  await db.send(
    new UpdateCommand({
      TableName: table,
      Key: keys.profile(account.ownerId),
      UpdateExpression: 'REMOVE #h',
      ExpressionAttributeNames: { '#h': keys.limitHostAttr(account.currency) },
    }),
  );
};
