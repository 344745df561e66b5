/** DynamoDB clients that misbehave on purpose, to show which stored condition holds a rule. */
import type { Db } from '../src/store/db.ts';

/**
 * Outcome codes of a thrown BankError (or the message of another error), 'none' when nothing threw:
 * for pure domain rules.
 */
export const codeOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code ?? (e as Error).message;
  }
  return 'none';
};

/** A DocumentClient whose transactions lose their version checks: plans built on stale reads commit. */
export const withoutVersionChecks = (db: Db): Db => {
  const wrapped = Object.create(db) as Db;
  wrapped.send = (async (command: {
    constructor: { name: string };
    input: { TransactItems?: unknown[] };
  }) => {
    if (command.constructor.name === 'TransactWriteCommand') {
      for (const item of command.input.TransactItems ?? []) {
        const u = (
          item as {
            Update?: { ConditionExpression?: string; ExpressionAttributeValues?: Record<string, unknown> };
          }
        ).Update;
        if (u?.ConditionExpression?.includes('version = :version')) {
          delete u.ExpressionAttributeValues?.[':version'];
          u.ConditionExpression = u.ConditionExpression.replace('version = :version AND ', '').replace(
            ' AND version = :version',
            '',
          );
        }
      }
    }
    return db.send(command as never);
  }) as Db['send'];
  return wrapped;
};

/** A cancelled transaction with one reason per item, as DynamoDB reports it. */
export const cancelledWith = (...codes: string[]): Error =>
  Object.assign(new Error('Transaction cancelled'), {
    name: 'TransactionCanceledException',
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

/** What AWS's SDK throws when its attempts at a request got no answer in time. */
export const timeout = (): Error => Object.assign(new Error('Request timed out'), { name: 'TimeoutError' });

/**
 * A DocumentClient whose next `n` TransactWriteItems (or PutItems, with `command`) fail with `fault()`:
 * `before` DynamoDB sees them (nothing written: a conflict, a throttle), or `after` they committed (the
 * answer lost, as when the SDK times out on AWS after DynamoDB wrote). `injected` counts them.
 */
export const failingTransactions = (
  db: Db,
  n: number,
  fault: () => Error,
  when: 'before' | 'after' = 'before',
  command: 'TransactWriteCommand' | 'PutCommand' = 'TransactWriteCommand',
): Db & { injected: number } => {
  let left = n;
  const wrapped = Object.create(db) as Db & { injected: number };
  wrapped.injected = 0;
  wrapped.send = (async (sent: { constructor: { name: string } }) => {
    if (sent.constructor.name !== command || left <= 0) return db.send(sent as never);
    // A write DynamoDB itself refuses answers as it does: only one that committed loses its answer.
    if (when === 'after') await db.send(sent as never);
    left--;
    wrapped.injected++;
    throw fault();
  }) as Db['send'];
  return wrapped;
};

/**
 * A DocumentClient that sends its next PutItem twice, as the SDK does when the first answer was lost
 * on the way back: the caller gets the second answer (a conditional Put's own item in its way).
 */
export const putSentTwice = (db: Db): Db & { injected: number } => {
  let left = 1;
  const wrapped = Object.create(db) as Db & { injected: number };
  wrapped.injected = 0;
  wrapped.send = (async (sent: { constructor: { name: string } }) => {
    if (sent.constructor.name !== 'PutCommand' || left <= 0) return db.send(sent as never);
    left--;
    wrapped.injected++;
    await db.send(sent as never);
    return db.send(sent as never);
  }) as Db['send'];
  return wrapped;
};

/**
 * A DocumentClient that, once its first request is answered, runs `between` before sending any other:
 * a write landing between a read's two requests. `ran` says whether it did (a read of one request
 * leaves it false).
 */
export const withWriteBetween = (db: Db, between: () => Promise<void>): Db & { ran: boolean } => {
  const wrapped = Object.create(db) as Db & { ran: boolean };
  wrapped.ran = false;
  let first = true;
  wrapped.send = (async (sent: unknown) => {
    if (!first && !wrapped.ran) {
      wrapped.ran = true;
      await between();
    }
    first = false;
    return db.send(sent as never);
  }) as Db['send'];
  return wrapped;
};
