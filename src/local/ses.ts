/**
 * Amazon SES v2 offline: aws-ses-v2-local on 127.0.0.1, on a given or free port. The notifier sends to
 * it with the same SDK code as on AWS (AWS_ENDPOINT_URL_SESV2); its web UI at `/` shows the emails,
 * and `GET /store?since=<epoch seconds>` answers them as JSON. It keeps nothing on disk.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { type Emulator, startOnPort } from './emulators.ts';
import { supervise } from './process.ts';

const require = createRequire(import.meta.url);
const sesBin = join(dirname(require.resolve('aws-ses-v2-local/package.json')), 'dist', 'cli.js');

export const startSes = (opts: {
  dataDir: string;
  port?: number;
  onLine?: (line: string) => void;
  /** How a free port is picked (tests make the race of another server taking it certain). */
  pickPort?: (host: string) => Promise<number>;
}): Promise<Emulator> =>
  startOnPort(
    'aws-ses-v2-local',
    { dataDir: opts.dataDir, port: opts.port, host: '127.0.0.1', onLine: opts.onLine },
    async (port) =>
      supervise(process.execPath, [sesBin, '--host', '127.0.0.1', '--port', String(port)], {
        cwd: opts.dataDir,
        env: { ...process.env, NODE_NO_WARNINGS: '1' },
        onLine: opts.onLine,
      }),
    (endpoint) => `${endpoint}/store`,
    opts.pickPort,
  );

/** An email as aws-ses-v2-local keeps it. */
export interface StoredEmail {
  from: string;
  destination: { to: string[] };
  subject: string;
  body: { text?: string; html?: string };
  at: number;
}

/** The emails aws-ses-v2-local received since an instant. */
export const sentEmails = async (endpoint: string, since = 0): Promise<StoredEmail[]> => {
  const r = await fetch(`${endpoint}/store?since=${Math.floor(since / 1000)}`);
  if (!r.ok) throw new Error(`aws-ses-v2-local answered ${r.status}`);
  return ((await r.json()) as { emails: StoredEmail[] }).emails;
};
