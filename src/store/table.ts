/**
 * The single table's physical shape. The local bootstrap, the test harness and the CDK app
 * all create the table from this definition.
 *
 * Items (pk / sk):
 *   USER#<sub>            / PROFILE                 the customer's profile, open-account count, and per
 *                                                   currency its daily counters' host (limitHost#<currency>)
 *   USER#<sub>            / ACCOUNT#<id>            an account, with its balance and version; `limitHost`
 *                                                   names the owner's account in its currency that carries
 *                                                   the owner's daily counters as attributes `out#<day>`
 *                                                   and `in#<day>` (store/accounts.ts AccountRecord)
 *   USER#<sub>            / LIMIT#<day>#<currency>  the daily outgoing-limit counter of accounts opened
 *                                                   before hosts (no `limitHost`) (TTL)
 *   USER#<sub>            / DEPOSITS#<day>#<currency> the same for self-service deposits (TTL)
 *   JOURNAL#<id>          / JOURNAL                 a journal: type, status, version, amount, parties,
 *                                                   per-side metadata, times, refunds (see domain/ledger.ts).
 *                                                   A customer's or teller's movement creates its journal
 *                                                   at the id its Idempotency-Key names (item-keys.ts
 *                                                   journalIdFor), and the journal is its idempotency record
 *                                                   (with the request's `fingerprint`): no record item
 *   JOURNAL#<id>          / JOURNAL                 or, at the id a key names, that key's idempotency record
 *                                                   (entity `idempotency`) when the request created no journal:
 *                                                   a decline, post, void, bulk payment, schedule or webhook
 *                                                   creation, with the outcome to replay (TTL; a post's,
 *                                                   void's or bulk payment's is kept, with none)
 *   ACCTNUM#<number>      / ACCTNUM                 account number -> owner and account id (uniqueness)
 *   ACCTID#<id>           / ACCTID                  account id -> owner and number (bank staff's lookup)
 *   ACCOUNT#<id>          / TX#<time>#<txId>        a history entry: a posting item (one leg of a posted
 *                                                   journal, as movements wrote them before history lived in
 *                                                   the indexes below, and still read; for a system shard,
 *                                                   <id> is the shard id), or the sender's entry for a pending
 *                                                   transfer (entity `hold`)
 *   CREDIT#<accountId>    / IN#<time>#<txId>        an unsettled credit (entity `credit`): a transfer's
 *                                                   recipient side until the settler posts it (then deleted)
 *   ACCOUNT#<name>#<cur>#<n> / TX#<time>#<txId>    a posting of a system account shard (cash-in, cash-out),
 *                                                   an item before the history indexes, now its journal's side:
 *                                                   system accounts are append-only, their balance is the
 *                                                   sum of their postings (no balance item to make hot);
 *                                                   SYSTEM#<name>#<cur>#<n> / SYSTEM items of older
 *                                                   versions are no longer written or read
 *   LOGIN#<email>         / LOGIN                   failures per email from all IPs: slows attempts (TTL)
 *   LOGIN#<email>         / IP#<ip>                 failures per (email, source IP; an IPv6 one by its
 *                                                   /64, logins.ts ipLockKey): locks the pair (TTL)
 *   LOGIN#<email>         / KNOWN#<ip>              an IP (IPv6: its /64) the customer logged in from:
 *                                                   not slowed (TTL)
 *   LOGIN#<email>         / RESET                   wrong password-reset codes: locks resets (TTL)
 *   LOGIN#<email>         / TOTPFAIL                wrong TOTP codes at login from every IP: locks the
 *                                                   email's TOTP step (TTL)
 *   LOGIN#<email>         / TOTP#<code>             a TOTP code taken by a login or by turning TOTP off:
 *                                                   refused again while it may still be valid (TTL)
 *   USER#<sub>            / VERIFY                  wrong passwords/codes in signed-in changes (TTL)
 *   USER#<sub>            / SECURITY                "tokens issued before T are revoked" marker
 *   REFRESH#<sha256>      / REFRESH                 a refresh token we issued: owner, issue time, until
 *                                                   when it may renew (renewableUntil: idle timeout) (TTL)
 *   MFA#<sha256>          / MFA                     a login waiting for its TOTP code, single use (TTL)
 *   USER#<sub>            / EVT#<n>                 the customer's n-th stored event (12 digits), as GET /v1/events
 *                                                   shows it (TTL 30 d); see store/events.ts
 *   USER#<sub>            / EVTSEQ                  the number of the customer's last stored event (never expires)
 *   USER#<sub>            / EVTID#<eventId>         the mark that an event id was stored: once only (TTL 30 d)
 *   USER#<sub>            / WEBHOOK#<webhookId>     a webhook endpoint, with its signing secret
 *   USER#<sub>            / WEBHOOKS                how many endpoints the customer has (at most 5)
 *   USER#<sub>            / NOTIFICATIONS           email notification preferences
 *   WEBHOOK#<webhookId>   / DELIVERY#<deliveryId>   one event's delivery to one endpoint, its attempts (TTL 30 d)
 *   EMAIL#<eventId>       / EMAIL                   the email an event gave: sent once (TTL 30 d)
 *   AUDIT#<subjectId>     / SEQ#<n>                 an audit record, hash-chained per subject (never expires)
 *   MFAAUTH#<sha256>      / MFAAUTH                 an access token from a TOTP login (TTL; keys.ts auditKeys)
 *   USER#<sub>            / SECURITY                also: disabledAt, disabledReason (an admin disabled the login)
 *
 * GSI1 is sparse, and four things use it (each under its own gsi1pk prefix; a fifth until 2026-12-07):
 *   HOLDS#<shard>     / <expiresAt>#<journalId>     pending journals by expiry, for the sweeper; a journal
 *                                                   leaves it when it stops being pending
 *   CREDITS#<shard>   / <createdAt>#<journalId>     unsettled credits (CREDIT#<accountId> / IN#<time>#<txId>),
 *                                                   for the sweeper: one the settler missed is settled
 *   SCHEDULES#<shard> / <nextRunDate>#<scheduleId>  active scheduled transfers (keys.ts paymentKeys)
 *   AUDITBY#<actorId> / <at>#<recordId>             audit records by who acted (GET /v1/admin/audit?actorId=)
 *   DUE#<shard>       / <nextAttemptAt>#<deliveryId> until 2026-12-07, webhook deliveries waiting for their
 *                                                   next attempt; the sweep moves those left to DLV
 *
 * DLV (`dlv`, sparse, deliveries alone): dlvpk DUE#<shard> / dlvsk <nextAttemptAt>#<deliveryId>, webhook
 * deliveries waiting for their next attempt (they leave it once delivered or dead): the dispatcher's, the
 * only index its role may query.
 *
 * History through indexes (HIST1 and HIST2, sparse): a posted journal carries its two legs' history
 * entries as index keys of its own item, so a movement writes no posting item:
 *   hist1: h1pk ACCOUNT#<id> / h1sk TX#<time>#<journalId>   its debited side (a customer account or a
 *                                                            system shard), h1seq the account's version,
 *                                                            h1cp the number of the account it paid
 *   hist2: h2pk ACCOUNT#<id> / h2sk TX#<time>#<journalId>   its credited side, h2seq and h2cp likewise
 * under the same keys as posting items, so an account's history is three sources merged by sort key
 * (store/history.ts). Each index holds of the journal only what its entries show (historyProjection,
 * and its own side's party: `from` in hist1, `to` in hist2); an entry's amount is the journal's
 * (negative in hist1), its balanceAfter and owner its side's party. A settlement's update of the
 * recipient's side (`to.balanceAfter`) so leaves hist1 alone.
 *
 * TTL: the attribute `expiresAt`, a Number (epoch seconds), on the items marked (TTL) only. A journal
 * and an account hold keep their own `expiresAt` too, as an ISO-8601 String (the hold's expiry): DynamoDB
 * TTL skips any item whose TTL attribute is not a Number (AWS's TTL documentation), so a journal
 * never expires by TTL. Keep it so: never store a journal's expiresAt as a Number.
 */
