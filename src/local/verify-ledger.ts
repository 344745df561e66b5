/**
 * `npm run verify-ledger`: reconciles the ledger of the running local stack (found through
 * BANK_DATA_DIR/stack.json), or of a deployed table when TABLE_NAME is set with AWS configuration
 * (credentials and region from the usual AWS environment or profile). Exits 1 on any mismatch.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { functions } from '../functions.ts';
import { createDocumentClient } from '../store/db.ts';
import { verifyLedger } from '../store/verify.ts';

/**
 * The table to check: a deployed one (TABLE_NAME and AWS configuration) or the local stack's, and how
 * often its sweeper runs (holds and credits younger than two runs are not yet overdue): the registry's
 * schedule on AWS, BANK_SWEEP_SECONDS offline; BANK_SWEEP_SECONDS overrides either.
 */
export const verifyTarget = (
  env: NodeJS.ProcessEnv = process.env,
): { client: DynamoDBClient; table: string; where: string; sweepSeconds: number } => {
  const every = (fallback: number) => Number(env.BANK_SWEEP_SECONDS || fallback);
  if (env.TABLE_NAME && !env.BANK_DATA_DIR) {
    const sweep = functions.sweep.trigger as { minutes: number };
    return {
      client: new DynamoDBClient({}),
      table: env.TABLE_NAME,
      where: `table ${env.TABLE_NAME}`,
      sweepSeconds: every(sweep.minutes * 60),
    };
  }
  const dataDir = env.BANK_DATA_DIR || '.data';
  const stack = JSON.parse(readFileSync(join(dataDir, 'stack.json'), 'utf8'));
  return {
    client: new DynamoDBClient({
      endpoint: stack.dynamodbEndpoint,
      region: stack.region ?? 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
    table: stack.tableName,
    where: `local stack in ${dataDir}`,
    sweepSeconds: every(5),
  };
};

const main = async () => {
  const { client, table, where, sweepSeconds } = verifyTarget();
  const report = await verifyLedger(createDocumentClient(client), table, { sweepSeconds });
  console.log(`verify-ledger: ${where}`);
  console.log(
    `  ${report.accounts} accounts, ${report.systemShards} system shards, ${report.journals} journals, ${report.postings} postings, ${report.credits} unsettled credits`,
  );
  for (const [currency, c] of Object.entries(report.currencies)) {
    console.log(
      `  ${currency}: customers hold ${c.customerBalance} (+ ${c.incoming} incoming)${c.unclaimed ? `, ${c.unclaimed} unclaimed held for former customers` : ''}, postings and credits sum to ${c.postingSum}`,
    );
  }
  for (const p of report.problems.slice(0, 50)) console.log(`  MISMATCH ${p}`);
  console.log(report.ok ? 'OK: the ledger balances' : `FAILED: ${report.problems.length} problem(s)`);
  client.destroy();
  process.exit(report.ok ? 0 : 1);
};

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
