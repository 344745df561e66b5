import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import {
  ATTEMPT_ERROR_MAX,
  attemptErrorText,
  checkWebhookUrl,
  isForbiddenAddress,
  MAX_ATTEMPTS,
  newWebhookSecret,
  nextAttemptAt,
  signatureHeader,
  verifySignature,
} from './webhooks.ts';

/** A resolver that answers from a table and records what it was asked: no DNS, no traffic. */
const fakeDns = (table: Record<string, string[]>) => vi.fn(async (host: string) => table[host] ?? []);

const code = async (p: Promise<unknown>) => {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return (e as { code?: string }).code;
  }
};

describe('webhook URL rules', () => {
  const onAws = (dns = fakeDns({})) => ({ allowLoopbackHttp: false, resolve: dns });
  const offline = (dns = fakeDns({})) => ({ allowLoopbackHttp: true, resolve: dns });

  /** Every name the refusals below use resolves to a public address: DNS is never why they fail. */
  const publicDns = () =>
    fakeDns({
      'example.com': ['93.184.215.14'],
      'hooks.example.com': ['93.184.215.14', '2606:4700::6810:84e5'],
    });
  /** A URL of exactly `length` characters to a public name. */
  const urlOfLength = (length: number) => {
    const start = 'https://hooks.example.com/';
    return start + 'a'.repeat(length - start.length);
  };

  it.each([
    ['http://169.254.169.254/', 'only https URLs'],
    ['http://10.0.0.1/', 'only https URLs'],
    ['https://10.0.0.1/hook', 'private or reserved'],
    ['https://192.168.1.20/hook', 'private or reserved'],
    ['https://172.16.5.4/hook', 'private or reserved'],
    ['https://127.0.0.1/hook', 'private or reserved'],
    ['https://169.254.169.254/latest/meta-data/', 'private or reserved'],
    ['https://[::1]/hook', 'private or reserved'],
    ['https://[fd00:ec2::254]/hook', 'private or reserved'],
    ['https://[fe80::1]/hook', 'private or reserved'],
    // Reserved, never globally reachable (a review found them let through): benchmarking, ORCHIDv2,
    // documentation, SRv6.
    ['https://[2001:2::1]/hook', 'private or reserved'],
    ['https://[2001:20::1]/hook', 'private or reserved'],
    ['https://[3fff::1]/hook', 'private or reserved'],
    ['https://[5f00::1]/hook', 'private or reserved'],
    ['https://[::ffff:10.0.0.1]/hook', 'private or reserved'],
    ['https://[::ffff:7f00:1]/hook', 'private or reserved'],
    ['https://100.64.0.1/hook', 'private or reserved'],
    ['https://0.0.0.0/hook', 'private or reserved'],
    ['ftp://example.com/hook', 'only https URLs'],
    ['http://hooks.example.com/', 'only https URLs'],
    ['https://user:pass@example.com/hook', 'credentials in the URL'],
    ['https://user@example.com/hook', 'credentials in the URL'],
    ['https://:secret@example.com/hook', 'credentials in the URL'],
    ['not a url', 'not a URL'],
  ])('refuses %s (%s)', async (url, why) => {
    const dns = publicDns();
    const refusal = await checkWebhookUrl(url, onAws(dns)).then(
      () => undefined,
      (e: { code?: string; message?: string }) => e,
    );
    expect(refusal?.code).toBe('invalid_webhook_url');
    expect(refusal?.message).toContain(why);
    // An address literal is judged as is: nothing is looked up, nothing is sent.
    if (/^https:\/\/[\d[]/.test(url)) expect(dns).not.toHaveBeenCalled();
  });

  it('accepts, with the same DNS as the refusals, https to those names', async () => {
    for (const url of ['https://example.com/hook', 'https://hooks.example.com/']) {
      expect(await code(checkWebhookUrl(url, onAws(publicDns()))), url).toBe('ok');
    }
  });

  it('refuses a URL longer than 2048 characters, and accepts one of 2048', async () => {
    await expect(checkWebhookUrl(urlOfLength(2049), onAws(publicDns()))).rejects.toMatchObject({
      code: 'invalid_webhook_url',
      message: expect.stringContaining('longer than 2048 characters'),
    });
    expect(await code(checkWebhookUrl(urlOfLength(2048), onAws(publicDns())))).toBe('ok');
  });

  it('refuses a name that resolves to a private or metadata address, even among public ones', async () => {
    const dns = fakeDns({
      'internal.example.com': ['10.1.2.3'],
      'rebind.example.com': ['93.184.215.14', '169.254.169.254'],
      'v6.example.com': ['2606:4700::6810:84e5', 'fc00::1'],
      'nothing.example.com': [],
    });
    for (const host of ['internal', 'rebind', 'v6', 'nothing']) {
      expect(await code(checkWebhookUrl(`https://${host}.example.com/h`, onAws(dns))), host).toBe(
        'invalid_webhook_url',
      );
    }
  });

  it('accepts https to a name with only public addresses', async () => {
    const dns = fakeDns({ 'hooks.example.com': ['93.184.215.14', '2606:4700::6810:84e5'] });
    expect(await checkWebhookUrl('https://hooks.example.com/bank', onAws(dns))).toEqual([
      '93.184.215.14',
      '2606:4700::6810:84e5',
    ]);
  });

  it('offline, and only offline, allows http://127.0.0.1:<port>', async () => {
    expect(await code(checkWebhookUrl('http://127.0.0.1:4567/hook', offline()))).toBe('ok');
    expect(await code(checkWebhookUrl('http://127.0.0.1:4567/hook', onAws()))).toBe('invalid_webhook_url');
    // Not another loopback form, not without a port, not another private address.
    for (const url of [
      'http://localhost:4567/',
      'http://127.0.0.1/',
      'http://127.0.0.2:80/',
      'http://10.0.0.1:80/',
    ]) {
      expect(await code(checkWebhookUrl(url, offline(fakeDns({ localhost: ['127.0.0.1'] })))), url).toBe(
        'invalid_webhook_url',
      );
    }
  });

  it('classifies addresses', () => {
    for (const a of ['8.8.8.8', '93.184.215.14', '2606:4700::6810:84e5'])
      expect(isForbiddenAddress(a), a).toBe(false);
    for (const a of ['127.0.0.1', '169.254.170.2', '::', 'fd00:ec2::254', 'ff02::1', 'garbage'])
      expect(isForbiddenAddress(a), a).toBe(true);
    // Each reserved range on its own (found by mutation): benchmarking, multicast, reserved, broadcast,
    // discard-only, and the well-known NAT64 prefix (64:ff9b::a9fe:a9fe is 169.254.169.254).
    for (const a of [
      '198.18.0.1',
      '224.0.0.1',
      '240.0.0.1',
      '255.255.255.255',
      '100::1',
      '64:ff9b::a9fe:a9fe',
    ])
      expect(isForbiddenAddress(a), a).toBe(true);
    // IPv6 forms that carry an IPv4 address: IPv4-compatible (::127.0.0.1, ::169.254.169.254), local
    // NAT64, Teredo and 6to4 (2002:7f00:1:: tunnels to 127.0.0.1).
    for (const a of [
      '::7f00:1',
      '::a9fe:a9fe',
      '::1',
      '64:ff9b:1::a00:1',
      '2001:0:4136:e378::1',
      '2002:7f00:1::1',
    ])
      expect(isForbiddenAddress(a), a).toBe(true);
    // Rarer forms a review found open: IPv4-translated (::ffff:0:169.254.169.254), the old site-local
    // range, and the 6to4 relay anycast.
    for (const a of ['::ffff:0:a9fe:a9fe', 'fec0::1', 'feff::1', '192.88.99.1'])
      expect(isForbiddenAddress(a), a).toBe(true);
    // Their neighbours stay open: global unicast just outside each range.
    for (const a of [
      '2001:1::1',
      '2003::1',
      '64:ff9b:2::1',
      '192.88.100.1',
      '2001:3::1',
      '2001:30::1',
      '3fff:1000::1',
      '5f01::1',
    ])
      expect(isForbiddenAddress(a), a).toBe(false);
  });
});

describe('signatures', () => {
  const secret = newWebhookSecret();
  const body = '{"id":"evt_1","type":"account.opened"}';
  const now = Date.parse('2026-11-30T10:00:00Z');
  const t = now / 1000;

  it('a secret is whsec_ and 32 random bytes, base64url', () => {
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(newWebhookSecret()).not.toBe(secret);
  });

  it('signs "<t>.<body>" with HMAC-SHA256, hex', () => {
    const header = signatureHeader(secret, body, t);
    expect(header).toMatch(new RegExp(`^t=${t},v1=[0-9a-f]{64}$`));
    expect(verifySignature(header, body, secret, now)).toBe(true);
  });

  it('refuses another body, another secret, another time, or one too old', () => {
    const header = signatureHeader(secret, body, t);
    expect(verifySignature(header, `${body} `, secret, now)).toBe(false);
    expect(verifySignature(header, body, newWebhookSecret(), now)).toBe(false);
    expect(verifySignature(header.replace(`t=${t}`, `t=${t + 1}`), body, secret, now)).toBe(false);
    expect(verifySignature(header, body, secret, now + 301_000)).toBe(false);
    expect(verifySignature('v1=abc', body, secret, now)).toBe(false);
    // One dated too far ahead, and a signature of the wrong length (found by mutation).
    expect(verifySignature(header, body, secret, now - 301_000)).toBe(false);
    expect(verifySignature(`t=${t},v1=abcd`, body, secret, now)).toBe(false);
    // The tolerance is 300 s either way, to the millisecond: 300.5 s old is too old.
    expect(verifySignature(header, body, secret, now + 300_000)).toBe(true);
    expect(verifySignature(header, body, secret, now + 300_500)).toBe(false);
    // A time that is not a whole number of seconds is refused, even signed with the secret.
    expect(verifySignature(signatureHeader(secret, body, t + 0.5), body, secret, now)).toBe(false);
    // Only the v1 scheme is checked: the same signature under another name is none.
    expect(verifySignature(header.replace('v1=', 'v0='), body, secret, now)).toBe(false);
  });
});

describe('the README’s 10-line receiver check', () => {
  it('accepts what we sign and refuses a changed body, another secret or an old signature', async () => {
    const readme = await readFile(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
    const code = /<!-- webhook-verify -->\n```js\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(code?.trim().split('\n').length).toBeLessThanOrEqual(10);
    const file = join(await mkdtemp(join(tmpdir(), 'verify-')), 'verify.mjs');
    await writeFile(file, code ?? '');
    const { verifyBankSignature } = (await import(pathToFileURL(file).href)) as {
      verifyBankSignature: (h: string, body: string, secret: string) => boolean;
    };
    const secret = newWebhookSecret();
    const body = '{"id":"evt_1"}';
    const now = Math.floor(Date.now() / 1000);
    expect(verifyBankSignature(signatureHeader(secret, body, now), body, secret)).toBe(true);
    expect(verifyBankSignature(signatureHeader(secret, body, now), `${body}\n`, secret)).toBe(false);
    expect(verifyBankSignature(signatureHeader(secret, body, now), body, newWebhookSecret())).toBe(false);
    expect(verifyBankSignature(signatureHeader(secret, body, now - 600), body, secret)).toBe(false);
  });
});

describe('retry schedule', () => {
  const start = new Date('2026-11-30T00:00:00Z');
  const mid = () => 0.5;

  it('backs off exponentially, with jitter, and gives up within 24 hours', () => {
    let at = start;
    const gaps: number[] = [];
    let deadAfter = 0;
    for (let attempts = 1; attempts <= 50 && !deadAfter; attempts++) {
      const next = nextAttemptAt(attempts, at, { random: mid });
      if (!next) deadAfter = attempts;
      else {
        gaps.push(next.getTime() - at.getTime());
        at = next;
      }
    }
    expect(deadAfter).toBe(MAX_ATTEMPTS);
    for (let i = 1; i < gaps.length; i++) expect(gaps[i]).toBeGreaterThanOrEqual(gaps[i - 1] as number);
    expect(gaps[0]).toBe(60_000);
    expect(at.getTime() - start.getTime()).toBeLessThanOrEqual(24 * 3600 * 1000);
    expect(at.getTime() - start.getTime()).toBeGreaterThan(12 * 3600 * 1000);
  });

  it('jitter stays within ±20 %, and the scale multiplies every delay', () => {
    expect(nextAttemptAt(1, start, { random: () => 0 })?.getTime()).toBe(start.getTime() + 48_000);
    expect(nextAttemptAt(1, start, { random: () => 1 })?.getTime()).toBe(start.getTime() + 72_000);
    expect(nextAttemptAt(1, start, { random: mid, scale: 0.001 })?.getTime()).toBe(start.getTime() + 60);
  });
});

describe("an attempt's error text", () => {
  it('is kept whole up to ATTEMPT_ERROR_MAX, and cut there with an ellipsis beyond it', () => {
    const fits = 'e'.repeat(ATTEMPT_ERROR_MAX);
    expect(attemptErrorText('ECONNREFUSED: connect ECONNREFUSED 203.0.113.7:443')).toBe(
      'ECONNREFUSED: connect ECONNREFUSED 203.0.113.7:443',
    );
    expect(attemptErrorText(fits)).toBe(fits);
    const cut = attemptErrorText(`${fits}x`);
    expect(cut).toHaveLength(ATTEMPT_ERROR_MAX);
    expect(cut).toBe(`${'e'.repeat(ATTEMPT_ERROR_MAX - 1)}…`);
  });

  it('never cuts a character in half: a surrogate pair at the cut goes whole', () => {
    // "😀" is two UTF-16 code units; placed so that the cut would fall between them.
    const text = `${'e'.repeat(ATTEMPT_ERROR_MAX - 2)}😀${'e'.repeat(10)}`;
    const cut = attemptErrorText(text);
    expect(cut).toBe(`${'e'.repeat(ATTEMPT_ERROR_MAX - 2)}…`);
    expect(cut.length).toBeLessThanOrEqual(ATTEMPT_ERROR_MAX);
    expect(cut.isWellFormed()).toBe(true);
  });
});
