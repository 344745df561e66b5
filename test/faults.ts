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
