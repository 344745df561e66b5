/**
 * Bank staff's writes: freeze and unfreeze, teller cash, reversals, payouts of unclaimed funds. Thin: the rules are in
 * src/domain/ledger-admin.ts and the store's conditions (src/store/ledger-admin.ts). The member of
 * staff is the caller: their id is recorded on the journal (teller cash, reversals) and the account
 * (freeze), and their Idempotency-Keys are their own.
 *
 * Every action is audited (src/store/audit.ts): a change commits its audit record in its own
 * transaction (the record's piece is built again on each attempt, after its subject's chain head); a
 * decline (say, insufficient funds) commits its record as `refused` with the decline's own record, so
 * it is recorded once, never again on a replay; a refusal that is not a decline (staff on their own
 * account, 403) is recorded as `refused` at each attempt. An attempt after a lost answer finds its
 * request's record already in the chain and does not record it again (AuditStore.piece, append).
 */
import type { Caller, Request } from '../api/http.ts';
import { createHandler } from '../api/http.ts';
import { logger } from '../api/logger.ts';
import { routes } from '../api/routes/admin-money.ts';
import { adminOutcomeReply } from '../api/transactions.ts';
import type { AuditEntry, AuditSubject } from '../domain/audit.ts';
import { isBankError } from '../domain/errors.ts';
import { auditEntry, refusedEntry } from '../store/audit.ts';
import type { Declined, DeclineExtra, Outcome } from '../store/idempotency.ts';
import { journalIdFor } from '../store/item-keys.ts';
import { audit } from './context.ts';
import { adminLedger } from './context-admin.ts';
import { guard } from './gate.ts';
import { keyed } from './keyed.ts';
import { staffOnly } from './staff.ts';

type Staff = Pick<Request, 'requestId' | 'sourceIp'> & { caller: Caller };

const entryOf = (
  req: Staff,
  action: string,
  subject: AuditSubject,
  reason?: string,
  money?: Pick<AuditEntry, 'transactionId' | 'amount'>,
): AuditEntry =>
  auditEntry({
    actor: { userId: req.caller.sub, role: 'admin', sourceIp: req.sourceIp },
    action,
    subject,
    ...(reason ? { reason } : {}),
    ...money,
    outcome: 'succeeded',
    requestId: req.requestId,
  });

/**
 * What a money action's record says of the money: the transaction its key makes (the journal id the
 * key names, posted or declined) and the amount asked for, if any (until 2026-12-07 a teller deposit's
 * record named the account and the slip, not how much: a review found it).
 */
const moneyOf = (req: Staff & { idempotencyKey: string; body: object }) => ({
  transactionId: journalIdFor(req.caller.sub, req.idempotencyKey),
  ...('amount' in req.body && typeof req.body.amount === 'number' ? { amount: req.body.amount } : {}),
});

/** The audit record's piece, built for each attempt of the action's transaction. */
const recorded = (entry: AuditEntry) => async () => [await audit().piece(entry)];

/** Appends the entry as refused, on its own. */
const refusedAs = (entry: AuditEntry, code: string) => audit().append(refusedEntry(entry, code));

/** The refusal's record, to commit with the record of the decline (DeclineExtra). */
const recordedRefusal = (entry: AuditEntry) => async (d: Declined) => [
  await audit().piece(refusedEntry(entry, d.code)),
];

/**
 * The refusals of a staff action that are thrown rather than recorded as declines. Not a key in use
 * or reused (a retry's, not a refusal of the action), a 404 or a failure of ours.
 */
const THROWN_REFUSALS = new Set(['forbidden', 'account_not_active']);

/**
 * Runs a staff action and records a refusal that is thrown rather than recorded as a decline: a
 * member of staff acting on their own account (403), or a status change the account refuses (422
 * account_not_active for a closed one). Those are what the audit trail is for.
 */
const auditingRefusals = async <T>(entry: AuditEntry, run: () => Promise<T>): Promise<T> => {
  try {
    return await run();
  } catch (e) {
    if (isBankError(e) && THROWN_REFUSALS.has(e.code)) {
      // The caller is told what refused them even if the record cannot be written; that is logged.
      // Thrown, it made no transaction and left the key free: its record names none (the journal its key
      // names may be another action's later: a review found a refused deposit tied to one made after).
      const { transactionId: _, ...made } = entry;
      await refusedAs(made, e.code).catch((error) =>
        logger.error('a refused staff action was not audited', { action: entry.action, code: e.code, error }),
      );
    }
    throw e;
  }
};

/**
 * A money action: committed with its record, or declined with its record as refused (in the decline
 * record's own write, so a replay, or a retry after a lost answer, records nothing more).
 */
const audited = async (
  entry: AuditEntry,
  run: (extra: ReturnType<typeof recorded>, declined: DeclineExtra) => Promise<Outcome>,
) => adminOutcomeReply(await auditingRefusals(entry, () => run(recorded(entry), recordedRefusal(entry))));

/** Freeze or unfreeze, with its audit record in the same transaction. */
const setStatus = async (
  req: Staff & { params: { id: string }; body: { reason: string } },
  action: 'freeze' | 'unfreeze',
) => {
  const subject = { type: 'account', id: req.params.id } as const;
  const entry = entryOf(
    req,
    action === 'freeze' ? 'account_frozen' : 'account_unfrozen',
    subject,
    req.body.reason,
  );
  const status = { admin: req.caller.sub, accountId: req.params.id, reason: req.body.reason };
  const r = await auditingRefusals(entry, () => adminLedger()[action](status, recorded(entry)));
  return { body: r.account };
};

export const handler = createHandler(
  routes,
  staffOnly({
    freezeAccount: (req) => setStatus(req, 'freeze'),
    unfreezeAccount: (req) => setStatus(req, 'unfreeze'),
    tellerDeposit: (req) =>
      audited(
        entryOf(
          req,
          'teller_deposit',
          { type: 'account', id: req.params.id },
          req.body.reference,
          moneyOf(req),
        ),
        (extra, declined) =>
          adminLedger().tellerDeposit(
            { ...keyed(req), accountId: req.params.id, ...req.body },
            extra,
            declined,
          ),
      ),
    tellerWithdraw: (req) =>
      audited(
        entryOf(
          req,
          'teller_withdrawal',
          { type: 'account', id: req.params.id },
          req.body.reference,
          moneyOf(req),
        ),
        (extra, declined) =>
          adminLedger().tellerWithdraw(
            { ...keyed(req), accountId: req.params.id, ...req.body },
            extra,
            declined,
          ),
      ),
    reverseTransaction: (req) =>
      audited(
        entryOf(
          req,
          'transaction_reversed',
          { type: 'transaction', id: req.params.id },
          req.body.reason,
          moneyOf(req),
        ),
        (extra, declined) =>
          adminLedger().reverse({ ...keyed(req), journalId: req.params.id, ...req.body }, extra, declined),
      ),
    payUnclaimed: (req) =>
      audited(
        // Out of the bank, the trail names how and the cheque's or the filing's reference, as teller
        // cash names its slip: the reason alone did not say which cheque went.
        entryOf(
          req,
          'unclaimed_paid_out',
          { type: 'transaction', id: req.params.id },
          'method' in req.body
            ? `${req.body.reason} (${req.body.method} ${req.body.reference})`
            : req.body.reason,
          moneyOf(req),
        ),
        (extra, declined) =>
          adminLedger().payUnclaimed(
            { ...keyed(req), journalId: req.params.id, ...req.body },
            extra,
            declined,
          ),
      ),
  }),
  { guard },
);
