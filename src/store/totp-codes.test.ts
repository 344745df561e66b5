/** TOTP codes accepted once (totp-codes.ts): what a refused code leaves behind in the table. */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestTable, dynamoClients } from '../../test/harness.ts';
import { BankError } from '../domain/errors.ts';
import { createDocumentClient, type Db } from './db.ts';
import * as keys from './item-keys.ts';
import { TotpCodes } from './totp-codes.ts';

let db: Db;
let table: string;
beforeAll(async () => {
  db = createDocumentClient(dynamoClients().client);
  table = await createTestTable('totp');
});

const wrong = () => new BankError('invalid_code', 'wrong');
const stored = async (email: string, code: string) =>
  (await db.send(new GetCommand({ TableName: table, Key: keys.totpCode(email, code) }))).Item;

describe('TotpCodes', () => {
  it('a code Cognito refused is given back without leaving an item the TTL never deletes', async () => {
    const codes = new TotpCodes(db, table);
    const refused = () => Promise.reject(wrong());
    const now = Date.now();
    await expect(codes.useOnce('a@example.com', '123456', refused, wrong, now)).rejects.toMatchObject({
      code: 'invalid_code',
    });
    // DynamoDB's TTL leaves alone an item whose expiry is more than five years past (expiresAt 0, say):
    // each wrong code would stay in the table for good.
    const left = await stored('a@example.com', '123456');
    expect(Number(left?.expiresAt)).toBeGreaterThan(Math.floor(now / 1000) - 5 * 365 * 86400);
    expect(Number(left?.expiresAt)).toBeLessThanOrEqual(Math.floor(now / 1000));
    // Given back: the same code can be tried again at once, and once accepted it is refused.
    expect(await codes.useOnce('a@example.com', '123456', async () => 'ok', wrong, now + 1)).toBe('ok');
    await expect(
      codes.useOnce('a@example.com', '123456', async () => 'ok', wrong, now + 2),
    ).rejects.toMatchObject({
      code: 'invalid_code',
    });
  });

  it("keeps a code taken when Cognito's answer is unknown (a timeout, a fault, 503): it may have accepted it", async () => {
    const codes = new TotpCodes(db, table);
    const now = Date.now();
    const faults = [
      new BankError('service_unavailable', 'busy'),
      Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }),
    ];
    for (const [i, fault] of faults.entries()) {
      const code = `00000${i}`;
      await expect(
        codes.useOnce('c@example.com', code, () => Promise.reject(fault), wrong, now),
      ).rejects.toBe(fault);
      expect(await codes.take('c@example.com', code, now + 1)).toBe(false);
    }
  });

  it('gives back only the take it made, never one another request made since', async () => {
    const codes = new TotpCodes(db, table);
    const now = Date.now();
    expect(await codes.take('b@example.com', '654321', now)).toBe(true);
    await codes.giveBack('b@example.com', '654321', now - 1);
    expect(await codes.take('b@example.com', '654321', now + 1)).toBe(false);
    expect((await stored('b@example.com', '654321'))?.takenAt).toBe(now);
  });
});
