/**
 * How journals and movement outcomes look over HTTP: the only place that turns the ledger's domain
 * answers into Transaction bodies, statuses and problem+json, the first time and on replay alike.
 */
import type { output } from 'zod/v4/core';
import { BankError, type FieldError, type Refusal } from '../domain/errors.ts';
import type { Journal } from '../domain/ledger.ts';
import type { StoredAccount } from '../store/accounts.ts';
import type { BatchOutcome, Declined, Outcome, Recorded, Replayed } from '../store/idempotency.ts';
import type { HistoryItem } from '../store/ledger.ts';
import type { StoredPayee } from '../store/payees.ts';
import type { StoredSchedule } from '../store/schedules.ts';
import type { WebhookRegistration } from '../store/webhooks.ts';
import { ProblemWithHeaders, type Reply } from './http.ts';
import type * as s from './schemas.ts';

export type TransactionView = output<typeof s.Transaction>;
export type HistoryEntryView = output<typeof s.HistoryEntry>;
export type AdminTransactionView = output<typeof s.AdminTransaction>;

export { visibleTo } from '../domain/ledger.ts';

/**
 * The journal as `user` sees it: another user's account ids and metadata are never shown. When the
 * user owns both sides (a transfer between their own accounts) they see the debited side's balance.
 * A hot recipient's credit not settled yet (`unsettled`) is `pending` to its recipient, as in their
 * history, and has no `balanceAfter`; the sender sees it `posted`.
 */
export const transactionView = (j: Journal, user: string): TransactionView => {
  const mine = j.from?.ownerId === user ? j.from : j.to?.ownerId === user ? j.to : undefined;
  const isSender = j.from?.ownerId === user;
  const metadata = {
    ...(j.to?.ownerId === user ? j.to.metadata : {}),
    ...(isSender ? j.from?.metadata : {}),
  };
  return {
    id: j.id,
    type: j.type,
    status: j.unsettled && !isSender ? 'pending' : j.status,
    amount: j.amount,
    currency: j.currency,
    ...(j.from?.ownerId === user ? { fromAccountId: j.from.accountId } : {}),
    ...(j.to?.ownerId === user ? { toAccountId: j.to.accountId } : {}),
    ...(j.from ? { fromAccountNumber: j.from.number } : {}),
    ...(j.to ? { toAccountNumber: j.to.number } : {}),
    description: j.description,
    ...(Object.keys(metadata).length > 0 ? { metadata } : {}),
    createdAt: j.createdAt,
    ...(j.postedAt ? { postedAt: j.postedAt } : {}),
    ...(j.expiresAt && isSender ? { expiresAt: j.expiresAt } : {}),
    ...(j.refundedAmount !== undefined && j.status === 'posted' ? { refundedAmount: j.refundedAmount } : {}),
    ...(j.refundOf ? { refundOf: j.refundOf } : {}),
    ...(j.reversedAmount ? { reversedAmount: j.reversedAmount } : {}),
    ...(j.reverses ? { reverses: j.reverses } : {}),
    // Money held for the sender, and its payout: the recipient never received it and is not told.
    ...(j.unclaimed && isSender ? { unclaimed: true as const } : {}),
    // Paid into an account of theirs: the payout, theirs to read; out of the bank: how, the payout being
    // no customer's.
    ...(j.unclaimedPaidOut && isSender
      ? j.unclaimedPaidOutBy
        ? { unclaimedPaidOutBy: j.unclaimedPaidOutBy }
        : { unclaimedPaidOut: j.unclaimedPaidOut }
      : {}),
    // Never the member of staff, their reference or reason (adminTransactionView shows those).
    ...(j.batchId && isSender ? { batchId: j.batchId } : {}),
    ...(mine?.balanceAfter !== undefined ? { balanceAfter: mine.balanceAfter } : {}),
  };
};

const counterpartyOf = (accountNumber: string, names?: ReadonlyMap<string, string>) => {
  const name = names?.get(accountNumber);
  return name === undefined ? { accountNumber } : { accountNumber, name };
};

/** `names`: what the caller calls a counterparty's account number (payees, own nicknames). */
export const historyEntryView = (h: HistoryItem, names?: ReadonlyMap<string, string>): HistoryEntryView => ({
  transactionId: h.journalId,
  type: h.type,
  status: h.status,
  amount: h.amount,
  currency: h.currency,
  balanceAfter: h.balanceAfter ?? null,
  counterparty: h.counterpartyNumber ? counterpartyOf(h.counterpartyNumber, names) : null,
  description: h.description,
  createdAt: h.createdAt,
});

