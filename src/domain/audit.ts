/**
 * The audit trail's records and their hash chain (no AWS, no HTTP).
 *
 * Every admin action, every refusal of an admin route and every security event is one record. The
 * records of one subject (a customer, an account, a transaction, or an email nobody registered) form
 * a chain: record n carries `seq = n`, `prevHash` (record n-1's hash; 64 zeros for the first) and
 * `hash` = SHA-256 over the canonical JSON of the record with its `seq` and `prevHash`. Chains are per
 * subject, so no global chain head becomes a hot item. Altering a record breaks its hash; removing one
 * leaves a gap in `seq` (and a `prevHash` that no longer matches).
 */
import { createHash } from 'node:crypto';

export const auditRoles = ['customer', 'admin', 'system'] as const;
export type AuditRole = (typeof auditRoles)[number];

export const auditSubjectTypes = ['user', 'email', 'account', 'transaction'] as const;
export type AuditSubjectType = (typeof auditSubjectTypes)[number];

export const auditOutcomes = ['succeeded', 'failed', 'refused'] as const;
export type AuditOutcome = (typeof auditOutcomes)[number];

export interface AuditActor {
  /** The Cognito sub of who acted; `anonymous` when nobody is signed in (a failed login). */
  userId: string;
  role: AuditRole;
  sourceIp: string;
}

export interface AuditSubject {
  type: AuditSubjectType;
  id: string;
}

/** What a caller records: the trail adds the chain fields. */
export interface AuditEntry {
  id: string;
  /** ISO 8601. */
  at: string;
  actor: AuditActor;
  /** snake_case: a security event's name (`login_failed`), or an admin action (`customer_disabled`). */
  action: string;
  subject: AuditSubject;
  reason?: string;
  /**
   * A staff action that moves money: the transaction it makes (its journal's id, whether it posted or
   * was declined) and the amount asked for in minor units (absent where the action takes the whole,
   * a reversal without an amount), so the trail says how much without a second read.
   */
  transactionId?: string;
  amount?: number;
  outcome: AuditOutcome;
  requestId: string;
}

/** A stored record: the entry, its place in its subject's chain, and its hash. */
export interface AuditRecord extends AuditEntry {
  seq: number;
  prevHash: string;
  hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);
/**
 * The log line of an audit record changed or deleted (src/handlers/audit-changes.ts), which the CDK
 * app alarms on: audit records are written once and never changed.
 */
export const AUDIT_CHANGED = 'audit record changed or deleted';
export const ANONYMOUS = 'anonymous';

/** JSON with object keys sorted at every level, and no undefined members: one text per value. */
export const canonicalJson = (v: unknown): string => {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
};

/** The fields the hash covers: every field of the record but the hash itself. */
const hashed = (r: Omit<AuditRecord, 'hash'>) => ({
  id: r.id,
  at: r.at,
  actor: { userId: r.actor.userId, role: r.actor.role, sourceIp: r.actor.sourceIp },
  action: r.action,
  subject: { type: r.subject.type, id: r.subject.id },
  reason: r.reason,
  transactionId: r.transactionId,
  amount: r.amount,
  outcome: r.outcome,
  requestId: r.requestId,
  seq: r.seq,
  prevHash: r.prevHash,
});

export const auditHash = (r: Omit<AuditRecord, 'hash'>): string =>
  createHash('sha256')
    .update(canonicalJson(hashed(r)))
    .digest('hex');

/** The next link of a chain whose head is `head` (none: the chain starts). */
export const chainRecord = (
  entry: AuditEntry,
  head: Pick<AuditRecord, 'seq' | 'hash'> | undefined,
): AuditRecord => {
  const linked = { ...entry, seq: (head?.seq ?? 0) + 1, prevHash: head?.hash ?? GENESIS_HASH };
  return { ...linked, hash: auditHash(linked) };
};

/**
 * Checks one subject's chain, given in `seq` order: numbered 1..n without a gap, each linked to the
 * one before, each hash recomputed. Returns the problems found (none: intact).
 */
export const verifyChain = (subjectId: string, records: readonly AuditRecord[]): string[] => {
  const problems: string[] = [];
  let prev: AuditRecord | undefined;
  for (const r of records) {
    const expectedSeq = (prev?.seq ?? 0) + 1;
    if (r.seq !== expectedSeq)
      problems.push(`${subjectId}: gap, record ${expectedSeq} is missing before ${r.seq}`);
    if (r.prevHash !== (prev ? prev.hash : r.seq === 1 ? GENESIS_HASH : r.prevHash))
      problems.push(`${subjectId}#${r.seq}: prevHash does not match the record before`);
    if (r.subject.id !== subjectId) problems.push(`${subjectId}#${r.seq}: subject is ${r.subject.id}`);
    const { hash, ...rest } = r;
    if (auditHash(rest) !== hash) problems.push(`${subjectId}#${r.seq}: altered (hash does not match)`);
    prev = r;
  }
  return problems;
};
