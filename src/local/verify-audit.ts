/**
 * `npm run verify-audit`: recomputes every audit chain (src/store/audit.ts) of the running local stack
 * (BANK_DATA_DIR/stack.json), or of a deployed table when TABLE_NAME is set with AWS configuration, as
 * `npm run verify-ledger` finds it. Exits 1 on a gap, a broken link or an altered record.
 */
import { verifyAudit } from '../store/audit.ts';
import { createDocumentClient } from '../store/db.ts';
import { verifyTarget } from './verify-ledger.ts';

const { client, table, where } = verifyTarget();
const report = await verifyAudit(createDocumentClient(client), table);
console.log(`verify-audit: ${where}`);
console.log(`  ${report.chains} chains, ${report.records} records`);
for (const p of report.problems.slice(0, 50)) console.log(`  BROKEN ${p}`);
console.log(report.ok ? 'OK: every audit chain is intact' : `FAILED: ${report.problems.length} problem(s)`);
client.destroy();
process.exit(report.ok ? 0 : 1);