import * as keys from './item-keys.ts';

export const tableKeys = { partitionKey: 'pk', sortKey: 'sk' } as const;
export const gsi1 = { indexName: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' } as const;
/**
 * The dispatcher's index of webhook deliveries waiting for their next attempt (sparse, deliveries
 * alone): `DUE#<shard>` / `<nextAttemptAt>#<deliveryId>`. Until 2026-12-07 they were due in gsi1,
 * whose every other entry (pending journals, unsettled credits, due schedules, audit records by actor)
 * the dispatcher could then read too; its role may Query this index alone.
 */
export const deliveryIndex = { indexName: 'dlv', partitionKey: 'dlvpk', sortKey: 'dlvsk' } as const;
export const ttlAttribute = 'expiresAt';

/** What a history index holds of a journal besides the keys and its side's own attributes. */
export const historyProjection = ['id', 'type', 'amount', 'currency', 'description'] as const;

/**
 * The history indexes: a journal's debited side (hist1: its party is the journal's `from`, when it is
 * a customer account) and credited side (hist2: `to`), each with the account's version it made (`seq`)
 * and the number of the account on the other side (`counterparty`, when that is a customer's).
 */
export const historyIndexes = [
  {
    indexName: 'hist1',
    partitionKey: 'h1pk',
    sortKey: 'h1sk',
    seq: 'h1seq',
    counterparty: 'h1cp',
    party: 'from',
    sign: -1,
  },
  {
    indexName: 'hist2',
    partitionKey: 'h2pk',
    sortKey: 'h2sk',
    seq: 'h2seq',
    counterparty: 'h2cp',
    party: 'to',
    sign: 1,
  },
] as const;
export type HistoryIndex = (typeof historyIndexes)[number];

const historyAttributes = (h: HistoryIndex): string[] => [h.partitionKey, h.sortKey, h.seq, h.counterparty];

/**
 * The indexes whose entries only some functions write, each with the attributes that put an item in
 * it or show in it (its keys, and for a history index the version and counterparty of its entry; the
 * delivery index's keys, which the delivery writers alone set).
 * IAM's dynamodb:LeadingKeys sees the table's partition key alone, so an item put or updated in a
 * function's own partition with, say, `h2pk` set to any account would stand in that account's history
 * and statements as a journal's credit would. Every role with table writes whose function does not
 * declare the index in its `indexWrites` (src/functions.ts) is denied a put or an update carrying any
 * of these attributes (an explicit Deny on dynamodb:Attributes: infra/functions.ts; offline,
 * src/local/iam.ts). gsi1 is among them since 2026-12-07: many functions write it (audit records by
 * actor, due schedules, pending journals, unsettled credits, and the removal of deliveries once due
 * there), but not all. Before, a role that writes `USER#` items and no gsi1 entry (`payees`, `stream`)
 * could have put an item in any customer's partition as a due schedule (`SCHEDULES#<shard>`), which the
 * runner would pay from that customer's account, or a record in a staff member's audit trail by actor.
 */
export const guardedIndexAttributes: Record<
  HistoryIndex['indexName'] | typeof deliveryIndex.indexName | typeof gsi1.indexName,
  readonly string[]
> = {
  hist1: historyAttributes(historyIndexes[0]),
  hist2: historyAttributes(historyIndexes[1]),
  // Deliveries only: what the dispatcher reads and sends to customers' URLs.
  dlv: [deliveryIndex.partitionKey, deliveryIndex.sortKey],
  gsi1: [gsi1.partitionKey, gsi1.sortKey],
};
export type GuardedIndex = keyof typeof guardedIndexAttributes;

/** The attributes a function that writes the guarded indexes `writes` (and no other) may not write. */
export const deniedIndexAttributes = (writes: readonly string[] = []): string[] =>
  Object.entries(guardedIndexAttributes)
    .filter(([index]) => !writes.includes(index))
    .flatMap(([, attributes]) => attributes);

/**
 * A journal's side in a history index: the attributes of the journal item that put it there, under
 * the keys of the account's history (keys.posting), with the account's version it made and the other
 * customer account's number where there are.
 */
export const sideAttributes = (
  index: HistoryIndex,
  accountId: string,
  at: string,
  journalId: string,
  side: { seq?: number | undefined; counterparty?: string | undefined } = {},
): Record<string, unknown> => {
  const key = keys.posting(accountId, at, journalId);
  return {
    [index.partitionKey]: key.pk,
    [index.sortKey]: key.sk,
    ...(side.seq !== undefined ? { [index.seq]: side.seq } : {}),
    ...(side.counterparty !== undefined ? { [index.counterparty]: side.counterparty } : {}),
  };
};

/** The same attributes set by an update: its SET clauses and their values (`:side_<name>`). */
export const sideUpdate = (attributes: Record<string, unknown>) => ({
  set: Object.keys(attributes)
    .map((name) => `${name} = :side_${name}`)
    .join(', '),
  values: Object.fromEntries(Object.entries(attributes).map(([name, v]) => [`:side_${name}`, v])),
});

/** Every index of the table, with what it projects (for the bench's unit counts, and the CDK app). */
export const tableIndexes = [
  { ...gsi1, projection: 'ALL' as const },
  ...historyIndexes.map((h) => ({
    indexName: h.indexName,
    partitionKey: h.partitionKey,
    sortKey: h.sortKey,
    projection: [...historyProjection, h.party, h.seq, h.counterparty] as readonly string[],
  })),
  // The whole delivery: the dispatcher attempts what it reads. It holds deliveries alone.
  { ...deliveryIndex, projection: 'ALL' as const },
];
/** The table's stream: both images, so a consumer sees what changed (events, src/domain/events.ts). */
export const streamSpecification = { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' as const };

/** The CreateTable input for this table (on-demand). Also used by tests and the local stack. */
export const createTableInput = (tableName: string) => ({
  TableName: tableName,
  BillingMode: 'PAY_PER_REQUEST' as const,
  StreamSpecification: streamSpecification,
  AttributeDefinitions: [tableKeys, ...tableIndexes].flatMap((k) => [
    { AttributeName: k.partitionKey, AttributeType: 'S' as const },
    { AttributeName: k.sortKey, AttributeType: 'S' as const },
  ]),
  KeySchema: [
    { AttributeName: tableKeys.partitionKey, KeyType: 'HASH' as const },
    { AttributeName: tableKeys.sortKey, KeyType: 'RANGE' as const },
  ],
  GlobalSecondaryIndexes: tableIndexes.map(indexInput),
});

/** One index's definition, as CreateTable and UpdateTable take it. */
export const indexInput = (i: (typeof tableIndexes)[number]) => ({
  IndexName: i.indexName,
  KeySchema: [
    { AttributeName: i.partitionKey, KeyType: 'HASH' as const },
    { AttributeName: i.sortKey, KeyType: 'RANGE' as const },
  ],
  Projection:
    i.projection === 'ALL'
      ? { ProjectionType: 'ALL' as const }
      : { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: [...i.projection] },
});
