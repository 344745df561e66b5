/** `npm start` refuses a non-loopback HOST unless BANK_ALLOW_REMOTE=true (cognito-local's key is public). */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const main = join(import.meta.dirname, 'main.ts');

it.each(['0.0.0.0', '192.0.2.10', '::'])(
  'refuses HOST=%s without BANK_ALLOW_REMOTE, before starting anything',
  (host) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'bank-remote-'));
    const r = spawnSync(process.execPath, ['--import', 'tsx', main], {
      env: { ...process.env, HOST: host, PORT: '0', BANK_DATA_DIR: dataDir, BANK_ALLOW_REMOTE: '' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('is not a loopback address');
    expect(r.stderr).toContain('BANK_ALLOW_REMOTE=true');
    expect(r.stdout).not.toContain('starting on');
  },
);
