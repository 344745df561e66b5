/**
 * Saved payees and confirmation of payee. The holder's name comes from the account number item
 * (`ACCTNUM#<number>` -> owner) and the owner's profile (`USER#<owner>` / PROFILE `name`).
 */
import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { BankError } from '../domain/errors.ts';
import { confirmation, MAX_PAYEES, type Match } from '../domain/payees.ts';
import { busy, commit, type Db, type Piece } from './db.ts';
import type { IdempotencyStore, Replayed, RequestKey } from './idempotency.ts';
import * as keys from './item-keys.ts';
import { paymentKeys } from './keys.ts';
import { listPayees, type Payee, payeeNames, toPayee } from './payee-list.ts';
import { NUMBER_CHECKS, RateCounter } from './rate-counter.ts';

export { counterpartyNames, type Payee } from './payee-list.ts';

/**
 * A payee as created: `holderName` is there for a `close` match whose name gave every word of the
 * holder's (whole or with a typo, `confirmation`), never for initials or a word left out. It is in
 * this answer (and its idempotency record) alone: not stored on the payee, so neither the list nor
 * GET /v1/payees/{id} has it.
 */
export type SavedPayee = Payee & { holderName?: string };
/** A payee's saving as its idempotency record holds it: the payee as first saved. */
export type StoredPayee = { kind: 'payee'; payee: SavedPayee };

const recipientClosed = () => new BankError('account_not_active', 'The account you want to pay is closed');

export class PayeeStore {
  private readonly counter: RateCounter;

  constructor(
    private readonly db: Db,
    private readonly table: string,
    /** Records a saving made with an Idempotency-Key (`createOnce`); without it, only `create` works. */
    private readonly idempotency?: IdempotencyStore,
  ) {
    this.counter = new RateCounter(db, table);
  }

  /**
   * The holder's name of an account number and whether the account is closed (its status read beside
   * the name, strongly consistent), or undefined for an unknown number.
   */
  private async holder(accountNumber: string): Promise<{ name: string; closed: boolean } | undefined> {
    const n = await this.db.send(
      new GetCommand({ TableName: this.table, Key: keys.accountNumber(accountNumber), ConsistentRead: true }),
    );
    if (!n.Item) return undefined;
    const ownerId = n.Item.ownerId as string;
    const [p, a] = await Promise.all([
      this.db.send(new GetCommand({ TableName: this.table, Key: keys.profile(ownerId) })),
      this.db.send(
        new GetCommand({
          TableName: this.table,
          Key: keys.account(ownerId, n.Item.accountId as string),
          ProjectionExpression: '#s',
          ExpressionAttributeNames: { '#s': 'status' },
          ConsistentRead: true,
        }),
      ),
    ]);
    return { name: (p.Item?.name as string | undefined) ?? '', closed: a.Item?.status === 'closed' };
  }

  private async confirm(name: string, accountNumber: string) {
    const holder = await this.holder(accountNumber);
    if (holder === undefined) throw new BankError('recipient_not_found', 'No account has that number');
    return { ...confirmation(name, holder.name), closed: holder.closed };
  }

  /**
   * Checks a name against a number without saving: at most 20 a minute and 200 a day per customer
   * (NUMBER_CHECKS, counted in one DynamoDB item per window, so it holds across Lambda instances).
   * Saving a payee (`create`) answers the same and takes from the same count, a closed account's
   * number included: 422 account_not_active, as nothing could be paid to it (counted all the same).
   */
  async check(
    sub: string,
    name: string,
    accountNumber: string,
    now = new Date(),
  ): Promise<{ match: Match; name?: string }> {
    await this.take(sub, now);
    const { closed, ...answer } = await this.confirm(name, accountNumber);
    if (closed) throw recipientClosed();
    return answer;
  }

  private take(sub: string, now: Date): Promise<void> {
    return this.counter.take(sub, NUMBER_CHECKS, now);
  }

  /**
   * Saves a payee after confirming its name. That answers what `check` does (no such number, the
   * match, the holder's name on a close one), so it takes from `check`'s count first: a save and a
   * delete in a loop is no way around the limit.
   */
  async create(sub: string, name: string, accountNumber: string, now = new Date()): Promise<SavedPayee> {
    return ((await this.saving(sub, name, accountNumber, now)) as StoredPayee).payee;
  }

  /**
   * `create` with an Idempotency-Key: its record commits with the payee, so a retry of a saving whose
   * answer was lost answers the payee saved (said to be a replay) instead of saving a second one. A
   * retry answered from the record is not counted again. A refusal is not recorded: a retry is checked
   * again (the account may have opened meanwhile, the count may have room).
   */
  async createOnce(
    sub: string,
    name: string,
    accountNumber: string,
    k: RequestKey,
    now = new Date(),
  ): Promise<Replayed<StoredPayee>> {
    const earlier = await this.recorder().replay<StoredPayee>(sub, k.key, k.fingerprint, now);
    return earlier ?? this.saving(sub, name, accountNumber, now, k);
  }

