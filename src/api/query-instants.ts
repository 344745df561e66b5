/**
 * Instants given in a query (history, balances, the audit trail): normalised to the UTC form the sort
 * keys use, and refused as the request's fault (400) when DynamoDB could not take them as a range.
 */
import { BankError } from '../domain/errors.ts';

export const invalidQuery = (path: string, message: string) =>
  new BankError('validation_failed', 'The request is not valid', { errors: [{ path, message }] });

/** Normalises an ISO 8601 instant to the UTC form the sort keys use (years 0000 to 9999 only). */
export const utc = (iso: string | undefined, name: string) => {
  if (!iso) return undefined;
  const s = new Date(iso).toISOString();
  if (!/^\d{4}-/.test(s))
    throw invalidQuery(`query.${name}`, 'must be between the years 0000 and 9999 in UTC');
  return s;
};

/** `from` and `to` (either may be absent) in UTC, `from` not after `to`. */
export const utcRange = (from: string | undefined, to: string | undefined) => {
  const range = { from: utc(from, 'from'), to: utc(to, 'to') };
  if (range.from && range.to && range.from > range.to)
    throw invalidQuery('query.from', 'must not be after `to`');
  return range;
};
