/**
 * The single table's physical shape. The local bootstrap, the test harness and the CDK app
 * all create the table from this definition.
 *
 * Items (pk / sk):
 *   USER#<sub>            / PROFILE                 the customer's profile and open-account count
 *   USER#<sub>            / ACCOUNT#<id>            an account, with its balance and version
 *   USER#<sub>            / LIMIT#<day>#<currency>  the daily outgoing-limit counter (TTL)
 *   USER#<sub>            / DEPOSITS#<day>#<currency> the daily self-service deposit counter (TTL)
 *   JOURNAL#<id>          / JOURNAL                 a journal: type, status, version, amount, parties,
 *                                                   per-side metadata, times, refunds (see domain/ledger.ts)
 *   ACCTNUM#<number>      / ACCTNUM                 account number -> owner and account id (uniqueness)
 *   ACCOUNT#<id>          / TX#<time>#<txId>        a history entry: a posting (one leg of a posted journal;
 *                                                   for a system shard, <id> is the shard id), or the
 *                                                   sender's entry for a pending transfer (entity `hold`)
 *   SYSTEM#<name>#<cur>#<n> / SYSTEM                a shard of a system account balance (cash-in, cash-out)
 *   IDEM#<sub>#<key>      / IDEM                    an idempotency record with the response to replay (TTL)
 *   LOGIN#<email>         / LOGIN                   failures per email from all IPs: slows attempts (TTL)
 *   LOGIN#<email>         / IP#<ip>                 failures per (email, source IP): locks the pair (TTL)
 *   LOGIN#<email>         / KNOWN#<ip>              an IP the customer logged in from: not slowed (TTL)
 *   LOGIN#<email>         / RESET                   wrong password-reset codes: locks resets (TTL)
 *   USER#<sub>            / VERIFY                  wrong passwords/codes in signed-in changes (TTL)
 *   USER#<sub>            / SECURITY                "tokens issued before T are revoked" marker
 *   REFRESH#<sha256>      / REFRESH                 a refresh token we issued: owner, issue time (TTL)
 *   MFA#<sha256>          / MFA                     a login waiting for its TOTP code, single use (TTL)
 *
 * GSI1 (gsi1pk = HOLDS#<shard>, gsi1sk = <expiresAt>#<journalId>) is sparse: it lists the pending
 * journals by expiry, for the sweeper. A journal leaves it when it stops being pending.
 */
export const tableKeys = { partitionKey: 'pk', sortKey: 'sk' } as const;
export const gsi1 = { indexName: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' } as const;
export const ttlAttribute = 'expiresAt';
/** The table's stream: both images, so a consumer sees what changed (events, src/domain/events.ts). */
export const streamSpecification = { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' as const };

/** The CreateTable input for this table (on-demand). Also used by tests and the local stack. */
export const createTableInput = (tableName: string) => ({
  TableName: tableName,
  BillingMode: 'PAY_PER_REQUEST' as const,
  StreamSpecification: streamSpecification,
  AttributeDefinitions: [
    { AttributeName: tableKeys.partitionKey, AttributeType: 'S' as const },
    { AttributeName: tableKeys.sortKey, AttributeType: 'S' as const },
    { AttributeName: gsi1.partitionKey, AttributeType: 'S' as const },
    { AttributeName: gsi1.sortKey, AttributeType: 'S' as const },
  ],
  KeySchema: [
    { AttributeName: tableKeys.partitionKey, KeyType: 'HASH' as const },
    { AttributeName: tableKeys.sortKey, KeyType: 'RANGE' as const },
  ],
  GlobalSecondaryIndexes: [
    {
      IndexName: gsi1.indexName,
      KeySchema: [
        { AttributeName: gsi1.partitionKey, KeyType: 'HASH' as const },
        { AttributeName: gsi1.sortKey, KeyType: 'RANGE' as const },
      ],
      Projection: { ProjectionType: 'ALL' as const },
    },
  ],
});