/** A journal as bank staff see it: both sides with their owners, and who at the bank made it. */
export const adminTransactionView = (j: Journal): AdminTransactionView => {
  const side = (p: Journal['from']) =>
    p && {
      accountId: p.accountId,
      accountNumber: p.number,
      ownerId: p.ownerId,
      ...(p.balanceAfter !== undefined ? { balanceAfter: p.balanceAfter } : {}),
    };
  return {
    id: j.id,
    type: j.type,
    status: j.status,
    amount: j.amount,
    currency: j.currency,
    ...(j.from ? { from: side(j.from) } : {}),
    ...(j.to ? { to: side(j.to) } : {}),
    description: j.description,
    createdAt: j.createdAt,
    ...(j.postedAt ? { postedAt: j.postedAt } : {}),
    ...(j.expiresAt ? { expiresAt: j.expiresAt } : {}),
    ...(j.refundedAmount !== undefined ? { refundedAmount: j.refundedAmount } : {}),
    ...(j.refundOf ? { refundOf: j.refundOf } : {}),
    ...(j.reversedAmount !== undefined ? { reversedAmount: j.reversedAmount } : {}),
    ...(j.reverses ? { reverses: j.reverses } : {}),
    ...(j.tellerId ? { tellerId: j.tellerId } : {}),
    ...(j.reference ? { reference: j.reference } : {}),
    ...(j.reason ? { reason: j.reason } : {}),
    ...(j.payoutMethod ? { payoutMethod: j.payoutMethod } : {}),
    ...(j.unclaimed ? { unclaimed: true } : {}),
    ...(j.unclaimedPaidOut ? { unclaimedPaidOut: j.unclaimedPaidOut } : {}),
  };
};
const replayHeaders = (o: { replayed: boolean }): Record<string, string> =>
  o.replayed ? { 'idempotent-replayed': 'true' } : {};

/** A bulk payment's refused transfers as the problem's `errors`: each names its field in the body. */
const refusedFields = (refusals: readonly Refusal[]): FieldError[] =>
  refusals.map((r) => ({
    path: `body.transfers.${r.index}`,
    message: r.message,
    index: r.index,
    code: r.code,
  }));

const declined = (o: Declined, headers: Record<string, string>): BankError => {
  const errors = o.errors ?? (o.refusals ? refusedFields(o.refusals) : undefined);
  return new ProblemWithHeaders(new BankError(o.code, o.detail, errors ? { errors } : {}), headers);
};

/**
 * A movement's outcome as HTTP: the journal rendered for the caller (with the route's status), or the
 * decline as problem+json (thrown, so the one error path renders it). A replay says so in a header.
 */
const replyOf = (o: Outcome, render: (j: Journal) => unknown, status?: number): Reply => {
  const headers = replayHeaders(o);
  if (o.kind === 'declined') throw declined(o, headers);
  return { ...(status ? { status } : {}), body: render(o.journal), headers };
};

/** A customer's movement: the journal as `user` sees it. */
export const outcomeReply = (o: Outcome, user: string, status?: number): Reply =>
  replyOf(o, (j) => transactionView(j, user), status);

/** A member of staff's movement: the journal as staff see it. */
export const adminOutcomeReply = (o: Outcome, status?: number): Reply =>
  replyOf(o, adminTransactionView, status);

/** A bulk payment's outcome as HTTP: `{id, transfers}` (each as the sender sees it), or the decline. */
export const batchReply = (o: BatchOutcome, user: string): Reply => {
  const headers = replayHeaders(o);
  if (o.kind === 'declined') throw declined(o, headers);
  return { body: { id: o.id, transfers: o.journals.map((j) => transactionView(j, user)) }, headers };
};

/**
 * A creation recorded with its key as HTTP: what `render` makes of what it created, the first time and
 * on replay (which says so in a header), or the decline as problem+json.
 */
const createdReply = <S extends Exclude<Recorded, Declined>>(
  o: Replayed<S>,
  render: (created: S) => Reply,
): Reply => {
  const headers = replayHeaders(o);
  if (o.kind === 'declined') throw declined(o as Declined, headers);
  const reply = render(o as S);
  return { ...reply, headers: { ...headers, ...reply.headers } };
};

/** A scheduled transfer's creation as HTTP: the schedule as first created, the first time and on replay. */
export const scheduleReply = (o: Replayed<StoredSchedule>): Reply =>
  createdReply(o, (s) => ({ body: s.schedule }));

/** A webhook's registration as HTTP: the endpoint with its secret, the first time and on replay. */
export const webhookReply = (o: Replayed<WebhookRegistration>): Reply =>
  createdReply(o, (w) => ({
    status: 201,
    body: w.webhook,
    headers: { location: `/v1/webhooks/${w.webhook.id}` },
  }));

/** A payee's saving as HTTP: the payee as first saved, the first time and on replay. */
export const payeeReply = (o: Replayed<StoredPayee>): Reply => createdReply(o, (p) => ({ body: p.payee }));

/** An account's opening as HTTP: the account as first opened, the first time and on replay. */
export const accountReply = (o: Replayed<StoredAccount>): Reply =>
  createdReply(o, (a) => ({ body: a.account }));
