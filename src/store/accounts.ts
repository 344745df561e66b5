import { randomUUID } from 'node:crypto';
import { GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { type Account, type AccountType, MAX_OPEN_ACCOUNTS, newAccountNumber } from '../domain/account.ts';
import { BankError } from '../domain/errors.ts';
import type { Currency } from '../domain/money.ts';
import { cancellationCodes, type Db } from './db.ts';
import { keys } from './keys.ts';
import { backoff, isTransient } from './retry.ts';

/** An account as stored: the public Account plus its owner and optimistic-lock version. */
export interface AccountRecord extends Account {
  ownerId: string;
  version: number;
  /** The time of the account's latest posting: the next one must come after it. */
  lastPostedAt?: string;
}

export const toAccount = (r: Record<string, unknown>): Account => ({
  id: r.id as string,
  number: r.number as string,
  type: r.type as AccountType,
  currency: r.currency as Currency,
  nickname: (r.nickname as string | undefined) ?? null,
  status: r.status as Account['status'],
  balance: r.balance as number,
  createdAt: r.createdAt as string,
});

/** The public view of a stored account. */
export const publicAccount = ({
  ownerId: _o,
  version: _v,
  lastPostedAt: _l,
  ...account
}: AccountRecord): Account => account;

const toRecord = (r: Record<string, unknown>): AccountRecord => ({
  ...toAccount(r),
  ownerId: r.ownerId as string,
  version: r.version as number,
  ...(r.lastPostedAt ? { lastPostedAt: r.lastPostedAt as string } : {}),
});

export interface OpenAccountInput {
  ownerId: string;
  type: AccountType;
  currency: Currency;
  nickname?: string | undefined;
}

export class AccountStore {
  private readonly numbers = new Map<string, { ownerId: string; accountId: string }>();

  constructor(
    private readonly db: Db,
    private readonly table: string,
  ) {}

  async open(input: OpenAccountInput, now = new Date()): Promise<Account> {
    for (let attempt = 0; attempt < 8; attempt++) {
      const id = randomUUID();
      const number = newAccountNumber();
      const item = {
        ...keys.account(input.ownerId, id),
        entity: 'account',
        id,
        number,
        ownerId: input.ownerId,
        type: input.type,
        currency: input.currency,
        nickname: input.nickname ?? null,
        status: 'active',
        balance: 0,
        version: 0,
        createdAt: now.toISOString(),
      };
      try {
        await this.db.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: this.table,
                  Key: keys.profile(input.ownerId),
                  UpdateExpression: 'SET openAccounts = if_not_exists(openAccounts, :zero) + :one',
                  ConditionExpression: 'attribute_not_exists(openAccounts) OR openAccounts < :max',
                  ExpressionAttributeValues: { ':zero': 0, ':one': 1, ':max': MAX_OPEN_ACCOUNTS },
                },
              },
              { Put: { TableName: this.table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } },
              {
                Put: {
                  TableName: this.table,
                  Item: {
                    ...keys.accountNumber(number),
                    entity: 'accountNumber',
                    accountId: id,
                    ownerId: input.ownerId,
                  },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
            ],
          }),
        );
        return toAccount(item);
      } catch (e) {
        const codes = cancellationCodes(e);
        if (codes?.[0] === 'ConditionalCheckFailed') {
          throw new BankError(
            'account_limit_reached',
            `A customer may have at most ${MAX_OPEN_ACCOUNTS} open accounts`,
          );
        }
        // Another check that failed is a number (or id) collision: draw again. A conflict or a
        // throttle: wait a little and try again.
        if (codes?.includes('ConditionalCheckFailed') || isTransient(e, codes)) {
          await backoff(attempt);
          continue;
        }
        throw e;
      }
    }
    throw new BankError('service_unavailable', 'Could not open the account now: try again', {
      headers: { 'retry-after': '1' },
    });
  }

  /** The caller's own account, or undefined: another user's account is indistinguishable from none. */
  async get(ownerId: string, accountId: string): Promise<AccountRecord | undefined> {
    const r = await this.db.send(
      new GetCommand({ TableName: this.table, Key: keys.account(ownerId, accountId), ConsistentRead: true }),
    );
    return r.Item ? toRecord(r.Item) : undefined;
  }

  async mustGet(ownerId: string, accountId: string): Promise<AccountRecord> {
    const a = await this.get(ownerId, accountId);
    if (!a) throw new BankError('not_found', 'No such account');
    return a;
  }

  /** Looks an account up by its number (any owner): used for transfer recipients. */
  async findByNumber(number: string): Promise<AccountRecord | undefined> {
    let owner = this.numbers.get(number);
    if (!owner) {
      const r = await this.db.send(
        new GetCommand({ TableName: this.table, Key: keys.accountNumber(number), ConsistentRead: true }),
      );
      if (!r.Item) return undefined;
      owner = { ownerId: r.Item.ownerId as string, accountId: r.Item.accountId as string };
      // A number never moves to another account, so its owner can be remembered (bounded).
      if (this.numbers.size >= 10_000) this.numbers.clear();
      this.numbers.set(number, owner);
    }
    return this.get(owner.ownerId, owner.accountId);
  }

  /**
   * One page of the owner's accounts in key order: the open ones (active, frozen), or with
   * `closed: true` the closed ones only. `start` is the previous page's `last`.
   */
  async list(
    ownerId: string,
    opts: { closed: boolean; limit: number; start?: Record<string, unknown> },
  ): Promise<{ items: Account[]; last?: Record<string, unknown> }> {
    const { pk, skPrefix } = keys.accountsOf(ownerId);
    const items: Record<string, unknown>[] = [];
    let start = opts.start;
    // A filter applies after the read, so a page may come back short: read on until one more than
    // asked is found (which tells whether another page exists) or the accounts end.
    do {
      const r = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          FilterExpression: opts.closed ? '#status = :closed' : '#status <> :closed',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix, ':closed': 'closed' },
          ConsistentRead: true,
          ExclusiveStartKey: start,
          Limit: opts.limit + 1,
        }),
      );
      items.push(...(r.Items ?? []));
      start = r.LastEvaluatedKey;
    } while (start && items.length <= opts.limit);
    const page = items.slice(0, opts.limit);
    const lastItem = page[page.length - 1];
    const more = items.length > opts.limit;
    return {
      items: page.map(toAccount),
      ...(more && lastItem ? { last: { pk: lastItem.pk, sk: lastItem.sk } } : {}),
    };
  }

  /** Closes an account whose balance is zero. Closing a closed account answers it as it is. */
  async close(ownerId: string, accountId: string, attempt = 0): Promise<Account> {
    const a = await this.mustGet(ownerId, accountId);
    if (a.status === 'closed') return publicAccount(a);
    if (a.balance !== 0)
      throw new BankError('balance_not_zero', 'Only an account with a zero balance can be closed');
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.table,
                Key: keys.account(ownerId, accountId),
                UpdateExpression: 'SET #status = :closed, version = version + :one',
                ConditionExpression: 'version = :v',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':closed': 'closed', ':one': 1, ':v': a.version },
              },
            },
            {
              Update: {
                TableName: this.table,
                Key: keys.profile(ownerId),
                UpdateExpression: 'SET openAccounts = openAccounts - :one',
                ConditionExpression: 'openAccounts > :zero',
                ExpressionAttributeValues: { ':one': 1, ':zero': 0 },
              },
            },
          ],
        }),
      );
    } catch (e) {
      // The account moved or changed between our read and the write, or DynamoDB asked us to retry:
      // decide again on fresh data.
      const codes = cancellationCodes(e);
      if ((codes?.[0] === 'ConditionalCheckFailed' || isTransient(e, codes)) && attempt < 10) {
        await backoff(attempt);
        return this.close(ownerId, accountId, attempt + 1);
      }
      throw e;
    }
    return { ...publicAccount(a), status: 'closed' };
  }
}
