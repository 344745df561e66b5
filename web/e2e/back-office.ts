/**
 * The bank's side of the browser tests, behind the pages: the test stack's Cognito and table (its
 * stack.json), staff made in it (the admin group, TOTP on, logged in with a code), and a transfer
 * made unclaimed funds in the table. Used by admin.test.ts and unclaimed-receipt.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, inject } from 'vitest';
import { type AdminLogin, addToAdminGroup, createAdmin } from '../../src/local/admins.ts';
import { localClientConfig } from '../../src/local/bootstrap.ts';
import { readStackFile, type StackFile } from '../../src/local/stack-file.ts';
import * as keys from '../../src/store/item-keys.ts';
import { apiCall, baseUrl, type Seeded, seedCustomer } from './browser.ts';

export const STAFF_PASSWORD = 'Back-Office-2026!';

export interface BackOffice {
  cognito: CognitoIdentityProviderClient;
  pool: string;
  stack: Partial<StackFile>;
}

/** The test stack for a test file: read before its tests, its Cognito client closed after them. */
export const useBackOffice = (): (() => BackOffice) => {
  let backOffice: BackOffice | undefined;
  beforeAll(async () => {
    const stack = await readStackFile(inject('webDataDir'));
    if (!stack?.cognitoEndpoint || !stack.userPoolId) throw new Error('no stack.json for the test stack');
    const cognito = new CognitoIdentityProviderClient(localClientConfig(stack.cognitoEndpoint));
    backOffice = { cognito, pool: stack.userPoolId, stack };
  });
  afterAll(() => backOffice?.cognito.destroy());
  return () => {
    if (!backOffice) throw new Error('the test stack was not read');
    return backOffice;
  };
};

export interface Staff {
  email: string;
  login: AdminLogin;
  secret: string;
}

/** A staff member (admin group, TOTP on), logged in once by createAdmin with the current code. */
export const newStaff = async ({ cognito, pool }: BackOffice): Promise<Staff> => {
  const email = `staff-${randomUUID().slice(0, 12)}@example.com`;
  const login = await createAdmin(baseUrl(), { email, password: STAFF_PASSWORD, name: 'Grace Hopper' }, (e) =>
    addToAdminGroup(cognito, pool, e),
  );
  return { email, login, secret: login.secret as string };
};

/**
 * A posted transfer marked as unclaimed funds behind the API's back (the settler makes them only when
 * it races two closes: src/handlers/admin-ledger.test.ts covers that), marked as the settler marks it
 * (src/store/ledger-return.ts `unclaim`): returned, unclaimed, all of it reversed. Enough for the
 * pages and the payout, which read the mark; the ledger around it is not what these tests check (the
 * accounts stay open, and the money never reached the unclaimed shard). Between new customers, or
 * `parties` (the sender's first account pays the recipient's first).
 */
export const unclaimedTransfer = async (
  { stack }: BackOffice,
  amount: number,
  parties?: { sender: Seeded; recipient: Seeded },
): Promise<{ id: string; sender: Seeded; recipient: Seeded }> => {
  const sender = parties?.sender ?? (await seedCustomer([{ currency: 'USD', deposit: 5_000 }]));
  const recipient = parties?.recipient ?? (await seedCustomer([{ currency: 'USD' }]));
  const t = await apiCall<{ id: string }>(
    'POST',
    '/v1/transfers',
    {
      fromAccountId: sender.accounts[0]?.id,
      toAccountNumber: recipient.accounts[0]?.number,
      amount,
      currency: 'USD',
    },
    { authorization: `Bearer ${sender.token}`, 'idempotency-key': randomUUID() },
  );
  const db = DynamoDBDocumentClient.from(
    new DynamoDBClient(localClientConfig(stack.dynamodbEndpoint as string)),
  );
  try {
    await db.send(
      new UpdateCommand({
        TableName: stack.tableName,
        Key: keys.journal(t.id),
        UpdateExpression: 'SET unclaimed = :t, returned = :t, reversedAmount = :amount',
        ExpressionAttributeValues: { ':t': true, ':amount': amount },
      }),
    );
  } finally {
    db.destroy();
  }
  return { id: t.id, sender, recipient };
};