  private recorder(): IdempotencyStore {
    if (!this.idempotency) throw new Error('PayeeStore: no IdempotencyStore to record savings with');
    return this.idempotency;
  }

  /** `create`, with the key's record in its transaction when there is a key (`createOnce`). */
  private async saving(
    sub: string,
    name: string,
    accountNumber: string,
    now: Date,
    k?: RequestKey,
  ): Promise<Replayed<StoredPayee>> {
    await this.take(sub, now);
    const c = await this.confirm(name, accountNumber);
    // Nothing could ever be paid to it (as a new schedule to it is refused): not saved, counted all the same.
    if (c.closed) throw recipientClosed();
    const payee: Payee = {
      id: randomUUID(),
      name,
      accountNumber,
      match: c.match,
      createdAt: now.toISOString(),
    };
    const outcome: StoredPayee = {
      kind: 'payee',
      payee: c.name !== undefined ? { ...payee, holderName: c.name } : payee,
    };
    const record: Piece<'idempotency'>[] = k
      ? [{ name: 'idempotency', item: this.recorder().recordPut(sub, k.key, k.fingerprint, outcome, now) }]
      : [];
    const r = await commit<'idempotency' | 'count' | 'payee'>(this.db, [
      ...record,
      {
        name: 'count',
        item: {
          Update: {
            TableName: this.table,
            Key: paymentKeys.payeeCount(sub),
            UpdateExpression: 'SET payees = if_not_exists(payees, :zero) + :one, entity = :entity',
            ConditionExpression: 'attribute_not_exists(payees) OR payees < :max',
            ExpressionAttributeValues: { ':zero': 0, ':one': 1, ':max': MAX_PAYEES, ':entity': 'payeeCount' },
          },
        },
      },
      {
        name: 'payee',
        item: {
          Put: {
            TableName: this.table,
            Item: { ...paymentKeys.payee(sub, payee.id), entity: 'payee', ownerId: sub, ...payee },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      },
    ]);
    if (!r) throw busy(`Could not save the payee now: try again${k ? ' with the same Idempotency-Key' : ''}`);
    // The key's record there already: this call's own earlier attempt (its answer lost), or a request
    // with the same key at the same moment; either way the record answers.
    if (k && r.failed.includes('idempotency')) return this.recorder().repeatOf<StoredPayee>(sub, k, now);
    // The payee's id is new: only this call's own earlier attempt (its answer lost) can have written it.
    if (!r.failed.includes('payee') && r.failed.includes('count'))
      throw new BankError('payee_limit_reached', `A customer may save at most ${MAX_PAYEES} payees`);
    return { ...outcome, replayed: false };
  }

  async list(sub: string): Promise<Payee[]> {
    return listPayees(this.db, this.table, sub);
  }

  /** The caller's payee; another customer's is indistinguishable from none (404). */
  async mustGet(sub: string, id: string): Promise<Payee> {
    const r = await this.db.send(
      new GetCommand({ TableName: this.table, Key: paymentKeys.payee(sub, id), ConsistentRead: true }),
    );
    if (!r.Item) throw new BankError('not_found', 'No such payee');
    return toPayee(r.Item);
  }

  async delete(sub: string, id: string): Promise<void> {
    const r = await commit(this.db, [
      {
        name: 'payee',
        item: {
          Delete: {
            TableName: this.table,
            Key: paymentKeys.payee(sub, id),
            ConditionExpression: 'attribute_exists(pk)',
          },
        },
      },
      {
        name: 'count',
        item: {
          Update: {
            TableName: this.table,
            Key: paymentKeys.payeeCount(sub),
            UpdateExpression: 'SET payees = payees - :one',
            ConditionExpression: 'payees > :zero',
            ExpressionAttributeValues: { ':one': 1, ':zero': 0 },
          },
        },
      },
    ]);
    if (!r) throw busy('Could not delete the payee now: try again');
    // Gone already: a 404, unless this call's own earlier attempt (its answer lost) deleted it.
    if (r.failed.length > 0 && !r.uncertain) throw new BankError('not_found', 'No such payee');
  }

  /**
   * What `POST /v1/transfers {payeeId}` pays: the payee's account number (404 for another's payee).
   */
  async resolve(sub: string, payeeId: string): Promise<Payee> {
    return this.mustGet(sub, payeeId);
  }

  /**
   * Names for history counterparties: the caller's payees by account number. (The caller's own
   * accounts' nicknames come from the account list; see counterpartyNames in payee-list.ts.)
   */
  namesByNumber(sub: string): Promise<Map<string, string>> {
    return payeeNames(this.db, this.table).namesByNumber(sub);
  }
}
