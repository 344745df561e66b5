/**
 * Bank staff on customers: search, logins (disable, enable, unlock) and the audit trail (issue 13).
 * The `admin` function's routes.
 */
import * as z from 'zod/mini';
import { auditOutcomes, auditRoles, auditSubjectTypes } from '../../domain/audit.ts';
import { Account } from './accounts.ts';
import { Email } from './credentials.ts';
import { doc, Id, Instant, PageCursor, PageLimit, safeText, str } from './primitives.ts';

/** Why an admin acts: required on disable, recorded in the audit trail. */
const Reason = doc(safeText(500).check(z.trim(), z.minLength(3)), {
  description: 'Why (3 to 500 characters); recorded in the audit trail',
  example: 'Customer reported a stolen phone (ticket 4411)',
});

export const CustomerSearchQuery = z.strictObject({ email: Email });
export const CustomerParams = z.strictObject({ userId: Id });
export const DisableCustomerBody = doc(z.strictObject({ reason: Reason }), { id: 'DisableCustomerRequest' });
export const AdminReasonBody = doc(z.strictObject({ reason: z.optional(Reason) }), {
  id: 'AdminReasonRequest',
});

export const LoginStatus = doc(
  z.object({
    enabled: doc(z.boolean(), { description: 'False while an admin has disabled the login' }),
    cognitoEnabled: doc(z.boolean(), { description: 'Cognito\u2019s own flag (AdminDisableUser)' }),
    disabledAt: z.nullable(Instant),
    disabledReason: z.nullable(str(500)),
    lockedUntil: doc(z.nullable(Instant), {
      description:
        'The latest lock in force after failed logins, if any: of an (email, source IP) pair, or of the email\u2019s TOTP step (wrong codes from every IP)',
    }),
    slowedUntil: doc(z.nullable(Instant), {
      description: 'Logins for this email from unknown IPs wait until then (too many failures from all IPs)',
    }),
  }),
  { id: 'LoginStatus' },
);

export const CustomerSummary = doc(
  z.object({ userId: Id, email: str(254), name: str(100), createdAt: Instant }),
  { id: 'CustomerSummary' },
);
export const CustomerSearchResult = doc(z.object({ items: z.array(CustomerSummary).check(z.maxLength(1)) }), {
  id: 'CustomerSearchResult',
  description: 'The customer with exactly this email, or none',
});
export const AdminCustomer = doc(
  z.object({
    userId: Id,
    email: str(254),
    name: str(100),
    createdAt: Instant,
    login: LoginStatus,
    accounts: z.array(Account).check(z.maxLength(100)),
  }),
  { id: 'AdminCustomer' },
);

/**
 * Every subject and actor id is stored lower-case (UUIDs, Cognito subs, an email lower-cased), so the
 * filters are matched case-insensitively, as `Id` is: an id pasted in upper case finds its records.
 */
export const AuditQuery = z.strictObject({
  subjectId: doc(z.optional(str(254).check(z.minLength(1), z.toLowerCase())), {
    description:
      'A customer, account or transaction id (or an email nobody registered); matched case-insensitively',
  }),
  actorId: doc(z.optional(str(64).check(z.minLength(1), z.toLowerCase())), {
    description: 'Who acted (a Cognito sub); matched case-insensitively',
  }),
  from: z.optional(Instant),
  to: z.optional(Instant),
  limit: PageLimit,
  cursor: PageCursor,
});

export const AuditRecord = doc(
  z.object({
    id: Id,
    at: Instant,
    actor: z.object({ userId: str(64), role: z.enum(auditRoles), sourceIp: str(64) }),
    action: str(64),
    subject: z.object({ type: z.enum(auditSubjectTypes), id: str(254) }),
    reason: z.optional(str(1000)),
    transactionId: z.optional(Id),
    amount: z.optional(z.int().check(z.positive())),
    outcome: z.enum(auditOutcomes),
    requestId: str(128),
    seq: z.int(),
    prevHash: str(64),
    hash: str(64),
  }),
  { id: 'AuditRecord' },
);
export const AuditPage = doc(
  z.object({ items: z.array(AuditRecord).check(z.maxLength(100)), nextCursor: z.nullable(str(2048)) }),
  { id: 'AuditPage', description: 'Newest first' },
);
