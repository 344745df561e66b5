/**
 * The CDK app entry (cdk.json: `npx tsx infra/app.ts`). `--context stage=dev|prod` picks the stage.
 */
import { buildBankApp, builtWebDist } from './bank-app.ts';

const webDist = builtWebDist();
const { app, cfg } = buildBankApp({}, webDist ? { webDist } : {});
if (!cfg.webDist) {
  console.warn('web/dist not found: this synth deploys no web content. Run `npm run build:web` first.');
}
app.synth();
