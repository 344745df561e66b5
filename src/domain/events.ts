/**
 * Events: what a customer would care about, derived from the change of one stored item (a DynamoDB
 * stream record's old and new image). Pure: no AWS, no HTTP.
 *
 * Every change gives at most one event per customer concerned, each with that customer's own view of
 * the resource (`data` is the resource as its owner would GET it): never the other side's account id
 * or metadata. Event ids are derived from the change itself (the item, its new status or version, and
 * the customer), so a stream record delivered twice gives the same ids, and storing them with a
 * condition makes redelivery harmless.
 *
 * Items it reads (attributes relied on):
 *   entity 'account'  id, ownerId, status, version, createdAt, lastPostedAt?, updatedAt? (the time of
 *                     its last status change, if kept).
 *   entity 'journal'  id, type, status (pending|posted|voided|expired), createdAt, postedAt?,
 *                     updatedAt? (the time of its last status change), from?/to? {ownerId};
 *                     a deferred credit's unsettled?, settledAt?, returned?, unclaimed?.
 *   entity 'scheduleRun'  scheduleId, ownerId, runDate, outcome, errorCode?, amount, currency,
 *                     fromAccountId, fromAccountNumber?, at, scheduleStatus? (active|ended|cancelled, with nextRunDate? or
 *                     endReason?): a failed run (inserted once per run) tells its owner.
 * Postings give nothing: their journal item speaks for them. What `data` holds is the caller's
 * renderers' business (`views`), never this module's.
 */
import { createHash } from 'node:crypto';

export const eventTypes = [
  'transaction.pending',
  'transaction.posted',
  'transaction.voided',
  'transaction.expired',
  'transaction.refunded',
  'transaction.unclaimed',
  'account.opened',
  'account.closed',
  'account.frozen',
  'account.unfrozen',
  'schedule.run_failed',
] as const;
export type EventType = (typeof eventTypes)[number];

/** The event as customers see it (GET /v1/events, webhook bodies). */
export interface BankEvent {
  id: string;
  type: EventType;
  createdAt: string;
  data: Record<string, unknown>;
}

/** An event and the customer it belongs to. */
export interface CustomerEvent extends BankEvent {
  customer: string;
}

export type Image = Record<string, unknown>;

/** A deterministic event id: the same change and customer always give the same id. */
export const eventId = (source: string, customer: string): string =>
  `evt_${createHash('sha256').update(`${source}\u0000${customer}`).digest('base64url').slice(0, 26)}`;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/**
 * How a resource looks to its owner: the caller passes the API's own renderers (the stream handler
 * passes src/api/transactions.ts's transactionView and the account store's toAccount), so an event's
 * `data` is exactly what that customer would GET. `at` is the time of the change.
 */
export interface Views {
  transaction: (journal: Image, user: string) => Record<string, unknown>;
  account: (account: Image, at: string) => Record<string, unknown>;
}

interface Side {
  ownerId?: unknown;
}

const owners = (j: Image, who: 'both' | 'sender' | 'recipient'): string[] => {
  const from = str((j.from as Side | undefined)?.ownerId);
  const to = str((j.to as Side | undefined)?.ownerId);
  const list = who === 'sender' ? [from ?? to] : who === 'recipient' ? [to] : [from, to];
  return [...new Set(list.filter((o): o is string => o !== undefined))];
};

const journalEvents = (old: Image | undefined, j: Image, at: string, views: Views): CustomerEvent[] => {
  const before = str(old?.status);
  const status = str(j.status);
  const id = String(j.id);
  const make = (type: EventType, who: 'both' | 'sender' | 'recipient', createdAt: string): CustomerEvent[] =>
    owners(j, who).map((customer) => ({
      id: eventId(`journal:${id}:${type}`, customer),
      customer,
      type,
      createdAt,
      data: views.transaction(j, customer),
    }));
  // A transfer's deferred credit settled: the recipient's `transaction.posted` comes now, with the
  // balance the credit settled at (the sender had theirs when the journal was written).
  // Between one customer's own accounts they heard of it when it was written (one event per customer
  // and transaction, as for a transfer posted at once; the same id again would be dropped as a repeat).
  if (status === 'posted' && old?.unsettled === true && j.unsettled !== true) {
    // Returned to its sender (the recipient's account was closed): the recipient never received it,
    // and the sender hears of the reversal that gave it back. With the sender's account closed too,
    // no reversal can: the money is held as unclaimed funds, and the sender is told so now.
    if (j.returned === true)
      return j.unclaimed === true ? make('transaction.unclaimed', 'sender', str(j.settledAt) ?? at) : [];
    const sameOwner = owners(j, 'sender')[0] === owners(j, 'recipient')[0];
    return sameOwner ? [] : make('transaction.posted', 'recipient', str(j.settledAt) ?? at);
  }
  // Unclaimed funds paid out of the bank (a cheque, the state): the sender hears how, as the same type
  // (its data says `unclaimedPaidOutBy`), under an id of its own. Paid into an account of theirs, the
  // payout's own `transaction.posted` tells them.
  if (old && str(j.unclaimedPaidOutBy) && !str(old.unclaimedPaidOutBy))
    return owners(j, 'sender').map((customer) => ({
      id: eventId(`journal:${id}:unclaimed-paid-out`, customer),
      customer,
      type: 'transaction.unclaimed',
      createdAt: at,
      data: views.transaction(j, customer),
    }));
  if (!status || before === status) return [];
  // The change's own time if the journal keeps one; else the record's (whole seconds on AWS), never
  // before the journal was created (so a void or expiry never lists before its pending event).
  const created = str(j.createdAt);
  const changedAt =
    str(j.updatedAt) ??
    [at, ...(created ? [new Date(Date.parse(created) + 1).toISOString()] : [])].sort().at(-1) ??
    at;
  switch (status) {
    case 'pending':
      return before === undefined ? make('transaction.pending', 'sender', str(j.createdAt) ?? at) : [];
    case 'posted': {
      const postedAt = str(j.postedAt) ?? str(j.createdAt) ?? at;
      // A deferred credit: only the sender hears of it now; the recipient at its settlement.
      const who = j.unsettled === true ? 'sender' : 'both';
      return make(j.type === 'refund' ? 'transaction.refunded' : 'transaction.posted', who, postedAt);
    }
    case 'voided':
      return before === 'pending' ? make('transaction.voided', 'sender', changedAt) : [];
    case 'expired':
      return before === 'pending' ? make('transaction.expired', 'sender', changedAt) : [];
    default:
      return [];
  }
};

