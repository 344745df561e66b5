import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, readSetting, type SettingName, settings, settingsEnv, stageSettings } from './config.ts';

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

const root = join(import.meta.dirname, '..');

describe('config', () => {
  it('refuses an idempotency TTL under 24 hours (a late retry would post again)', () => {
    process.env.BANK_IDEMPOTENCY_TTL_SECONDS = '0';
    expect(() => loadConfig()).toThrow('BANK_IDEMPOTENCY_TTL_SECONDS must be at least 86400, not 0');
    process.env.BANK_IDEMPOTENCY_TTL_SECONDS = '86400';
    expect(loadConfig().idempotencyTtlSeconds).toBe(86400);
  });

  it('reads the end of an upgrade window as an ISO 8601 instant; none by default', () => {
    expect(loadConfig({}).legacyIdempotencyUntil).toBe('');
    expect(loadConfig({ BANK_LEGACY_IDEMPOTENCY_UNTIL: '2026-12-03T18:00:00Z' }).legacyIdempotencyUntil).toBe(
      '2026-12-03T18:00:00Z',
    );
  });

  it('reads the deposit cap and the sweep interval, with their defaults', () => {
    delete process.env.BANK_DAILY_DEPOSIT_LIMIT;
    delete process.env.BANK_SWEEP_SECONDS;
    expect(loadConfig()).toMatchObject({ dailyDepositLimit: 1_000_000, sweepSeconds: 5 });
    process.env.BANK_DAILY_DEPOSIT_LIMIT = '250';
    process.env.BANK_SWEEP_SECONDS = '30';
    expect(loadConfig()).toMatchObject({ dailyDepositLimit: 250, sweepSeconds: 30 });
  });

  it.each([
    ['BANK_DAILY_LIMIT', '-1'],
    ['BANK_DAILY_LIMIT', '1.5'],
    ['BANK_SYSTEM_SHARDS', '0'],
    ['BANK_SWEEP_SECONDS', '0'],
    ['BANK_AUTO_CONFIRM', 'yes'],
    ['BANK_WEBHOOK_RETRY_SCALE', 'fast'],
    ['BANK_LEGACY_IDEMPOTENCY_UNTIL', 'tomorrow'],
    ['BANK_LEGACY_IDEMPOTENCY_UNTIL', '2026-12-03'],
    ['BANK_LEGACY_IDEMPOTENCY_UNTIL', '2026-12-03T18:00:00'],
    // SES's ses:FromAddress condition sees the address alone: a display name would refuse every send.
    ['BANK_EMAIL_FROM', 'Serverless Bank <no-reply@bank.example.com>'],
  ])('refuses %s=%s, naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(
      new RegExp(`^${name} must be .+, not ${value.replace('.', '\\.')}$`),
    );
  });

  it('what the CDK app and npm start write is what the handlers read back', () => {
    const values = {
      dailyLimit: 500,
      autoConfirm: true,
      webhookRetryScale: 0.001,
      emailFrom: 'bank@example.com',
      tableName: 't',
    };
    expect(loadConfig(settingsEnv(values))).toMatchObject(values);
    expect(readSetting('dailyLimit', '7', 'context dailyLimit')).toBe(7);
    expect(() => readSetting('dailyLimit', 'x', 'context dailyLimit')).toThrow(
      'context dailyLimit must be a number, not x',
    );
  });

  it('only src/config.ts reads the bank settings from the environment', () => {
    const offenders: string[] = [];
    const envNames = Object.values(settings).map((s) => s.env);
    const walk = (dir: string) => {
      for (const e of require('node:fs').readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, e.name);
        if (e.isDirectory()) {
          if (e.name !== 'local') walk(path);
        } else if (
          e.name.endsWith('.ts') &&
          !e.name.endsWith('.test.ts') &&
          path !== join(root, 'src/config.ts')
        ) {
          const src = readFileSync(path, 'utf8');
          for (const n of envNames) if (src.includes(`process.env.${n}`)) offenders.push(`${path}: ${n}`);
        }
      }
    };
    walk(join(root, 'src'));
    expect(offenders).toEqual([]);
  });

  it('the README documents every setting, its variable and its default, and the stage settings', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('The Lambda handlers read these'));
    const start = section.indexOf('\n|');
    const rows = section
      .slice(start, section.indexOf('\n\n', start))
      .split('\n')
      .filter((l) => l.startsWith('| `'));
    for (const [name, s] of Object.entries(settings) as [SettingName, (typeof settings)[SettingName]][]) {
      const row = rows.find((r) => r.split('|')[1]?.includes(`\`${s.env}\``));
      expect(row, `${name}: no README row names ${s.env}`).toBeDefined();
      const shown = row?.split('|')[2] ?? '';
      if (s.default === '') expect(shown, s.env).toContain('—');
      else expect(shown, s.env).toContain(`\`${String(s.default)}\``);
    }
    for (const k of stageSettings) expect(readme).toContain(`\`${settings[k].env}\``);
  });
});