const accountEvents = (old: Image | undefined, a: Image, at: string, views: Views): CustomerEvent[] => {
  const customer = str(a.ownerId);
  if (!customer) return [];
  const before = str(old?.status);
  const status = str(a.status);
  let type: EventType | undefined;
  if (!old) type = 'account.opened';
  else if (before === status) type = undefined;
  else if (status === 'closed') type = 'account.closed';
  else if (status === 'frozen') type = 'account.frozen';
  else if (before === 'frozen' && status === 'active') type = 'account.unfrozen';
  if (!type) return [];
  const version = num(a.version) ?? 0;
  // The change's own time if this change wrote one (`updatedAt`, set by every status change: a
  // value the change left as it was is an earlier change's); else the record's (whole seconds on
  // AWS), never before what the item already shows happened.
  const own = str(a.updatedAt) !== str(old?.updatedAt) ? str(a.updatedAt) : undefined;
  const after = [str(a.createdAt), str(a.lastPostedAt)]
    .filter((t): t is string => t !== undefined)
    .map((t) => new Date(Date.parse(t) + 1).toISOString());
  const changedAt = own ?? [at, ...after].sort().at(-1) ?? at;
  const createdAt = type === 'account.opened' ? (str(a.createdAt) ?? at) : changedAt;
  return [
    {
      id: eventId(`account:${String(a.id)}:${version}:${type}`, customer),
      customer,
      type,
      createdAt,
      data: views.account(a, createdAt),
    },
  ];
};

const runEvents = (old: Image | undefined, r: Image, at: string): CustomerEvent[] => {
  const customer = str(r.ownerId);
  if (old || !customer || r.outcome !== 'failed') return [];
  const scheduleId = String(r.scheduleId);
  const runDate = String(r.runDate);
  const createdAt = str(r.at) ?? at;
  return [
    {
      id: eventId(`schedule:${scheduleId}:${runDate}:failed`, customer),
      customer,
      type: 'schedule.run_failed',
      createdAt,
      data: {
        scheduleId,
        runDate,
        outcome: 'failed',
        errorCode: str(r.errorCode) ?? 'unknown',
        amount: num(r.amount),
        currency: str(r.currency),
        fromAccountId: str(r.fromAccountId),
        // The account's number, for the owner's email (masked there); runs recorded before it was kept carry none.
        ...(str(r.fromAccountNumber) ? { fromAccountNumber: str(r.fromAccountNumber) } : {}),
        at: createdAt,
        // What became of the schedule with this run (runs recorded before this was kept carry none).
        ...(str(r.scheduleStatus) ? { scheduleStatus: str(r.scheduleStatus) } : {}),
        ...(str(r.nextRunDate) ? { nextRunDate: str(r.nextRunDate) } : {}),
        ...(str(r.endReason) ? { endReason: str(r.endReason) } : {}),
      },
    },
  ];
};

/**
 * The events one item change gives, one per customer concerned. `oldImage` is undefined for an
 * insert, `newImage` for a removal (removals give none: TTL expiry is not news). `at` is the time of
 * the change (the stream record's), used where the item holds no time of its own.
 */
export const eventsFromChange = (
  oldImage: Image | undefined,
  newImage: Image | undefined,
  at: string,
  views: Views,
): CustomerEvent[] => {
  if (!newImage) return [];
  switch (newImage.entity) {
    case 'journal':
      return journalEvents(oldImage, newImage, at, views);
    case 'account':
      return accountEvents(oldImage, newImage, at, views);
    case 'scheduleRun':
      return runEvents(oldImage, newImage, at);
    default:
      return [];
  }
};

/** The public event, without whom it belongs to. */
export const publicEvent = ({ customer: _c, ...e }: CustomerEvent): BankEvent => e;
